"""Run health: checks over the store that name what a person must look at.

Each check returns findings; `store.sync_warnings` turns them into open warnings, which stay open until a
later evaluation no longer finds them. Thresholds come from [health] in settings.toml.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from tracker import store
from tracker.config import Settings
from tracker.ops.runs import STOPPED
from tracker.ops.schedule import fire_times_between
from tracker.ops.settings import HealthConfig, ScheduleConfig
from tracker.times import shown_date, shown_time

SITE_CHECKS = ("redesign", "parse_failures", "missing_source", "stale_site", "failed_crawl", "bounds", "blocked")
RUN_CHECKS = ("failed_run", "missed_run")
NOTICE_CHECKS = ("notice_waiting",)
CHECKS = SITE_CHECKS + RUN_CHECKS + NOTICE_CHECKS
MISSED_TOLERANCE = timedelta(minutes=1)
LOOKBACK = timedelta(days=31)  # a missed night older than this is old news


@dataclass(frozen=True)
class Finding:
    key: str
    check_name: str
    level: str                 # warning | error
    message: str
    site: str | None = None
    column_key: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def as_row(self) -> dict[str, Any]:
        return {"key": self.key, "check_name": self.check_name, "level": self.level, "message": self.message,
                "site": self.site, "column_key": self.column_key, "detail": self.detail}


def _when(stamp: str | None, tz: Any) -> str:
    if not stamp:
        return "时间不明"
    return shown_time(stamp, tz)


def _rate(run: dict[str, Any]) -> tuple[int, float]:
    """(parse failures, their share of the article pages fetched) for one run."""
    failures = int(run.get("parse_failures") or 0)
    fetched = failures + int(run.get("new") or 0) + int(run.get("updated") or 0)
    return failures, (failures / fetched if fetched else 0.0)


def check_site(db: Database, settings: Settings, site_key: str, cfg: HealthConfig, today: date) -> list[Finding]:
    """Checks over one site's latest crawl runs and stored articles."""
    site = settings.site(site_key)
    names = {c.key: c.name for c in site.columns}
    out: list[Finding] = []
    runs = store.finished_site_runs(db, site_key, cfg.baseline_runs + 1)
    latest = runs[0] if runs else None
    if latest is not None:
        if latest.get("bounds"):
            out.append(Finding(
                f"bounds:{site_key}", "bounds", "warning",
                f"{site.name}：最近一次抓取（运行 #{latest['id']}）达到上限或需注意：{latest['bounds']}。"
                "如果网站确实更大，请调高 config/sites.toml 中的上限；否则请人工查看这些页面。",
                site_key, detail={"run_id": latest["id"]},
            ))
        if latest["status"] == "blocked":
            out.append(Finding(
                f"blocked:{site_key}", "blocked", "error",
                f"{site.name}：最近一次抓取（运行 #{latest['id']}）被网站拒绝：{latest['error'] or '原因不明'}",
                site_key, detail={"run_id": latest["id"]},
            ))
        if latest["status"] in STOPPED:
            out.append(Finding(
                f"failed_crawl:{site_key}", "failed_crawl", "error",
                f"{site.name}：最近一次抓取（运行 #{latest['id']}）失败：{latest['error'] or '原因不明'}",
                site_key, detail={"run_id": latest["id"]},
            ))
        for key, fig in latest["columns"].items():
            name = names.get(key, key)
            if fig["list_pages"] and not fig["links"]:
                out.append(Finding(
                    f"redesign:{site_key}:{key}", "redesign", "warning",
                    f"{site.name}「{name}」栏目的列表页打开了，但找不到任何文章链接：网站可能改版了，请人工查看"
                    "并更新 config/sites.toml 中的栏目设置。",
                    site_key, key, {"run_id": latest["id"], "list_pages": fig["list_pages"]},
                ))
            elif not fig["list_pages"] and fig["errors"] and latest["status"] == "ok":
                # In a failed run the whole site was out of reach: failed_crawl already says so.
                out.append(Finding(
                    f"redesign:{site_key}:{key}", "redesign", "warning",
                    f"{site.name}「{name}」栏目的列表页打不开（{fig['errors']} 次请求出错）：地址可能变了，请人工查看。",
                    site_key, key, {"run_id": latest["id"], "errors": fig["errors"]},
                ))
        out += _parse_jump(site.name, site_key, latest, runs[1:], cfg)
        out += _source_jump(db, site.name, site_key, latest["id"], cfg)
    # Judged by when new articles were fetched, not by the date they claim: a page dated 2099 must not
    # make a silent site look fresh.
    last_new = store.last_new_article_at(db, site_key)
    if last_new is not None:
        quiet = (today - date.fromisoformat(shown_date(last_new, settings.timezone))).days
        limit = cfg.stale_days_for(site_key)
        if quiet > limit:
            out.append(Finding(
                f"stale_site:{site_key}", "stale_site", "warning",
                f"{site.name} 已经 {quiet} 天没有抓到新文章（最近一次抓到新文章在 {shown_time(last_new, settings.timezone)}，提醒界限 {limit} 天）："
                "请确认网站是否停更，或抓取是否漏了栏目。",
                site_key, detail={"last_new_at": last_new, "days": quiet},
            ))
    return out


