"""The run lock: one crawl or nightly job at a time, across processes, held in the database.

A holder writes who it is, its pid and host, and a heartbeat every minute. A lock is stale, and may be
taken over, when its pid is dead on this host or its heartbeat is older than the configured limit; the
runs the dead holder left as running are then closed as killed. Ownership is a random token, so a
holder that lost its lock cannot release or refresh someone else's.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from tracker import store
from tracker.errors import LockHeld

log = logging.getLogger(__name__)

LOCK_NAME = "crawl"
SCHEDULER_LOCK = "scheduler"
DEFAULT_STALE_AFTER = timedelta(minutes=30)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class LockInfo:
    name: str
    holder: str
    pid: int
    host: str
    token: str
    acquired_at: datetime
    heartbeat_at: datetime


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _local(moment: datetime, tz: ZoneInfo | None) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if tz else _stamp(moment)


def read_lock(db: Database, name: str = LOCK_NAME) -> LockInfo | None:
    """Who holds the lock now, or None when it is free."""
    row = store.lock_row(db, name)
    if row is None:
        return None
    return LockInfo(
        name=row["name"], holder=row["holder"], pid=row["pid"], host=row["host"], token=row["token"],
        acquired_at=datetime.fromisoformat(row["acquired_at"]),
        heartbeat_at=datetime.fromisoformat(row["heartbeat_at"]),
    )


def pid_alive(pid: int) -> bool:
    """True when a process with this id exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def stale_reason(info: LockInfo, *, now: datetime, stale_after: timedelta = DEFAULT_STALE_AFTER,
                 host: str | None = None) -> str | None:
    """Why the lock may be taken over, in words, or None while its holder is alive."""
    host = host or socket.gethostname()
    if info.host == host and not pid_alive(info.pid):
        return f"持有锁的进程 {info.pid} 已不在运行"
    silent = now - info.heartbeat_at
    if silent > stale_after:
        return f"持有者已 {int(silent.total_seconds() // 60)} 分钟没有心跳"
    return None


def held_message(info: LockInfo, tz: ZoneInfo | None = None) -> str:
    """Who holds the lock since when, and what to do about it, in one paragraph."""
    if info.name == SCHEDULER_LOCK:
        # A scheduler never finishes by itself: waiting is no advice.
        return (
            f"另一个调度程序已在运行：{info.holder}（主机 {info.host}，进程 {info.pid}），"
            f"自 {_local(info.acquired_at, tz)} 起，最近一次心跳 {_local(info.heartbeat_at, tz)}。"
            "同一时间只能有一个；要换用这一个，先停止那个（systemd 下用 systemctl stop xinxi）。"
        )
    return (
        f"另一项任务正在运行：{info.holder}（主机 {info.host}，进程 {info.pid}），"
        f"自 {_local(info.acquired_at, tz)} 起持有运行锁，最近一次心跳 {_local(info.heartbeat_at, tz)}。"
        "请等它结束后再试。"
    )


def acquire(db: Database, holder: str, *, name: str = LOCK_NAME,
            stale_after: timedelta = DEFAULT_STALE_AFTER, clock: Clock = utc_now,
            tz: ZoneInfo | None = None) -> LockInfo:
    """Take the lock, recovering it from a dead holder; raise LockHeld while a live one has it."""
    host, pid = socket.gethostname(), os.getpid()
    for _ in range(3):  # a race lost to another taker is retried against the new row
        now = clock()
        token = secrets.token_hex(16)
        current = read_lock(db, name)
        replacing = None
        if current is not None:
            reason = stale_reason(current, now=now, stale_after=stale_after, host=host)
            if reason is None:
                raise LockHeld(held_message(current, tz))
            replacing = current.token
        if store.lock_take(db, name, holder, pid, host, token, _stamp(now), replacing=replacing):
            if current is not None:
                error = f"运行被中断：{reason}，运行锁已由 {holder} 接管"
                killed = store.mark_runs_killed(db, current.pid, current.host, error)
                log.warning("接管了失效的运行锁（%s；原持有者 %s，进程 %s）；标记为中断的运行：%s",
                            reason, current.holder, current.pid, killed or "无")
            return LockInfo(name, holder, pid, host, token, now, now)
    current = read_lock(db, name)
    raise LockHeld(held_message(current, tz) if current else "运行锁正被争用，请稍后再试。")


def release(db: Database, info: LockInfo) -> None:
    store.lock_release(db, info.name, info.token)


class _Heartbeat(threading.Thread):
    """Refresh the lock's heartbeat on its own connection until stopped."""

    def __init__(self, db_path: Path, info: LockInfo, every: float, clock: Clock) -> None:
        super().__init__(name="xinxi-lock-heartbeat", daemon=True)
        self.db_path, self.info, self.every, self.clock = db_path, info, every, clock
        self.stop = threading.Event()

    def run(self) -> None:
        db = store.open_db(self.db_path, migrate=False)
        try:
            while not self.stop.wait(self.every):
                try:
                    if not store.lock_heartbeat(db, self.info.name, self.info.token, _stamp(self.clock())):
                        log.error("运行锁已被别的进程接管；本次运行仍会做完，但请检查是否有重复运行。")
                        return
                except Exception:
                    log.exception("更新运行锁心跳失败")
        finally:
            db.close()


@contextmanager
def run_lock(db_path: Path | str, holder: str, *, name: str = LOCK_NAME,
             stale_after: timedelta = DEFAULT_STALE_AFTER, heartbeat_every: float = 60.0,
             clock: Clock = utc_now, tz: ZoneInfo | None = None) -> Iterator[LockInfo]:
    """Hold the run lock for the block, with a heartbeat; nested use in the same process is a no-op.

    Raises LockHeld with who holds it since when.
    """
    db_path = Path(db_path)
    db = store.open_db(db_path)
    try:
        current = read_lock(db, name)
        if current and current.pid == os.getpid() and current.host == socket.gethostname():
            yield current  # already ours: the nightly job holds it around the crawl it starts
            return
        info = acquire(db, holder, name=name, stale_after=stale_after, clock=clock, tz=tz)
        beat = _Heartbeat(db_path, info, heartbeat_every, clock)
        beat.start()
        try:
            yield info
        finally:
            beat.stop.set()
            beat.join(timeout=10)
            release(db, info)
    finally:
        db.close()
