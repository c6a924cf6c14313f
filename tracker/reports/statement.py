"""Each unit's own statement: its standing, every point with clause and evidence, subtotals, month by month."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from sqlite_utils import Database

from scoring import Period, Scoreboard, UnitResult, fmt_points
from tracker import files, store
from tracker.config import Settings
from tracker.reports.output import write_bytes
from tracker.reports.sheets import DATE_FORMAT, POINTS_FORMAT, Sheet, fitted_widths
from tracker.reports.wording import percent
from tracker.reports.workbook import month_label, monthly, months, num

LINE_HEADERS = ["日期", "条目", "条款", "分值", "标题", "依据", "栏目", "说明"]
OVERVIEW_HEADERS = ["项目", "内容", "条数", "分值"]
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def standing(board: Scoreboard, result: UnitResult) -> str:
    """The unit's place in words: 第2名（共7个单位，并列） or 完成率 83.3%（目标 60 分，差 10 分）."""
    if result.rank is not None:
        group = [r for r in board.results if r.unit.kind == result.unit.kind and r.rank is not None]
        tied = sum(r.rank == result.rank for r in group) > 1
        return f"第{result.rank}名（共{len(group)}个单位{'，并列' if tied else ''}）"
    if result.target is not None:
        if result.met:
            return f"完成年度目标（目标 {fmt_points(result.target)} 分，完成率 {percent(result.completion)}）"
        return (f"未完成年度目标（目标 {fmt_points(result.target)} 分，完成率 {percent(result.completion)}，"
                f"差 {fmt_points(result.shortfall)} 分）")
    return ""


def file_name(board: Scoreboard, result: UnitResult) -> str:
    """2024年度-武进区总工会-计分说明.xlsx: safe on Windows, readable in a mail."""
    return _UNSAFE.sub("_", f"{board.period.title}-{result.unit.name}-计分说明") + ".xlsx"


def statement_bytes(board: Scoreboard, unit_id: str, *, columns: Mapping[str, str] | None = None,
                    pending: int = 0) -> bytes:
    """The statement as .xlsx bytes: 概况 (standing, subtotals by clause, month by month) and 明细."""
    result = board.result(unit_id)
    note = f"草稿：全市尚有 {pending} 条信息待审核，结果可能变动" if pending else ""
    return files.workbook_bytes(lambda wb: _fill(wb, board, result, columns or {}, note))


def _fill(wb: Workbook, board: Scoreboard, result: UnitResult, columns: Mapping[str, str], note: str) -> None:

    summary = [["单位", result.unit.name], ["期间", f"{board.period.title}（{board.period.start}至{board.period.end}）"],
               ["类别", board.group_name(result.unit.kind)], ["总分", num(result.total)],
               ["计分依据", f"{len(result.lines)} 条"]]
    words = standing(board, result)
    if words:
        summary.insert(4, ["名次" if result.rank is not None else "目标完成情况", words])
    counts: dict[str, int] = defaultdict(int)
    for line in result.lines:
        counts[line.clause_id] += 1
    order = {c.id: i for i, c in enumerate(board.clauses)}
    clause_rows = [[board.clause_info(cid).article, board.clause_name(cid), counts[cid], num(result.clauses[cid])]
                   for cid in sorted(result.clauses, key=lambda cid: order.get(cid, len(order)))
                   if result.clauses[cid] or counts[cid]]
    span = months(board)
    month_rows = [[month_label(board, key), value] for key, value in zip(span, monthly(result, span), strict=True)]
    widths = fitted_widths(OVERVIEW_HEADERS, [*clause_rows, *summary, *month_rows])
    widths[1] = max(widths[1], 40)
    sheet = Sheet(wb, "概况", f"{result.unit.name} {board.period.title}信息工作计分说明", OVERVIEW_HEADERS, widths,
                  [None, None, "0", POINTS_FORMAT], note)
    sheet.ws.print_title_rows = None
    for row in summary:
        sheet.append([row[0], row[1]])
    sheet.append([])
    _bold_row(sheet, ["条目", "条款（小计）", "条数", "分值"])
    for row in clause_rows:
        sheet.append(row)
    sheet.append(["合计", "", len(result.lines), num(result.total)])
    sheet.append([])
    _bold_row(sheet, ["逐月", "", "", "分值"])
    for label, value in month_rows:
        sheet.append([label, "", "", value])

    rows = []
    for line in result.lines:
        info = board.clause_info(line.clause_id)
        manual = line.evidence_id.startswith("entry/")
        evidence = f"手工录入#{line.evidence_id.removeprefix('entry/')}：{line.evidence}" if manual else line.evidence
        rows.append([line.date, info.article, info.name, num(line.points), line.title, evidence,
                     columns.get(line.evidence_id, ""), line.note])
    widths = fitted_widths(LINE_HEADERS, rows)
    widths[0] = 12
    detail = Sheet(wb, "明细", f"{result.unit.name} {board.period.title}每一分的依据", LINE_HEADERS, widths,
                   [DATE_FORMAT, None, None, POINTS_FORMAT], note, rows=len(rows))
    for row in rows:
        detail.append(row)
        if isinstance(row[5], str) and row[5].startswith(("http://", "https://")):
            _link_last_row(detail, 6, row[5])
    detail.append(["合计", "", "", num(result.total)])
    detail.filter()


def _bold_row(sheet: Sheet, values: list[str]) -> None:
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet.ws, value=value)
        cell.font = Font(bold=True)
        cells.append(cell)
    sheet.ws.append(cells)
    sheet.rows += 1


def _link_last_row(sheet: Sheet, column: int, url: str) -> None:
    """The evidence cell of the row just written opens the article (a hyperlink, not a formula)."""
    sheet.ws._hyperlinks.append(Hyperlink(ref=f"{get_column_letter(column)}{sheet.rows}", target=url))


def write_statement(board: Scoreboard, unit_id: str, path: Path, *, columns: Mapping[str, str] | None = None,
                    pending: int = 0) -> Path:
    return write_bytes(path, statement_bytes(board, unit_id, columns=columns, pending=pending))



def evidence_columns(db: Database, settings: Settings, period: Period) -> dict[str, str]:
    """Evidence id (czgh/30902) → the names of the columns the article was listed in."""
    out = {}
    for row in store.credited_articles(db, since=period.start.isoformat(), until=period.end.isoformat()):
        site = settings.sites.get(row["site"])
        names = []
        for key in row.get("columns") or ():
            column = next((c for c in site.columns if c.key == key), None) if site else None
            names.append(column.name if column else key)
        out[f"{row['site']}/{row['id']}"] = "、".join(dict.fromkeys(names))
    return out
