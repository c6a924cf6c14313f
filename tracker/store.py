"""The one module that owns the schema and the SQL.

Raw facts are stored verbatim (the exact 来源, the exact closing bylines, the column an article was
listed in); everything else is derived from them. Writes are upserts keyed on (site, id) and run in
one transaction per batch: a batch is stored whole or not at all, and storage errors propagate.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from tracker.errors import NotFound
from tracker.migrations import migrations

ARTICLE_FIELDS = (
    "url", "alt_url", "title", "subtitle", "date", "source", "source_label",
    "closing_bylines", "correspondents", "body", "image_count",
)


def now() -> str:
    """The current UTC time as ISO text, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def open_db(path: Path | str, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the SQLite file in WAL mode and bring its schema up to date."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(path)
    db.execute("PRAGMA busy_timeout = 30000")
    if str(path) != ":memory:":
        db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    if migrate:
        migrations.apply(db)
    return db


def _json_list(value: Sequence[str] | None) -> str:
    return json.dumps(list(value or ()), ensure_ascii=False)


def content_hash(article: dict[str, Any]) -> str:
    """A digest of the raw fields, so a recrawl can tell a changed page from an unchanged one."""
    payload = json.dumps([article.get(k) for k in ARTICLE_FIELDS if k != "alt_url"], ensure_ascii=False)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


# --- articles -------------------------------------------------------------------------------------


def known_ids(db: Database, site: str) -> set[int]:
    """Ids already settled for a site: stored articles and links recorded as failures."""
    rows = db.execute(
        "SELECT id FROM articles WHERE site = ? UNION SELECT article_id FROM failures WHERE site = ?",
        [site, site],
    ).fetchall()
    return {r[0] for r in rows}


def known_listings(db: Database, site: str) -> set[tuple[int, str]]:
    """(article id, column key) pairs already recorded for a site."""
    rows = db.execute("SELECT article_id, column_key FROM article_columns WHERE site = ?", [site])
    return {(r[0], r[1]) for r in rows.fetchall()}


@dataclass
class BatchResult:
    """What one committed batch changed, per column key."""

    new: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    listings: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    stored_ids: set[int] = field(default_factory=set)


def save_batch(
    db: Database,
    site: str,
    run_id: int | None,
    articles: Sequence[dict[str, Any]] = (),
    listings: Iterable[tuple[int, str]] = (),
    failures: Sequence[dict[str, Any]] = (),
) -> tuple[BatchResult, list[tuple[int, str]]]:
    """Store fetched articles, column listings and failures in one transaction.

    Each article dict holds the raw fields, `id`, and `column` (the column it was fetched from, or
    None). Listings whose article is not stored (yet) are returned unsaved, for a later batch.
    """
    result = BatchResult()
    stamp = now()
    ids = [a["id"] for a in articles]
    with db.atomic():
        existing: dict[int, str] = {}
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start:chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            for aid, digest in db.execute(
                f"SELECT id, content_hash FROM articles WHERE site = ? AND id IN ({marks})", [site, *chunk]
            ).fetchall():
                existing[aid] = digest
        inserts, updates = [], []
        for art in articles:
            row = {k: art.get(k) for k in ARTICLE_FIELDS}
            row["closing_bylines"] = _json_list(art.get("closing_bylines"))
            row["correspondents"] = _json_list(art.get("correspondents"))
            row["image_count"] = int(art.get("image_count") or 0)
            row["content_hash"] = content_hash(row)
            column = art.get("column") or ""
            if art["id"] not in existing:
                inserts.append([site, art["id"], *row.values(), stamp, stamp, run_id])
                result.new[column] = result.new.get(column, 0) + 1
            else:
                if existing[art["id"]] != row["content_hash"]:
                    result.updated[column] = result.updated.get(column, 0) + 1
                updates.append([*row.values(), stamp, run_id, site, art["id"]])
            existing[art["id"]] = row["content_hash"]
            result.stored_ids.add(art["id"])
        cols = ", ".join(("site", "id", *ARTICLE_FIELDS, "content_hash", "first_seen_at", "fetched_at", "run_id"))
        if inserts:
            db.conn.executemany(
                f"INSERT INTO articles ({cols}) VALUES ({','.join('?' * (len(ARTICLE_FIELDS) + 6))})", inserts
            )
        if updates:
            sets = ", ".join(f"{k} = ?" for k in (*ARTICLE_FIELDS, "content_hash", "fetched_at", "run_id"))
            db.conn.executemany(f"UPDATE articles SET {sets} WHERE site = ? AND id = ?", updates)
        if ids:
            marks = ",".join("?" * len(ids))
            db.execute(f"DELETE FROM failures WHERE site = ? AND article_id IN ({marks})", [site, *ids])

        own_listings = [(a["id"], a["column"]) for a in articles if a.get("column")]
        pending = []
        to_save = []
        for aid, column in [*own_listings, *listings]:
            if aid in existing or _article_exists(db, site, aid):
                to_save.append([site, aid, column, stamp, run_id])
            else:
                pending.append((aid, column))
        if to_save:
            cur = db.conn.executemany(
                "INSERT OR IGNORE INTO article_columns (site, article_id, column_key, first_seen_at, run_id) "
                "VALUES (?, ?, ?, ?, ?)",
                to_save,
            )
            result.listings = cur.rowcount

        for fail in failures:
            if fail["article_id"] in existing:
                continue  # a stored article keeps its good copy; the failure is in the run's stats
            db.execute(
                "INSERT INTO failures (site, article_id, url, kind, detail, status, run_id, first_seen_at, "
                "last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(site, article_id) DO UPDATE SET "
                "url = excluded.url, kind = excluded.kind, detail = excluded.detail, status = excluded.status, "
                "run_id = excluded.run_id, last_seen_at = excluded.last_seen_at",
                [site, fail["article_id"], fail["url"], fail["kind"], fail.get("detail"), fail.get("status"),
                 run_id, stamp, stamp],
            )
            column = fail.get("column") or ""
            result.failures[column] = result.failures.get(column, 0) + 1
    return result, pending


def _article_exists(db: Database, site: str, aid: int) -> bool:
    return db.execute("SELECT 1 FROM articles WHERE site = ? AND id = ?", [site, aid]).fetchone() is not None


def article_row(row: dict[str, Any]) -> dict[str, Any]:
    """Decode the JSON columns of a stored article row."""
    out = dict(row)
    for key in ("closing_bylines", "correspondents"):
        out[key] = json.loads(out[key]) if out.get(key) else []
    if "columns" in out and isinstance(out["columns"], str):
        out["columns"] = sorted(filter(None, out["columns"].split(",")))
    return out


def list_articles(
    db: Database,
    *,
    site: str | None = None,
    column: str | None = None,
    since: str | None = None,
    until: str | None = None,
    source: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Stored articles, newest first, with the column keys each was listed in."""
    where, params = [], []
    if site:
        where.append("a.site = ?")
        params.append(site)
    if column:
        where.append("EXISTS (SELECT 1 FROM article_columns c2 WHERE c2.site = a.site AND c2.article_id = a.id "
                     "AND c2.column_key = ?)")
        params.append(column)
    if since:
        where.append("a.date >= ?")
        params.append(since)
    if until:
        where.append("a.date <= ?")
        params.append(until)
    if source is not None:
        where.append("a.source LIKE ?")
        params.append(f"%{source}%")
    sql = (
        "SELECT a.*, (SELECT group_concat(column_key) FROM article_columns c WHERE c.site = a.site "
        "AND c.article_id = a.id) AS columns FROM articles a"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY a.date DESC, a.id DESC"
        + (f" LIMIT {int(limit)}" if limit else "")
    )
    return [article_row(r) for r in db.query(sql, params)]


def get_article(db: Database, site: str, aid: int) -> dict[str, Any]:
    rows = list_articles_by_ids(db, site, [aid])
    if not rows:
        raise NotFound(f"没有文章 {site}/{aid}")
    return rows[0]


def list_articles_by_ids(db: Database, site: str, ids: Sequence[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    sql = (
        "SELECT a.*, (SELECT group_concat(column_key) FROM article_columns c WHERE c.site = a.site "
        f"AND c.article_id = a.id) AS columns FROM articles a WHERE a.site = ? AND a.id IN ({marks})"
    )
    return [article_row(r) for r in db.query(sql, [site, *ids])]


def list_failures(db: Database, site: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM failures" + (" WHERE site = ?" if site else "") + " ORDER BY last_seen_at DESC"
    return list(db.query(sql, [site] if site else []))


# --- column state: a column whose last pass did not finish is paged in full next time ---------------


def column_begin(db: Database, site: str, column_key: str, run_id: int) -> None:
    with db.atomic():
        db.execute(
            "INSERT INTO column_state (site, column_key, in_progress_run) VALUES (?, ?, ?) "
            "ON CONFLICT(site, column_key) DO UPDATE SET in_progress_run = excluded.in_progress_run",
            [site, column_key, run_id],
        )


def column_complete(db: Database, site: str, column_key: str, run_id: int) -> None:
    with db.atomic():
        db.execute(
            "UPDATE column_state SET in_progress_run = NULL, completed_run = ?, completed_at = ? "
            "WHERE site = ? AND column_key = ?",
            [run_id, now(), site, column_key],
        )


def column_needs_full_pass(db: Database, site: str, column_key: str) -> bool:
    """True when the column was never completed or its last pass was cut off."""
    row = db.execute(
        "SELECT in_progress_run, completed_run FROM column_state WHERE site = ? AND column_key = ?",
        [site, column_key],
    ).fetchone()
    return row is None or row[0] is not None or row[1] is None


# --- runs -----------------------------------------------------------------------------------------


def start_run(db: Database, kind: str, *, trigger: str = "manual", site: str | None = None,
              args: dict[str, Any] | None = None, pid: int | None = None) -> int:
    """Record a run as started and return its id."""
    with db.atomic():
        cur = db.execute(
            "INSERT INTO runs (kind, trigger, site, args, pid, host, started_at, status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'running')",
            [kind, trigger, site, json.dumps(args or {}, ensure_ascii=False), pid or os.getpid(),
             socket.gethostname(), now()],
        )
        return int(cur.lastrowid)


def save_run_progress(db: Database, run_id: int, site: str, totals: dict[str, int],
                      columns: dict[str, dict[str, int]]) -> None:
    """Write a run's running totals and per-column figures (idempotent: figures are absolute)."""
    with db.atomic():
        db.execute(
            "UPDATE runs SET requests = ?, new = ?, updated = ?, errors = ?, parse_failures = ? WHERE id = ?",
            [totals.get("requests", 0), totals.get("new", 0), totals.get("updated", 0),
             totals.get("errors", 0), totals.get("parse_failures", 0), run_id],
        )
        for key, figures in columns.items():
            db.execute(
                "INSERT INTO run_columns (run_id, site, column_key, requests, list_pages, links, new, updated, "
                "errors, parse_failures, completed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(run_id, site, column_key) DO UPDATE SET requests = excluded.requests, "
                "list_pages = excluded.list_pages, links = excluded.links, new = excluded.new, "
                "updated = excluded.updated, errors = excluded.errors, "
                "parse_failures = excluded.parse_failures, completed = excluded.completed",
                [run_id, site, key, figures.get("requests", 0), figures.get("list_pages", 0),
                 figures.get("links", 0), figures.get("new", 0), figures.get("updated", 0),
                 figures.get("errors", 0), figures.get("parse_failures", 0), figures.get("completed", 0)],
            )


def finish_run(db: Database, run_id: int, status: str, error: str | None = None) -> None:
    with db.atomic():
        db.execute(
            "UPDATE runs SET status = ?, finished_at = ?, error = coalesce(?, error) WHERE id = ?",
            [status, now(), error, run_id],
        )


def get_run(db: Database, run_id: int) -> dict[str, Any]:
    runs = list_runs(db, run_id=run_id)
    if not runs:
        raise NotFound(f"没有运行记录 {run_id}")
    return runs[0]


def list_runs(db: Database, *, limit: int | None = None, run_id: int | None = None) -> list[dict[str, Any]]:
    """Runs, newest first, each with its per-column figures under `columns`."""
    sql = "SELECT * FROM runs" + (" WHERE id = ?" if run_id else "") + " ORDER BY id DESC"
    sql += f" LIMIT {int(limit)}" if limit else ""
    runs = [dict(r) for r in db.query(sql, [run_id] if run_id else [])]
    if not runs:
        return runs
    marks = ",".join("?" * len(runs))
    per_run: dict[int, dict[str, dict[str, Any]]] = {}
    for row in db.query(f"SELECT * FROM run_columns WHERE run_id IN ({marks}) ORDER BY site, column_key",
                        [r["id"] for r in runs]):
        # Column keys are unique across sites (the config loader checks), so they name a column alone.
        per_run.setdefault(row["run_id"], {})[row["column_key"]] = {
            k: row[k] for k in ("site", "requests", "list_pages", "links", "new", "updated", "errors",
                                "parse_failures", "completed")
        }
    for run in runs:
        run["args"] = json.loads(run["args"]) if run.get("args") else {}
        run["columns"] = per_run.get(run["id"], {})
    return runs
