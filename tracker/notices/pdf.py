"""PDF notices through pdfplumber: text outside tables, and tables found from their ruling lines.

A PDF with no text layer is a scan: it is stored and reported as needing typing in, never guessed at."""

from __future__ import annotations

import io

import pdfplumber

from tracker.notices.model import Document, Table, cell_text, unwrap
from tracker.notices.office import UnreadableFile

EDGE = 1.5         # points
MAX_PAGES = 60     # a notice is a few pages; the rest of a longer file is not read
MIN_TEXT = 20      # fewer readable characters than this in the whole file: a scan
SCAN_NOTE = "扫描件（PDF 中没有文字层），需要人工录入"


def parse_pdf(data: bytes, filename: str) -> Document:
    """Text lines and tables page by page; a table running on from the previous page is joined to it."""
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception:  # pdfminer raises many kinds for damaged or encrypted files
        raise UnreadableFile(f"{filename}：打不开这个 PDF 文件（已损坏或加密）") from None
    lines: list[str] = []
    tables: list[Table] = []
    chars = 0
    try:
        for number, page in enumerate(pdf.pages[:MAX_PAGES], start=1):
            chars += sum(1 for c in page.chars if c.get("text", "").strip())
            found = page.find_tables()
            outside = page
            for table in found:
                # A line set tight under a table touches its border: keep text that merely grazes the box.
                x0, top, x1, bottom = table.bbox
                outside = outside.outside_bbox((x0 + EDGE, top + EDGE, x1 - EDGE, bottom - EDGE))
            page_lines = [cell_text(x) for x in (outside.extract_text() or "").split("\n") if cell_text(x)]
            for i, table in enumerate(found):
                rows = tuple(r for r in (tuple(unwrap(c) for c in row) for row in table.extract()) if any(r))
                if not rows:
                    continue
                top = table.bbox[1]
                # Text wholly above the table (its first row's characters may poke above the border).
                above = [w for w in (page.within_bbox((0, 0, page.width, top)).extract_text() or "").split("\n")
                         if cell_text(w)] if top > 1 else []
                caption = cell_text(above[-1]) if above else ""
                prev = tables[-1] if tables else None
                if prev and i == 0 and not above and len(prev.rows[0]) == len(rows[0]):
                    tables[-1] = Table(prev.name, prev.caption, prev.rows + rows)
                elif len(rows) >= 2:
                    tables.append(Table(f"第{number}页表{i + 1}", caption, rows))
            lines.extend(page_lines)
    except Exception as exc:  # a damaged page stream: the file is named, nothing is guessed
        raise UnreadableFile(f"{filename}：PDF 内容无法读取（{exc.__class__.__name__}）") from None
    finally:
        pdf.close()
    if chars < MIN_TEXT:
        return Document(filename, "pdf", needs_typing=SCAN_NOTE)
    return Document(filename, "pdf", "\n".join(lines), tuple(tables))
