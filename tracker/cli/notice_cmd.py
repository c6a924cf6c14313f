"""`xinxi notice …`: notices (通报) read into proposed adoptions, which a person confirms or rejects."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.table import Table

from scoring import PeriodError, parse_date
from scoring.wording import quoted
from tracker import store
from tracker.cli.app import CREATES_DB, by_option, cli, default_user, shown_time, with_settings
from tracker.cli.output import Output, console_for, output_options
from tracker.cli.params import SQLITE_MAX_INT, OutOfRange
from tracker.config import Settings
from tracker.errors import XinxiError
from tracker.notices import Outcome, import_file, load_context
from tracker.notices.decisions import (
    Blocked,
    NoReason,
    NotConfirmed,
    NoUnit,
    UnknownProposals,
    confirm,
    reject,
)
from tracker.notices.service import Context
from tracker.store import notices as records
from tracker.text import strip_controls

# Notices that came by e-mail can be imported before anything was ever crawled.
CREATES_DB.add("notice")
T = TypeVar("T")
STATUS_NAMES = {"proposed": "待确认", "confirmed": "已确认", "rejected": "不采纳"}
NOTICE_STATUS = {"proposed": "有建议", "needs_typing": "需要人工录入", "missing_files": "附件没有收到",
                 "empty": "没有可计分的内容"}


class NoticeCommandError(XinxiError):
    """A notice command given something it cannot act on."""


class Number(click.ParamType):
    """A proposal's or a notice's number (`#12` accepted), range-checked before it reaches SQLite."""

    def __init__(self, name: str, where: str) -> None:
        self.name, self.where = name, where

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number: int | None = value
        else:
            text = str(value).strip().lstrip("#")
            number = int(text) if text.isascii() and text.isdigit() else None
            if number is None:
                self.fail(f"{self.name}应为数字（见 {self.where} 的“编号”列），实为 {quoted(value)}", param, ctx)
        if not 1 <= number <= SQLITE_MAX_INT:
            raise OutOfRange(f"{self.name}应在 1 到 {SQLITE_MAX_INT} 之间，实为 {value}", ctx, param)
        return number


PROPOSAL = Number("建议编号", "xinxi notice list")
NOTICE = Number("通报编号", "xinxi notice list 或 show")


def _points(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


PROPOSAL_FIELDS = ("id", "notice", "clause", "unit", "points", "status", "row", "notice_id", "doc_no", "notice_date",
                   "clause_name", "unit_id", "unit_text", "kind", "count", "title", "date", "outlet", "issue_no",
                   "source", "row_number", "decided_by", "decided_at", "reason", "entry_ids")


def proposal_json(p: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """One proposal as scripts read it (the documented fields first)."""
    clause = next((c for rules in reversed(ctx.book.versions) if (c := rules.find_clause(p["clause"]))), None)
    return {
        "id": p["id"], "notice": p["notice_title"], "clause": p["clause"],
        "unit": ctx.registry.name_of(p["unit_id"]), "points": _points(p["points"]), "status": p["status"],
        "row": p["row"],
        "notice_id": p["notice_id"], "doc_no": p["notice_doc_no"], "notice_date": p["notice_date"],
        "clause_name": clause.name if clause else None, "unit_id": p["unit_id"], "unit_text": p["unit_text"],
        "kind": p["kind"], "count": p["count"], "title": p["title"], "date": p["date"], "outlet": p["outlet"],
        "issue_no": p["issue_no"], "source": p["source"], "row_number": p["row_number"],
        "decided_by": p["decided_by"], "decided_at": p["decided_at"], "reason": p["reason"],
        "entry_ids": json.loads(p["entry_ids"] or "[]"),
    }


def _clause_names(ctx: Context) -> dict[str, str]:
    return {c.id: c.name for rules in ctx.book.versions for c in rules.clauses}


def _status(p: dict[str, Any]) -> str:
    """The state in words, with the entries a confirmation made or the reason for rejecting."""
    text = STATUS_NAMES.get(p["status"], p["status"])
    entries = json.loads(p["entry_ids"] or "[]")
    if p["status"] == "confirmed" and entries:
        text += f"（录入 #{'、#'.join(map(str, entries))}）"
    elif p["status"] == "rejected" and p["reason"]:
        text += f"：{p['reason']}"
    return text


def _proposal_table(rows: list[dict[str, Any]], ctx: Context, title: str, *, with_notice: bool = True) -> Table:
    names = _clause_names(ctx)
    table = Table(title=title)
    headers = ("编号", "通报", "条款", "单位", "分", "状态", "日期", "内容", "出处")
    for header in headers if with_notice else tuple(h for h in headers if h != "通报"):
        table.add_column(header, overflow="fold")
    for p in rows:
        unit = ctx.registry.name_of(p["unit_id"]) or f"未认出：{p['unit_text']}"
        where = p["source"] + (f" 第{p['row_number']}行" if p["row_number"] else "")
        cells = [str(p["id"]), f"#{p['notice_id']} {p['notice_title']}", names.get(p["clause"], p["clause"]), unit,
                 str(_points(p["points"])), _status(p), p["date"], p["title"], f"{where}：{p['row']}"]
        table.add_row(*(cells if with_notice else cells[:1] + cells[2:]))
    return table


@cli.group("notice")
def notice_group() -> None:
    """通报：读出省总工会等通报中的采用、排名，经人工确认后计分。

    例如：xinxi notice list --status proposed
    """


@notice_group.command("list")
@click.option("--status", type=click.Choice(("proposed", "confirmed", "rejected", "all")), default="all",
              show_default=True, help="只列出这种状态的建议：待确认、已确认、不采纳或全部。")
@click.option("--notice", "notice_id", type=NOTICE, default=None, help="只列出这份通报的建议（通报编号）。")
@output_options("json", "csv", "xlsx")
@with_settings
def notice_list(settings: Settings, status: str, notice_id: int | None, out: Output) -> None:
    """列出通报读出的建议（每条：编号、通报、条款、单位、分值、状态、出自哪一行）。

    例如：xinxi notice list --status proposed --format csv --output 通报建议.csv
    """
    db = store.open_db(settings.db_path)
    ctx = load_context(settings, db)
    rows = records.list_proposals(db, notice_id=notice_id, status=None if status == "all" else status)
    if not out.table:
        out.data([proposal_json(p, ctx) for p in rows], PROPOSAL_FIELDS)
        return
    notices = records.list_notices(db)
    if notice_id is not None:
        notices = [n for n in notices if n["id"] == notice_id]
    if not notices:
        click.echo("还没有通报。用 xinxi notice import 文件 导入，或由抓取带回。")
        return
    console = console_for()
    console.print(_proposal_table(rows, ctx, f"通报建议（{len(rows)} 条）"))
    for n in notices:
        if n["status"] != "proposed":
            console.print(f"通报 #{n['id']} {n['title']}：{NOTICE_STATUS.get(n['status'], n['status'])}"
                          f"（xinxi notice show {n['id']}）")


@notice_group.command("show")
@click.argument("notice_id", type=NOTICE, metavar="通报编号")
@with_settings
def notice_show(settings: Settings, notice_id: int) -> None:
    """一份通报：文号、日期、期间、原始文件、读出的建议和未建议的内容。

    例如：xinxi notice show 2
    """
    db = store.open_db(settings.db_path)
    ctx = load_context(settings, db)
    n = records.get_notice(db, notice_id)
    click.echo(f"通报 #{n['id']}：{n['title']}")
    for label, value in (("文号", n["doc_no"]), ("日期", n["date"]), ("发文单位", n["issuer"]),
                         ("考评期间", f"{n['period']}（{n['period_start']} 至 {n['period_end']}）" if n["period"] else None),
                         ("网址", n["url"]), ("来源", "抓取" if n["origin"] == "crawl" else "导入"),
                         ("状态", NOTICE_STATUS.get(n["status"], n["status"])),
                         ("登记", f"{shown_time(n['created_at'], settings.timezone)} {n['created_by'] or ''}")):
        if value:
            click.echo(f"  {label}：{value}")
    click.echo("  原始文件：")
    folder = records.files_dir(settings.db_path)
    for f in records.notice_files(db, notice_id):
        state = {"read": "已读", "needs_typing": "需要人工录入", "unreadable": "读不出"}.get(f["status"], f["status"])
        detail = f"：{f['detail']}" if f["detail"] else ""
        click.echo(f"    {f['filename']}（{f['kind'] or '未知格式'}，{f['size']} 字节，{state}{detail}）"
                   f" {folder / f['sha256']}" + (f"  {f['url']}" if f["url"] else ""))
    notes = json.loads(n["notes"] or "[]")
    if notes:
        click.echo("  未建议的内容：")
        for note in notes:
            click.echo(f"    {note}")
    rows = records.list_proposals(db, notice_id=notice_id)
    if rows:
        console_for().print(_proposal_table(rows, ctx, f"建议（{len(rows)} 条）", with_notice=False))
    else:
        click.echo("  没有建议。" + ("请对照原件用 xinxi entry add 录入。" if n["status"] == "needs_typing" else ""))


def _words(why: Blocked) -> str:
    """Why a proposal waits, with what to type about it."""
    if isinstance(why, NoUnit):
        return f"{why}，请加 --unit 指定"
    return str(why)


def _decided(do: Callable[[], T]) -> T:
    """Run a decision, turning its refusals into this command's words."""
    try:
        return do()
    except UnknownProposals as exc:
        raise NoticeCommandError(f"{exc}（见 xinxi notice list）") from None
    except NoReason:
        raise NoticeCommandError("请用 --reason 写明不采纳的理由") from None
    except NotConfirmed as exc:
        raise NoticeCommandError("未确认任何建议：" + "；".join(f"#{pid}：{_words(why)}"
                                                        for pid, why in exc.problems)) from None


