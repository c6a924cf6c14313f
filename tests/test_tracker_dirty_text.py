"""Rows stored dirty (by an older version, or before cleaning existed) never break or reach an output:
control characters are dropped from every table, CSV, JSON, workbook, notice and snapshot, and CSV
cells that a spreadsheet would run as formulas are neutralised as the workbook already keeps them text."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from tracker import store

CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
DIRTY_TITLE = "标题\x1b[31m红\x07字\x00[/b]"
FORMULA = "=cmd|' /C calc'!A0"


@pytest.fixture
def dirty(db, credited: list[dict]) -> None:
    """Two 2024 articles of 武进区, one titled with escape codes, one like a formula; an entry alike."""
    for aid, title in ((9001, "clean"), (9002, FORMULA)):
        credited.append({"site": "czgh", "id": aid, "url": f"https://czgh.jscz.org.cn/html/czgh/2024/KEBQLDDJ_0311/{aid}.html",
                         "date": "2024-03-11", "title": title, "subtitle": None, "columns": ["jcdt"],
                         "unit_id": "wujin"})
    # Stored as another tool or an older version could have stored them: straight into the table, past the
    # store's own checks (which refuse control characters in articles).
    db.execute("PRAGMA ignore_check_constraints = ON")
    db.execute("UPDATE articles SET title = ? WHERE id = 9001", [DIRTY_TITLE])
    db.execute("PRAGMA ignore_check_constraints = OFF")
    store.add_entries(db, [{"unit_id": "wujin", "kind": "activity", "date": "2024-04-01", "title": DIRTY_TITLE,
                            "evidence": FORMULA, "note": "备注\x9b2J"}], by="旧版本")
    db.conn.commit()


def clean(text: str) -> bool:
    return CONTROLS.search(text) is None


def cells(path: Path) -> list[str]:
    wb = load_workbook(path)
    return [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def test_report_and_notice_from_dirty_rows(xinxi, dirty, tmp_path: Path) -> None:
    xlsx, docx = tmp_path / "r.xlsx", tmp_path / "r.docx"
    xinxi("report", "--year", "2024", "--xlsx", str(xlsx), "--docx", str(docx))
    values = cells(xlsx)
    assert "标题[31m红字[/b]" in values and FORMULA in values
    assert all(clean(v) for v in values)
    detail = {c.value: c.data_type for row in load_workbook(xlsx)["明细"].iter_rows(min_row=3) for c in row}
    assert detail[FORMULA] == "s"  # text, not a formula
    assert all(clean(p.text) for p in Document(str(docx)).paragraphs)


def test_a_published_snapshot_is_frozen_clean_and_prints(xinxi, dirty, db, tmp_path: Path) -> None:
    xinxi("snapshot", "publish", "2024")
    [data] = [r["data"] for r in db.query("SELECT data FROM score_snapshots")]
    assert "\\u001b" not in data and "\\u0007" not in data and "\\u0000" not in data and "\u009b" not in data
    assert "标题[31m红字[/b]" in data
    # A snapshot frozen dirty by an older version still prints.
    db.execute("UPDATE score_snapshots SET data = replace(data, '标题[31m', '标题\\u001b[31m\\u0007')")
    db.conn.commit()
    xlsx = tmp_path / "snap.xlsx"
    assert "快照" in xinxi("report", "--year", "2024", "--xlsx", str(xlsx)).output
    values = cells(xlsx)
    assert "标题[31m红字[/b]" in values and all(clean(v) for v in values)


def test_articles_and_review_print_no_escape_codes(xinxi, dirty) -> None:
    listing = xinxi("articles").output
    assert "标题[31m红字[/b]" in listing and clean(listing.replace("\n", ""))
    rows = json.loads(xinxi("articles", "--json").output)
    assert {r["title"] for r in rows} == {"标题[31m红字[/b]", FORMULA}
    assert "\x1b" not in xinxi("review", "show", "czgh/9001").output


def test_score_explain_as_csv_table_and_json(xinxi, dirty, tmp_path: Path) -> None:
    out = xinxi("score", "--year", "2024", "--explain", "wujin", "--format", "csv").output
    rows = list(csv.reader(io.StringIO(out)))
    titles = [r[4] for r in rows[1:]]
    assert "'" + FORMULA in titles and "标题[31m红字[/b]" in titles and clean(out.replace("\n", "").replace("\r", ""))
    assert "'" + FORMULA in [r[6] for r in rows[1:]]  # the entry's evidence
    written = tmp_path / "explain.csv"
    xinxi("score", "--year", "2024", "--explain", "wujin", "--format", "csv", "--output", str(written))
    assert list(csv.reader(io.StringIO(written.read_text(encoding="utf-8-sig"), newline=""))) == rows
    table = xinxi("score", "--year", "2024", "--explain", "wujin").output
    assert "红字[/b]" in table and "\x1b" not in table and "\x07" not in table
    lines = json.loads(xinxi("score", "--year", "2024", "--explain", "wujin", "--format", "json").output)
    assert all(clean(v) for line in lines for v in line.values() if isinstance(v, str))
    text_file = tmp_path / "explain.txt"
    xinxi("score", "--year", "2024", "--explain", "wujin", "--output", str(text_file))
    assert "红字[/b]" in text_file.read_text(encoding="utf-8")


def test_entry_list_neutralises_formulas_in_csv_and_cleans_every_format(xinxi, dirty) -> None:
    out = xinxi("entry", "list", "--format", "csv").output
    [row] = list(csv.reader(io.StringIO(out)))[1:]
    assert (row[4], row[5], row[6]) == ("标题[31m红字[/b]", "'" + FORMULA, "备注2J")
    [entry] = json.loads(xinxi("entry", "list", "--format", "json").output)
    assert (entry["title"], entry["note"]) == ("标题[31m红字[/b]", "备注2J")
    table = xinxi("entry", "list").output
    assert "红字[/b]" in table and clean(table.replace("\n", ""))
    assert clean(xinxi("entry", "history").output.replace("\n", ""))
