"""The nightly job: a list of steps run under the run lock, recorded as one `nightly` run, then alerts.

A step is one line in `DEFAULT_STEPS`. A step that fails is recorded with its error and the job goes on
with the next one (health and alerts must still run after a failed crawl); the run is then `failed` and
the exit status non-zero. `serve` is the long-running scheduler behind `xinxi schedule`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from sqlite_utils import Database

from scoring.periods import year_period
from tracker import store
from tracker.attribution import review
from tracker.config import Settings
from tracker.errors import LockHeld, XinxiError
from tracker.ops import alerts, health, runs
from tracker.ops.health import Finding
from tracker.ops.lock import SCHEDULER_LOCK, run_lock, utc_now
from tracker.ops.runs import CrawlRequest, crawl
from tracker.ops.schedule import Clock, StartPlan, next_fire, start_scheduler
from tracker.ops.settings import OpsSettings
from tracker.scores.scorer import Scorer
from tracker.times import shown_time
from tracker.units import load_units

log = logging.getLogger(__name__)

FIGURES = ("requests", "new", "updated", "errors", "parse_failures")


@dataclass(frozen=True)
class JobContext:
    settings: Settings
    ops: OpsSettings
    db: Database
    run_id: int
    trigger: str       # manual | schedule | catchup
    clock: Clock


@dataclass(frozen=True)
class StepResult:
    summary: str
    error: str | None = None                 # set: the step failed
    findings: tuple[Finding, ...] = ()       # new warnings it opened, for the alert


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    run: Callable[[JobContext], StepResult]


def crawl_step(ctx: JobContext) -> StepResult:
    """Crawl every configured site, each in its own process."""
    trigger = "manual" if ctx.trigger == "manual" else "schedule"
    outcome = crawl(ctx.settings, CrawlRequest(trigger=trigger, progress=False))
    children = [store.get_run(ctx.db, i) for i in store.adopt_child_runs(ctx.db, ctx.run_id)]
    totals = {k: sum(int(r.get(k) or 0) for r in children) for k in FIGURES}
    store.set_run_totals(ctx.db, ctx.run_id, totals)
    parts = []
    for site in outcome.sites:
        name = ctx.settings.site(site.site).name
        run = next((r for r in children if r["id"] == site.run_id), {})
        parts.append(f"{name}：{runs.STATUS_WORDS.get(site.status, site.status)}，新文章 {run.get('new', 0)} 篇，"
                     f"更新 {run.get('updated', 0)} 篇，解析失败 {run.get('parse_failures', 0)}，"
                     f"请求出错 {run.get('errors', 0)}")
    errors = [f"{ctx.settings.site(s.site).name}：{s.error or '原因不明'}" for s in outcome.sites if s.status not in runs.SUCCESS]
    return StepResult("；".join(parts) or "没有要抓取的网站", "；".join(errors) or None)


def health_step(ctx: JobContext) -> StepResult:
    """Run every check and keep the warnings table in step with what they find."""
    ops = ctx.ops
    findings = health.evaluate(ctx.db, ctx.settings, ops.health, ops.schedule, ctx.clock())
    opened = health.record(ctx.db, findings, ctx.run_id)
    return StepResult(f"{len(findings)} 条提醒，其中新增 {len(opened)} 条", findings=tuple(opened))


def attribute_step(ctx: JobContext) -> StepResult:
    """Attribute the articles the crawl brought in (and those a recrawl changed)."""
    done = review.attribute_pending(ctx.db, load_units(ctx.settings.config_dir))
    counts = store.attribution_counts(ctx.db)
    return StepResult(f"本次归属 {done.total} 篇（自动 {sum(done.automatic.values())}，待审 {done.review}）；"
                      + review.summary_text(counts))


def score_step(ctx: JobContext) -> StepResult:
    """Refresh this year's draft scores, so a failure in the rules or the data shows up tonight."""
    year = ctx.clock().astimezone(ctx.settings.tz).year
    board = Scorer.load(ctx.settings).score(ctx.db, year_period(year))
    districts = [r for r in board.of_kind("district") if r.rank == 1]
    behind = [r for r in board.of_kind("department") if r.met is False]
    lead = "、".join(f"{r.unit.name}（{r.total} 分）" for r in districts) or "暂无"
    return StepResult(f"{year} 年度草稿得分：辖市区第一 {lead}；未达标部室 {len(behind)} 个；"
                      f"未计分的已归属信息 {len(board.skipped)} 条")


