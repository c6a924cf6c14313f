"""`xinxi demo`: the whole job against the local replica, end to end, in a fresh database.

Starts the replicas of the municipal and the provincial site on free ports, crawls both, grows the municipal
one and crawls again (the incremental rule at work), then shows what was crawled, how it was attributed, the
notices read from the provincial site with one confirmed, and how the units score with the provincial points.
"""

from __future__ import annotations

import secrets
import shutil
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlite_utils import Database

from crawler.replica.generator import ReplicaSite
from crawler.replica.hanweb.process import HanwebReplicaProcess
from crawler.replica.process import ReplicaProcess
from tracker import store, users
from tracker.attribution import review
from tracker.cli.crawl_cmd import column_names, print_run
from tracker.config import Settings, load_settings
from tracker.demo.provincial import confirm_one_notice, provincial_check
from tracker.ops import runs
from tracker.scores.view import show_scores
from tracker.units import Registry, load_units

DEMO_DIR = Path("data/demo")


def column_summary(db: Database, settings: Settings) -> Table:
    names = column_names(settings)
    table = Table(title="各栏目文章数")
    table.add_column("栏目")
    table.add_column("文章", justify="right")
    for key, count in db.execute(
        "SELECT column_key, count(*) FROM article_columns GROUP BY column_key ORDER BY count(*) DESC"
    ).fetchall():
        table.add_row(names.get(key, key), str(count))
    return table


def source_summary(db: Database) -> Table:
    table = Table(title="“来源”字段的取值")
    table.add_column("来源")
    table.add_column("文章", justify="right")
    counts = Counter(dict(db.execute("SELECT coalesce(source, ''), count(*) FROM articles GROUP BY 1").fetchall()))
    for value, count in counts.most_common():
        table.add_row(value or "（页面未显示来源）", str(count))
    return table


def truth_check(db: Database, registry: Registry, site: ReplicaSite) -> str:
    """How the automatic decisions compare with the units the replica's articles were written for."""
    right = wrong = 0
    for row in store.credited_articles(db):
        article = site.article(row["id"]) if row["site"] == "czgh" else None
        if article is None or row["unit_id"] is None:
            continue
        if registry.name_of(row["unit_id"]) == article.expected_unit:
            right += 1
        else:
            wrong += 1
    return f"与副本的真实投稿单位对照：自动归属正确 {right} 篇，错误 {wrong} 篇。"


def queue_sample(db: Database, registry: Registry, limit: int = 5) -> Table:
    """The oldest few articles waiting for a person, with what the engine could offer."""
    queue = store.review_queue(db)
    table = Table(title=f"待人工审核（共 {len(queue)} 篇，最早的 {min(limit, len(queue))} 篇；xinxi review list 查看全部）")
    for header in ("编号", "标题", "来源", "结尾署名", "建议"):
        table.add_column(header)
    for item in queue[:limit]:
        hints = "、".join(registry.name_of(s[0]) or s[0] for s in item["suggestions"][:2]) or "—"
        table.add_row(str(item["id"]), item["title"], item["source"] or "—",
                      " / ".join(item["closing_bylines"]) or "—", hints)
    return table


def busiest_year(db: Database) -> int:
    """The year with the most articles: the one worth showing a ranking for."""
    row = db.execute("SELECT substr(date, 1, 4), count(*) FROM articles WHERE site = 'czgh' GROUP BY 1 "
                     "ORDER BY 2 DESC").fetchone()
    return int(row[0])


