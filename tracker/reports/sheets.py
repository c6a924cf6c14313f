"""A sheet that prints: title row, shaded header row repeated on every page, thin borders, widths fitted
to the Chinese text, A4 one page wide (landscape when wide), margins and a footer with page numbers."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from copy import copy
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.page import PageMargins

from tracker.text import strip_controls

THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
HEAD_FONT = Font(bold=True)
WRAP = Alignment(vertical="top", wrap_text=True)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"
POINTS_FORMAT = "General"   # 3, 2.5 and 0 as written; never a blank for 0
SIGNED_FORMAT = "+0.0;-0.0;0"   # an adjustment (五、7): +0.5, -3.0, 0
PORTRAIT_WIDTH = 95     # character widths that fit across A4 portrait within the margins
MAX_WIDTH = 50          # longer text wraps instead of widening the column
SAMPLE_ROWS = 1000
BULK_ROWS = 2000


def text_width(value: Any) -> float:
    """Column width for a value: a Chinese character takes about two digit widths."""
    if value is None:
        return 0
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        value = f"{value:.4g}"
    text = str(value)
    if text.isascii():
        return 1.1 * len(text)
    wide = len(text.encode("utf-8")) - len(text)   # two extra bytes per CJK character
    return 1.1 * len(text) + 0.5 * wide


def fitted_widths(headers: Sequence[str], rows: Iterable[Sequence[Any]], minimum: float = 6,
                  wrap_from: int | None = None) -> list[float]:
    """Widths that fit every value; headers from column `wrap_from` on may wrap (long clause names)."""
    widths = [text_width(h) + 2 if wrap_from is None or i < wrap_from else 10.0 for i, h in enumerate(headers)]
    rows = list(rows)
    # A few thousand rows spread over the sheet show the widths as well as all of them would.
    step = max(1, len(rows) // SAMPLE_ROWS)
    for row in rows[::step]:
        for i, value in enumerate(row):
            if i < len(widths):
                widths[i] = max(widths[i], text_width(value) + 2)
    return [min(MAX_WIDTH, max(minimum, w)) for w in widths]


class Sheet:
    """A write-only sheet laid out for printing; append rows of plain values, formats come from `formats`."""

    def __init__(self, wb: Workbook, name: str, title: str, headers: Sequence[str], widths: Sequence[float],
                 formats: Sequence[str | None] = (), note: str = "", *, rows: int = 0) -> None:
        ws: WriteOnlyWorksheet = wb.create_sheet(name)
        self.ws, self.headers = ws, list(headers)
        self.formats = list(formats) + [None] * (len(headers) - len(formats))
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        # The header row is as tall as its most wrapped label, so it never covers the first row.
        lines = max((math.ceil(text_width(h) / max(1.0, w - 1.5)) for h, w in zip(headers, widths, strict=False)),
                    default=1)
        ws.row_dimensions[2].height = 15 * max(1, lines) + 3
        ws.freeze_panes = "A3"
        ws.print_title_rows = "1:2"
        setup = ws.page_setup
        setup.paperSize = 9   # A4
        setup.orientation = "landscape" if sum(widths) > PORTRAIT_WIDTH else "portrait"
        setup.fitToWidth, setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.7, header=0.3, footer=0.3)
        ws.print_options.horizontalCentered = True
        ws.oddFooter.left.text = "&A"
        ws.oddFooter.right.text = "第 &P 页 共 &N 页"
        if note:
            ws.oddHeader.right.text = note
        head = WriteOnlyCell(ws, value=title + (f"（{note}）" if note else ""))
        head.font = Font(bold=True, size=14)
        ws.append([head])
        cells = []
        for text in headers:
            cell = WriteOnlyCell(ws, value=text)
            cell.font, cell.fill, cell.alignment, cell.border = HEAD_FONT, HEAD_FILL, CENTRE, BORDER
            cells.append(cell)
        ws.append(cells)
        self.rows = 2
        self._styles: dict[str | None, Any] = {}
        # A long sheet (the detail of a whole year) gets its borders from one conditional format instead of
        # a style on each of its cells, and wraps no text: per-cell styles would make it several times slower.
        self.bulk = rows > BULK_ROWS

    def _style(self, fmt: str | None) -> Any:
        """The style of a body cell with this number format, built once: 100 000 rows copy it, not rebuild it."""
        style = self._styles.get(fmt)
        if style is None:
            proto = WriteOnlyCell(self.ws)
            if not self.bulk:
                proto.border, proto.alignment = BORDER, WRAP
            if fmt:
                proto.number_format = fmt
            style = self._styles[fmt] = proto._style
        return style

    def append(self, row: Sequence[Any]) -> None:
        cells: list[Any] = []
        for value, fmt in zip(row, self.formats, strict=False):
            if isinstance(value, str):
                value = strip_controls(value)   # a control character would make the file unreadable
            if not fmt and isinstance(value, date):
                fmt = DATE_FORMAT
            formula_like = isinstance(value, str) and value.startswith("=")
            if self.bulk and not formula_like and (not fmt or fmt == POINTS_FORMAT):
                cells.append(value)
                continue
            cell = WriteOnlyCell(self.ws, value=value)
            if formula_like:
                cell.data_type = "s"   # scraped text that looks like a formula stays text
            cell._style = copy(self._style(fmt))
            cells.append(cell)
        self.ws.append(cells)
        self.rows += 1

    def finish(self) -> None:
        """After the last row: a long sheet's borders, as one conditional format over its body."""
        if self.bulk and self.rows > 2:
            self.ws.conditional_formatting.add(f"A3:{get_column_letter(len(self.headers))}{self.rows}",
                                               FormulaRule(formula=["TRUE"], border=BORDER))

    def filter(self) -> None:
        """An autofilter over the header and every row (set after the rows are in)."""
        self.ws.auto_filter.ref = f"A2:{get_column_letter(len(self.headers))}{max(self.rows, 3)}"
        self.finish()
