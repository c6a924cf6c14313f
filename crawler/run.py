"""`python -m crawler.run`: one crawl of one site, in its own process.

The tracker (CLI and scheduler alike) starts crawls through this entry point, because a Twisted reactor
cannot be restarted inside a process. Exit status: 0 when the run is recorded ok, 1 when it failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings as ScrapySettings

from crawler import settings as defaults
from crawler.spiders.column import ColumnSpider, Plan
from tracker import store
from tracker.config import Settings, Site, load_settings, parse_base_urls
from tracker.ops.runs import LOOPBACK


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m crawler.run", description="抓取一个网站（一次运行）。")
    parser.add_argument("--site", required=True)
    parser.add_argument("--config")
    parser.add_argument("--db")
    parser.add_argument("--base-url", action="append", default=[])
    parser.add_argument("--column", action="append", default=[])
    parser.add_argument("--recrawl", action="store_true")
    parser.add_argument("--since")
    parser.add_argument("--until")
    parser.add_argument("--url", action="append", default=[])
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--run-id", type=int)
    parser.add_argument("--trigger", default="manual")
    parser.add_argument("--no-politeness", action="store_true")
    parser.add_argument("--progress", action="store_true")
    return parser.parse_args(argv)


def scrapy_settings(site: Site, db_path: str, run_id: int, polite: bool, config_dir: str | None = None) -> ScrapySettings:
    """Scrapy settings: constants from crawler.settings, politeness from the site's config."""
    s = ScrapySettings()
    s.setmodule(defaults, priority="project")
    p = site.politeness
    s.setdict({
        "XINXI_DB": db_path,
        "XINXI_RUN_ID": run_id,
        "ROBOTSTXT_OBEY": p.obey_robots,
        "USER_AGENT": p.user_agent,
        "RETRY_TIMES": p.retry_times,
        "DOWNLOAD_TIMEOUT": p.timeout,
        "XINXI_RETRY_NIGHTS": p.retry_nights,
        "XINXI_CONFIG": config_dir,
    }, priority="project")
    if polite:
        s.setdict({
            "DOWNLOAD_DELAY": p.download_delay,
            "CONCURRENT_REQUESTS_PER_DOMAIN": p.concurrent_per_host,
            "AUTOTHROTTLE_ENABLED": p.autothrottle,
            "AUTOTHROTTLE_START_DELAY": max(p.download_delay, 1.0),
            "AUTOTHROTTLE_TARGET_CONCURRENCY": float(p.concurrent_per_host),
        }, priority="project")
    else:
        s.setdict({"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
                   "RETRY_BACKOFF_BASE": 0.2}, priority="project")
    return s


def notice_plan(db: Any, config_dir: Any, site: Site) -> tuple[tuple[str, ...], set[str]]:
    """(title words that make a notice worth reading, addresses of the site's notices already stored)."""
    from tracker.notices.config import load_notice_rules
    from tracker.store import notices as records

    rules = load_notice_rules(config_dir)
    known = {n["url"] for n in records.list_notices(db) if n.get("site") == site.key and n.get("url")}
    return rules.title_words, known


def build_plan(db: Any, site: Site, args: argparse.Namespace, settings_dir: Any = None) -> Plan:
    columns = tuple(site.column(k) for k in args.column) if args.column else site.columns
    incremental = not args.recrawl
    plan = Plan(site=site, columns=() if args.url and not args.column else columns, incremental=incremental,
                since=args.since, until=args.until, urls=tuple(args.url),
                max_pages=None if args.full else site.politeness.max_list_pages,
                ceiling=site.politeness.list_page_ceiling)
    if any(c.kind == "notices" for c in plan.columns):
        plan.notice_words, plan.known_notices = notice_plan(db, settings_dir, site)
    if incremental:
        plan.known_ids = store.known_ids(db, site.key)
        if not args.url:
            plan.retries = tuple(store.due_retries(db, site.key))
        plan.known_listings = store.known_listings(db, site.key)
        plan.full_pass = {c.key for c in plan.columns if store.column_needs_full_pass(db, site.key, c.key)}
    else:
        plan.known_listings = store.known_listings(db, site.key)
    return plan


def _progress(crawler: Crawler) -> Callable[[], None]:
    """Show a one-line live display on the terminal (pages, articles, errors); returns its stop."""
    from rich.console import Console
    from rich.live import Live
    from twisted.internet import task

    live = Live(console=Console(stderr=True), refresh_per_second=4, transient=False)

    def render() -> None:
        spider = crawler.spider
        if spider is None:
            return
        f = spider.figures.values()
        live.update(
            f"[bold]{spider.plan.site.name}[/]  列表页 {sum(x.list_pages for x in f)}  请求 {spider.requests_total}"
            f"  新文章 {spider.new_total}  更新 {spider.updated_total}"
            f"  错误 {sum(x.errors for x in f) + spider.other_errors}  解析失败 {sum(x.parse_failures for x in f)}"
        )

    # Scrapy's log handler was made before the live line took over stderr: point it at the live line's
    # stderr, which prints each log line above the progress line instead of into it.
    handlers = [h for h in logging.getLogger().handlers
                if isinstance(h, logging.StreamHandler) and h.stream is sys.stderr]

    def stop() -> None:
        render()  # the final figures stay on screen
        live.stop()
        for handler in handlers:
            handler.setStream(sys.stderr)

    live.start()
    for handler in handlers:
        handler.setStream(sys.stderr)
    task.LoopingCall(render).start(0.25)
    return stop


