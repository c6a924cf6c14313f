"""The year-end 通报 as a 公文 laid out per GB/T 9704-2012, from the words wording.py chose.

A4, 版心 156 mm × 225 mm, 22 lines of 28 points. 版头: the 发文机关标志 in red 小标宋, the 发文字号, the
red separator line. 主体: title in 2号小标宋 broken where the office allowed (| in the template),
主送机关, body in 3号仿宋 with 黑体 and 楷体 headings, 附件说明, the signature centred over the 成文日期,
kept together with the last lines of the body. The attachments (ranking tables) each start a page;
the 版记 closes the last page. Page numbers `— 1 —` in 4号宋体, on the outer side.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

from tracker.reports import docx_xml as x
from tracker.reports.output import write_bytes
from tracker.reports.wording import Attachment, NoticeText

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
PAGE_FONT = "宋体"
FONTS = [TITLE_FONT, BODY_FONT, HEADING_FONT, SUBHEADING_FONT, PAGE_FONT]

BODY = 16.0       # 3号
TITLE = 22.0      # 2号
SMALL = 14.0      # 4号: page numbers, 版记, table cells
LINE = 28.0       # 22 lines in the 225 mm 版心
TEXT_WIDTH = Mm(156)
TEXT_PT = TEXT_WIDTH.pt


def text_width(text: str, size: float) -> float:
    """Width in points: a Chinese character is one em, a half-width letter or figure half of one."""
    return sum(size * (0.5 if ord(ch) < 0x2E80 else 1.0) for ch in text)


def break_title(title: str, size: float = TITLE, width: float = TEXT_PT) -> list[str]:
    """Split at the template's | marks into the fewest lines that fit, as even as possible, longer first."""
    parts = title.split("|")
    whole = "".join(parts)
    if text_width(whole, size) <= width or len(parts) == 1:
        return [whole]
    best: tuple[float, list[str]] | None = None
    for count in range(1, len(parts)):
        for cuts in combinations(range(1, len(parts)), count):
            bounds = (0, *cuts, len(parts))
            lines = ["".join(parts[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
            widths = [text_width(line, size) for line in lines]
            if max(widths) > width:
                continue
            # Even lines first; between equals, a wider first line (梯形 rather than an inverted one).
            cost = max(widths) - min(widths) + (0.5 if widths[0] < widths[-1] else 0)
            if best is None or cost < best[0]:
                best = (cost, lines)
        if best is not None:
            return best[1]
    return ["".join(parts)]


def _para(doc: Any, text: str = "", *, font: str = BODY_FONT, size: float = BODY, align: Any = None,
          indent_chars: float = 0, line: float | None = LINE, bold: bool = False, color: str | None = None) -> Any:
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    if line is not None:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line)
    if align is not None:
        p.alignment = align
    if indent_chars:
        fmt.first_line_indent = Pt(size * indent_chars)
    if text:
        x.set_font(p.add_run(text), font, size, bold=bold, color=color)
    return p


def _page_numbers(section: Any, record: NoticeText | None = None) -> None:
    """`— 1 —` in 4号宋体: odd pages on the right, even pages on the left, one character in from the edge.

    With `record`, the section's footers carry the 版记 above the number, so it closes the last page at its foot.
    """
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        if record is not None:
            _record(p, record)
            p = footer.add_paragraph()
        p.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = Pt(SMALL)
        else:
            p.paragraph_format.left_indent = Pt(SMALL)
        x.set_font(p.add_run("— "), PAGE_FONT, SMALL)
        x.set_font(x.add_field(p, "PAGE"), PAGE_FONT, SMALL)
        x.set_font(p.add_run(" —"), PAGE_FONT, SMALL)


def _page(doc: Any) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(23)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_numbers(section)


def _head(doc: Any, notice: NoticeText) -> None:
    """版头: the red 发文机关标志 35 mm below the top of the 版心, the 发文字号, the red line under it."""
    size = min(42.0, TEXT_PT / max(1.0, text_width(notice.issuer_mark, 1.0)))
    mark = _para(doc, notice.issuer_mark, font=TITLE_FONT, size=size, align=WD_ALIGN_PARAGRAPH.CENTER, line=None,
                 color=x.RED)
    mark.paragraph_format.space_before = Mm(35) - Pt(size)
    mark.paragraph_format.space_after = Pt(LINE * 2)
    number = _para(doc, notice.number, align=WD_ALIGN_PARAGRAPH.CENTER)
    # The separator line: red, as wide as the 版心, 4 mm below the 发文字号.
    x.border(number, "bottom", size_eighths=12, color=x.RED, space=11)
    _para(doc)
    title = _para(doc, font=TITLE_FONT, size=TITLE, align=WD_ALIGN_PARAGRAPH.CENTER, line=36)
    title.paragraph_format.space_before = Pt(LINE - 8)
    _title_lines(title, notice.title)
    _para(doc)
    _para(doc, notice.recipients)


def _title_lines(paragraph: Any, title: str) -> None:
    """The title in 2号小标宋, one line break at each chosen | mark."""
    for i, text in enumerate(break_title(title)):
        run = paragraph.add_run()
        if i:
            run.add_break()
        run.add_text(text)
        x.set_font(run, TITLE_FONT, TITLE)


def _body(doc: Any, notice: NoticeText) -> list[Any]:
    out = []
    for block in notice.body:
        font = {"heading1": HEADING_FONT, "heading2": SUBHEADING_FONT}.get(block.kind, BODY_FONT)
        p = _para(doc, block.text, font=font, indent_chars=2)
        if block.kind == "text":
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if block.kind != "text":
            p.paragraph_format.keep_with_next = True
        out.append(p)
    return out


def _attachment_note(doc: Any, attachments: Sequence[Attachment]) -> list[Any]:
    """附件：1．… one below the other, the names aligned after 附件：."""
    if not attachments:
        return []
    out = [_para(doc)]
    numbered = len(attachments) > 1
    # A long name runs on under its own first character: 附件：1．…… / 　　　　　　……
    names_at = 2 + 3 + (1.5 if numbered else 0)
    for i, item in enumerate(attachments, start=1):
        number = f"{i}．" if numbered else ""
        p = _para(doc, ("附件：" if i == 1 else "") + number + item.title.replace("|", ""))
        fmt = p.paragraph_format
        fmt.left_indent = Pt(BODY * names_at)
        fmt.first_line_indent = Pt(-BODY * (names_at - (2 if i == 1 else 5)))
        out.append(p)
    return out


def _signature(doc: Any, notice: NoticeText) -> list[Any]:
    """The issuer centred over the date; the date four characters in from the right."""
    date_right = BODY * 4
    centre = date_right + text_width(notice.dated, BODY) / 2
    sign_right = max(0.0, centre - text_width(notice.signature, BODY) / 2)
    gaps = [_para(doc), _para(doc)]
    sign = _para(doc, notice.signature, align=WD_ALIGN_PARAGRAPH.RIGHT)
    sign.paragraph_format.right_indent = Pt(sign_right)
    dated = _para(doc, notice.dated, align=WD_ALIGN_PARAGRAPH.RIGHT)
    dated.paragraph_format.right_indent = Pt(date_right)
    return [*gaps, sign, dated]


def _column_widths(rows: Sequence[Sequence[str]], size: float, *, shrink: bool = True) -> list[float]:
    """Each column as wide as its longest line (plus padding). A table too wide for the page first lets
    headers wider than their figures wrap onto two lines, then narrows its widest column."""
    pad = size * 1.5
    body = [max((text_width(row[i], size) for row in rows[1:]), default=0.0) + pad for i in range(len(rows[0]))]
    head = [text_width(text, size) + pad for text in rows[0]]
    widths = [max(b, h) for b, h in zip(body, head, strict=True)]
    for i in sorted(range(len(widths)), key=lambda i: body[i] - head[i]):
        if sum(widths) <= TEXT_PT or head[i] <= body[i]:
            break
        half = size * -(-len(rows[0][i]) // 2) + pad   # the header on two lines
        widths[i] = max(body[i], half, widths[i] - (sum(widths) - TEXT_PT))
    total = sum(widths)
    if shrink and total > TEXT_PT:
        widest = max(range(len(widths)), key=widths.__getitem__)
        widths[widest] = max(size * 4, widths[widest] - (total - TEXT_PT))
    return widths


TABLE_SIZES = (SMALL, 12.0, 10.5)   # 4号, 小4号, 5号: a wide table steps down rather than folding its names


def _table(doc: Any, item: Attachment) -> Any:
    rows = [item.headers, *item.rows]
    size = next((s for s in TABLE_SIZES if sum(_column_widths(rows, s, shrink=False)) <= TEXT_PT), TABLE_SIZES[-1])
    widths = _column_widths(rows, size)
    table = doc.add_table(rows=len(rows), cols=len(item.headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for i, width in enumerate(widths):
        table.columns[i].width = Pt(width)
    for r, (row, values) in enumerate(zip(table.rows, rows, strict=True)):
        if r == 0:
            # The header row repeats on every page the table runs onto.
            trpr = row._tr.get_or_add_trPr()
            trpr.append(OxmlElement("w:tblHeader"))
        for c, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            cell.width = Pt(widths[c])
            p = cell.paragraphs[0]
            p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            p.paragraph_format.line_spacing = Pt(24 if size >= SMALL else 20)
            centred = r == 0 or c in item.numeric
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT
            x.set_font(p.add_run(text), HEADING_FONT if r == 0 else BODY_FONT, size)
    return table


def _attachments(doc: Any, notice: NoticeText) -> None:
    """Each attachment on a page of its own; the last one in a section whose footer holds the 版记."""
    attachments = notice.attachments
    for i, item in enumerate(attachments, start=1):
        if i == len(attachments):
            section = doc.add_section(WD_SECTION.NEW_PAGE)
            _page_numbers(section, notice)
            label = _para(doc, f"附件{i}" if len(attachments) > 1 else "附件", font=HEADING_FONT)
        else:
            label = _para(doc, f"附件{i}" if len(attachments) > 1 else "附件", font=HEADING_FONT)
            label.paragraph_format.page_break_before = True
        _para(doc)
        title = _para(doc, font=TITLE_FONT, size=TITLE, align=WD_ALIGN_PARAGRAPH.CENTER, line=36)
        _title_lines(title, item.title)
        title.paragraph_format.space_after = Pt(LINE / 2)
        _table(doc, item)
    if not attachments:
        _record(_para(doc), notice)


def _record(first: Any, notice: NoticeText) -> None:
    """版记: 抄送, then 印发机关 and 印发日期, between thick outer lines and a thin inner one.

    `first` is an empty paragraph to fill; the printed line follows it.
    """
    def fill(p: Any, text: str) -> Any:
        fmt = p.paragraph_format
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(LINE)
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.left_indent = fmt.right_indent = Pt(SMALL)
        fmt.keep_with_next = True
        x.set_font(p.add_run(text), BODY_FONT, SMALL)
        return p

    printed = first
    if notice.copy_to:
        fill(first, f"抄送：{notice.copy_to}。")
        x.border(first, "top", size_eighths=8)
        x.border(first, "bottom", size_eighths=4)
        printed = _after(first)
    fill(printed, f"{notice.printed_by}\t{notice.dated}印发")
    printed.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH - Pt(SMALL * 2), WD_TAB_ALIGNMENT.RIGHT)
    if not notice.copy_to:
        x.border(printed, "top", size_eighths=8)
    x.border(printed, "bottom", size_eighths=8)
    # A line's worth of room between the 版记 and the page number.
    printed.paragraph_format.space_after = Pt(SMALL)


def _after(paragraph: Any) -> Any:
    """A new empty paragraph right after `paragraph` (in a footer as in the body)."""
    new = OxmlElement("w:p")
    paragraph._p.addnext(new)
    return Paragraph(new, paragraph._parent)


def build_notice(notice: NoticeText) -> Any:
    """The Document, ready to save."""
    doc = Document()
    doc.core_properties.title = notice.title.replace("|", "")
    doc.core_properties.author = notice.signature
    x.set_language(doc)
    x.default_font(doc, BODY_FONT, BODY)
    x.font_table(doc, FONTS)
    _page(doc)
    _head(doc, notice)
    body = _body(doc, notice)
    note = _attachment_note(doc, notice.attachments)
    closing = _signature(doc, notice)
    # The last lines of the body, the 附件说明 and the signature stay on one page; the date ends it.
    for p in [*body[-1:], *note, *closing[:-1]]:
        p.paragraph_format.keep_with_next = True
    for p in [*body[-1:], *closing]:
        p.paragraph_format.keep_together = True
    _attachments(doc, notice)
    return doc


def write_notice(notice: NoticeText, path: Path) -> Path:
    doc = build_notice(notice)
    data = io.BytesIO()
    doc.save(data)
    return write_bytes(path, data.getvalue())