@notice_group.command("confirm")
@click.argument("proposal_ids", nargs=-1, type=PROPOSAL, metavar="建议编号")
@click.option("--all-proposed", "notice_id", type=NOTICE, default=None, metavar="通报编号",
              help="确认这份通报的全部待确认建议。")
@click.option("--unit", default=None, help="没有认出单位的建议：计给这个单位（编号或全称）。")
@by_option
@with_settings
def notice_confirm(settings: Settings, proposal_ids: tuple[int, ...], notice_id: int | None, unit: str | None,
                   by: str | None) -> None:
    """确认建议（可列多个编号）：每条成为一条手工录入，以通报为依据计分。

    例如：xinxi notice confirm 4 5，或 xinxi notice confirm --all-proposed 2
    """
    db = store.open_db(settings.db_path)
    ids = list(proposal_ids)
    if notice_id is not None:
        records.get_notice(db, notice_id)
        ids += [p["id"] for p in records.list_proposals(db, notice_id=notice_id, status="proposed")]
        if not ids:
            click.echo(f"通报 #{notice_id} 没有待确认的建议。")
            return
    if not ids:
        raise NoticeCommandError("请写出要确认的建议编号，或用 --all-proposed 通报编号")
    ctx = load_context(settings, db)
    done = _decided(lambda: confirm(db, ctx, ids, by=by or default_user(), unit=unit, lenient=notice_id is not None))
    for pid, entry_ids in done.made.items():
        if entry_ids:
            click.echo(f"已确认 #{pid}：录入 #{'、#'.join(map(str, entry_ids))}")
        else:
            click.echo(f"#{pid} 此前已确认，未重复录入")
    for pid, why in done.skipped.items():
        click.echo(f"#{pid} 未确认：{_words(why)}")


