"""A database made by the release before the views step opens with this one, migrated, nothing lost."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from tracker import store

FIXTURE = Path(__file__).parent / "fixtures" / "pre_views.db"


def contents(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {t: sorted(conn.execute(f"SELECT * FROM [{t}]").fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def test_the_previous_release_database_migrates_with_nothing_lost(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE, path)
    before = contents(path)
    assert "credits" not in before and len(before["articles"]) == 6
    db = store.open_db(path)
    try:
        assert "m030_views" in [m.name for m in store.migrations.applied(db)]
        credits = {r["id"]: (r["unit_id"], r["method"], r["waiting"]) for r in db.query("SELECT * FROM credits")}
        assert store.review_queue_size(db) == 1
    finally:
        db.close()
    after = contents(path)
    for table, rows in before.items():
        if table == "_sqlite_migrations":
            assert set(after[table]) - set(rows) and set(rows) <= set(after[table])
        else:
            assert after[table] == rows, table
    assert credits == {
        9101: ("wujin", "source", 0),
        9102: ("liyang", "source", 0),      # the undone decision no longer counts
        9103: ("wujin", "reviewer", 0),
        9104: ("jintan", "source", 0),
        9105: (None, "reviewer", 0),        # ignored
        9106: (None, None, 1),              # waits for review
    }


def test_lines_scored_by_the_previous_release_migrate_and_learn_the_rules_they_were_scored_with(
        tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tracker.cli import cli

    path = tmp_path / "scored.db"
    shutil.copy(Path(__file__).parent / "fixtures" / "pre_rules_hash.db", path)
    before = contents(path)
    assert len(before["score_lines"]) == 6 and "rules_hash" not in str(before)

    def totals() -> list[tuple]:
        conn = sqlite3.connect(path)
        try:
            return conn.execute("SELECT unit_id, clause_id, points, current FROM unit_totals ORDER BY 1, 2").fetchall()
        finally:
            conn.close()

    db = store.open_db(path)
    db.close()
    after = contents(path)
    for table, rows in before.items():
        if table == "score_years":     # the new column, empty: which rules scored these lines is not known
            assert after[table] == [(*row, None) for row in rows]
        elif table != "_sqlite_migrations":
            assert after[table] == rows, table
    marks = [(unit, clause, points) for unit, clause, points, _ in totals()]
    assert marks == [("jintan", "municipal.experience", 2.0), ("jintan", "municipal.union_news", 3.0),
                     ("liyang", "municipal.grassroots", 1.0), ("wujin", "municipal.grassroots", 2.0),
                     ("wujin", "national.adoption", 20.0)]

    def run(*args: str) -> None:
        result = CliRunner().invoke(cli, ["--db", str(path), *args])
        assert result.exit_code == 0, result.output

    run("articles", "--limit", "1")         # the config is read: the rules the lines were scored with are unknown
    assert {row[3] for row in totals()} == {0}
    run("score", "--year", "2024", "--format", "json")
    assert [(*row[:3], row[3]) for row in totals()] == [(*m, 1) for m in marks]
