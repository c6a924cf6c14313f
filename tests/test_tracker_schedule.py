"""The nightly schedule: fire times in Asia/Shanghai, catch-up decisions over an injected clock, and the
real APScheduler scheduler run for a few seconds."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler

from tracker import store
from tracker.config import DEFAULT_CONFIG_DIR
from tracker.ops.lock import read_lock
from tracker.ops.schedule import (
    JOB_ID,
    build_scheduler,
    fire_times_between,
    last_fire,
    next_fire,
    plan_start,
    start_scheduler,
)
from tracker.ops.settings import ScheduleConfig

SH = ZoneInfo("Asia/Shanghai")
CFG = ScheduleConfig()  # 02:30 every day, Asia/Shanghai, 6 hours' grace


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (sh(2025, 3, 1, 1, 0), sh(2025, 3, 1, 2, 30)),
        (sh(2025, 3, 1, 2, 30), sh(2025, 3, 2, 2, 30)),                # exactly at the time: the next night
        (sh(2025, 3, 1, 2, 29, 59), sh(2025, 3, 1, 2, 30)),
        # 18:00 UTC is 02:00 the next morning in Shanghai: the fire is 18:30 UTC, not 02:30 UTC.
        (datetime(2025, 3, 1, 18, 0, tzinfo=UTC), sh(2025, 3, 2, 2, 30)),
        (datetime(2025, 12, 31, 23, 0, tzinfo=UTC), sh(2026, 1, 2, 2, 30)),
    ],
)
def test_fires_at_the_configured_time_in_shanghai(now: datetime, expected: datetime) -> None:
    fire = next_fire(CFG, now)
    assert fire == expected
    assert fire.utcoffset() == timedelta(hours=8)
    assert fire.astimezone(UTC) == expected.astimezone(UTC)


def test_weekday_schedule_and_fire_time_listing() -> None:
    cfg = ScheduleConfig(hour=22, minute=5, days="mon-fri")
    # 2025-03-07 is a Friday: the next fire after its evening run is Monday the 10th.
    assert next_fire(cfg, sh(2025, 3, 7, 23, 0)) == sh(2025, 3, 10, 22, 5)
    assert last_fire(cfg, sh(2025, 3, 9, 12, 0)) == sh(2025, 3, 7, 22, 5)
    assert fire_times_between(CFG, sh(2025, 3, 1, 2, 30), sh(2025, 3, 3, 2, 30)) == [
        sh(2025, 3, 1, 2, 30), sh(2025, 3, 2, 2, 30), sh(2025, 3, 3, 2, 30)]


def test_no_catch_up_before_the_time_or_after_a_run_for_it() -> None:
    before = plan_start(CFG, sh(2025, 3, 1, 2, 30, 4), now=sh(2025, 3, 2, 2, 20))
    assert not before.catch_up and before.next_at == sh(2025, 3, 2, 2, 30)
    after = plan_start(CFG, sh(2025, 3, 2, 2, 30, 2), now=sh(2025, 3, 2, 9, 0))
    assert not after.catch_up and after.next_at == sh(2025, 3, 3, 2, 30)


def test_a_late_start_within_the_grace_runs_once() -> None:
    plan = plan_start(CFG, last_success=sh(2025, 3, 1, 2, 30, 5), now=sh(2025, 3, 2, 2, 45))
    assert plan.catch_up
    assert plan.missed_at == sh(2025, 3, 2, 2, 30)
    assert plan.next_at == sh(2025, 3, 3, 2, 30)
    assert "允许的延迟之内" in plan.reason


def test_a_start_after_missed_nights_catches_up_once() -> None:
    # The machine was off from the 2nd to the evening of the 5th: three nights, one catch-up.
    plan = plan_start(CFG, last_success=sh(2025, 3, 1, 2, 30, 5), now=sh(2025, 3, 5, 20, 0))
    assert plan.catch_up
    assert plan.missed_at == sh(2025, 3, 5, 2, 30)
    assert "已错过" in plan.reason and "补跑一次" in plan.reason


def test_nothing_to_catch_up_without_a_successful_run() -> None:
    plan = plan_start(CFG, last_success=None, now=sh(2025, 3, 5, 20, 0))
    assert not plan.catch_up
    assert "xinxi schedule --once" in plan.reason


def test_job_defaults_allow_hours_coalesce_and_one_instance() -> None:
    scheduler = build_scheduler(lambda: None, CFG, scheduler_cls=BackgroundScheduler)
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job(JOB_ID)
        assert job.misfire_grace_time == 6 * 3600
        assert job.coalesce is True
        assert job.max_instances == 1
        # The real scheduler agrees with the pure function on when it fires next.
        assert job.next_run_time == next_fire(CFG, datetime.now(UTC))
        assert (job.next_run_time.astimezone(SH).hour, job.next_run_time.astimezone(SH).minute) == (2, 30)
    finally:
        scheduler.shutdown(wait=False)


def _config_an_hour_ago(hours: float) -> ScheduleConfig:
    """A daily schedule whose time passed `hours` ago, so a real scheduler meets a late job now."""
    at = datetime.now(SH) - timedelta(hours=hours)
    return ScheduleConfig(hour=at.hour, minute=at.minute)


def _run_scheduler(cfg: ScheduleConfig, late_by_days: int, events: int) -> tuple[list[str], list[int]]:
    """Start a real scheduler whose job is `late_by_days` nights behind; collect what happened."""
    ran: list[str] = []
    seen: list[int] = []
    done = threading.Event()
    scheduler = build_scheduler(lambda: ran.append("ran"), cfg, scheduler_cls=BackgroundScheduler)

    def listen(event: JobExecutionEvent) -> None:
        seen.append(event.code)
        if len(seen) >= events:
            done.set()

    scheduler.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED)
    scheduler.start(paused=True)
    try:
        behind = last_fire(cfg, datetime.now(UTC)) - timedelta(days=late_by_days)
        scheduler.modify_job(JOB_ID, next_run_time=behind)
        scheduler.resume()
        assert done.wait(10)
        time.sleep(0.5)  # room for a second run, which must not come
        next_run = scheduler.get_job(JOB_ID).next_run_time
    finally:
        scheduler.shutdown(wait=True)
    assert next_run == next_fire(cfg, datetime.now(UTC))
    return ran, seen


def test_a_real_scheduler_runs_a_late_backlog_once_within_the_grace() -> None:
    # Three nights due (the scheduler was blocked), the latest an hour ago: one run, then tomorrow.
    ran, seen = _run_scheduler(_config_an_hour_ago(1), late_by_days=2, events=1)
    assert ran == ["ran"]
    assert seen == [EVENT_JOB_EXECUTED]


def test_a_real_scheduler_skips_a_run_later_than_the_grace() -> None:
    ran, seen = _run_scheduler(_config_an_hour_ago(7), late_by_days=0, events=1)
    assert ran == []
    assert seen == [EVENT_JOB_MISSED]


def test_start_catches_up_once_with_an_injected_clock() -> None:
    ran: list[str] = []
    clock = lambda: sh(2025, 3, 5, 20, 0)  # noqa: E731 (a clock is a one-line function)
    plan, scheduler = start_scheduler(lambda: ran.append("scheduled"), CFG, sh(2025, 3, 1, 2, 31),
                                      catch_up=lambda: ran.append("catch-up"), clock=clock,
                                      scheduler_cls=BackgroundScheduler)
    try:
        assert plan.catch_up and plan.missed_at == sh(2025, 3, 5, 2, 30)
        time.sleep(1.0)
        assert ran == ["catch-up"]
        job = scheduler.get_job(JOB_ID)
        assert job.next_run_time == next_fire(CFG, datetime.now(UTC))
    finally:
        scheduler.shutdown(wait=False)


def test_start_without_a_missed_night_only_waits() -> None:
    ran: list[str] = []
    plan, scheduler = start_scheduler(lambda: ran.append("x"), CFG, sh(2025, 3, 5, 2, 30, 3),
                                      clock=lambda: sh(2025, 3, 5, 20, 0), scheduler_cls=BackgroundScheduler)
    try:
        time.sleep(0.5)
        assert not plan.catch_up and ran == []
    finally:
        scheduler.shutdown(wait=False)


def _wait_for(predicate, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_second_scheduler_is_refused_and_sigterm_stops_the_first(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    db_path = tmp_path / "xinxi.db"
    xinxi = Path(sys.executable).parent / "xinxi"
    argv = [str(xinxi), "--config", str(config), "--db", str(db_path), "schedule"]
    first = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def started() -> bool:
            # Read without migrating: the scheduler may still be creating the schema.
            try:
                conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
                try:
                    return conn.execute("SELECT 1 FROM run_lock WHERE name = 'scheduler'").fetchone() is not None
                finally:
                    conn.close()
            except sqlite3.OperationalError:
                return False

        assert _wait_for(started), first.stderr.read() if first.poll() is not None else "no lock"
        second = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert second.stderr.startswith("错误：另一个调度程序已在运行：调度程序 xinxi schedule（主机 ")
        assert f"进程 {first.pid}）" in second.stderr and "systemctl stop xinxi" in second.stderr
        assert "请等它结束" not in second.stderr and "Traceback" not in second.stderr

        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=20) == 0
        assert "收到停止信号" in first.stderr.read()
        db = store.open_db(db_path)
        try:
            assert read_lock(db, "scheduler") is None
        finally:
            db.close()
    finally:
        if first.poll() is None:
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
