"""Manual score entries with their audit trail, experience-flag decisions, and 五、7 assessment decisions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from tracker.errors import NotFound
from tracker.store.connection import now

# --- manual entries and experience flags -----------------------------------------------------------

ENTRY_FIELDS = ("unit_id", "kind", "date", "title", "evidence", "note")


def add_entries(db: Database, rows: Sequence[dict[str, Any]], *, by: str, source: str = "cli",
                import_file: str | None = None) -> list[int]:
    """Store manual score entries in one transaction, each with an audit event; returns their ids."""
    stamp = now()
    ids = []
    with db.atomic():
        for row in rows:
            values = [row.get(k) for k in ENTRY_FIELDS]
            cur = db.execute(
                f"INSERT INTO score_entries ({', '.join(ENTRY_FIELDS)}, source, import_file, created_at, created_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*values, source, import_file, stamp, by],
            )
            entry_id = int(cur.lastrowid)
            ids.append(entry_id)
            db.execute(
                "INSERT INTO score_entry_events (entry_id, action, at, by, reason, data) VALUES (?, ?, ?, ?, ?, ?)",
                [entry_id, "import" if source == "import" else "add", stamp, by, import_file,
                 json.dumps(dict(zip(ENTRY_FIELDS, values, strict=True)), ensure_ascii=False)],
            )
    return ids


def get_entry(db: Database, entry_id: int) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM score_entries WHERE id = ?", [entry_id]))
    if not rows:
        raise NotFound(f"没有录入记录 #{entry_id}")
    return dict(rows[0])


def remove_entry(db: Database, entry_id: int, *, reason: str, by: str) -> None:
    """Mark an entry removed (it stays in the table) and record why in the audit trail."""
    entry = get_entry(db, entry_id)
    stamp = now()
    with db.atomic():
        db.execute(
            "UPDATE score_entries SET removed_at = ?, removed_by = ?, removed_reason = ? WHERE id = ?",
            [stamp, by, reason, entry_id],
        )
        db.execute(
            "INSERT INTO score_entry_events (entry_id, action, at, by, reason, data) VALUES (?, 'remove', ?, ?, ?, ?)",
            [entry_id, stamp, by, reason,
             json.dumps({k: entry[k] for k in ENTRY_FIELDS}, ensure_ascii=False)],
        )


def list_entries(db: Database, *, unit_id: str | None = None, kind: str | None = None,
                 since: str | None = None, until: str | None = None,
                 include_removed: bool = False) -> list[dict[str, Any]]:
    """Manual entries in date order; removed ones only when asked."""
    where, params = [], []
    for clause, value in (("unit_id = ?", unit_id), ("kind = ?", kind), ("date >= ?", since), ("date <= ?", until)):
        if value is not None:
            where.append(clause)
            params.append(value)
    if not include_removed:
        where.append("removed_at IS NULL")
    sql = "SELECT * FROM score_entries" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY date, id"
    return [dict(r) for r in db.query(sql, params)]


def entry_events(db: Database, entry_id: int | None = None) -> list[dict[str, Any]]:
    """The audit trail of manual entries, oldest first."""
    sql = "SELECT * FROM score_entry_events" + (" WHERE entry_id = ?" if entry_id else "") + " ORDER BY id"
    return [dict(r) for r in db.query(sql, [entry_id] if entry_id else [])]


def set_experience_flag(db: Database, site: str, article_id: int, experience: bool, *, source: str,
                        by: str | None, reason: str | None = None) -> None:
    """Record an experience/summary decision for one article (a reviewer's overrides the classifier's)."""
    with db.atomic():
        db.execute(
            "INSERT INTO experience_flags (site, article_id, experience, source, decided_by, decided_at, reason) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(site, article_id) DO UPDATE SET "
            "experience = excluded.experience, source = excluded.source, decided_by = excluded.decided_by, "
            "decided_at = excluded.decided_at, reason = excluded.reason",
            [site, article_id, int(experience), source, by, now(), reason],
        )


def clear_experience_flag(db: Database, site: str, article_id: int) -> bool:
    with db.atomic():
        cur = db.execute("DELETE FROM experience_flags WHERE site = ? AND article_id = ?", [site, article_id])
    return cur.rowcount > 0


def experience_flags(db: Database) -> dict[tuple[str, int], dict[str, Any]]:
    """Stored experience decisions keyed by (site, article id)."""
    return {(r["site"], r["article_id"]): dict(r) for r in db.query("SELECT * FROM experience_flags")}



# --- 五、7 assessment decisions ---------------------------------------------------------------------


def add_assessment_decision(db: Database, *, unit_id: str, year: int, action: str, points: float | None,
                            reason: str, by: str, basis: tuple[float, int, float]) -> int:
    """Append one decision (set or clear) for a department's year; earlier ones stay as its history."""
    total, instructions, proposed = basis
    with db.atomic():
        cur = db.execute(
            "INSERT INTO assessment_decisions (unit_id, year, action, points, reason, decided_by, decided_at, "
            "basis_total, basis_instructions, basis_proposed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [unit_id, year, action, points, reason, by, now(), total, instructions, proposed],
        )
    return int(cur.lastrowid)


def assessment_history(db: Database, year: int, unit_id: str | None = None) -> list[dict[str, Any]]:
    """Every decision of the year (one unit's, or all), oldest first."""
    sql = "SELECT * FROM assessment_decisions WHERE year = ?" + (" AND unit_id = ?" if unit_id else "")
    return [dict(r) for r in db.query(sql + " ORDER BY id", [year, unit_id] if unit_id else [year])]


def active_assessments(db: Database, year: int) -> dict[str, dict[str, Any]]:
    """The decision in force per unit for the year: its newest one, unless that one cleared it."""
    rows = db.query(
        "SELECT * FROM assessment_decisions d WHERE year = ? AND id = "
        "(SELECT MAX(id) FROM assessment_decisions e WHERE e.year = d.year AND e.unit_id = d.unit_id)", [year])
    return {r["unit_id"]: dict(r) for r in rows if r["action"] == "set"}
