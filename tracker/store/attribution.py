"""The engine's attribution of each article and the credit after reviewer decisions (the `credits` view)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from tracker.store.connection import date_bounds, now

METHOD_LABELS = {"source": "来源", "closing": "结尾署名", "alias": "单位名称", "gazetteer": "地名", "reviewer": "人工",
                 "elsewhere": "外市稿件"}
ATTRIBUTION_FIELDS = ("unit_id", "method", "confidence", "evidence", "suggestions", "needs_review", "content_hash")
ACTIVE_DECISION = "d.site = a.site AND d.article_id = a.id AND d.undone_at IS NULL"


def credited_articles(db: Database, *, since: str | None = None, until: str | None = None,
                      unit_id: str | None = None) -> list[dict[str, Any]]:
    """Every stored article (oldest first) with the unit credited for it, read from the `credits` view.

    Keys: site, id, url, date, title, subtitle, columns (column keys), unit_id (None while queued, ignored or
    not yet attributed), unit_name, method (in words: 来源 / 结尾署名 / 单位名称 / 地名 / 人工, or None),
    method_key, decided_by, waiting.
    """
    where: list[str] = []
    params: list[Any] = []
    if unit_id:
        where.append("c.unit_id = ?")
        params.append(unit_id)
    date_bounds(where, params, since, until, alias="c")
    sql = ("SELECT site, id, url, date, title, subtitle, columns, unit_id, unit_name, method, decided_by, waiting "
           "FROM credits c" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY date, site, id")
    out = []
    for row in db.query(sql, params):
        item = dict(row)
        item["columns"] = sorted(filter(None, (row["columns"] or "").split(",")))
        item["method_key"] = row["method"]
        item["method"] = METHOD_LABELS.get(row["method"] or "")
        item["waiting"] = bool(row["waiting"])
        out.append(item)
    return out


def attribution_fields(db: Database, site: str, ids: Sequence[int],
                       unit_names: dict[str, str] | None = None) -> dict[int, dict[str, Any]]:
    """Per article id: unit (official name via `unit_names`, else the id; None), attribution (method key), review."""
    out: dict[int, dict[str, Any]] = {}
    names = unit_names or {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        marks = ",".join("?" * len(chunk))
        for row in db.query(f"SELECT id, unit_id, method, waiting FROM credits WHERE site = ? AND id IN ({marks})",
                            [site, *chunk]):
            unit_id = row["unit_id"]
            out[row["id"]] = {"unit": names.get(unit_id, unit_id) if unit_id else None, "attribution": row["method"],
                              "review": bool(row["waiting"])}
    return out


def attribution_keys(db: Database, *, since: str | None = None, pending: bool = False) -> list[tuple[str, int]]:
    """(site, id) of articles to attribute, oldest first, leaving out those a reviewer decided.

    pending: only those never attributed or whose content changed since (a recrawl updated them).
    """
    where = [f"NOT EXISTS (SELECT 1 FROM review_decisions d WHERE {ACTIVE_DECISION})"]
    params: list[Any] = []
    date_bounds(where, params, since, None)
    if pending:
        where.append("(t.site IS NULL OR t.content_hash IS NOT a.content_hash)")
    rows = db.execute(
        "SELECT a.site, a.id FROM articles a LEFT JOIN attributions t ON t.site = a.site AND t.article_id = a.id "
        f"WHERE {' AND '.join(where)} ORDER BY a.date, a.site, a.id", params
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def decided_count(db: Database, *, since: str | None = None) -> int:
    """Articles (dated from `since`) whose unit a reviewer decided."""
    sql = "SELECT count(*) FROM review_decisions d JOIN articles a ON a.site = d.site AND a.id = d.article_id " \
          "WHERE d.undone_at IS NULL" + (" AND a.date >= ?" if since else "")
    return int(db.execute(sql, [since] if since else []).fetchone()[0])


def attribution_inputs(db: Database, site: str, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The raw fields attribution reads, with the content hash and the current attribution (if any)."""
    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), 900):
        chunk = list(ids[start:start + 900])
        marks = ",".join("?" * len(chunk))
        out += [dict(r) for r in db.query(
            "SELECT a.site, a.id, a.date, a.title, a.subtitle, a.source, a.closing_bylines, a.correspondents, "
            "a.body, a.content_hash, t.unit_id AS old_unit, t.needs_review AS old_review FROM articles a "
            "LEFT JOIN attributions t ON t.site = a.site AND t.article_id = a.id "
            f"WHERE a.site = ? AND a.id IN ({marks})", [site, *chunk])]
    return out


def save_attributions(db: Database, rows: Sequence[dict[str, Any]]) -> None:
    """Upsert the engine's results (site, article_id and ATTRIBUTION_FIELDS) in one transaction."""
    stamp = now()
    cols = ("site", "article_id", *ATTRIBUTION_FIELDS, "attributed_at")
    updates = ", ".join(f"{k} = excluded.{k}" for k in (*ATTRIBUTION_FIELDS, "attributed_at"))
    with db.atomic():
        db.conn.executemany(
            f"INSERT INTO attributions ({', '.join(cols)}) VALUES ({','.join('?' * len(cols))}) "
            f"ON CONFLICT(site, article_id) DO UPDATE SET {updates}",
            [[r["site"], r["article_id"], *(r.get(k) for k in ATTRIBUTION_FIELDS), stamp] for r in rows],
        )


def get_attribution(db: Database, site: str, aid: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM attributions WHERE site = ? AND article_id = ?", [site, aid]))
    if not rows:
        return None
    row = dict(rows[0])
    row["suggestions"] = json.loads(row["suggestions"]) if row.get("suggestions") else []
    return row



def attribution_counts(db: Database) -> dict[str, Any]:
    """automatic (method key → articles), review, assigned, ignored, unattributed, total."""
    counts: dict[str, Any] = {"automatic": {}, "review": 0, "assigned": 0, "ignored": 0, "unattributed": 0}
    for action, method, needs_review, attributed, n in db.execute(
        "SELECT decision, method, waiting, attributed_at IS NOT NULL, count(*) FROM credits GROUP BY 1, 2, 3, 4"
    ).fetchall():
        if action == "assign":
            counts["assigned"] += n
        elif action == "ignore":
            counts["ignored"] += n
        elif not attributed:
            counts["unattributed"] += n
        elif needs_review:
            counts["review"] += n
        else:
            counts["automatic"][method] = counts["automatic"].get(method, 0) + n
    counts["total"] = sum(counts["automatic"].values()) + sum(
        counts[k] for k in ("review", "assigned", "ignored", "unattributed"))
    return counts
