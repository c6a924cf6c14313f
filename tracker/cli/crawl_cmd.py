"""`xinxi crawl`, `recrawl`, `articles`, `runs`: crawl the sites and look at what was crawled."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from rich.console import Console
from rich.table import Table

from scoring.wording import quoted
from tracker import store
from tracker.attribution import review
from tracker.cli.app import AppContext, cli, common_options, shown_time, with_settings
from tracker.cli.output import Output, output_options
from tracker.cli.params import ARTICLE, COUNT
from tracker.config import Settings
from tracker.ops import runs
from tracker.ops.lock import run_lock
from tracker.scores.scorer import scoring_files_hash
from tracker.text import clean_tree, shown
from tracker.units import load_units

STATUS = runs.STATUS_WORDS
KINDS = {"crawl": "抓取", "recrawl": "重新抓取", "nightly": "夜间任务"}  # as `xinxi status` names them
FAILURE_KINDS = {"parse": "解析失败", "http": "HTTP 错误", "invalid": "数据无效", "host": "其他主机",
                 "size": "页面过大", "depth": "嵌套过深", "redirect": "跳转异常", "stored": "旧数据无效",
                 "blocked": "被网站拦截"}
FAILURE_FIELDS = ("site", "article_id", "url", "kind", "detail", "status", "run_id", "first_seen_at", "last_seen_at",
                  "attempts", "retry_at")
ARTICLE_FIELDS = ("site", "id", "url", "alt_url", "columns", "title", "subtitle", "date", "source", "source_label",
                  "closing_byline", "closing_bylines", "correspondents", "image_count")
RUN_FIELDS = ("id", "kind", "site", "started_at", "finished_at", "status", "requests", "new", "updated", "errors")


def iso_date(_ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Check a YYYY-MM-DD option."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"日期应写作 YYYY-MM-DD，例如 2024-03-01，实为 {quoted(value)}", param=param) from None


def json_array(rows: Iterator[dict[str, Any]], shape: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
               page: int = 500) -> None:
    """Print rows as one JSON array (as json.dumps(indent=1) lays it out), a page at a time."""
    Output("json", None).stream(rows, shape, page=page)


def column_names(settings: Settings) -> dict[str, str]:
    return {c.key: c.name for site in settings.sites.values() for c in site.columns}


def check_choices(settings: Settings, sites: tuple[str, ...] = (), columns: tuple[str, ...] = ()) -> None:
    """Refuse an unknown --site or --column before anything starts, listing the valid ones."""
    for site in sites:
        if site not in settings.sites:
            raise click.BadParameter(f"没有网站“{site}”；可选：{'、'.join(settings.sites)}", param_hint="--site")
    names = column_names(settings)
    for column in columns:
        if column not in names and column not in names.values():
            raise click.BadParameter(f"没有栏目“{column}”；可选：{'、'.join(f'{k}（{v}）' for k, v in names.items())}",
                                     param_hint="--column")


def _crawl_options(fn: Any) -> Any:
    fn = click.option("--no-politeness", is_flag=True,
                      help="不限速（只允许用于本机 127.0.0.1 上的网站副本）。")(fn)
    fn = click.option("--site", "sites", multiple=True, help="只抓这个网站（可重复；默认全部）。")(fn)
    return fn


def crawl_estimate(settings: Settings, request: runs.CrawlRequest) -> list[str]:
    """One line per site whose first crawl will take long at its politeness, said before it starts."""
    if not request.polite or request.recrawl:
        return []
    db = store.open_db(settings.db_path)
    try:
        lines = []
        for key in request.sites or settings.sites:
            site = settings.site(key)
            p = site.politeness
            if store.known_ids(db, site.key) or p.download_delay <= 0:
                continue
            rate = p.concurrent_per_host / p.download_delay
            seconds = p.expected_articles / rate
            if seconds >= 600:
                took = f"{round(seconds / 3600)} 小时" if seconds >= 5400 else f"{round(seconds / 60)} 分钟"
                lines.append(f"{site.name}：首次完整抓取约 {p.expected_articles:,} 页，按每秒 {rate:g} 次约需 {took}；"
                             "可 Ctrl-C 中断，下次从断点继续")
        return lines
    finally:
        db.close()


def _run_crawl(settings: Settings, request: runs.CrawlRequest) -> None:
    registry = load_units(settings.config_dir)  # a broken units.toml fails before the crawl, not after
    if request.progress:  # said to the person at the terminal, before the progress line starts
        for line in crawl_estimate(settings, request):
            click.echo(line, err=True)
    with run_lock(settings.db_path, "手动重新抓取" if request.recrawl else "手动抓取", tz=settings.tz):
        outcome = runs.crawl(settings, request)
        db = store.open_db(settings.db_path)
        try:
            for site in outcome.sites:
                print_run(store.get_run(db, site.run_id), column_names(settings))
            # New and changed articles are attributed at once; reviewer decisions stay as they are.
            review.attribute_pending(db, registry)
            click.echo(review.summary_text(store.attribution_counts(db)))
        finally:
            db.close()
    sys.exit(outcome.exit_code)


@cli.command()
@_crawl_options
@with_settings
def crawl(settings: Settings, sites: tuple[str, ...], no_politeness: bool) -> None:
    """增量抓取：每个栏目翻到只剩已入库文章的列表页为止，只下载新文章。

    例如：xinxi crawl --site czgh
    """
    check_choices(settings, sites)
    _run_crawl(settings, runs.CrawlRequest(sites=sites, polite=not no_politeness,
                                           progress=sys.stderr.isatty()))


@cli.command()
@_crawl_options
@click.option("--column", "columns", multiple=True, help="栏目键或栏目名，例如 jcdt 或 基层动态（可重复）。")
@click.option("--since", callback=iso_date, help="只重抓此日期（含）之后发布的文章。")
@click.option("--until", callback=iso_date, help="只重抓此日期（含）之前发布的文章。")
@click.option("--url", "urls", multiple=True, help="重抓这一篇文章（可重复）。")
@click.option("--article", "articles_", multiple=True, type=ARTICLE, metavar="文章",
              help="重抓这篇已入库的文章：网站/编号 或 编号，例如 czgh/9909（可重复）。")
@click.option("--full", is_flag=True, help="不设翻页上限，重抓范围内的全部文章。")
@with_settings
def recrawl(settings: Settings, sites: tuple[str, ...], no_politeness: bool, columns: tuple[str, ...],
            since: str | None, until: str | None, urls: tuple[str, ...], articles_: tuple[str, ...],
            full: bool) -> None:
    """在指定范围内重新抓取并更新已入库的文章（不受增量停止规则限制）。

    例如：xinxi recrawl --article czgh/9909，或 xinxi recrawl --column 基层动态 --since 2024-01-01
    """
    check_choices(settings, sites, columns)
    urls += tuple(_article_urls(settings, articles_))
    _run_crawl(settings, runs.CrawlRequest(
        sites=sites, recrawl=True, columns=columns, since=since, until=until, urls=urls, full=full,
        polite=not no_politeness, progress=sys.stderr.isatty()))


def _article_urls(settings: Settings, refs: tuple[str, ...]) -> list[str]:
    """The address of each named article, on its site's configured (or --base-url) host."""
    if not refs:
        return []
    db = store.open_db(settings.db_path)
    try:
        urls = []
        for ref in refs:
            site, aid = review.resolve_article(db, ref)
            stored = urlsplit(store.get_article(db, site, aid)["url"])
            urls.append(settings.site(site).base_url + stored.path + (f"?{stored.query}" if stored.query else ""))
        return urls
    finally:
        db.close()