def run_demo(articles: int = 600, seed: int = 1, console: Console | None = None, provincial: int = 1200) -> int:
    """Run the demo; returns the exit status."""
    if console is None:
        console = Console()
        if not console.is_terminal:
            console = Console(width=120)  # a log or a pipe: wide enough for the score tables
    if DEMO_DIR.exists():
        shutil.rmtree(DEMO_DIR)
    DEMO_DIR.mkdir(parents=True)
    db_path = DEMO_DIR / "xinxi.db"
    # About three articles a day: the site's first half-year under the 2016 method, 2016-07 to 2016-12.
    # The provincial replica over the same half-year: about nine in ten of its items are from other cities.
    with ReplicaProcess(articles=articles, seed=seed, slow_seconds=0.5, per_day=3.4) as replica, \
            HanwebReplicaProcess(articles=provincial, seed=seed, per_day=6.6) as jsgh:
        console.rule("[bold]xinxi 演示")
        console.print(f"市总网站副本已启动：{replica.base_url}（{articles} 篇文章，真实网站的结构与各种特殊情况）")
        console.print(f"江苏工会网副本已启动：{jsgh.base_url}（{provincial} 篇稿件，约九成来自其他设区市；"
                      "另有通报栏目，一个页面像防火墙那样返回 403）")
        settings = load_settings(db=db_path, base_urls={"czgh": replica.base_url, "jsgh": jsgh.base_url,
                                                        "jsghfw": jsgh.base_url})
        names = column_names(settings)

        console.rule("第一次抓取（全部文章）")
        first = runs.crawl(settings, runs.CrawlRequest(polite=False))
        db = store.open_db(db_path)
        for site in first.sites:
            print_run(store.get_run(db, site.run_id), names, console)

        replica.grow(5)
        console.rule("网站新增 5 篇后再次抓取（增量：只下载新文章）")
        second = runs.crawl(settings, runs.CrawlRequest(sites=("czgh",), polite=False))
        for site in second.sites:
            print_run(store.get_run(db, site.run_id), names, console)

        console.rule("抓取结果")
        console.print(column_summary(db, settings))
        console.print(source_summary(db))
        failures = store.list_failures(db)
        if failures:
            table = Table(title="未能入库的页面")
            for header in ("编号", "类型", "原因", "地址"):
                table.add_column(header)
            for f in failures:
                kind = {"parse": "解析失败", "blocked": "被网站拒绝（未绕过）"}.get(f["kind"], "HTTP 错误")
                table.add_row(str(f["article_id"]), kind, f["detail"] or "", f["url"])
            console.print(table)
        total = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        requests = sum(r["requests"] for r in store.list_runs(db))
        console.print(f"入库文章 {total} 篇；两次抓取共发出 {requests} 个请求。")
        console.rule("归属单位（来源、结尾署名、地名表；拿不准的转人工审核）")
        registry = load_units(settings.config_dir)
        review.attribute_pending(db, registry)
        console.print(review.summary_text(store.attribution_counts(db)))
        console.print(truth_check(db, registry, replica.site))
        console.print(provincial_check(db, registry, jsgh.site))
        console.print(queue_sample(db, registry))

        console.rule("省总工会通报（读出建议，人工确认后计分）")
        notice_year = confirm_one_notice(db, settings, console)

        year = busiest_year(db)
        console.rule(f"{year} 年度得分（按常工发〔2016〕45号计分）")
        xlsx = DEMO_DIR / f"信息考评-{year}.xlsx"
        show_scores(settings, db, year, xlsx=xlsx, console=console)
        if notice_year and notice_year != year:
            console.rule(f"{notice_year} 年度得分（含确认的通报）")
            show_scores(settings, db, notice_year, console=console)
        db.close()
        # A provincial page refused as a firewall would is reported above, never worked around: not a failure.
        ok = all(s.status in (*runs.SUCCESS, "blocked") for s in first.sites) and second.ok
    console.print(f"数据库：{db_path}")
    name, password = demo_account(db_path, registry)
    console.rule("网页")
    console.print(f"演示账号：用户名 {name}，密码 {password}（办公室，可审核、录入、发布）。打开网页：")
    console.print(f".venv/bin/xinxi web --db {db_path}    # 然后用浏览器打开 http://127.0.0.1:8000/ ，"
                  f"用户名 {name}，密码 {password}", markup=False, highlight=False, soft_wrap=True)
    console.rule("继续使用演示数据库")
    console.print("其他命令默认读 config/settings.toml 里的数据库；要接着查看演示的数据，先执行：", highlight=False)
    console.print(f"export XINXI_DB={db_path}    # 之后 xinxi status、xinxi score … 都用演示数据库",
                  markup=False, highlight=False, soft_wrap=True)
    console.print(f"或者在每条命令后加 --db {db_path}，例如：.venv/bin/xinxi status --db {db_path}",
                  markup=False, highlight=False, soft_wrap=True)
    return 0 if ok else 1


def demo_account(db_path: Path, registry: Registry) -> tuple[str, str]:
    """An office account on the demo database, with a fresh password each run."""
    name, password = "demo", secrets.token_urlsafe(9)
    db = store.open_db(db_path)
    try:
        users.add_user(db, registry, name, "office", password, by="demo")
    finally:
        db.close()
    return name, password
