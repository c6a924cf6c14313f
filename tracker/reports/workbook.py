"""Reports for people: the year's workbook (排名, 部室完成情况, 明细) and a draft 通报 for Word/WPS.

Both are built from a Scoreboard only, so a published snapshot prints exactly as it was frozen.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from scoring import Scoreboard, UnitResult, fmt_points

RANKING_HEADERS = ["名次", "单位", "总分"]
DEPARTMENT_HEADERS = ["单位", "目标分值", "得分", "完成率", "差额", "完成情况"]
DETAIL_HEADERS = ["单位", "日期", "条款", "条目", "分值", "标题", "依据", "证据编号", "考评办法", "说明"]
SHEETS = ("排名", "部室完成情况", "明细")


def _num(value: float | int | None) -> float | int | None:
    """Whole numbers as int so the sheet shows 3, not 3.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def percent_cell(ws: WriteOnlyWorksheet, value: float | None) -> Any:
    """A completion rate as a number shown as a percentage, so Excel can sort and sum it."""
    if value is None:
        return None
    cell = WriteOnlyCell(ws, value=round(value, 4))
    cell.number_format = "0.0%"
    return cell


def text_cell(ws: WriteOnlyWorksheet, value: Any) -> Any:
    """Scraped or typed text as a plain string cell: a title starting with "=" must not become a formula."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


class _Sheet:
    """A write-only sheet with a bold title row and a frozen, shaded header row."""

    def __init__(self, wb: Workbook, name: str, title: str, headers: Sequence[str], widths: Sequence[float]):
        self.ws: WriteOnlyWorksheet = wb.create_sheet(name)
        for i, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = width
        self.ws.freeze_panes = "A3"
        head = WriteOnlyCell(self.ws, value=title)
        head.font = Font(bold=True, size=14)
        self.ws.append([head])
        fill = PatternFill("solid", fgColor="DDEBF7")
        cells = []
        for text in headers:
            cell = WriteOnlyCell(self.ws, value=text)
            cell.font, cell.fill = Font(bold=True), fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cells.append(cell)
        self.ws.append(cells)

    def append(self, row: Sequence[Any]) -> None:
        self.ws.append(list(row))


def ranked(board: Scoreboard) -> list[UnitResult]:
    return [r for r in board.results if r.rank is not None]


def with_targets(board: Scoreboard) -> list[UnitResult]:
    return [r for r in board.results if r.target is not None]


def write_xlsx(board: Scoreboard, path: Path) -> Path:
    """The workbook: 排名 (districts), 部室完成情况 (units with targets), 明细 (every line)."""
    # A file that cannot be written (open in Excel, no such folder) fails here, before the
    # write-only sheets start streaming rows to temporary files.
    path.parent.mkdir(parents=True, exist_ok=True)
    path.open("ab").close()
    clauses = board.used_clauses()
    clause_headers = [c.name for c in clauses]
    wb = Workbook(write_only=True)
    title = board.period.title

    sheet = _Sheet(wb, "排名", f"{title}{board.group_name('district')}信息工作排名",
                   RANKING_HEADERS + clause_headers, [8, 24, 10] + [12] * len(clauses))
    for r in ranked(board):
        sheet.append([r.rank, r.unit.name, _num(r.total), *(_num(r.clauses.get(c.id)) for c in clauses)])

    sheet = _Sheet(wb, "部室完成情况", f"{title}{board.group_name('department')}信息工作目标完成情况",
                   DEPARTMENT_HEADERS + clause_headers, [26, 10, 10, 10, 10, 10] + [12] * len(clauses))
    for r in with_targets(board):
        sheet.append([r.unit.name, _num(r.target), _num(r.total), percent_cell(sheet.ws, r.completion),
                      _num(r.shortfall),
                      r.status, *(_num(r.clauses.get(c.id)) for c in clauses)])

    sheet = _Sheet(wb, "明细", f"{title}信息计分明细（每一分对应一条依据）", DETAIL_HEADERS,
                   [22, 12, 24, 8, 8, 48, 48, 16, 10, 36])
    names = {c.id: c.name for c in board.clauses}
    articles = {c.id: c.article for c in board.clauses}
    append = sheet.ws.append
    ws = sheet.ws
    for r in board.results:
        unit = r.unit.name
        for line in r.lines:
            append([unit, line.date.isoformat(), names.get(line.clause_id, line.clause_id),
                    articles.get(line.clause_id, ""), _num(line.points), text_cell(ws, line.title),
                    text_cell(ws, line.evidence), line.evidence_id, line.rules_id, text_cell(ws, line.note)])
    wb.save(path)
    return path


# --- the draft 通报 --------------------------------------------------------------------------------

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"


def _font(run: Any, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _para(doc: Any, text: str, *, font: str = BODY_FONT, size: float = 16, bold: bool = False,
          align: Any = None, indent: bool = True) -> Any:
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    p.paragraph_format.line_spacing = Pt(28)
    _font(p.add_run(text), font, size, bold)
    return p


def _table(doc: Any, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), HEADING_FONT, 12)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(text), BODY_FONT, 12)
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _names(results: Sequence[UnitResult]) -> str:
    return "、".join(r.unit.name for r in results)


def write_docx(board: Scoreboard, path: Path, *, today: date, document: str = "") -> Path:
    """A draft year-end 通报: title, district ranking, departments' completion, a short closing."""
    title = board.period.title
    doc = Document()
    section = doc.sections[0]
    # GB/T 9704 official documents: A4 paper (python-docx starts from US Letter).
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Pt(104), Pt(99)
    section.left_margin, section.right_margin = Pt(79), Pt(74)

    _para(doc, "常工办〔　　〕　　号", size=16, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _para(doc, f"关于{title}全市工会信息工作考评情况的通报", font=TITLE_FONT, size=22,
          align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _para(doc, "各辖市、区总工会，市总机关各部室、驻会产业工会：", indent=False)
    items = len({line.evidence_id for r in board.results for line in r.lines})
    total = sum(r.total for r in board.results)
    basis = f"《常州市工会信息（网站通讯）工作考评修订办法》（{document}）" if document else "全市工会信息工作考评办法"
    _para(doc, f"{title}，全市各级工会围绕中心、服务大局，积极报送工会信息。根据{basis}，"
               f"经统计，共有 {items} 条信息（活动）计分，合计 {fmt_points(total)} 分。现将考评情况通报如下：")

    districts = ranked(board)
    _para(doc, f"一、{board.group_name('district')}信息工作排名", font=HEADING_FONT, indent=True)
    top = [r for r in districts if r.rank is not None and r.rank <= 3 and r.total > 0]
    if top:
        places = "一二三"[max(r.rank or 1 for r in top) - 1]
        _para(doc, f"{_names(top)}信息工作成效明显，位列前{places}名。具体排名如下：")
    _table(doc, ["名次", "单位", "得分"], [[str(r.rank), r.unit.name, fmt_points(r.total)] for r in districts])

    departments = with_targets(board)
    met = [r for r in departments if r.met]
    short = [r for r in departments if r.met is False]
    _para(doc, f"二、{board.group_name('department')}目标完成情况", font=HEADING_FONT, indent=True)
    if not short:
        summary = f"{len(departments)}个单位全部完成年度目标分值。"
    elif not met:
        summary = f"{len(departments)}个单位均未完成年度目标分值，具体如下："
    else:
        summary = (f"{len(departments)}个单位中，{_names(met)}等{len(met)}个单位完成年度目标分值，"
                   f"{_names(short)}未完成。")
    _para(doc, summary)
    _table(doc, ["单位", "目标分值", "得分", "完成率", "完成情况"],
           [[r.unit.name, fmt_points(r.target), fmt_points(r.total), percent(r.completion), r.status]
            for r in departments])

    _para(doc, "三、下一步工作要求", font=HEADING_FONT, indent=True)
    _para(doc, "希望受表扬的单位再接再厉，未完成目标的单位认真查找不足、加大报送力度。各单位要进一步明确信息工作"
               "分管领导和信息员，围绕全市工会重点工作，多报送有深度、有分析、有建议的经验类、总结类信息，"
               "不断提高信息报送的质量和时效。")
    _para(doc, "常州市总工会办公室", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _para(doc, f"{today.year}年{today.month}月{today.day}日", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path
