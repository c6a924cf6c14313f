"""Reviewers' decisions (never deleted), taught aliases, and the review queue as commands and pages read it."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from tracker.errors import NotFound
from tracker.store.articles import article_row
from tracker.store.attribution import ACTIVE_DECISION
from tracker.store.connection import date_bounds, now


def active_decision(db: Database, site: str, aid: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM review_decisions WHERE site = ? AND article_id = ? AND undone_at IS NULL",
                         [site, aid]))
    return dict(rows[0]) if rows else None


def decision_history(db: Database, site: str, aid: int) -> list[dict[str, Any]]:
    """Every decision on one article, oldest first, undone ones included."""
    return [dict(r) for r in db.query(
        "SELECT * FROM review_decisions WHERE site = ? AND article_id = ? ORDER BY id", [site, aid])]


def add_decision(db: Database, site: str, aid: int, *, action: str, unit_id: str | None, note: str | None,
                 by: str) -> int:
    """Record a reviewer's decision; the decision it replaces is closed, never deleted."""
    stamp = now()
    with db.atomic():
        db.execute(
            "UPDATE review_decisions SET undone_at = ?, undone_by = ?, undo_reason = ? "
            "WHERE site = ? AND article_id = ? AND undone_at IS NULL",
            [stamp, by, "被新的决定取代", site, aid],
        )
        cur = db.execute(
            "INSERT INTO review_decisions (site, article_id, action, unit_id, note, decided_by, decided_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", [site, aid, action, unit_id, note, by, stamp])
    return int(cur.lastrowid)


def undo_decision(db: Database, site: str, aid: int, *, by: str, reason: str | None) -> dict[str, Any]:
    """Undo the active decision on an article; NotFound when there is none."""
    decision = active_decision(db, site, aid)
    if decision is None:
        raise NotFound(f"文章 {site}/{aid} 没有可撤销的人工决定")
    with db.atomic():
        db.execute("UPDATE review_decisions SET undone_at = ?, undone_by = ?, undo_reason = ? WHERE id = ?",
                   [now(), by, reason, decision["id"]])
    return decision


def taught_aliases(db: Database) -> list[tuple[str, str]]:
    """Active taught aliases as (text, unit id), oldest first."""
    return [(r[0], r[1]) for r in db.execute(
        "SELECT text, unit_id FROM aliases WHERE removed_at IS NULL ORDER BY id").fetchall()]


def list_aliases(db: Database, *, include_removed: bool = False) -> list[dict[str, Any]]:
    sql = "SELECT * FROM aliases" + ("" if include_removed else " WHERE removed_at IS NULL") + " ORDER BY id"
    return [dict(r) for r in db.query(sql)]


def add_alias(db: Database, text: str, unit_id: str, *, by: str, note: str | None = None) -> int:
    with db.atomic():
        cur = db.execute("INSERT INTO aliases (text, unit_id, note, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
                         [text, unit_id, note, by, now()])
    return int(cur.lastrowid)


def remove_alias(db: Database, text: str, *, by: str, reason: str) -> dict[str, Any]:
    """Retire a taught alias (the row stays); NotFound when no active alias has that text."""
    rows = list(db.query("SELECT * FROM aliases WHERE text = ? AND removed_at IS NULL", [text]))
    if not rows:
        raise NotFound(f"没有教过的别名“{text}”")
    with db.atomic():
        db.execute("UPDATE aliases SET removed_at = ?, removed_by = ?, removed_reason = ? WHERE id = ?",
                   [now(), by, reason, rows[0]["id"]])
    return dict(rows[0])


