"""`xinxi entry import` at its bounds: concurrent imports, hostile files, dirty text, large sheets."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook

from tracker import store
from tracker.scores import sheets

XINXI = Path(sys.executable).parent / "xinxi"
HEADER = "单位,类别,日期,标题,依据,备注\n"
DISTRICTS = ("溧阳市总工会", "金坛区总工会", "武进区总工会", "新北区总工会", "天宁区总工会", "钟楼区总工会")


def csv_rows(n: int) -> str:
    first = date(2017, 1, 1)
    return "".join(f"{DISTRICTS[i % 6]},省总网站采用,{first + timedelta(days=i % 2500)},基层工会信息第{i}篇,"
                   f"https://www.jsgh.org/a/{i}.html,\n" for i in range(n))


def stored(db_path: Path) -> list[dict]:
    db = store.open_db(db_path)
    try:
        return store.list_entries(db)
    finally:
        db.close()


def test_two_imports_of_the_same_sheet_at_once_store_it_once(tmp_path: Path, db_path: Path) -> None:
    """Both processes are held at the database's write lock, then let go together: one imports, the
    other finds every row already stored and says so (what a clerk who ran it twice would expect)."""
    sheet = tmp_path / "录入.csv"
    sheet.write_text(HEADER + csv_rows(1000), encoding="utf-8")
    store.open_db(db_path).close()
    holder = sqlite3.connect(db_path)
    holder.execute("BEGIN IMMEDIATE")  # a writer in the way, so both imports reach the lock and wait
    logs = [tmp_path / f"import{i}.log" for i in (1, 2)]
    procs = [subprocess.Popen([str(XINXI), "--db", str(db_path), "entry", "import", str(sheet)],
                              stdout=log.open("w"), stderr=subprocess.STDOUT) for log in logs]
    try:
        deadline = time.monotonic() + 120
        while not all("等它完成" in log.read_text(encoding="utf-8") for log in logs):
            assert all(p.poll() is None for p in procs), [log.read_text(encoding="utf-8") for log in logs]
            assert time.monotonic() < deadline, "the imports never reached the lock"
            time.sleep(0.05)
    finally:
        holder.rollback()
        holder.close()
    codes = sorted(p.wait(timeout=120) for p in procs)
    outputs = [log.read_text(encoding="utf-8") for log in logs]
    assert codes == [0, 2], outputs
    assert sum("已导入 1000 条" in out for out in outputs) == 1
    refused = next(out for out in outputs if "已导入 1000 条" not in out)
    assert "这 1000 行都已录入过（可能已导入过这个文件），未重复导入" in refused
    assert "Traceback" not in refused
    assert len(stored(db_path)) == 1000


def test_a_zip_bomb_is_refused_from_its_declared_size(xinxi, tmp_path: Path) -> None:
    bomb = tmp_path / "炸弹.xlsx"
    row = b'<row><c t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c></row>"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            for _ in range(sheets.MAX_UNPACKED_BYTES // len(row) + 1):
                part.write(row)
    assert bomb.stat().st_size < sheets.MAX_FILE_BYTES // 10  # small on disk: only the unpacked size tells
    result = xinxi("entry", "import", str(bomb), ok=False)
    assert result.exit_code == 2
    assert "这个 Excel 文件解压后有 25.0 MB（2 个部件），超过上限 25.0 MB" in result.output
    assert stored(tmp_path / "xinxi.db") == []


def test_a_sheet_declaring_every_column_is_read_at_its_real_size(xinxi, tmp_path: Path) -> None:
    plain = tmp_path / "plain.xlsx"
    wb = Workbook()
    wb.active.append(["单位", "类别", "日期", "标题", "依据"])
    wb.active.append(["武进区总工会", "省总网站采用", "2024-03-01", "一则信息", "https://www.jsgh.org/a/1.html"])
    wb.save(plain)
    wide = tmp_path / "wide.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(wide, "w", zipfile.ZIP_DEFLATED) as out:
        for part in src.infolist():
            data = src.read(part)
            if part.filename.startswith("xl/worksheets/"):
                data = data.replace(b'<dimension ref="A1:E2"/>', b'<dimension ref="A1:XFD1048576"/>')
                assert b"XFD1048576" in data
            out.writestr(part, data)
    assert sheets.read_table(wide) == [["单位", "类别", "日期", "标题", "依据"],
                                       ["武进区总工会", "省总网站采用", "2024-03-01", "一则信息",
                                        "https://www.jsgh.org/a/1.html"]]
    assert "已导入 1 条" in xinxi("entry", "import", str(wide)).stdout


def test_a_file_past_the_size_limit_is_refused_before_reading(xinxi, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8") as fh:
        fh.write(HEADER)
        while fh.tell() <= sheets.MAX_FILE_BYTES:
            fh.write(csv_rows(2000))
    result = xinxi("entry", "import", str(big), ok=False)
    assert result.exit_code == 2 and "超过导入上限 10.0 MB" in result.output
    assert stored(tmp_path / "xinxi.db") == []


def test_too_many_rows_are_refused(xinxi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheets, "MAX_ROWS", 50)
    sheet = tmp_path / "rows.csv"
    sheet.write_text(HEADER + csv_rows(51), encoding="utf-8")
    result = xinxi("entry", "import", str(sheet), ok=False)
    assert result.exit_code == 2 and "超过 50 行，未导入" in result.output
    sheet.write_text(HEADER + csv_rows(50), encoding="utf-8")
    assert "已导入 50 条" in xinxi("entry", "import", str(sheet)).stdout


def test_a_sheet_of_too_many_cells_is_refused(xinxi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheets, "MAX_CELLS", 1000)
    wide = tmp_path / "wide.xlsx"
    wb = Workbook()
    wb.active.append(["单位", "类别", "日期", "标题", "依据"])
    for i in range(20):
        wb.active.append(["武进区总工会", "省总网站采用", "2024-03-01", f"信息{i}", "苏工信〔2024〕1号", *range(100)])
    wb.save(wide)
    result = xinxi("entry", "import", str(wide), ok=False)
    assert result.exit_code == 2 and "单元格超过 1000 个" in result.output
    assert stored(tmp_path / "xinxi.db") == []


def test_a_cell_past_the_csv_field_limit_is_an_error_naming_its_row(xinxi, tmp_path: Path) -> None:
    sheet = tmp_path / "long.csv"
    title = "很长的标题" * 30_000  # 150,000 characters, past csv's own 128 KB field limit
    sheet.write_text(HEADER + csv_rows(2) + f'武进区总工会,省总网站采用,2024-03-01,"{title}",武工发〔2024〕1号,\n',
                     encoding="utf-8")
    result = xinxi("entry", "import", str(sheet), ok=False)
    assert result.exit_code == 2
    assert "第 4 行 [标题]：内容过长（150000 字，最多 4000 字）" in result.output
    assert "Error" not in result.output and stored(tmp_path / "xinxi.db") == []


def test_control_characters_in_an_imported_sheet_are_not_stored(xinxi, tmp_path: Path) -> None:
    sheet = tmp_path / "dirty.csv"
    sheet.write_text(HEADER + "武进区总工会,省总网站采用,2024-03-01,标题\x1b[31m红\x07字\x00,"
                              "武工发\x1b]0;x\x07〔2024〕1号,备注\x9b\n", encoding="utf-8")
    assert "已导入 1 条" in xinxi("entry", "import", str(sheet)).stdout
    [entry] = stored(tmp_path / "xinxi.db")
    assert (entry["title"], entry["evidence"], entry["note"]) == ("标题[31m红字", "武工发]0;x〔2024〕1号", "备注")


def test_duplicates_and_yearly_limits_are_found_across_a_large_sheet(xinxi, tmp_path: Path) -> None:
    rows = csv_rows(5000)
    repeat = rows.splitlines(keepends=True)[17]
    bonus = "武进区总工会,省总年终通报全省前十,2023-12-01,全省前十,苏工办〔2023〕1号,\n"
    sheet = tmp_path / "dups.csv"
    sheet.write_text(HEADER + rows + repeat + bonus + bonus.replace("〔2023〕1号", "〔2023〕2号"), encoding="utf-8")
    result = xinxi("entry", "import", str(sheet), ok=False)
    assert "3 处错误" not in result.output and "2 处错误，未导入任何记录" in result.output
    assert "第 5002 行 [依据]：与第 19 行重复" in result.output
    assert "第 5004 行 [类别]：此类每个单位每年只计 1 次，2023 年已录入" in result.output


def test_only_the_first_errors_are_listed(xinxi, tmp_path: Path) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_text(HEADER + "".join(f"没有的单位{i},省总网站采用,2024-03-01,t{i},e{i}\n" for i in range(300)),
                     encoding="utf-8")
    result = xinxi("entry", "import", str(sheet), ok=False)
    lines = result.output.splitlines()
    assert "300 处错误" in lines[0] and "另有 100 处错误未列出" in lines[-1] and len(lines) == 202


def test_an_import_file_name_and_rows_reach_the_audit_trail_clean(xinxi, tmp_path: Path) -> None:
    sheet = tmp_path / "导入\x1b[2J.csv"
    sheet.write_text(HEADER + "武进区总工会,省总网站采用,2024-03-01,信息,武工发〔2024〕1号,\n", encoding="utf-8")
    xinxi("entry", "import", str(sheet))
    [entry] = json.loads(xinxi("entry", "list", "--format", "json").stdout)
    assert entry["import_file"] == "导入[2J.csv"
    assert "\x1b" not in xinxi("entry", "history").stdout


def test_a_date_cell_out_of_range_is_a_row_error_in_chinese(tmp_path: Path) -> None:
    sheet = tmp_path / "dates.xlsx"
    wb = Workbook()
    wb.active.append(["单位", "类别", "日期", "标题", "依据"])
    wb.active.append(["武进区总工会", "省总网站采用", date(2024, 3, 1), "一则信息", "苏工信〔2024〕1号"])
    wb.active.append(["武进区总工会", "省总网站采用", 99999999999, "另一则", "苏工信〔2024〕2号"])
    wb.active["C3"].number_format = "yyyy-mm-dd"
    wb.save(sheet)
    result = subprocess.run([str(XINXI), "--db", str(tmp_path / "x.db"), "entry", "import", str(sheet)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "第 3 行 [日期]：日期应写作 2024-03-05，实为 “#VALUE!”" in result.stderr
    assert "Warning" not in result.stderr and "openpyxl" not in result.stderr
