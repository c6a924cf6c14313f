"""Notice files from office suites: .docx (python-docx), .xlsx (openpyxl), .xls (xlrd), .doc (antiword)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import warnings
import zipfile
from pathlib import Path

import docx
import xlrd
from docx.document import Document as DocxDocument
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph
from lxml import etree
from openpyxl import load_workbook

from tracker.notices.model import Document, NoticeError, Table, cell_text

ANTIWORD_TIMEOUT = 60
# A notice's package (.docx/.xlsx) unpacks to a few MB; one declaring far more is damaged or a zip bomb.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_PARTS = 2000
# A notice's table is a few hundred rows at most; a sheet claiming a million is formatting, or hostile.
MAX_ROWS, MAX_COLS = 5000, 60


class UnreadableFile(NoticeError):
    """A file that claims a format but cannot be opened as one."""


def check_package(data: bytes, filename: str) -> None:
    """Refuse an Office package whose zip directory declares more than a notice could hold, before unpacking."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise UnreadableFile(f"{filename}：文件已损坏（不是完整的 Office 文件）") from None
    unpacked = sum(p.file_size for p in parts)
    if len(parts) > MAX_PARTS or unpacked > MAX_UNPACKED_BYTES:
        raise UnreadableFile(f"{filename}：解压后有 {unpacked // 1024 // 1024} MB（{len(parts)} 个部件），"
                             "不像一份通报（可能已损坏），未读取")