def statements_step(ctx: JobContext) -> StepResult:
    """Once a month, mail each unit last month's statement (off unless config/mail.toml turns it on)."""
    from tracker.reports import sending  # openpyxl loads only when statements may be sent

    today = ctx.clock().astimezone(ctx.settings.tz).date()
    summary, error = sending.send_monthly(ctx.db, ctx.settings, ctx.ops.alerts.email, today)
    return StepResult(summary, error)


DEFAULT_STEPS: tuple[Step, ...] = (
    Step("crawl", "抓取", crawl_step),
    Step("attribute", "归属单位", attribute_step),
    Step("score", "刷新本年度草稿得分", score_step),
    Step("statements", "每月发送计分说明", statements_step),
    Step("health", "检查运行状况", health_step),
)


@dataclass(frozen=True)
class NightlyResult:
    run_id: int
    status: str                                      # ok | failed
    error: str | None
    findings: tuple[Finding, ...] = ()
    deliveries: tuple[alerts.Delivery, ...] = field(default_factory=tuple)

    @property
    def exit_code(self) -> int:
        return 0 if self.status == "ok" else 1


def _attempt(ctx: JobContext, step: Step) -> StepResult:
    """Run one step on its own connection (it runs in a worker thread); a failure becomes its result."""
    db = store.open_db(ctx.settings.db_path)
    try:
        return step.run(dataclasses.replace(ctx, db=db))
    except Exception as exc:  # a step's failure is recorded and the job goes on with the next step
        log.exception("步骤失败：%s", step.label)
        message = str(exc) if isinstance(exc, XinxiError) else f"{type(exc).__name__}: {exc}"
        return StepResult("", message)
    finally:
        db.close()


def child_pids() -> list[int]:
    """Processes this one started that are still running (Linux /proc; empty elsewhere)."""
    me, found = os.getpid(), []
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            stat = entry.read_text()
        except OSError:
            continue  # ended while we looked
        # The command name may hold spaces and parentheses: the fields after its last ")" are fixed.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and fields[1] == str(me):
            found.append(int(entry.parent.name))
    return found


def _bounded(ctx: JobContext, step: Step) -> StepResult:
    """Run a step, but stop waiting for it after [schedule] step_limit_minutes; its processes are ended."""
    limit = ctx.ops.schedule.step_limit_minutes
    box: list[StepResult] = []
    worker = threading.Thread(target=lambda: box.append(_attempt(ctx, step)), name=f"xinxi-step-{step.key}",
                              daemon=True)
    worker.start()
    worker.join(limit * 60)
    if not worker.is_alive():
        return box[0]
    # A crawl past its bound is a child process: end it, so it stops writing and its run is closed.
    ended = child_pids()
    for pid in ended:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    worker.join(30)
    log.error("步骤超时：%s（超过 %g 分钟），已停止", step.label, limit)
    return StepResult(box[0].summary if box else "",
                      f"超过 {limit:g} 分钟仍未完成（上限见 settings.toml [schedule] step_limit_minutes），已停止"
                      + (f"，结束了 {len(ended)} 个子进程" if ended else ""))


def _run_step(ctx: JobContext, step: Step) -> StepResult:
    started = store.now()
    log.info("开始：%s", step.label)
    result = _bounded(ctx, step)
    store.save_step(ctx.db, ctx.run_id, step.key, step.label, "failed" if result.error else "ok", started,
                    result.summary, result.error)
    log.info("%s：%s%s", step.label, result.summary, f"；错误：{result.error}" if result.error else "")
    return result


