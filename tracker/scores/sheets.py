"""An imported sheet (.xlsx or .csv) read into rows of cells, within bounds.

An entry sheet is a few hundred rows. A file far larger than that, an .xlsx that unpacks to far more
than it could hold (a zip bomb), or a single cell the size of a book is refused with a clear line
before it can take the machine's memory or minutes of its time.
"""

from __future__ import annotations

import contextlib
import csv
import io
import warnings
import zipfile
from collections.abc import Generator
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tracker.errors import XinxiError

MB = 1024 * 1024
MAX_FILE_BYTES = 10 * MB  # 30,000 rows of long titles and notes are about 6 MB
# What an .xlsx may declare once unzipped: 30,000 rows saved by Excel or WPS take about 10 MB.
MAX_UNPACKED_BYTES = 25 * MB
MAX_ZIP_MEMBERS = 1000
MAX_ROWS = 30_000
# openpyxl reads 15,000 to 50,000 cells a second, depending on the machine and its load: this bounds a
# sheet of tiny cells (a hostile file well within the unpacked size) to seconds rather than minutes.
MAX_CELLS = 300_000
MAX_CELL_CHARS = 4000  # longer than any title, document number, URL or note


class SheetError(XinxiError):
    """A file that cannot be read as an entry sheet, or that is past a bound."""


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{max(1, n // 1024)} KB"


def read_table(path: Path, *, sheet: str | None = None) -> list[list[Any]]:
    """The cells of the sheet named `sheet` (else the first) of an .xlsx, or of a .csv, row by row."""
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise SheetError(f"{path}：只能导入 .xlsx 或 .csv 文件")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SheetError(f"{path}：文件有 {_size(size)}，超过导入上限 {_size(MAX_FILE_BYTES)}"
                         f"（最多 {MAX_ROWS} 行）；请检查是否选错了文件，或把表分成几个文件导入")
    table = []
    filled = count = 0
    # openpyxl warns in English on stderr about what it reads (a date out of range becomes "#VALUE!", which
    # the date check then names with its row); the office sees one Chinese line per problem instead.
    with warnings.catch_warnings(), \
            contextlib.closing(_xlsx_rows(path, sheet) if suffix == ".xlsx" else _csv_rows(path)) as rows:
        warnings.simplefilter("ignore")
        for cells in rows:
            table.append(cells)
            count += len(cells)
            if count > MAX_CELLS:
                raise SheetError(f"{path}：单元格超过 {MAX_CELLS} 个（每行只需 6 列），未导入；"
                                 "请删去多余的列，或把表分成几个文件导入")
            if any(c is not None and c != "" for c in cells):
                filled += 1
                if filled > MAX_ROWS + 1:  # the header row is not counted
                    raise SheetError(f"{path}：超过 {MAX_ROWS} 行，未导入；请把表分成几个文件导入")
    return table


def _unreadable(path: Path) -> SheetError:
    return SheetError(f"{path}：打不开这个 Excel 文件：它不是 .xlsx 格式（旧版 .xls 或 WPS 文件请先另存为 .xlsx），"
                      "或者文件已损坏")


def check_zip(path: Path) -> None:
    """Refuse an .xlsx whose parts would unpack past the bound, from the sizes its zip directory declares.

    Python's zip reader stops at the declared size of each part and fails its checksum if there was more,
    so a file cannot unpack to more than it declares.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise _unreadable(path) from None
    unpacked = sum(p.file_size for p in parts)
    if len(parts) > MAX_ZIP_MEMBERS or unpacked > MAX_UNPACKED_BYTES:
        raise SheetError(f"{path}：这个 Excel 文件解压后有 {_size(unpacked)}（{len(parts)} 个部件），超过上限 "
                         f"{_size(MAX_UNPACKED_BYTES)}；它不像一张录入表（可能已损坏），未导入")


def _xlsx_rows(path: Path, sheet: str | None) -> Generator[list[Any], None, None]:
    check_zip(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise _unreadable(path) from None
    try:
        ws = wb[sheet] if sheet in wb.sheetnames else wb.worksheets[0]
        # The sheet's declared size is not trusted: "A1:XFD1048576" would pad every row to 16,384 cells.
        ws.reset_dimensions()
        for cells in ws.iter_rows(values_only=True):
            yield list(cells)
    except Exception:  # a damaged sheet part fails only when it is read
        raise _unreadable(path) from None
    finally:
        wb.close()


def _csv_rows(path: Path) -> Generator[list[Any], None, None]:
    with path.open("rb") as fh:
        raw = fh.read(MAX_FILE_BYTES + 1)  # a file still growing is not read past the bound either
    if len(raw) > MAX_FILE_BYTES:
        raise SheetError(f"{path}：文件超过导入上限 {_size(MAX_FILE_BYTES)}")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetError(f"{path}：无法识别文件编码（请存为 UTF-8）")
    del raw
    # csv's own field limit (128 KB) would stop the whole file with an English error; the file size
    # bounds every field already, and a cell past MAX_CELL_CHARS becomes an error naming its row.
    old = csv.field_size_limit(MAX_FILE_BYTES + 1)
    try:
        reader = csv.reader(io.StringIO(text))
        yield from reader
    except csv.Error as exc:
        raise SheetError(f"{path}：第 {reader.line_num} 行不是有效的 CSV（{exc}）") from None
    finally:
        csv.field_size_limit(old)