def _keep(rows: list[tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    return tuple(r for r in rows if any(r))


# --- .docx -------------------------------------------------------------------------------------------


def _docx_blocks(document: DocxDocument) -> list[Paragraph | DocxTable]:
    body = document.element.body
    out: list[Paragraph | DocxTable] = []
    for child in body.iterchildren():
        if child.tag.endswith("}p"):
            out.append(Paragraph(child, document))
        elif child.tag.endswith("}tbl"):
            out.append(DocxTable(child, document))
    return out


def parse_docx(data: bytes, filename: str) -> Document:
    """Paragraphs and tables of a .docx in reading order; a merged cell repeats over its span."""
    check_package(data, filename)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises several kinds for a damaged package
        raise UnreadableFile(f"{filename}：打不开这个 Word 文件（.docx 已损坏或不是 Word 文件）") from None
    lines: list[str] = []
    tables: list[Table] = []
    for block in _docx_blocks(document):
        if isinstance(block, Paragraph):
            text = cell_text(block.text)
            if text:
                lines.append(text)
            continue
        rows = [tuple(cell_text(c.text) for c in row.cells) for row in block.rows]
        if len(_keep(rows)) >= 2:
            tables.append(Table(f"表{len(tables) + 1}", lines[-1] if lines else "", _keep(rows)))
    if not lines and not tables and document.inline_shapes:
        return Document(filename, "docx", needs_typing="Word 文件中只有图片（扫描件），需要人工录入")
    return Document(filename, "docx", "\n".join(lines), tuple(tables))


# --- .xlsx / .xls ------------------------------------------------------------------------------------


def _sheet_table(name: str, rows: list[tuple[str, ...]]) -> tuple[str, Table | None]:
    """Leading title rows (one value across the row) are the sheet's text and caption; the rest is its table.

    Blank rows inside the table are kept so that row numbers are the sheet's own."""
    while rows and not any(rows[-1]):
        rows.pop()
    lead: list[str] = []
    offset = 0
    while rows and len(set(filter(None, rows[0]))) <= 1:
        value = next((c for c in rows.pop(0) if c), "")
        offset += 1
        if value:
            lead.append(value)
    table = Table(f"工作表“{name}”", lead[-1] if lead else "", tuple(rows), offset) if len(rows) >= 2 else None
    return "\n".join(lead), table


def parse_xlsx(data: bytes, filename: str) -> Document:
    """Every sheet of an .xlsx as one table; merged ranges repeat their first cell's value."""
    check_package(data, filename)
    try:
        with warnings.catch_warnings():  # openpyxl's English warnings stay off the office's screen
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile(f"{filename}：打不开这个 Excel 文件（.xlsx 已损坏或不是 Excel 文件）") from None
    texts, tables = [], []
    for ws in wb.worksheets:
        rows_in = ws.iter_rows(max_row=min(ws.max_row, MAX_ROWS), max_col=min(ws.max_column, MAX_COLS), values_only=True)
        cells = [[cell_text(v) for v in row] for row in rows_in]
        for merged in ws.merged_cells.ranges:
            if merged.min_row > len(cells) or merged.min_col > len(cells[merged.min_row - 1]):
                continue
            value = cells[merged.min_row - 1][merged.min_col - 1]
            for r in range(merged.min_row - 1, min(merged.max_row, len(cells))):
                for c in range(merged.min_col - 1, min(merged.max_col, len(cells[r]))):
                    cells[r][c] = value
        text, table = _sheet_table(ws.title, [tuple(r) for r in cells])
        texts.append(text)
        if table:
            tables.append(table)
    wb.close()
    return Document(filename, "xlsx", "\n".join(filter(None, texts)), tuple(tables))


def parse_xls(data: bytes, filename: str) -> Document:
    """Every sheet of an old .xls as one table (xlrd); merged ranges repeat their first cell's value."""
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True)
    except Exception:  # xlrd raises XLRDError, struct errors, … for a damaged file
        raise UnreadableFile(f"{filename}：打不开这个 Excel 文件（.xls 已损坏或不是 Excel 文件）") from None
    texts, tables = [], []
    for sheet in book.sheets():
        cells = [[_xls_cell(book, sheet.cell(r, c)) for c in range(min(sheet.ncols, MAX_COLS))]
                 for r in range(min(sheet.nrows, MAX_ROWS))]
        for r0, r1, c0, c1 in sheet.merged_cells:
            if r0 >= len(cells) or c0 >= len(cells[r0]):
                continue
            for r in range(r0, min(r1, len(cells))):
                for c in range(c0, min(c1, len(cells[r]))):
                    cells[r][c] = cells[r0][c0]
        text, table = _sheet_table(sheet.name, [tuple(r) for r in cells])
        texts.append(text)
        if table:
            tables.append(table)
    return Document(filename, "xls", "\n".join(filter(None, texts)), tuple(tables))


def _xls_cell(book: xlrd.book.Book, cell: xlrd.sheet.Cell) -> str:
    if cell.ctype == xlrd.XL_CELL_DATE:
        return xlrd.xldate.xldate_as_datetime(cell.value, book.datemode).date().isoformat()
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    return cell_text(cell.value)


# --- .doc (Word 97–2003) through antiword ------------------------------------------------------------


def antiword() -> str:
    """The antiword program, or a clear error naming how to install it."""
    found = shutil.which("antiword")
    if not found:
        raise NoticeError("读取 .doc 文件需要 antiword：运行 make install（或 apt-get install antiword）")
    return found


def parse_doc(data: bytes, filename: str) -> Document:
    """A .doc converted by antiword to DocBook XML, then read like a .docx: paragraphs and tables in order."""
    program = antiword()
    with tempfile.TemporaryDirectory(prefix="xinxi-doc-") as tmp:
        path = Path(tmp) / "notice.doc"
        path.write_bytes(data)
        try:
            done = subprocess.run([program, "-x", "db", "-m", "UTF-8.txt", str(path)], capture_output=True,
                                  timeout=ANTIWORD_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise UnreadableFile(f"{filename}：antiword 读取超时") from None
    if done.returncode != 0 or not done.stdout.strip():
        raise UnreadableFile(f"{filename}：antiword 读不出这个 .doc 文件（可能已损坏、加密或并非 Word 97–2003 格式）")
    try:
        root = etree.fromstring(done.stdout, etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        raise UnreadableFile(f"{filename}：antiword 的输出无法解析") from None
    lines: list[str] = []
    tables: list[Table] = []

    def walk(node: etree._Element) -> None:
        if node.tag == "informaltable" or node.tag == "table":
            rows = [tuple(cell_text("".join(e.itertext())) for e in row.iter("entry")) for row in node.iter("row")]
            if len(_keep(rows)) >= 2:
                tables.append(Table(f"表{len(tables) + 1}", lines[-1] if lines else "", _keep(rows)))
            return
        if node.tag == "para":
            parts = [node.text or ""]
            for child in node:
                if child.tag not in ("informaltable", "table"):
                    parts.append("".join(child.itertext()))
                parts.append(child.tail or "")
            for line in "".join(parts).split("\n"):
                if cell_text(line):
                    lines.append(cell_text(line))
        for child in node:
            if child.tag != "bookinfo" and (node.tag != "para" or child.tag in ("informaltable", "table")):
                walk(child)

    walk(root)
    return Document(filename, "doc", "\n".join(lines), tuple(tables))


def zip_kind(data: bytes) -> str | None:
    """docx or xlsx for an Office Open XML package, by what it holds."""
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        return None
    if any(n.startswith("word/") for n in names):
        return "docx"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    return None
