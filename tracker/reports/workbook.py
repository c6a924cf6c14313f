"""The workbook that gets printed and filed: 排名, 部室完成情况, 逐月 (with a chart), 明细, 待审."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference

from scoring import Scoreboard, UnitResult
from tracker import files
from tracker.reports.sheets import (
    DATE_FORMAT,
    PERCENT_FORMAT,
    POINTS_FORMAT,
    SIGNED_FORMAT,
    Sheet,
    fitted_widths,
)

RANKING_HEADERS = ["名次", "单位", "总分"]
DEPARTMENT_HEADERS = ["单位", "目标分值", "得分", "完成率", "差额", "完成情况"]
DETAIL_HEADERS = ["单位", "日期", "条目", "条款", "分值", "标题", "依据", "证据编号", "考评办法", "说明"]
PENDING_HEADERS = ["发布日期", "网站", "文章编号", "标题", "来源", "网址"]
SHEETS = ("排名", "部室完成情况", "逐月", "明细", "待审")


def num(value: float | int | None) -> float | int:
    """Whole numbers as int so the sheet shows 3, not 3.0; nothing earned is 0, not a blank."""
    if value is None:
        return 0
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def blank_or_num(value: float | int | None) -> float | int | None:
    """A figure that may not be there yet (an undecided adjustment): a blank cell, not 0."""
    return None if value is None else num(value)


def ranked(board: Scoreboard) -> list[UnitResult]:
    return [r for r in board.results if r.rank is not None]


def with_targets(board: Scoreboard) -> list[UnitResult]:
    return [r for r in board.results if r.target is not None]


def months(board: Scoreboard) -> list[tuple[int, int]]:
    """(year, month) of every month the period touches, in order."""
    out, (y, m) = [], (board.period.start.year, board.period.start.month)
    while (y, m) <= (board.period.end.year, board.period.end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def monthly(result: UnitResult, span: Sequence[tuple[int, int]]) -> list[float | int]:
    by_month: dict[tuple[int, int], float] = defaultdict(float)
    for line in result.lines:
        by_month[(line.date.year, line.date.month)] += line.points
    return [num(by_month.get(key, 0)) for key in span]


def month_label(board: Scoreboard, key: tuple[int, int]) -> str:
    single_year = board.period.start.year == board.period.end.year
    return f"{key[1]}月" if single_year else f"{key[0]}年{key[1]}月"


def draft_note(pending: Sequence[Mapping[str, Any]] | None) -> str:
    return f"草稿：尚有 {len(pending)} 条信息待审核，结果可能变动" if pending else ""


def _ranking(wb: Workbook, board: Scoreboard, note: str) -> None:
    clauses = board.used_clauses()
    headers = RANKING_HEADERS + [c.name for c in clauses]
    rows = [[r.rank, r.unit.name, num(r.total), *(num(r.clauses.get(c.id)) for c in clauses)] for r in ranked(board)]
    sheet = Sheet(wb, "排名", f"{board.period.title}{board.group_name('district')}信息工作排名", headers,
                  fitted_widths(headers, rows, wrap_from=len(RANKING_HEADERS)),
                  ["0", None] + [POINTS_FORMAT] * (len(headers) - 2), note)
    for row in rows:
        sheet.append(row)


def _departments(wb: Workbook, board: Scoreboard, note: str,
                 assessment: Sequence[Mapping[str, Any]] | None) -> None:
    clauses = board.used_clauses()
    # 五、7 (the 文明部室 assessment) in its own columns, never mixed into the information-work points.
    adjust = {r["unit_id"]: r for r in assessment or ()}
    extra = ["五、7 考核建议", "办公室决定"] if adjust else []
    fixed = DEPARTMENT_HEADERS + extra
    headers = fixed + [c.name for c in clauses]
    rows = [[r.unit.name, num(r.target), num(r.total), round(r.completion or 0, 4), num(r.shortfall), r.status,
             *([num(adjust.get(r.unit.id, {}).get("proposed")), blank_or_num(adjust.get(r.unit.id, {}).get("decided"))]
               if adjust else []),
             *(num(r.clauses.get(c.id)) for c in clauses)] for r in with_targets(board)]
    formats = [None, POINTS_FORMAT, POINTS_FORMAT, PERCENT_FORMAT, POINTS_FORMAT, None] + [SIGNED_FORMAT] * len(extra)
    sheet = Sheet(wb, "部室完成情况", f"{board.period.title}{board.group_name('department')}信息工作目标完成情况",
                  headers, fitted_widths(headers, rows, wrap_from=len(fixed)),
                  formats + [POINTS_FORMAT] * len(clauses), note)
    for row in rows:
        sheet.append(row)


def _monthly(wb: Workbook, board: Scoreboard, note: str) -> None:
    span = months(board)
    headers = ["单位", *(month_label(board, key) for key in span), "合计"]
    units = list(board.results)
    rows = [[r.unit.name, *monthly(r, span), num(r.total)] for r in units]
    sheet = Sheet(wb, "逐月", f"{board.period.title}各单位逐月得分", headers, fitted_widths(headers, rows),
                  [None] + [POINTS_FORMAT] * (len(headers) - 1), note)
    for row in rows:
        sheet.append(row)
    districts = [i for i, r in enumerate(units) if r.rank is not None]
    if not districts or not span:
        return
    chart = LineChart()
    chart.title = f"{board.group_name('district')}逐月得分"
    chart.y_axis.title, chart.x_axis.title = "得分", "月份"
    chart.height, chart.width = 9, 18
    for i in districts:
        row = 3 + i
        chart.add_data(Reference(sheet.ws, min_col=1, max_col=1 + len(span), min_row=row, max_row=row),
                       from_rows=True, titles_from_data=True)
    for series in chart.series:
        series.smooth = False   # points per month are counts, not a curve
    chart.set_categories(Reference(sheet.ws, min_col=2, max_col=1 + len(span), min_row=2, max_row=2))
    sheet.ws.add_chart(chart, f"A{len(rows) + 5}")


def _detail(wb: Workbook, board: Scoreboard, note: str) -> None:
    rows = []
    for r in board.results:
        for line in r.lines:
            info = board.clause_info(line.clause_id)
            rows.append([r.unit.name, line.date, info.article, info.name, num(line.points), line.title, line.evidence,
                         line.evidence_id, line.rules_id, line.note])
    widths = fitted_widths(DETAIL_HEADERS, rows)
    widths[1] = 12
    formats = [None, DATE_FORMAT, None, None, POINTS_FORMAT]
    sheet = Sheet(wb, "明细", f"{board.period.title}信息计分明细（每一分对应一条依据）", DETAIL_HEADERS, widths,
                  formats, note, rows=len(rows))
    for row in rows:
        sheet.append(row)
    sheet.filter()


def _pending(wb: Workbook, board: Scoreboard, pending: Sequence[Mapping[str, Any]]) -> None:
    rows = [[date.fromisoformat(p["date"]), p["site"], p["id"], p.get("title") or "", p.get("source") or "",
             p.get("url") or ""] for p in pending]
    title = (f"{board.period.title}待审核的信息：{len(rows)} 条，审核后计入得分" if rows
             else f"{board.period.title}没有待审核的信息")
    widths = fitted_widths(PENDING_HEADERS, rows)
    widths[0] = 12
    sheet = Sheet(wb, "待审", title, PENDING_HEADERS, widths, [DATE_FORMAT, None, "0"], rows=len(rows))
    for row in rows:
        sheet.append(row)
    sheet.filter()


def write_xlsx(board: Scoreboard, path: Path, *, pending: Sequence[Mapping[str, Any]] | None = None,
               assessment: Sequence[Mapping[str, Any]] | None = None) -> Path:
    """The workbook; with `pending` (articles in the period waiting for review) a 待审 sheet marks it a draft."""
    note = draft_note(pending)
    with files.workbook(path, write_only=True) as wb:   # a failure or a kill keeps the previous file
        _ranking(wb, board, note)
        _departments(wb, board, note, assessment)
        _monthly(wb, board, note)
        _detail(wb, board, note)
        if pending is not None:
            _pending(wb, board, pending)
    return path