@notice_group.command("reject")
@click.argument("proposal_ids", nargs=-1, required=True, type=PROPOSAL, metavar="建议编号")
@click.option("--reason", required=True, help="不采纳的理由（记入记录）。")
@by_option
@with_settings
def notice_reject(settings: Settings, proposal_ids: tuple[int, ...], reason: str, by: str | None) -> None:
    """不采纳建议（已确认的会撤销其录入）。

    例如：xinxi notice reject 7 --reason "批示不是本单位的信息"
    """
    db = store.open_db(settings.db_path)
    done = _decided(lambda: reject(db, list(proposal_ids), reason=reason.strip(), by=by or default_user()))
    for pid, what in done.items():
        click.echo(f"#{pid} {what}")


def _print_outcome(outcome: Outcome) -> None:
    head = "新登记" if outcome.new_notice else "已登记过"
    click.echo(f"通报 #{outcome.notice_id}（{head}）：{outcome.title}")
    if outcome.title_from_name and outcome.new_notice:
        click.echo("  文件中没有认出通报标题，暂用文件名；可重新导入并用 --title 写明（已建议的不会重复）")
    if outcome.proposed:
        click.echo(f"  新建议 {len(outcome.proposed)} 条：#{outcome.proposed[0]}–#{outcome.proposed[-1]}"
                   f"（xinxi notice show {outcome.notice_id}，确认后才计分）")
    if outcome.known:
        click.echo(f"  {outcome.known} 条此前已建议过，未重复建议")
    for line in outcome.needs_typing:
        click.echo(f"  需要人工录入：{line}")
    for line in outcome.notes:
        if line not in outcome.needs_typing and not any(line.endswith(t) for t in outcome.needs_typing):
            click.echo(f"  {line}")
    if not outcome.proposed and not outcome.known and not outcome.needs_typing:
        click.echo("  没有读出可计分的内容")


@notice_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--title", default=None, help="通报标题（文件中没有或读错时写明）。")
@click.option("--date", "day", default=None, help="通报日期，例如 2025-01-15。")
@click.option("--issuer", default=None, help="发文单位，例如 江苏省总工会办公室。")
@by_option
@with_settings
def notice_import(settings: Settings, files: tuple[Path, ...], title: str | None, day: str | None,
                  issuer: str | None, by: str | None) -> None:
    """导入邮件或纸质（扫描）来的通报文件：网页、.docx、.doc、.xlsx、.xls、.pdf 或图片。

    同时给出的几个文件算同一份通报（例如网页和它的附件）。

    例如：xinxi notice import 通报.html 附件.xlsx --date 2025-01-15 --issuer 江苏省总工会办公室
    """
    for file in files:
        if not file.is_file():
            where = "是一个文件夹，不是文件" if file.is_dir() else "不存在，请检查文件名和所在文件夹"
            raise NoticeCommandError(f"{file} {where}")
    issued: date | None = None
    if day:
        try:
            issued = parse_date(day)
        except PeriodError as exc:
            raise NoticeCommandError(f"--date：{exc}") from None
    db = store.open_db(settings.db_path)
    outcome = import_file(db, load_context(settings, db), files, by=by or default_user(),
                          title=strip_controls(title) if title else None, issued=issued, issuer=issuer)
    _print_outcome(outcome)