def print_run(run: dict[str, Any], names: dict[str, str], console: Console | None = None) -> None:
    """One run as a table of its columns, then its totals."""
    console = console or Console()
    table = Table(title=f"运行 #{run['id']}（{run['site'] or '全部'}，{STATUS.get(run['status'], run['status'])}）")
    for header in ("栏目", "请求", "列表页", "链接", "新文章", "更新", "错误", "解析失败"):
        table.add_column(header, justify="left" if header == "栏目" else "right")
    # Columns in config order, then any the config no longer names.
    order = [k for k in names if k in run["columns"]] + [k for k in run["columns"] if k not in names]
    for key, c in ((k, run["columns"][k]) for k in order):
        table.add_row(names.get(key, key), *(str(c[k]) for k in ("requests", "list_pages", "links", "new",
                                                                  "updated", "errors", "parse_failures")))
    console.print(table)
    console.print(f"共请求 {run['requests']} 次，新文章 {run['new']} 篇，更新 {run['updated']} 篇，"
                  f"错误 {run['errors']} 个，解析失败 {run['parse_failures']} 篇。")
    if run.get("error"):
        console.print(f"[red]错误：{shown(run['error'])}[/]")
    if run.get("bounds"):
        console.print(f"[yellow]达到上限或需注意：{shown(run['bounds'])}[/]")


