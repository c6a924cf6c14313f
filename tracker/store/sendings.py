"""Statements mailed to units: to whom, for which period, which file, and how it went."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from tracker.store.connection import now


def record_sending(db: Database, *, period: str, unit_id: str, address: str, file_name: str, file_hash: str,
                   result: str, error: str | None, by: str, trigger: str = "manual") -> int:
    """Record one statement mailed (or refused); returns its id."""
    with db.atomic():
        return int(db["report_sendings"].insert({
            "period": period, "unit_id": unit_id, "address": address, "file_name": file_name,
            "file_hash": file_hash, "result": result, "error": error, "sent_at": now(), "sent_by": by,
            "trigger": trigger,
        }).last_pk)


def list_sendings(db: Database, *, period: str | None = None, unit_id: str | None = None,
                  result: str | None = None) -> list[dict[str, Any]]:
    """Sendings, oldest first, optionally for one period, unit or result."""
    where, params = [], []
    for column, value in (("period", period), ("unit_id", unit_id), ("result", result)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = "SELECT * FROM report_sendings" + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY id"
    return [dict(row) for row in db.query(sql, params)]
