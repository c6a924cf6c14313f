"""Import benchmark: `xinxi entry import` as the office runs it, a real process on a fresh SQLite file.

Times a 100-row sheet (the baseline: starting the program, loading units and rules), CSV sheets of 4,000,
20,000 and 30,000 rows (the row bound) and an .xlsx of 20,000 rows, the same 20,000-row CSV imported a second time (every row a
duplicate of a stored entry), and the files that must be refused quickly: a ~50 MB CSV, an .xlsx zip
bomb (a small file declaring hundreds of MB of XML) and an .xlsx just within the unpacked bound made of
millions of tiny cells (refused at the cell bound). Prints a table.

    .venv/bin/python bench/import.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
XINXI = Path(sys.executable).parent / "xinxi"
HEADER = ["单位", "类别", "日期", "标题", "依据", "备注"]
DISTRICTS = ("溧阳市总工会", "金坛区总工会", "武进区总工会", "新北区总工会", "天宁区总工会", "钟楼区总工会")


def rows(n: int, *, pad: int = 0) -> list[list[str]]:
    """`n` distinct, valid 省总网站采用 entries spread over 2017–2023; `pad` characters of note each."""
    first = date(2017, 1, 1)
    out = []
    for i in range(n):
        day = first + timedelta(days=i % 2500)
        out.append([DISTRICTS[i % len(DISTRICTS)], "省总网站采用", day.isoformat(), f"基层工会信息第{i}篇",
                    f"https://www.jsgh.org/a/{i}.html", "备" * pad])
    return out


def write_csv(path: Path, table: list[list[str]]) -> Path:
    lines = [",".join(HEADER)] + [",".join(r) for r in table]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_xlsx(path: Path, table: list[list[str]]) -> Path:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("录入")
    ws.append(HEADER)
    for r in table:
        ws.append(r)
    wb.save(path)
    return path


def zip_bomb(path: Path, megabytes: int, *, tiny: bool = False) -> Path:
    """A real .xlsx whose sheet is `megabytes` MB of XML rows (long text, or 100 tiny cells each),
    compressed to a small file."""
    template = path.with_suffix(".template.xlsx")
    write_xlsx(template, rows(1))
    if tiny:
        row = b"<row>" + b"<c><v>1</v></c>" * 100 + b"</row>"
    else:
        row = b'<row><c t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c></row>"
    chunk = row * (1024 * 1024 // len(row))
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for part in src.infolist():
            if not part.filename.startswith("xl/worksheets/sheet"):
                out.writestr(part, src.read(part))
                continue
            with out.open(part.filename, "w", force_zip64=True) as sheet:
                sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                for _ in range(megabytes):
                    sheet.write(chunk)
                sheet.write(b"</sheetData></worksheet>")
    template.unlink()
    return path


def run_import(db: Path, path: Path) -> tuple[float, int, str]:
    start = time.perf_counter()
    done = subprocess.run([str(XINXI), "--db", str(db), "entry", "import", str(path), "--by", "bench"],
                          capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    said = (done.stdout + done.stderr).strip().splitlines()
    return seconds, done.returncode, said[0] if said else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, default=None, help="write the files here and keep them")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="xinxi-bench-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        cases: list[tuple[str, Path, Path, int]] = []  # label, file, database, rows
        for n in (100, 4_000, 20_000):
            cases.append((f"CSV {n:,} 行", write_csv(folder / f"rows{n}.csv", rows(n)), folder / f"csv{n}.db", n))
        cases.append(("CSV 20,000 行（再导入一次：全部重复）", folder / "rows20000.csv", folder / "csv20000.db", 20_000))
        cases.append(("xlsx 20,000 行", write_xlsx(folder / "rows20000.xlsx", rows(20_000)), folder / "xlsx.db", 20_000))
        most = write_csv(folder / "rows30000.csv", rows(30_000, pad=60))
        cases.append(("CSV 30,000 行（行数上限）", most, folder / "csv30000.db", 30_000))
        big = write_csv(folder / "big.csv", rows(130_000, pad=100))
        cases.append(("CSV ~50 MB", big, folder / "big.db", 130_000))
        bomb = zip_bomb(folder / "bomb.xlsx", 640)
        cases.append(("xlsx 炸弹（解压后 640 MB）", bomb, folder / "bomb.db", 0))
        cells = zip_bomb(folder / "cells.xlsx", 24, tiny=True)
        cases.append(("xlsx 解压后 24 MB 的小单元格（上限之内）", cells, folder / "cells.db", 0))

        table = Table(title="xinxi entry import（真实进程，新建 SQLite 文件）")
        for header in ("文件", "大小", "用时（秒）", "与 100 行之比", "每千行（秒）", "退出码", "输出第一行"):
            table.add_column(header, justify="left" if header in ("文件", "输出第一行") else "right")
        baseline = None
        for label, path, db, n in cases:
            seconds, code, said = run_import(db, path)
            baseline = baseline or seconds
            size = path.stat().st_size
            per_k = f"{seconds / n * 1000:.3f}" if n and code == 0 else "—"
            table.add_row(label, f"{size / 1024 / 1024:.1f} MB", f"{seconds:.2f}", f"{seconds / baseline:.1f}×",
                          per_k, str(code), said[:70])
        Console(width=200).print(table)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
