"""The notice's content in words: who ranked where (with ties), who met the target, who is praised.

Pure functions over a Scoreboard and the office's sentences; the docx layout lives in notice.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from scoring import Scoreboard, UnitResult, fmt_points
from tracker.reports.template import NoticeTemplate

PLACES = "一二三四五六七八九十"
DEPARTMENT_HEADERS = ("单位", "目标分值", "得分", "完成率", "差额", "完成情况")
RANKING_HEADERS = ("名次", "单位", "得分")


@dataclass(frozen=True)
class Block:
    """One paragraph of the body: heading1 (黑体), heading2 (楷体) or text (仿宋)."""

    kind: str
    text: str


@dataclass(frozen=True)
class Attachment:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[int, ...]   # columns centred as figures


@dataclass(frozen=True)
class NoticeText:
    issuer_mark: str
    number: str
    title: str                 # with | where a line may break
    recipients: str
    body: tuple[Block, ...]
    attachments: tuple[Attachment, ...]
    signature: str
    dated: str
    copy_to: str
    printed_by: str


def date_words(day: date) -> str:
    """2026年12月3日: the 成文日期 as GB/T 9704-2012 writes it."""
    return f"{day.year}年{day.month}月{day.day}日"


def percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def names(results: Sequence[UnitResult]) -> str:
    return "、".join(r.unit.name for r in results)


def ranked(board: Scoreboard) -> list[UnitResult]:
    return [r for r in board.results if r.rank is not None]


def with_targets(board: Scoreboard) -> list[UnitResult]:
    return [r for r in board.results if r.target is not None]


def top_three(board: Scoreboard) -> list[UnitResult]:
    """Ranked units placed first to third that earned anything: ties at third all count."""
    return [r for r in ranked(board) if r.rank is not None and r.rank <= 3 and r.total > 0]


def place_sentence(tpl: NoticeTemplate, top: Sequence[UnitResult]) -> str:
    """位列第一名… 并列第三名: one clause per place, in rank order."""
    parts = []
    for rank in sorted({r.rank for r in top if r.rank is not None}):
        group = [r for r in top if r.rank == rank]
        key = "sentences.place_tied" if len(group) > 1 else "sentences.place_one"
        parts.append(tpl.fill(key, 单位=names(group), 名次=PLACES[rank - 1]))
    return "，".join(parts)


def _departments(tpl: NoticeTemplate, departments: Sequence[UnitResult], attached: str) -> str:
    met = [r for r in departments if r.met]
    short = [r for r in departments if r.met is False]
    count = len(departments)
    short_list = "、".join(tpl.fill("sentences.shortfall_item", 单位=r.unit.name, 差额=fmt_points(r.shortfall))
                           for r in short)
    if not short:
        return tpl.fill("sentences.all_met", 个数=count, 附件=attached)
    if not met:
        return tpl.fill("sentences.none_met", 个数=count, 未完成名单=short_list, 附件=attached)
    done = (tpl.fill("sentences.met_one", 单位=names(met)) if len(met) == 1
            else tpl.fill("sentences.met_many", 单位=names(met), 个数=len(met)))
    return tpl.fill("sentences.short_after_met", 完成句=done, 未完成名单=short_list, 附件=attached)


ASSESSMENT_HEADERS = ("考核建议", "办公室决定")


def signed(value: Any) -> str:
    """+0.5, -3, 0: an adjustment as the office writes it; empty when there is none."""
    if value is None:
        return ""
    text = fmt_points(value)
    return f"+{text}" if value > 0 else text


def assessment_cells(rows: Sequence[Mapping[str, Any]] | None) -> dict[str, tuple[str, str]]:
    """Unit id → (the 五、7 proposal, the office's decision) in words, from `Assessment.to_dict()` rows."""
    return {r["unit_id"]: (signed(r["proposed"]), signed(r["decided"])) for r in rows or ()}


def notice_text(board: Scoreboard, tpl: NoticeTemplate, *, dated: date, document: str = "",
                counted_from: date | None = None, number: str = "",
                assessment: Sequence[Mapping[str, Any]] | None = None) -> NoticeText:
    """Every sentence of the 通报 for this board, in order."""
    period = board.period.title
    common = {"期间": period, "年": dated.year, "辖市区": board.group_name("district"),
              "部室": board.group_name("department")}
    districts, departments = ranked(board), with_targets(board)
    items = len({line.evidence_id for r in board.results for line in r.lines})
    total = sum(r.total for r in board.results)
    basis = f"《常州市工会信息（网站通讯）工作考评修订办法》（{document}）" if document else "全市工会信息工作考评办法"
    first = ""
    if counted_from is not None and board.period.start < counted_from <= board.period.end:
        first = tpl.fill("sentences.first_half_year", **common, 起始日=date_words(counted_from),
                         截止日=f"{board.period.end.month}月{board.period.end.day}日")
    intro = tpl.fill("sentences.intro", **common, 办法=basis, 条数=items, 总分=fmt_points(total), 首年说明=first)
    body = [Block("text", intro), Block("heading1", tpl.fill("sentences.results_heading", **common))]

    top = top_three(board)
    attachments: list[Attachment] = []
    if districts:
        body.append(Block("heading2", tpl.fill("sentences.districts_heading", **common)))
        attached = f"附件{len(attachments) + 1}"
        body.append(Block("text", tpl.fill("sentences.places", **common, 名次句=place_sentence(tpl, top), 附件=attached)
                          if top else tpl.fill("sentences.no_district_points", **common, 附件=attached)))
        attachments.append(Attachment(
            tpl.fill("attachments.districts", **common), RANKING_HEADERS,
            tuple((str(r.rank), r.unit.name, fmt_points(r.total)) for r in districts), (0, 2)))
    if departments:
        body.append(Block("heading2", tpl.fill("sentences.departments_heading", **common)))
        body.append(Block("text", _departments(tpl, departments, f"附件{len(attachments) + 1}")))
        adjust = assessment_cells(assessment)   # 五、7 in its own columns, never mixed into the points
        extra = ASSESSMENT_HEADERS if adjust else ()
        attachments.append(Attachment(
            tpl.fill("attachments.departments", **common), DEPARTMENT_HEADERS + extra,
            tuple((r.unit.name, fmt_points(r.target), fmt_points(r.total), percent(r.completion),
                   fmt_points(r.shortfall), r.status, *(adjust.get(r.unit.id, ("", "")) if adjust else ()))
                  for r in departments), (1, 2, 3, 4, 5, *((6, 7) if adjust else ()))))

    met = [r for r in departments if r.met]
    praised = [tpl.fill(key, 单位=names(group)) for key, group in
               (("sentences.praise_districts", top), ("sentences.praise_departments", met)) if group]
    if praised:
        body.append(Block("heading1", tpl.fill("sentences.praise_heading", **common)))
        body.append(Block("text", tpl.fill("sentences.praise", **common, 表扬名单="，".join(praised))))
        body.append(Block("heading1", tpl.fill("sentences.requirements_heading", **common)))
    else:
        body.append(Block("heading1", tpl.fill("sentences.requirements_heading_alone", **common)))
    opening = tpl.fill("sentences.praised_keep_on" if praised else "sentences.nobody_praised", **common)
    anyone_short = any(r.met is False for r in departments)
    key = "sentences.requirements" if anyone_short else "sentences.requirements_all_met"
    body.append(Block("text", tpl.fill(key, **common, 开头=opening)))
    return NoticeText(
        issuer_mark=tpl.fill("head.issuer_mark", **common),
        number=tpl.fill("head.document_number", **common, 序号=number or "　　"),
        title=tpl.fill("head.title", **common),
        recipients=tpl.fill("head.main_recipients", **common),
        body=tuple(body),
        attachments=tuple(attachments),
        signature=tpl.fill("signature.issuer", **common),
        dated=date_words(dated),
        copy_to=tpl.fill("record.copy_to", **common),
        printed_by=tpl.fill("record.printed_by", **common),
    )