def run(settings: Settings, args: argparse.Namespace) -> int:
    site = settings.site(args.site)
    polite = not args.no_politeness
    if not polite and urlsplit(site.base_url).hostname not in LOOPBACK:
        print(f"错误：--no-politeness 只能用于本机上的网站副本，{site.base_url} 不是本机地址", file=sys.stderr)
        return 2
    db = store.open_db(settings.db_path)
    kind = "recrawl" if args.recrawl else "crawl"
    bounds = {k: getattr(args, k) for k in ("column", "since", "until", "url", "full") if getattr(args, k)}
    run_id = args.run_id or store.start_run(db, kind, trigger=args.trigger, site=site.key, args=bounds)
    plan = build_plan(db, site, args, settings.config_dir)
    if plan.incremental:
        for col in plan.columns:
            store.column_begin(db, site.key, col.key, run_id)
    db.close()

    process = SignalNotingProcess(scrapy_settings(site, str(settings.db_path), run_id, polite,
                                                  str(settings.config_dir)))
    crawler = process.create_crawler(ColumnSpider)
    process.crawl(crawler, plan=plan)
    stop_progress = _progress(crawler) if args.progress else None
    try:
        process.start()
    finally:
        if stop_progress:
            stop_progress()
    return finish(settings, site, crawler, run_id, tuple(process.signals_seen))


class SignalNotingProcess(CrawlerProcess):
    """A CrawlerProcess that remembers which stop signals it received, so the run can say how it ended."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.signals_seen: list[int] = []

    def _signal_shutdown(self, signum: int, frame: Any) -> None:
        self.signals_seen.append(signum)
        super()._signal_shutdown(signum, frame)

    def _signal_kill(self, signum: int, frame: Any) -> None:
        self.signals_seen.append(signum)
        super()._signal_kill(signum, frame)


def outcome(site: Site, spider: ColumnSpider, reason: str | None, signals_seen: list[int]) -> tuple[str, str | None]:
    """(status, error) of a finished crawl process."""
    if spider.store_error:
        return ("disk_full" if spider.disk_full else "failed"), spider.store_error
    if signal.SIGINT in signals_seen:
        return "cancelled", "抓取被取消（Ctrl-C）；已抓到的文章已保存"
    if signal.SIGTERM in signals_seen:
        return "terminated", "抓取被停止（收到 SIGTERM）；已抓到的文章已保存"
    if spider.blocked:
        return "blocked", spider.blocked_words()
    if reason != "finished":
        return "failed", f"抓取未正常结束（{reason}）"
    if spider.list_errors and not any(f.list_pages for f in spider.figures.values()):
        return "failed", f"无法访问 {site.base_url}：所有栏目列表页都请求失败"
    return ("limited" if spider.bound_words() else "ok"), None


def finish(settings: Settings, site: Site, crawler: Crawler, run_id: int, signals_seen: tuple[int, ...] = ()) -> int:
    """Record how the run ended; columns that finished their pass are marked complete."""
    spider: ColumnSpider = crawler.spider  # type: ignore[assignment]
    status, error = outcome(site, spider, crawler.stats.get_value("finish_reason"), list(signals_seen))
    notes = [spider.bound_words()] if spider.bound_words() else []
    if spider.gave_up:
        notes.append(f"{spider.gave_up} 篇文章连续 {site.politeness.retry_nights} 晚失败，不再自动重试")
    db = store.open_db(settings.db_path)
    try:
        store.save_run_progress(db, run_id, site.key, spider.totals(),
                                {k: f.as_dict() for k, f in spider.figures.items()})
        # A blocked article is recorded; the columns whose lists were read to the end are still complete.
        if status in ("ok", "limited", "blocked") and spider.plan.incremental:
            for key, figures in spider.figures.items():
                if figures.completed and key not in spider.list_failed_columns:
                    store.column_complete(db, site.key, key, run_id)
        store.finish_run(db, run_id, status, error, "；".join(notes) or None)
    finally:
        db.close()
    print(json.dumps({"run_id": run_id, "status": status, "error": error, "bounds": "；".join(notes) or None,
                      **spider.totals()}, ensure_ascii=False))
    return 0 if status in ("ok", "limited") else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = load_settings(args.config, db=args.db, base_urls=parse_base_urls(args.base_url))
    return run(settings, args)


if __name__ == "__main__":
    sys.exit(main())