def article_json(row: dict[str, Any]) -> dict[str, Any]:
    """The scripting interface of one article (stable keys; add, never rename), without control characters."""
    return clean_tree({
        "site": row["site"], "id": row["id"], "url": row["url"], "alt_url": row["alt_url"],
        "columns": row["columns"],
        "title": row["title"], "subtitle": row["subtitle"], "date": row["date"],
        "source": row["source"], "source_label": row["source_label"],
        "closing_byline": "\n".join(row["closing_bylines"]) or None,
        "closing_bylines": row["closing_bylines"], "correspondents": row["correspondents"],
        "image_count": row["image_count"],
    })


@cli.command()
@click.option("--column", help="栏目键或栏目名；几个网站都有的栏目名指第一个网站的，例如 基层动态 指 jcdt。")
@click.option("--since", callback=iso_date, help="发布日期不早于（YYYY-MM-DD）。")
@click.option("--until", callback=iso_date, help="发布日期不晚于（YYYY-MM-DD）。")
@click.option("--source", help="来源字段包含此文字。")
@click.option("--unit", help="只看归属这个单位的文章（单位编号、正式名称或别名；以人工审核后的归属为准）。")
@click.option("--limit", type=COUNT, help="最多显示多少篇。")
@output_options("json", "csv", "xlsx")
@with_settings
def articles(settings: Settings, column: str | None, since: str | None, until: str | None,
             source: str | None, unit: str | None, limit: int | None, out: Output) -> None:
    """列出已抓取的文章。

    例如：xinxi articles --since 2024-01-01 --unit 武进区总工会 --format csv --output 文章.csv
    """
    names = column_names(settings)
    check_choices(settings, columns=(column,) if column else ())
    if column and column not in names:
        # A name two sites share (基层动态) means the first site's column, as it does for recrawl.
        column = next(k for k, v in names.items() if v == column)
    registry = load_units(settings.config_dir)
    unit_id = registry.find(unit).id if unit else None
    db = store.open_db(settings.db_path)
    try:
        # unit names in the file's `units` table, as listed here
        store.sync_config(db, settings, registry, scoring_files_hash(settings))
        if not out.table:
            # Streamed a page at a time: the whole store never sits in memory, and output starts at once.
            rows = store.iter_articles(db, column=column, since=since, until=until, source=source,
                                       unit_id=unit_id, limit=limit)

            def shape(page: list[dict[str, Any]]) -> list[dict[str, Any]]:
                credit = review.credit_fields(db, page, registry)
                return [article_json(r) | credit[(r["site"], r["id"])] for r in page]

            out.stream(rows, shape, ARTICLE_FIELDS)
            return
        rows = store.list_articles(db, column=column, since=since, until=until, source=source, unit_id=unit_id,
                                   limit=limit)
        credit = review.credit_fields(db, rows, registry)
    finally:
        db.close()
    table = Table(title=f"文章（{len(rows)} 篇）")
    for header in ("日期", "编号", "栏目", "标题", "单位", "来源", "结尾署名"):
        table.add_column(header)
    for r in rows:
        got = credit.get((r["site"], r["id"]), {})
        who = got.get("unit") or ("待审核" if got.get("review") else "—")
        table.add_row(r["date"], str(r["id"]), "、".join(names.get(c, c) for c in r["columns"]), shown(r["title"]),
                      who, shown(r["source"] or "—"), shown(" / ".join(r["closing_bylines"]) or "—"))
    out.tables(table)