def run_nightly(settings: Settings, ops: OpsSettings, *, trigger: str = "schedule",
                steps: Sequence[Step] = DEFAULT_STEPS, clock: Clock = utc_now) -> NightlyResult:
    """Run the nightly job once: take the lock, run the steps, record the run, send alerts."""
    db = store.open_db(settings.db_path)
    try:
        run_id = store.start_run(db, "nightly", trigger=trigger)
        failures: list[tuple[str, str]] = []
        findings: list[Finding] = []
        try:
            with run_lock(settings.db_path, f"夜间任务（运行 #{run_id}）",
                          stale_after=timedelta(minutes=ops.schedule.lock_stale_minutes),
                          heartbeat_every=ops.schedule.heartbeat_seconds, clock=clock, tz=ops.schedule.tz):
                ctx = JobContext(settings, ops, db, run_id, trigger, clock)
                for step in steps:
                    result = _run_step(ctx, step)
                    if result.error:
                        failures.append((step.label, result.error))
                    findings += result.findings
        except LockHeld as exc:
            failures.append(("运行锁", str(exc)))
        except BaseException:
            # A stop signal or Ctrl-C: close this run and the crawl runs it started as killed.
            store.mark_runs_killed(db, os.getpid(), socket.gethostname(), "被中止（收到停止信号）")
            raise
        status = "failed" if failures else "ok"
        error = "；".join(f"{label}：{err}" for label, err in failures) or None
        store.finish_run(db, run_id, status, error)
        run = store.get_run(db, run_id)
        # This run's own outcome opens or resolves the failed-run warning.
        health.record(db, [health.run_finding(run, ops.schedule.tz)] if failures else [], run_id,
                      checks=("failed_run",))
        deliveries = _alert(db, ops, run, failures, findings)
        log.info("夜间运行 #%s 结束：%s", run_id, "成功" if status == "ok" else f"失败（{error}）")
        return NightlyResult(run_id, status, error, tuple(findings), tuple(deliveries))
    finally:
        db.close()


def _alert(db: Database, ops: OpsSettings, run: dict[str, Any], failures: list[tuple[str, str]],
           findings: list[Finding]) -> list[alerts.Delivery]:
    started = shown_time(run["started_at"], ops.schedule.tz)
    summary = alerts.RunSummary(run["id"], run["status"], started, tuple(failures))
    told = {f.key for f in findings} | ({"failed_run"} if failures else set())
    still_open = sum(w["key"] not in told for w in store.open_warnings(db))
    alert = alerts.compose(ops.alerts.subject_prefix, summary, findings, still_open=still_open,
                           min_level=ops.alerts.min_level)
    if alert is None:
        return []
    deliveries = alerts.deliver(alert, ops.alerts)
    failed = [d for d in deliveries if not d.ok]
    if deliveries:
        store.save_step(db, run["id"], "alert", "发送提醒", "failed" if failed else "ok", store.now(),
                        f"{alert.subject}：已发送 {len(deliveries) - len(failed)}/{len(deliveries)} 个渠道",
                        "；".join(f"{d.channel}：{d.error}" for d in failed) or None)
    return deliveries


def last_success(db: Database) -> datetime | None:
    """When the last successful nightly run started."""
    run = store.last_run(db, "nightly", statuses=("ok",))
    return datetime.fromisoformat(run["started_at"]) if run else None


def serve(settings: Settings, ops: OpsSettings, *, clock: Clock = utc_now,
          scheduler_cls: type[BaseScheduler] = BlockingScheduler,
          trigger: BaseTrigger | None = None) -> StartPlan:
    """`xinxi schedule`: hold the scheduler lock, catch up a missed night, then run nightly until stopped."""
    db = store.open_db(settings.db_path)
    try:
        since = last_success(db)
    finally:
        db.close()
    cfg = ops.schedule
    holder: list[BaseScheduler] = []

    def stop(signum: int, frame: FrameType | None) -> None:
        log.warning("收到停止信号（%s），正在停止调度程序……", signal.Signals(signum).name)
        if holder and holder[0].running:
            holder[0].shutdown(wait=False)
        raise SystemExit(0)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    def nightly(trigger_name: str) -> Callable[[], None]:
        def job() -> None:
            run_nightly(settings, ops, trigger=trigger_name, clock=clock)
            log.info("下次运行：%s", next_fire(cfg, clock()).astimezone(cfg.tz).strftime("%Y-%m-%d %H:%M"))
        return job

    with run_lock(settings.db_path, "调度程序 xinxi schedule", name=SCHEDULER_LOCK,
                  stale_after=timedelta(minutes=cfg.lock_stale_minutes), heartbeat_every=cfg.heartbeat_seconds,
                  clock=clock, tz=cfg.tz):
        plan, _ = start_scheduler(
            nightly("schedule"), cfg, since, catch_up=nightly("catchup"), clock=clock, scheduler_cls=scheduler_cls, trigger=trigger, prepare=holder.append,
        )
    return plan