def _parse_jump(name: str, site_key: str, latest: dict[str, Any], earlier: list[dict[str, Any]],
                cfg: HealthConfig) -> list[Finding]:
    failures, rate = _rate(latest)
    ok_earlier = [r for r in earlier if r["status"] == "ok"]
    baseline = sum(_rate(r)[1] for r in ok_earlier) / len(ok_earlier) if ok_earlier else 0.0
    if failures < cfg.parse_failure_min or rate - baseline < cfg.parse_failure_jump:
        return []
    return [Finding(
        f"parse_failures:{site_key}", "parse_failures", "warning",
        f"{name}：运行 #{latest['id']} 中有 {failures} 篇文章页解析失败（占 {rate:.0%}，此前平均 {baseline:.0%}）："
        "文章页的版式可能变了：用 xinxi runs 看是哪些栏目、xinxi failures 看是哪些文章，并把运行编号告诉维护人员。",
        site_key, detail={"run_id": latest["id"], "failures": failures, "rate": rate, "baseline": baseline},
    )]


def _source_jump(db: Database, name: str, site_key: str, run_id: int, cfg: HealthConfig) -> list[Finding]:
    fetched, missing, before, missing_before = store.source_counts(db, site_key, run_id)
    if not fetched or not before:
        return []  # the first crawl of a site has nothing to jump from
    share = missing / fetched
    baseline = missing_before / before if before else 0.0
    if missing < cfg.missing_source_min or share - baseline < cfg.missing_source_jump:
        return []
    return [Finding(
        f"missing_source:{site_key}", "missing_source", "warning",
        f"{name}：运行 #{run_id} 抓到的 {fetched} 篇文章中有 {missing} 篇没有「来源」（占 {share:.0%}，"
        f"此前 {baseline:.0%}）：页面上的来源字段可能改了写法，归属单位会受影响，请人工查看。",
        site_key, detail={"run_id": run_id, "fetched": fetched, "missing": missing, "baseline": baseline},
    )]