@cli.group("runs", invoke_without_command=True)
@click.option("--limit", type=COUNT, default=20, show_default=True, help="显示最近多少次运行。")
@output_options("json", "csv", "xlsx")
@common_options
@click.pass_context
def runs_(ctx: click.Context, limit: int, out: Output, config_dir: Path | None, db: Path | None,
          base_urls: tuple[str, ...]) -> None:
    """列出最近的抓取运行；用 xinxi runs show 运行编号 看一次运行每个栏目的数字。

    例如：xinxi runs --limit 5
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(runs_list, limit=limit, out=out, config_dir=config_dir, db=db, base_urls=base_urls)
        return
    app = ctx.ensure_object(AppContext)   # `xinxi runs --db X show 3` means the same as `… show 3 --db X`
    app.config_dir = config_dir or app.config_dir
    app.db = db or app.db
    app.base_urls = app.base_urls + base_urls


@with_settings
def runs_list(settings: Settings, limit: int, out: Output) -> None:
    db = store.open_db(settings.db_path)
    try:
        rows = store.list_runs(db, limit=limit)
    finally:
        db.close()
    if not out.table:
        out.data(rows, RUN_FIELDS)
        return
    table = Table(title="最近的运行（北京时间）")
    for header in ("编号", "类型", "网站", "开始", "结束", "状态", "请求", "新", "更新", "错误"):
        table.add_column(header, no_wrap=True)
    for r in rows:
        table.add_row(str(r["id"]), KINDS.get(r["kind"], r["kind"]), r["site"] or "", shown_time(r["started_at"]),
                      shown_time(r["finished_at"]), STATUS.get(r["status"], r["status"]), str(r["requests"]),
                      str(r["new"]), str(r["updated"]), str(r["errors"]))
    lines = [f"运行 #{r['id']} 达到上限或需注意：{r['bounds']}" for r in rows if r.get("bounds")]
    out.tables(table, *lines)


@runs_.command("show")
@click.argument("run_id", type=COUNT)
@output_options("json", json_flag=True)
@with_settings
def runs_show(settings: Settings, run_id: int, out: Output) -> None:
    """一次运行：每个栏目的请求、列表页、链接、新文章、更新、错误、解析失败。

    例如：xinxi runs show 12
    """
    db = store.open_db(settings.db_path)
    try:
        run = store.get_run(db, run_id)
    finally:
        db.close()
    if not out.table:
        out.data(run)
        return
    console = Console()
    console.print(f"开始 {shown_time(run['started_at'])}，结束 {shown_time(run['finished_at']) or '—'}（北京时间）")
    print_run(run, column_names(settings), console)


@cli.command()
@click.option("--site", help="只看这个网站。")
@output_options("json", "csv", "xlsx")
@with_settings
def failures(settings: Settings, site: str | None, out: Output) -> None:
    """列出没能入库的文章页及原因：读不出标题或日期、打不开、被网站拦截、数据无效、在其他主机、过大、嵌套过深、跳转异常。

    服务器出错或超时的文章会在之后的夜间自动再试（“下次重试”一栏）；其余的可用 xinxi recrawl --url 重试。

    例如：xinxi failures --site czgh
    """
    check_choices(settings, (site,) if site else ())
    db = store.open_db(settings.db_path)
    try:
        rows = store.list_failures(db, site)
    finally:
        db.close()
    if not out.table:
        out.data(rows, FAILURE_FIELDS)
        return
    if not rows:
        click.echo("没有未能入库的文章页。")
        return
    table = Table(title=f"未能入库的文章页（{len(rows)} 个）")
    for header in ("网站", "编号", "类型", "原因", "首次发现", "最近一次", "下次重试", "地址"):
        table.add_column(header, no_wrap=header in ("类型", "编号"))
    for r in rows:
        retry = f"{shown_time(r['retry_at'], settings.timezone)}（已失败 {r['attempts']} 次）" if r["retry_at"] else "—"
        table.add_row(r["site"], str(r["article_id"] or "—"), FAILURE_KINDS.get(r["kind"], r["kind"]),
                      shown(r["detail"] or ""), shown_time(r["first_seen_at"], settings.timezone),
                      shown_time(r["last_seen_at"], settings.timezone), retry, shown(r["url"]))
    out.tables(table)