def queued_keys_containing(db: Database, text: str) -> list[tuple[str, int]]:
    """Queued articles (no active decision) whose raw fields contain `text`."""
    rows = db.execute(
        "SELECT site, id FROM review_queue WHERE instr(coalesce(source, ''), ?) OR "
        "instr(coalesce(closing_bylines, ''), ?) OR instr(coalesce(correspondents, ''), ?) OR instr(title, ?) OR "
        "instr(coalesce(subtitle, ''), ?) OR instr(coalesce(body, ''), ?) ORDER BY date, site, id", [text] * 6
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def decided_articles(db: Database) -> list[dict[str, Any]]:
    """Articles a reviewer decided (active decisions): unit_id (None when marked not creditable) and the fields
    suggestions learn from."""
    return [article_row(r) for r in db.query(
        "SELECT d.unit_id, a.title, a.subtitle, a.source, a.closing_bylines, a.correspondents FROM review_decisions d "
        "JOIN articles a ON a.site = d.site AND a.id = d.article_id WHERE d.undone_at IS NULL ORDER BY d.id")]


def stale_queue_keys(db: Database) -> list[tuple[str, int]]:
    """Queued articles (no active decision) attributed no later than the latest review decision or undo."""
    latest = db.execute("SELECT max(max(decided_at), coalesce(max(undone_at), '')) FROM review_decisions").fetchone()[0]
    if not latest:
        return []
    rows = db.execute("SELECT site, id FROM review_queue WHERE attributed_at <= ? ORDER BY date, site, id",
                      [latest]).fetchall()
    return [(r[0], r[1]) for r in rows]


def review_queue(db: Database, *, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
    """Articles waiting for a person, oldest first, with their raw bylines, evidence and suggestions."""
    return list(iter_review_queue(db, limit=limit, offset=offset))


def iter_review_queue(db: Database, *, limit: int | None = None, offset: int = 0) -> Iterator[dict[str, Any]]:
    """The review queue as `review_queue`, one article at a time; `offset` skips the first ones (paging)."""
    sql = ("SELECT site, id, url, date, title, subtitle, source, closing_bylines, correspondents, evidence, "
           "suggestions, attributed_at FROM review_queue ORDER BY date, site, id LIMIT ? OFFSET ?")
    for row in db.query(sql, [limit if limit else -1, offset]):
        item = article_row(row)
        item["suggestions"] = json.loads(item["suggestions"]) if item.get("suggestions") else []
        yield item


def review_queue_size(db: Database) -> int:
    """How many articles wait for a person (for `xinxi status`)."""
    return int(db.execute("SELECT count(*) FROM review_queue").fetchone()[0])




@dataclass(frozen=True)
class QueueFilter:
    """What narrows the review queue: 发布日期 bounds, site, column key, top suggestion, reason pattern."""

    since: str | None = None
    until: str | None = None
    site: str | None = None
    column: str | None = None
    suggested: str | None = None   # unit id of the top suggestion; "none" for articles without one
    reason: str | None = None      # a LIKE pattern on the evidence, which starts with the reason

    def where(self) -> tuple[str, list[Any]]:
        where = ["1"]
        params: list[Any] = []
        date_bounds(where, params, self.since, self.until, alias="q")
        if self.site:
            where.append("q.site = ?")
            params.append(self.site)
        if self.column:
            where.append("EXISTS (SELECT 1 FROM article_columns c2 WHERE c2.site = q.site AND c2.article_id = q.id "
                         "AND c2.column_key = ?)")
            params.append(self.column)
        if self.suggested == "none":
            where.append("q.suggested_unit_id IS NULL")
        elif self.suggested:
            where.append("q.suggested_unit_id = ?")
            params.append(self.suggested)
        if self.reason:
            where.append("q.evidence LIKE ?")
            params.append(self.reason)
        return " AND ".join(where), params


_QUEUE_FROM = "FROM review_queue q"


def queue_count(db: Database, flt: QueueFilter = QueueFilter()) -> int:
    """How many queued articles the filter lets through."""
    where, params = flt.where()
    return int(db.execute(f"SELECT count(*) {_QUEUE_FROM} WHERE {where}", params).fetchone()[0])


def queue_keys(db: Database, flt: QueueFilter = QueueFilter(), *, newest_first: bool = False) -> list[tuple[str, int]]:
    """(site, id) of every article the filter lets through, oldest (or newest) first."""
    where, params = flt.where()
    order = "DESC" if newest_first else "ASC"
    rows = db.execute(f"SELECT q.site, q.id {_QUEUE_FROM} WHERE {where} "
                      f"ORDER BY q.date {order}, q.site {order}, q.id {order}", params)
    return [(r[0], r[1]) for r in rows.fetchall()]


def queue_rows(db: Database, keys: Sequence[tuple[str, int]]) -> list[dict[str, Any]]:
    """The queue's rows for the articles named, in the order named (one page of a filtered queue)."""
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for site in {s for s, _ in keys}:
        ids = [i for s, i in keys if s == site]
        marks = ",".join("?" * len(ids))
        for row in db.query(
            "SELECT site, id, url, date, title, subtitle, source, source_label, closing_bylines, correspondents, "
            f"body, evidence, suggestions, columns FROM review_queue WHERE site = ? AND id IN ({marks})",
            [site, *ids],
        ):
            item = article_row(row)
            item["suggestions"] = json.loads(item["suggestions"]) if item.get("suggestions") else []
            found[(item["site"], item["id"])] = item
    return [found[k] for k in keys if k in found]


def queue_facets(db: Database) -> dict[str, list[tuple[str, int]]]:
    """Top-suggestion unit ids and sites present in the queue, with counts, for the filter choices."""
    where, params = QueueFilter().where()
    suggested = db.execute(
        f"SELECT coalesce(q.suggested_unit_id, 'none'), count(*) {_QUEUE_FROM} WHERE {where} "
        "GROUP BY 1 ORDER BY 2 DESC", params).fetchall()
    years = db.execute(f"SELECT substr(q.date, 1, 4), count(*) {_QUEUE_FROM} WHERE {where} GROUP BY 1 ORDER BY 1",
                       params).fetchall()
    return {"suggested": [(r[0], r[1]) for r in suggested], "years": [(r[0], r[1]) for r in years]}


def review_inputs(db: Database, keys: Sequence[tuple[str, int]]) -> list[dict[str, Any]]:
    """site, id, date, needs_review, top suggestion unit id and whether a decision is active, for many articles."""
    out: list[dict[str, Any]] = []
    by_site: dict[str, list[int]] = {}
    for site, aid in keys:
        by_site.setdefault(site, []).append(aid)
    for site, ids in by_site.items():
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            marks = ",".join("?" * len(chunk))
            out += [dict(r) for r in db.query(
                "SELECT a.site, a.id, a.date, t.needs_review, json_extract(t.suggestions, '$[0][0]') AS top, "
                f"EXISTS (SELECT 1 FROM review_decisions d WHERE {ACTIVE_DECISION}) AS decided FROM articles a "
                "LEFT JOIN attributions t ON t.site = a.site AND t.article_id = a.id "
                f"WHERE a.site = ? AND a.id IN ({marks})", [site, *chunk])]
    return out


def add_decisions(db: Database, rows: Sequence[dict[str, Any]], *, by: str) -> list[int]:
    """Record many decisions (site, article_id, action, unit_id, note) in one transaction, as add_decision does."""
    stamp = now()
    ids = []
    with db.atomic():
        db.conn.executemany(
            "UPDATE review_decisions SET undone_at = ?, undone_by = ?, undo_reason = ? "
            "WHERE site = ? AND article_id = ? AND undone_at IS NULL",
            [[stamp, by, "被新的决定取代", r["site"], r["article_id"]] for r in rows])
        for r in rows:
            cur = db.execute(
                "INSERT INTO review_decisions (site, article_id, action, unit_id, note, decided_by, decided_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", [r["site"], r["article_id"], r["action"], r.get("unit_id"),
                                                 r.get("note"), by, stamp])
            ids.append(int(cur.lastrowid))
    return ids


def recent_decisions(db: Database, limit: int = 50, *, by: str | None = None) -> list[dict[str, Any]]:
    """The newest active decisions with their article's date and title, newest first."""
    sql = ("SELECT d.*, a.date, a.title, a.url FROM review_decisions d JOIN articles a ON a.site = d.site AND "
           "a.id = d.article_id WHERE d.undone_at IS NULL" + (" AND d.decided_by = ?" if by else "")
           + " ORDER BY d.id DESC LIMIT ?")
    return [dict(r) for r in db.query(sql, [*([by] if by else []), int(limit)])]
