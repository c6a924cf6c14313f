"""What the database holds besides raw facts, so any SQLite tool reads the same figures as the commands.

`units` and `site_columns` mirror config (refreshed whenever their content differs); `score_lines` holds
every scoring line of a calendar year as last scored (the scoring engine is Python, so its result is
written down, not recomputed in SQL). `score_years.changes` against `changes.counter` tells whether a
year's lines are still current: every change to articles, columns, attributions, decisions, entries or
experience flags bumps the counter.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from sqlite_utils import Database

from scoring import Scoreboard
from tracker.config import Settings
from tracker.store import now
from tracker.units import Registry


def _digest(rows: Any) -> str:
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def config_rows(settings: Settings, registry: Registry) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows `units` and `site_columns` should hold for this config."""
    units = [{"id": u.id, "name": u.name, "kind": u.kind, "target": u.target,
              "valid_from": u.valid_from.isoformat() if u.valid_from else None,
              "valid_to": u.valid_to.isoformat() if u.valid_to else None, "position": i, "email": u.email}
             for i, u in enumerate(registry)]
    columns = [{"site": s.key, "column_key": c.key, "site_name": s.name, "name": c.name, "category": c.category}
               for s in settings.sites.values() for c in s.columns]
    return units, columns


def config_hash(settings: Settings, registry: Registry) -> str:
    return _digest(config_rows(settings, registry))


def sync_config(db: Database, settings: Settings, registry: Registry) -> bool:
    """Bring `units` and `site_columns` in line with config; True when they had to change."""
    units, columns = config_rows(settings, registry)
    digest = _digest([units, columns])
    row = db.execute("SELECT hash FROM config_sync WHERE name = 'config'").fetchone()
    if row and row[0] == digest:
        return False
    with db.atomic():
        db.execute("DELETE FROM units")
        db.execute("DELETE FROM site_columns")
        if units:
            db["units"].insert_all(units)
        if columns:
            db["site_columns"].insert_all(columns)
        db.execute("INSERT INTO config_sync (name, hash, synced_at) VALUES ('config', ?, ?) "
                   "ON CONFLICT(name) DO UPDATE SET hash = excluded.hash, synced_at = excluded.synced_at",
                   [digest, now()])
    return True


def change_counter(db: Database) -> int:
    return int(db.execute("SELECT counter FROM changes WHERE id = 1").fetchone()[0])


def is_whole_year(board: Scoreboard) -> int | None:
    """The year when the board covers exactly one calendar year, else None."""
    start, end = board.period.start, board.period.end
    if start == date(start.year, 1, 1) and end == date(start.year, 12, 31):
        return start.year
    return None


def record_year(db: Database, board: Scoreboard, *, changes: int, config: str) -> None:
    """Replace the stored scoring lines of the board's year with the board's lines.

    `changes` is the counter read before the inputs were: a change made while scoring leaves the year stale.
    """
    year = is_whole_year(board)
    if year is None:
        return
    rules = json.dumps([list(r) for r in board.rules])
    stored = db.execute("SELECT changes, config_hash, rules FROM score_years WHERE year = ?", [year]).fetchone()
    if stored and tuple(stored) == (changes, config, rules) and changes == change_counter(db):
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
        db.execute("INSERT INTO score_years (year, scored_at, changes, rules, config_hash) VALUES (?, ?, ?, ?, ?) "
                   "ON CONFLICT(year) DO UPDATE SET scored_at = excluded.scored_at, changes = excluded.changes, "
                   "rules = excluded.rules, config_hash = excluded.config_hash",
                   [year, now(), changes, rules, config])
        if rows:
            cols = list(rows[0])
            db.conn.executemany(f"INSERT INTO score_lines ({', '.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                                [list(r.values()) for r in rows])


def year_status(db: Database) -> list[dict[str, Any]]:
    """Per year scored: when, and whether its lines are still current."""
    counter = change_counter(db)
    return [{**dict(r), "current": r["changes"] == counter}
            for r in db.query("SELECT year, scored_at, changes FROM score_years ORDER BY year")]