def check_runs(db: Database, schedule: ScheduleConfig, now: datetime) -> list[Finding]:
    """A failed last nightly run, and a scheduled night that no nightly run covered."""
    out: list[Finding] = []
    tz = schedule.tz
    # Judged by when runs ended, not by their number: a run refused by the lock ends before the
    # older run that holds it, and that run's success settles the night.
    bad = store.last_run(db, "nightly", statuses=("failed", "killed"))
    good = store.last_run(db, "nightly", statuses=("ok",))
    if bad is not None and (good is None or (bad["finished_at"] or "", bad["id"]) > (good["finished_at"] or "", good["id"])):
        out.append(run_finding(bad, tz))
    starts = [datetime.fromisoformat(s) for s in store.nightly_starts(db)]
    if not starts:
        return out  # no nightly run yet: nothing was scheduled to be missed
    missed = missed_fire(schedule, starts, now)
    if missed is not None:
        later = [s for s in starts if s > missed]
        then = (f"已于 {later[0].astimezone(tz):%Y-%m-%d %H:%M} 补跑。" if later
                else "调度程序启动后会补跑一次。")
        out.append(Finding(
            "missed_run", "missed_run", "warning",
            f"预定于 {missed.astimezone(tz):%Y-%m-%d %H:%M} 的夜间运行没有按时进行（电脑可能关机，或 xinxi schedule "
            f"没有在运行），{then}请确认调度程序在运行（xinxi status 第一行）。",
            detail={"scheduled_at": missed.isoformat()},
        ))
    return out


def run_finding(run: dict[str, Any], tz: Any) -> Finding:
    """The warning for a nightly run that failed or was killed."""
    word = "被中断" if run["status"] == "killed" else "失败"
    return Finding(
        "failed_run", "failed_run", "error",
        f"夜间运行 #{run['id']}（{_when(run['started_at'], tz)} 开始）{word}：{run['error'] or '原因不明'}",
        detail={"run_id": run["id"], "status": run["status"]},
    )


def missed_fire(schedule: ScheduleConfig, starts: list[datetime], now: datetime) -> datetime | None:
    """The latest scheduled time since the first nightly run that no run started for within the grace.

    A time still inside its grace counts as not yet missed, so the time before it is judged instead.
    """
    if not starts:
        return None
    grace = timedelta(seconds=schedule.grace_seconds)
    lower = max(min(starts), now - LOOKBACK) - MISSED_TOLERANCE
    for fire in reversed(fire_times_between(schedule, lower, now)):
        if any(fire - MISSED_TOLERANCE <= s <= fire + grace for s in starts):
            return None
        if fire + grace <= now:
            return fire
    return None


def evaluate(db: Database, settings: Settings, health: HealthConfig, schedule: ScheduleConfig,
             now: datetime, *, sites: Iterable[str] | None = None) -> list[Finding]:
    """Every check, over every site (or the ones named)."""
    today = now.astimezone(schedule.tz).date()
    findings: list[Finding] = []
    for key in sites or settings.sites:
        findings += check_site(db, settings, key, health, today)
    findings += check_runs(db, schedule, now)
    findings += check_notices(db)
    return findings


def check_notices(db: Database) -> list[Finding]:
    """Notices a person must look at: proposals to confirm (nothing counts before that), a scan to type in,
    attachments that could not be fetched."""
    from tracker.store import notices as records

    waiting = records.waiting_notices(db)
    if not waiting:
        return []
    total = sum(int(n["proposed"] or 0) for n in waiting)
    titles = "、".join(f"#{n['id']}《{n['title']}》" for n in waiting[:5]) + ("等" if len(waiting) > 5 else "")
    other = len([n for n in waiting if not n["proposed"]])
    rest = f"，另有 {other} 份要录入或补文件" if other else ""
    return [Finding(
        "notice_waiting", "notice_waiting", "warning",
        f"有 {len(waiting)} 份通报等人处理：{total} 条采用建议等待确认{rest}：{titles}。请用 xinxi notice list 查看，"
        "建议确认（xinxi notice confirm）后才计分。",
        detail={"notices": [n["id"] for n in waiting], "proposed": total},
    )]


def record(db: Database, findings: Iterable[Finding], run_id: int | None,
           checks: Iterable[str] = CHECKS) -> list[Finding]:
    """Sync findings into the warnings table; returns the ones that are new."""
    findings = list(findings)
    opened = store.sync_warnings(db, [f.as_row() for f in findings], checks, run_id)
    keys = {f["key"] for f in opened}
    return [f for f in findings if f.key in keys]
