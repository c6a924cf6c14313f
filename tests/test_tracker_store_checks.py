"""The store refuses invalid records (CHECK constraints), and a database written by an older version that
already holds bad rows is brought up to date without losing a good row or crashing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from tracker import store
from tracker.ops import maintenance as ops
from tracker.store.migrations import migrations

GOOD = {"site": "czgh", "id": 1, "url": "https://czgh.jscz.org.cn/html/czgh/2024/KEBQLDDJ_0229/1.html",
        "title": "闰日的文章", "date": "2024-02-29", "source": "溧阳市总工会", "closing_bylines": "[]"}


def old_database(path: Path) -> Database:
    """A database at the schema before the record checks, as an older xinxi left it."""
    db = Database(path)
    migrations.apply(db, stop_before="m021_checked_records")
    return db


def insert(db: Database, **row) -> None:
    row = GOOD | row
    db.execute(f"INSERT INTO articles ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))


def test_the_migration_moves_bad_rows_to_failures_and_keeps_every_good_one(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = old_database(path)
    insert(db)
    insert(db, id=2, date="2024-02-30", title="二月三十日")
    insert(db, id=3, title="  ")
    insert(db, id=4, title="响铃\x07标题")
    insert(db, id=5, closing_bylines=json.dumps(["（溧阳市总工会）"] * 5000, ensure_ascii=False))
    insert(db, id=6, date="2024-03-01")
    db.execute("INSERT INTO article_columns VALUES ('czgh', 1, 'jcdt', 'x', 1), ('czgh', 2, 'jcdt', 'x', 1)")
    db.execute("INSERT INTO failures (site, article_id, url, kind, status) VALUES "
               "('czgh', 7, 'https://czgh.jscz.org.cn/7.html', 'http', 503), "
               "('czgh', 8, 'https://czgh.jscz.org.cn/8.html', 'http', 404)")
    db.conn.commit()
    assert ops.check(path).invalid_count == 4   # `check` names them before the upgrade, too
    db.close()

    db = store.open_db(path)
    try:
        assert [r["id"] for r in store.list_articles(db)] == [6, 1]
        moved = {f["article_id"]: f for f in store.list_failures(db)}
        assert set(moved) == {2, 3, 4, 5, 7, 8}
        assert "发布日期" in moved[2]["detail"] and "缺少标题" in moved[3]["detail"]
        assert "控制字符" in moved[4]["detail"] and "结尾署名" in moved[5]["detail"]
        assert json.loads(moved[2]["data"])["title"] == "二月三十日"    # nothing is lost
        assert {moved[i]["kind"] for i in (2, 3, 4, 5)} == {"stored"}
        # A server error of the old version is due again; a 404 stays settled.
        assert moved[7]["retry_at"] is not None and moved[8]["retry_at"] is None
        assert 7 not in store.known_ids(db, "czgh") and 8 in store.known_ids(db, "czgh")
        assert [(r["article_id"], r["column_key"]) for r in db.query("SELECT * FROM article_columns")] == [(1, "jcdt")]
    finally:
        db.close()
    report = ops.check(path)
    assert report.ok and report.invalid_count == 0


@pytest.mark.parametrize(("field", "value"), [
    ("date", "2024-02-30"), ("date", "2023-02-29"), ("date", "2024-13-01"), ("date", "1989-12-31"),
    ("date", "2101-01-01"), ("date", "2024-3-1"), ("title", ""), ("title", "标题\x1b[31m"),
    ("id", 0), ("closing_bylines", json.dumps(["x"] * 21)), ("closing_bylines", "not json"),
])
def test_the_store_refuses_an_invalid_article(db: Database, field: str, value: object) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        insert(db, **{field: value})


def test_the_store_refuses_an_id_beyond_sqlite_integers(db: Database) -> None:
    with pytest.raises(OverflowError):
        insert(db, id=99999999999999999999)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        insert(db, id="99999999999999999999")


def test_check_reports_rows_that_bypassed_the_constraints(db_path: Path, xinxi) -> None:
    db = store.open_db(db_path)
    insert(db)
    db.execute("PRAGMA ignore_check_constraints = 1")
    insert(db, id=2, date="2024-02-30")
    db.conn.commit()
    db.close()
    result = xinxi("check", ok=False)
    assert "不合格的记录：1 条" in result.output and "articles czgh/2" in result.output
    assert ops.check(db_path).ok is False
