"""When the nightly job fires, whether a missed night must be caught up, and the scheduler that runs it.

The time decisions are pure functions over a `now` passed in, so tests give them any clock. The
scheduler is APScheduler 3.x with a cron trigger in the configured time zone; its job defaults allow a
late run within hours (APScheduler's own default is one second), coalesce a backlog into one run and
never start a second instance while one is running.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from tracker.ops.settings import ScheduleConfig

log = logging.getLogger(__name__)

JOB_ID = "nightly"
Clock = Callable[[], datetime]
# A run that started up to this long before its scheduled time still counts for it (clocks drift).
COVER_TOLERANCE = timedelta(minutes=1)
# Every cron day set fires at least once a week, so a previous fire time lies within this window.
WEEK = timedelta(days=8)


def utc_now() -> datetime:
    return datetime.now(UTC)


def make_trigger(cfg: ScheduleConfig) -> CronTrigger:
    """The cron trigger of the nightly job, in the configured time zone."""
    return CronTrigger(day_of_week=cfg.days, hour=cfg.hour, minute=cfg.minute, second=0, timezone=cfg.tz)


def next_fire(cfg: ScheduleConfig, now: datetime) -> datetime:
    """The first scheduled time after `now` (never now itself)."""
    fire = make_trigger(cfg).get_next_fire_time(None, now + timedelta(microseconds=1))
    assert fire is not None  # a cron trigger without an end date always has a next time
    return fire


def fire_times_between(cfg: ScheduleConfig, start: datetime, end: datetime) -> list[datetime]:
    """Every scheduled time t with start <= t <= end, oldest first."""
    trigger = make_trigger(cfg)
    out: list[datetime] = []
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire <= end:
        out.append(fire)
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return out


def last_fire(cfg: ScheduleConfig, now: datetime) -> datetime | None:
    """The latest scheduled time at or before `now`."""
    times = fire_times_between(cfg, now - WEEK, now)
    return times[-1] if times else None


@dataclass(frozen=True)
class StartPlan:
    """What the scheduler does as it starts: catch up a missed night now or not, and when next."""

    catch_up: bool
    missed_at: datetime | None
    next_at: datetime
    reason: str


def _local(moment: datetime, cfg: ScheduleConfig) -> str:
    return moment.astimezone(cfg.tz).strftime("%Y-%m-%d %H:%M")


def plan_start(cfg: ScheduleConfig, last_success: datetime | None, now: datetime) -> StartPlan:
    """Decide at start-up whether a scheduled night since the last successful run was missed.

    However many nights were missed, they are caught up once. Without any successful run on record
    there is nothing to catch up: the first run waits for the schedule (or `xinxi schedule --once`).
    """
    upcoming = next_fire(cfg, now)
    last = last_fire(cfg, now)
    if last_success is None:
        return StartPlan(False, None, upcoming,
                         f"还没有成功的夜间运行记录；第一次将在 {_local(upcoming, cfg)} 运行"
                         "（要马上运行一次，用 xinxi schedule --once）。")
    if last is not None and last_success < last - COVER_TOLERANCE:
        late = now - last
        how = "在允许的延迟之内" if late <= timedelta(seconds=cfg.grace_seconds) else "已错过"
        return StartPlan(True, last, upcoming,
                         f"预定于 {_local(last, cfg)} 的运行{how}，上次成功运行开始于 {_local(last_success, cfg)}："
                         f"现在补跑一次；之后于 {_local(upcoming, cfg)} 运行。")
    return StartPlan(False, None, upcoming,
                     f"上次成功运行开始于 {_local(last_success, cfg)}；下次运行：{_local(upcoming, cfg)}。")


def build_scheduler(job: Callable[[], Any], cfg: ScheduleConfig, *,
                    scheduler_cls: type[BaseScheduler] = BlockingScheduler,
                    trigger: BaseTrigger | None = None) -> BaseScheduler:
    """A scheduler holding the nightly job, not yet started.

    The job runs in the scheduler's own thread (DebugExecutor), so a stop signal unwinds a running job
    and its crawl subprocess cleanly instead of leaving a worker thread behind.
    """
    scheduler = scheduler_cls(
        timezone=cfg.tz,
        executors={"default": DebugExecutor()},
        job_defaults={"misfire_grace_time": cfg.grace_seconds, "coalesce": True, "max_instances": 1},
    )
    scheduler.add_job(job, trigger or make_trigger(cfg), id=JOB_ID, name="夜间任务", replace_existing=True)
    return scheduler


def start_scheduler(job: Callable[[], Any], cfg: ScheduleConfig, last_success: datetime | None, *,
                    catch_up: Callable[[], Any] | None = None, clock: Clock = utc_now,
                    scheduler_cls: type[BaseScheduler] = BlockingScheduler,
                    trigger: BaseTrigger | None = None,
                    prepare: Callable[[BaseScheduler], Any] | None = None) -> tuple[StartPlan, BaseScheduler]:
    """Catch up a missed night once (synchronously, with `catch_up` or else `job`), then start the scheduler.

    `prepare` sees the scheduler before it starts. A BlockingScheduler returns only once it is shut
    down; a BackgroundScheduler returns at once.
    """
    plan = plan_start(cfg, last_success, clock())
    log.info("%s", plan.reason)
    if plan.catch_up:
        # Run before the scheduler starts, so a catch-up that runs past the scheduled time is not
        # followed by a second run for that same night.
        (catch_up or job)()
    scheduler = build_scheduler(job, cfg, scheduler_cls=scheduler_cls, trigger=trigger)
    if prepare is not None:
        prepare(scheduler)
    scheduler.start()
    return plan, scheduler
