"""`xinxi attribute` (run the engine over stored articles) and `xinxi review …` (the queue and decisions)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.table import Table
from sqlite_utils import Database

from tracker import store
from tracker.attribution import review
from tracker.cli.app import by_option, cli, default_user, shown_time, with_settings
from tracker.cli.crawl_cmd import iso_date
from tracker.cli.output import Output, console_for, output_options
from tracker.cli.params import ARTICLE, COUNT, SQLITE_MAX_INT
from tracker.config import Settings
from tracker.text import clean_tree
from tracker.text import shown as shown_text
from tracker.units import Registry, load_units

ACTIONS = {"assign": "归属", "ignore": "不计分"}
QUEUE_FIELDS = ("site", "id", "url", "date", "title", "subtitle", "source", "closing_bylines", "correspondents",
                "evidence", "suggestions", "attributed_at")
ALIAS_FIELDS = ("id", "text", "unit_id", "created_by", "created_at", "note", "removed_at", "removed_by",
                "removed_reason")


@contextmanager
def _open(settings: Settings) -> Iterator[tuple[Database, Registry]]:
    registry = load_units(settings.config_dir)
    db = store.open_db(settings.db_path)
    try:
        yield db, registry
    finally:
        db.close()



def _suggestion_json(registry: Registry, suggestions: list[list[Any]]) -> list[dict[str, Any]]:
    return [{"unit_id": s[0], "unit": registry.name_of(s[0]), "score": s[1], "evidence": s[2]} for s in suggestions]


def _suggestion_text(registry: Registry, suggestions: list[list[Any]], k: int = 3) -> str:
    return "；".join(f"{registry.name_of(s[0])} {s[1]:.0%}" for s in suggestions[:k]) or "—"


@cli.command("attribute")
@click.option("--all", "everything", is_flag=True, help="重新归属全部已入库文章（人工决定的除外）。")
@click.option("--since", callback=iso_date, help="重新归属此日期（含）之后发布的文章。")
@output_options("json")
@with_settings
def attribute_cmd(settings: Settings, everything: bool, since: str | None, out: Output) -> None:
    """按来源、结尾署名和地名表给文章归属单位；不加参数时只处理尚未归属或内容有变化的文章。

    修改 config/units.toml 或教过新别名之后用 --all 重新归属，无需重新抓取。人工决定永远不会被覆盖。

    例如：xinxi attribute --all
    """
    if everything and since:
        raise click.UsageError("--all 与 --since 只能选一个")
    with _open(settings) as (db, registry):
        if everything or since:
            summary = review.attribute_all(db, registry, since=since)
        else:
            summary = review.attribute_pending(db, registry)
        counts = store.attribution_counts(db)
    if not out.table:
        out.data({"run": summary.as_dict(), "store": counts})
        return
    auto = review.by_method(summary.automatic)
    together = f"，{summary.workers} 个进程同时处理" if summary.workers else ""
    click.echo(f"本次处理 {summary.total} 篇（用时 {summary.seconds:.1f} 秒{together}）：自动归属 {sum(summary.automatic.values())} 篇"
               + (f"（{auto}）" if auto else "") + f"，待人工审核 {summary.review} 篇，结果有变化 {summary.changed} 篇"
               + (f"；人工已决定的 {summary.kept} 篇未改动" if summary.kept else "")
               + (f"；按新的人工决定重排了 {summary.refreshed} 篇待审文章的建议" if summary.refreshed else "") + "。")
    click.echo("全部文章：" + review.summary_text(counts))


@cli.group("review")
def review_group() -> None:
    """人工审核：查看待审文章，指定单位、标记不计分、撤销决定，教会系统新的署名写法。

    例如：xinxi review list
    """


REVIEW_PAGE = 50


@review_group.command("list")
@click.option("--limit", type=COUNT, default=REVIEW_PAGE, show_default=True, help="每页显示多少篇。")
@click.option("--page", type=COUNT, default=1, show_default=True, help="第几页（最早的在第 1 页）。")
@click.option("--all", "everything", is_flag=True, help="列出全部待审文章（不分页）。")
@output_options("json", "csv", "xlsx")
@with_settings
def review_list(settings: Settings, limit: int, page: int, everything: bool, out: Output) -> None:
    """列出待审文章（最早的在前），附原始署名、依据和建议单位；默认每次一页。

    例如：xinxi review list --all --format xlsx --output 待审.xlsx
    """
    if everything and page > 1:
        raise click.UsageError("--all 与 --page 只能选一个")
    offset = 0 if everything else (page - 1) * limit
    if offset > SQLITE_MAX_INT:
        raise click.BadParameter("页码太大", param_hint="'--page'")
    with _open(settings) as (db, registry):
        rows = store.iter_review_queue(db, limit=None if everything else limit, offset=offset)
        if not out.table:
            out.stream(rows, lambda chunk: [{
                "site": r["site"], "id": r["id"], "url": r["url"], "date": r["date"], "title": r["title"],
                "subtitle": r["subtitle"], "source": r["source"], "closing_bylines": r["closing_bylines"],
                "correspondents": r["correspondents"], "evidence": r["evidence"],
                "suggestions": _suggestion_json(registry, r["suggestions"]), "attributed_at": r["attributed_at"],
            } for r in chunk], QUEUE_FIELDS)
            return
        total = store.review_queue_size(db)
        shown = 0
        # A table per chunk: the first rows appear at once, however long the queue.
        while chunk := list(itertools.islice(rows, 200)):
            table = Table(title=f"待人工审核（{total} 篇）" if not shown else None)
            for header in ("文章", "日期", "标题", "来源", "结尾署名", "依据", "建议"):
                table.add_column(header)
            for r in chunk:
                table.add_row(*map(shown_text, (f"{r['site']}/{r['id']}", r["date"], r["title"], r["source"] or "—",
                                                " / ".join(r["closing_bylines"]) or "—", r["evidence"] or "",
                                                _suggestion_text(registry, r["suggestions"]))))
            console_for().print(table)
            shown += len(chunk)
    if not shown:
        click.echo(f"待人工审核（{total} 篇）" + (f"：第 {page} 页没有文章。" if total else "：没有待审文章。"))
        return
    if offset + shown < total:
        click.echo(f"显示第 {offset + 1}–{offset + shown} 篇，共 {total} 篇；"
                   f"下一页：xinxi review list --page {page + 1}（或 --all 全部列出）")
    click.echo("处理：xinxi review assign 文章 单位 | xinxi review ignore 文章 --reason 原因 | "
               "xinxi review alias \"署名文字\" 单位")


def _state(registry: Registry, attribution: dict[str, Any] | None, decision: dict[str, Any] | None) -> str:
    if decision is not None:
        if decision["action"] == "assign":
            return f"人工归属：{registry.name_of(decision['unit_id'])}"
        return f"人工标记不计分：{decision['note']}"
    if attribution is None:
        return "尚未归属（请运行 xinxi attribute）"
    if attribution["needs_review"]:
        return "待人工审核"
    label = store.METHOD_LABELS.get(attribution["method"], attribution["method"])
    return f"自动归属：{registry.name_of(attribution['unit_id'])}（依据{label}，可信度 {attribution['confidence']:.2f}）"


@review_group.command("show")
@click.argument("article", type=ARTICLE, metavar="文章")
@output_options("json")
@with_settings
def review_show(settings: Settings, article: str, out: Output) -> None:
    """显示一篇文章的署名、归属依据、建议单位和全部人工决定记录。文章写作 网站/编号 或 编号，例如 czgh/9909 或 9909。

    例如：xinxi review show czgh/9909
    """
    with _open(settings) as (db, registry):
        site, aid = review.resolve_article(db, article)
        row = store.get_article(db, site, aid)
        attribution = store.get_attribution(db, site, aid)
        decision = store.active_decision(db, site, aid)
        history = store.decision_history(db, site, aid)
        effective = store.attribution_fields(db, site, [aid], {u.id: u.name for u in registry})[aid]
    if not out.table:
        out.data({
            "site": site, "id": aid, "url": row["url"], "date": row["date"], "title": row["title"],
            "subtitle": row["subtitle"], "source": row["source"], "closing_bylines": row["closing_bylines"],
            "correspondents": row["correspondents"], **effective,
            "engine": None if attribution is None else {
                "unit_id": attribution["unit_id"], "method": attribution["method"],
                "confidence": attribution["confidence"], "evidence": attribution["evidence"],
                "needs_review": bool(attribution["needs_review"]),
                "suggestions": _suggestion_json(registry, attribution["suggestions"]),
                "attributed_at": attribution["attributed_at"]},
            "decisions": history,
        })
        return
    row = clean_tree(row)  # scraped text: no escape sequences reach the terminal
    click.echo(f"{site}/{aid}  {row['date']}  {row['title']}")
    if row["subtitle"]:
        click.echo(f"副标题：{row['subtitle']}")
    click.echo(f"地址：{row['url']}")
    click.echo(f"来源：{row['source'] or '（页面未显示）'}")
    click.echo(f"结尾署名：{' / '.join(row['closing_bylines']) or '（无）'}")
    if row["correspondents"]:
        click.echo(f"通讯员：{'、'.join(row['correspondents'])}")
    click.echo(f"现状：{_state(registry, attribution, decision)}")
    if attribution is not None:
        click.echo(f"依据：{attribution['evidence'] or '—'}")
        for unit_id, score, evidence in attribution["suggestions"]:
            click.echo(f"  建议 {registry.name_of(unit_id)}（{unit_id}）{score:.0%}：{evidence}")
    for d in history:
        what = ACTIONS.get(d["action"], d["action"])
        target = f" {registry.name_of(d['unit_id'])}" if d["unit_id"] else ""
        line = f"  #{d['id']} {shown_time(d['decided_at'], settings.timezone)} {d['decided_by']} {what}{target}" + (f"：{d['note']}" if d["note"] else "")
        if d["undone_at"]:
            line += f"（{shown_time(d['undone_at'], settings.timezone)} 由 {d['undone_by']} 撤销" + (f"：{d['undo_reason']}" if d["undo_reason"] else "") + "）"
        click.echo(line)


@review_group.command("assign")
@click.argument("article", type=ARTICLE, metavar="文章")
@click.argument("unit")
@click.option("--note", default=None, help="备注：为什么归给这个单位。")
@by_option
@with_settings
def review_assign(settings: Settings, article: str, unit: str, note: str | None, by: str | None) -> None:
    """把文章归属给一个单位（编号、全称或别名均可）。重新抓取和重新归属都不会改动这个决定。

    例如：xinxi review assign czgh/9909 武进区总工会 --note "疗休养活动由武进区总工会组织"
    """
    with _open(settings) as (db, registry):
        site, aid, chosen = review.assign(db, registry, article, unit, by=by or default_user(), note=note)
    click.echo(f"已将 {site}/{aid} 归属 {chosen.name}（{chosen.id}）。")


@review_group.command("ignore")
@click.argument("article", type=ARTICLE, metavar="文章")
@click.option("--reason", required=True, help="为什么不计分，例如：疗养院自己的稿件。")
@by_option
@with_settings
def review_ignore(settings: Settings, article: str, reason: str, by: str | None) -> None:
    """标记文章不归属任何单位（例如其他机构写的稿件）。

    例如：xinxi review ignore czgh/9909 --reason "疗养院自己的稿件"
    """
    with _open(settings) as (db, _registry):
        site, aid = review.ignore(db, article, by=by or default_user(), reason=reason)
    click.echo(f"已标记 {site}/{aid} 不计分：{reason.strip()}")


@review_group.command("undo")
@click.argument("article", type=ARTICLE, metavar="文章")
@click.option("--reason", default=None, help="为什么撤销。")
@by_option
@with_settings
def review_undo(settings: Settings, article: str, reason: str | None, by: str | None) -> None:
    """撤销一篇文章当前的人工决定（记录保留），恢复系统的自动结果。

    例如：xinxi review undo czgh/9909 --reason "单位指定错了"
    """
    with _open(settings) as (db, registry):
        site, aid, result = review.undo(db, registry, article, by=by or default_user(), reason=reason)
    now = "待人工审核" if result.needs_review else f"自动归属 {registry.name_of(result.unit_id)}"
    click.echo(f"已撤销 {site}/{aid} 的人工决定；现在：{now}。")


@review_group.command("alias")
@click.argument("text")
@click.argument("unit")
@click.option("--note", default=None, help="备注。")
@by_option
@with_settings
def review_alias(settings: Settings, text: str, unit: str, note: str | None, by: str | None) -> None:
    """教会系统一种署名写法：文字 指 单位。随即重新归属含有这段文字的待审文章。

    例如：xinxi review alias "武进区工会" 武进区总工会 --note "结尾署名的常见写法"
    """
    with _open(settings) as (db, registry):
        taught = review.teach_alias(db, registry, text, unit, by=by or default_user(), note=note)
    click.echo(f"已记住：“{text.strip()}”指 {taught.unit.name}（{taught.unit.id}）。待审文章中有 {taught.matched} 篇含此文字，"
               f"其中 {taught.decided} 篇已自动归属。")


@review_group.command("aliases")
@click.option("--all", "include_removed", is_flag=True, help="包括已撤销的。")
@output_options("json", "csv", "xlsx")
@with_settings
def review_aliases(settings: Settings, include_removed: bool, out: Output) -> None:
    """列出教过的别名。

    例如：xinxi review aliases --format csv --output 别名.csv
    """
    with _open(settings) as (db, registry):
        rows = store.list_aliases(db, include_removed=include_removed)
    if not out.table:
        out.data(rows, ALIAS_FIELDS)
        return
    table = Table(title=f"教过的别名（{len(rows)} 个）")
    for header in ("文字", "单位", "教的人", "时间", "备注", "状态"):
        table.add_column(header)
    for r in rows:
        state = f"{shown_time(r['removed_at'], settings.timezone)} 由 {r['removed_by']} 撤销：{r['removed_reason']}" if r["removed_at"] else "有效"
        table.add_row(r["text"], registry.name_of(r["unit_id"]) or "", r["created_by"], shown_time(r["created_at"], settings.timezone),
                      r["note"] or "", state)
    out.tables(table)


@review_group.command("unalias")
@click.argument("text")
@click.option("--reason", required=True, help="为什么撤销。")
@by_option
@with_settings
def review_unalias(settings: Settings, text: str, reason: str, by: str | None) -> None:
    """撤销一个教过的别名（记录保留），并重新归属全部未经人工决定的文章。

    例如：xinxi review unalias "武进区工会" --reason "教错了，这是另一个单位"
    """
    with _open(settings) as (db, registry):
        summary = review.forget_alias(db, registry, text, by=by or default_user(), reason=reason)
    click.echo(f"已撤销别名“{text.strip()}”；重新归属 {summary.total} 篇，结果有变化 {summary.changed} 篇。")
