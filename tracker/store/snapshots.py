"""Published score snapshots, and each calendar year's scoring lines as last scored.

`score_lines` holds every scoring line of a calendar year as last scored (the scoring engine is Python, so
its result is written down, not recomputed in SQL). `score_years.changes` against `changes.counter` tells
whether a year's lines are still current: every change to articles, columns, attributions, decisions,
entries or experience flags bumps the counter. `config_hash` and `rules_hash` against `config_sync` tell
whether the config and the files that decide points are still those the lines were scored with.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlite_utils import Database

from scoring import Scoreboard
from tracker.store.connection import now
from tracker.store.schema.views import CURRENT


def insert_snapshot(db: Database, *, period: str, start: str, end: str, rules: str, data: str, by: str,
                    waiting: int = 0, override_reason: str | None = None) -> int:
    with db.atomic():
        cur = db.execute(
            "INSERT INTO score_snapshots (period, start, end, status, published_at, published_by, rules, data, "
            "waiting, override_reason) VALUES (?, ?, ?, 'published', ?, ?, ?, ?, ?, ?)",
            [period, start, end, now(), by, rules, data, waiting, override_reason],
        )
    return int(cur.lastrowid)


def latest_snapshot(db: Database, period: str) -> dict[str, Any] | None:
    """The newest snapshot of a period (published or reopened), or None."""
    rows = list(db.query("SELECT * FROM score_snapshots WHERE period = ? ORDER BY id DESC LIMIT 1", [period]))
    return dict(rows[0]) if rows else None


def list_snapshots(db: Database) -> list[dict[str, Any]]:
    """Every snapshot without its data, newest first."""
    return [dict(r) for r in db.query(
        "SELECT id, period, start, end, status, published_at, published_by, reopened_at, reopened_by, "
        "reopen_reason, rules, waiting, override_reason FROM score_snapshots ORDER BY id DESC")]


def reopen_snapshot(db: Database, snapshot_id: int, *, reason: str, by: str) -> None:
    with db.atomic():
        db.execute(
            "UPDATE score_snapshots SET status = 'reopened', reopened_at = ?, reopened_by = ?, reopen_reason = ? "
            "WHERE id = ?",
            [now(), by, reason, snapshot_id],
        )


# --- scoring lines of whole years ------------------------------------------------------------------


def change_counter(db: Database) -> int:
    return int(db.execute("SELECT counter FROM changes WHERE id = 1").fetchone()[0])


def is_whole_year(board: Scoreboard) -> int | None:
    """The year when the board covers exactly one calendar year, else None."""
    start, end = board.period.start, board.period.end
    if start == date(start.year, 1, 1) and end == date(start.year, 12, 31):
        return start.year
    return None


def record_year(db: Database, board: Scoreboard, *, changes: int, config: str, rules_hash: str) -> None:
    """Replace the stored scoring lines of the board's year with the board's lines.

    `changes` is the counter read before the inputs were: a change made while scoring leaves the year stale.
    `config` and `rules_hash` are the hashes of the config and of the files deciding points the board was
    scored with: when `config_sync` holds others, the lines are stale.
    """
    year = is_whole_year(board)
    if year is None:
        return
    rules = json.dumps([list(r) for r in board.rules])
    stored = db.execute("SELECT changes, config_hash, rules, rules_hash FROM score_years WHERE year = ?",
                        [year]).fetchone()
    if stored and tuple(stored) == (changes, config, rules, rules_hash) and changes == change_counter(db):
        return   # nothing changed since the lines were written: a page shown again costs no writes
    names = {c.id: c.name for c in board.clauses}
    rows = []
    for result in board.results:
        for line in result.lines:
            source, _, key = line.evidence_id.partition("/")
            rows.append({
                "year": year, "unit_id": line.unit_id, "clause_id": line.clause_id,
                "clause_name": names.get(line.clause_id, line.clause_id), "points": float(line.points),
                "evidence_id": line.evidence_id, "site": None if source == "entry" else source,
                "article_id": int(key) if source != "entry" and key.isdigit() else None,
                "entry_id": int(key) if source == "entry" and key.isdigit() else None,
                "date": line.date.isoformat(), "title": line.title, "evidence": line.evidence,
                "rules_id": line.rules_id, "note": line.note,
            })
    with db.atomic():
        db.execute("DELETE FROM score_lines WHERE year = ?", [year])
        db.execute("INSERT INTO score_years (year, scored_at, changes, rules, config_hash, rules_hash) "
                   "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(year) DO UPDATE SET scored_at = excluded.scored_at, "
                   "changes = excluded.changes, rules = excluded.rules, config_hash = excluded.config_hash, "
                   "rules_hash = excluded.rules_hash",
                   [year, now(), changes, rules, config, rules_hash])
        if rows:
            cols = list(rows[0])
            db.conn.executemany(f"INSERT INTO score_lines ({', '.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                                [list(r.values()) for r in rows])


def year_status(db: Database) -> list[dict[str, Any]]:
    """Per year scored: when, and whether its lines are still current (as the views' `current` says)."""
    return [{**dict(r), "current": bool(r["current"])} for r in db.query(
        f"SELECT s.year, s.scored_at, s.changes, {CURRENT} AS current FROM score_years s ORDER BY s.year")]
