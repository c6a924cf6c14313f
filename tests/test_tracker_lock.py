"""The run lock across real processes: refusal naming who holds it since when, recovery after kill -9."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tracker import store
from tracker.errors import LockHeld
from tracker.ops.lock import acquire, read_lock, release, run_lock

SH = ZoneInfo("Asia/Shanghai")

HOLDER = textwrap.dedent("""
    import sys, time
    from tracker import store
    from tracker.ops.lock import run_lock
    with run_lock(sys.argv[1], "夜间任务（测试）", heartbeat_every=0.2):
        db = store.open_db(sys.argv[1])
        run_id = store.start_run(db, "nightly", trigger="schedule")
        db.close()
        print(run_id, flush=True)
        time.sleep(120)
""")


@pytest.fixture
def holder(db_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """A real process that takes the lock, records a running run, and sleeps."""
    store.open_db(db_path).close()
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent)
    line = proc.stdout.readline() if proc.stdout else ""
    assert line.strip().isdigit(), proc.stderr.read() if proc.stderr else ""
    try:
        yield proc, int(line)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_live_holder_refuses_with_who_and_since_when(db_path: Path, holder) -> None:  # type: ignore[no-untyped-def]
    proc, _ = holder
    db = store.open_db(db_path)
    try:
        info = read_lock(db)
        assert info is not None and info.pid == proc.pid
        with pytest.raises(LockHeld) as caught:
            acquire(db, "手动抓取", tz=SH)
        since = info.acquired_at.astimezone(SH).strftime("%Y-%m-%d %H:%M:%S")
        message = str(caught.value)
        assert "夜间任务（测试）" in message
        assert f"进程 {proc.pid}" in message and socket.gethostname() in message
        assert f"自 {since} 起" in message
        assert read_lock(db) == info  # a refused taker changes nothing
    finally:
        db.close()


def test_a_manual_crawl_is_refused_while_the_lock_is_held(db_path: Path, settings, holder) -> None:  # type: ignore[no-untyped-def]
    proc, _ = holder
    xinxi = Path(sys.executable).parent / "xinxi"
    result = subprocess.run([str(xinxi), "--db", str(db_path), "--base-url", "czgh=http://127.0.0.1:9",
                             "crawl"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "夜间任务（测试）" in result.stderr and f"进程 {proc.pid}" in result.stderr
    db = store.open_db(db_path)
    try:
        assert [r["kind"] for r in store.list_runs(db)] == ["nightly"]  # no crawl run was started
    finally:
        db.close()


def test_a_lock_left_by_a_killed_process_is_recovered(db_path: Path, holder) -> None:  # type: ignore[no-untyped-def]
    proc, run_id = holder
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    db = store.open_db(db_path)
    try:
        assert read_lock(db).pid == proc.pid  # the dead process could not clean up
        info = acquire(db, "手动抓取")
        assert read_lock(db) == info and info.pid == os.getpid()
        run = store.get_run(db, run_id)
        assert run["status"] == "killed"
        assert f"进程 {proc.pid} 已不在运行" in run["error"] and run["finished_at"]
        release(db, info)
        assert read_lock(db) is None
    finally:
        db.close()


def _plant(db_path: Path, pid: int, host: str, heartbeat: datetime) -> None:
    db = store.open_db(db_path)
    try:
        assert store.lock_take(db, "crawl", "别处的任务", pid, host, "old-token", heartbeat.isoformat())
    finally:
        db.close()


def test_a_silent_holder_on_another_host_goes_stale_after_the_limit(db_path: Path) -> None:
    planted = datetime(2025, 3, 2, 2, 30, tzinfo=UTC)
    _plant(db_path, os.getpid(), "another-host", planted)
    db = store.open_db(db_path)
    try:
        with pytest.raises(LockHeld):
            acquire(db, "夜间任务", stale_after=timedelta(minutes=30), clock=lambda: planted + timedelta(minutes=20))
        info = acquire(db, "夜间任务", stale_after=timedelta(minutes=30),
                       clock=lambda: planted + timedelta(minutes=45))
        assert info.holder == "夜间任务" and read_lock(db).token == info.token
    finally:
        db.close()


def test_nested_use_in_one_process_and_release_only_by_the_owner(db_path: Path) -> None:
    store.open_db(db_path).close()
    with run_lock(db_path, "夜间任务") as outer:
        with run_lock(db_path, "手动抓取") as inner:
            assert inner == outer
        db = store.open_db(db_path)
        try:
            assert read_lock(db) == outer  # the inner block did not release it
            store.lock_release(db, "crawl", "someone-else")
            assert read_lock(db) == outer
        finally:
            db.close()
    db = store.open_db(db_path)
    try:
        assert read_lock(db) is None
    finally:
        db.close()


def test_the_heartbeat_moves_while_the_lock_is_held(db_path: Path) -> None:
    store.open_db(db_path).close()
    ticks = iter(datetime(2025, 3, 2, 2, 30, tzinfo=UTC) + timedelta(minutes=i) for i in range(10_000))
    with run_lock(db_path, "夜间任务", heartbeat_every=0.05, clock=lambda: next(ticks)) as info:
        db = store.open_db(db_path)
        try:
            import time

            deadline = time.monotonic() + 5
            while read_lock(db).heartbeat_at == info.heartbeat_at and time.monotonic() < deadline:
                time.sleep(0.05)
            assert read_lock(db).heartbeat_at > info.heartbeat_at
        finally:
            db.close()
