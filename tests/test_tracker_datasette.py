"""`xinxi datasette-metadata`: the file Datasette reads, and Datasette showing unit names with it."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import cli

FIXTURE = Path(__file__).parent / "fixtures" / "pre_views.db"


@pytest.fixture
def written(tmp_path: Path) -> tuple[Path, Path]:
    db_path = tmp_path / "xinxi.db"
    shutil.copy(FIXTURE, db_path)
    out = tmp_path / "metadata.json"
    result = CliRunner().invoke(cli, ["--db", str(db_path), "datasette-metadata", "--output", str(out)])
    assert result.exit_code == 0, result.output
    return db_path, out


def test_metadata_labels_every_column_of_the_views(written: tuple[Path, Path]) -> None:
    import sqlite3

    db_path, out = written
    tables = json.loads(out.read_text(encoding="utf-8"))["databases"]["xinxi"]["tables"]
    conn = sqlite3.connect(db_path)
    try:
        for name in ("credits", "review_queue", "adoptions", "unit_totals", "units"):
            actual = {r[1] for r in conn.execute(f"PRAGMA table_info([{name}])")}
            assert set(tables[name]["columns"]) == actual, name
    finally:
        conn.close()
    assert "unit_name" in tables["credits"]["facets"] and tables["units"]["label_column"] == "name"


def test_an_unwritable_output_is_one_line(tmp_path: Path) -> None:
    db_path = tmp_path / "xinxi.db"
    shutil.copy(FIXTURE, db_path)
    result = CliRunner().invoke(cli, ["--db", str(db_path), "datasette-metadata", "--output",
                                      str(db_path / "m.json")])      # under a file, not a folder
    assert result.exit_code != 0 and str(result.exception).startswith("无法写入 ")
    assert "文件夹不存在" in str(result.exception) and db_path.is_file()


def test_datasette_opens_the_file_with_unit_names(written: tuple[Path, Path]) -> None:
    app = pytest.importorskip("datasette.app", reason="Datasette 未安装（它不是 xinxi 的依赖）")
    db_path, out = written

    async def look() -> tuple[dict, dict, dict]:
        ds = app.Datasette([str(db_path)], metadata=json.loads(out.read_text(encoding="utf-8")))
        credits = (await ds.client.get("/xinxi/credits.json?_facet=unit_name&_shape=objects")).json()
        raw = (await ds.client.get("/xinxi/attributions.json?_facet=unit_id&_shape=objects&_labels=on")).json()
        page = await ds.client.get("/xinxi/credits")
        return credits, raw, {"status": page.status_code, "text": page.text}

    credits, raw, page = asyncio.run(look())
    facet = {r["value"]: r["count"] for r in credits["facet_results"]["unit_name"]["results"]}
    assert facet == {"武进区总工会": 2, "溧阳市总工会": 1, "金坛区总工会": 1}
    labels = {r["label"] for r in raw["facet_results"]["unit_id"]["results"]}
    assert {"武进区总工会", "溧阳市总工会", "金坛区总工会"} <= labels
    assert page["status"] == 200 and "文章归属（已算上人工审核）" in page["text"] and "归属单位" in page["text"]
