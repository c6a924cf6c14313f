"""The one module that owns the schema and the SQL.

Raw facts are stored verbatim (the exact 来源, the exact closing bylines, the column an article was
listed in); everything else is derived from them. Writes are upserts keyed on (site, id) and run in
one transaction per batch: a batch is stored whole or not at all, and storage errors propagate.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from sqlite_utils import Database

from tracker.errors import NotFound, XinxiError
from tracker.migrations import migrations

# How long a write waits for another writer before giving up ("database is locked").
BUSY_TIMEOUT_MS = 30000

ARTICLE_FIELDS = (
    "url", "alt_url", "title", "subtitle", "date", "source", "source_label",
    "closing_bylines", "correspondents", "body", "image_count",
)


def now() -> str:
    """The current UTC time as ISO text, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class NotOurs(XinxiError):
    """The file is an SQLite database of another program."""


class SchemaTooNew(XinxiError):
    """The database was last changed by a newer xinxi: this program must not write to it."""


def known_migrations() -> list[str]:
    """Names of the schema steps this program knows, in order."""
    return [m.name for m in migrations.pending(Database(memory=True))]


def unknown_migrations(db: Database) -> list[str]:
    """Schema steps recorded in the database that this program does not know (a newer version made them)."""
    known = set(known_migrations())
    return [m.name for m in migrations.applied(db) if m.name not in known]


class Store(Database):
    """sqlite-utils' Database, whose transactions take the write lock as they begin (BEGIN IMMEDIATE).

    A transaction begun with a plain BEGIN that reads and then writes fails at once ("database is locked",
    SQLITE_BUSY_SNAPSHOT) when another connection has written in between, say a review decision or a
    backup's record during a crawl's batch; taking the lock first makes it wait its turn (busy_timeout).
    """

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Store]:
        if self.conn.in_transaction:
            with super().atomic():   # a savepoint inside the transaction already open
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise


def open_db(path: Path | str, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the SQLite file in WAL mode and bring its schema up to date.

    A database whose schema is newer than this program is refused (SchemaTooNew) before anything is written.
    """
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    db = Store(path)
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not migrations.applied(db) and [t for t in db.table_names() if not t.startswith("sqlite_")]:
            # Someone else's SQLite file: creating our tables in it would mix two programs' data.
            raise NotOurs(f"数据库 {path} 是别的程序的 SQLite 文件（其中有表 "
                          f"{'、'.join(db.table_names()[:5])}，但没有 xinxi 的结构记录），请检查 --db")
        newer = unknown_migrations(db)
        if newer:
            raise SchemaTooNew(
                f"数据库 {path} 由更新版本的 xinxi 建立或升级过（本程序不认识的结构更新：{'、'.join(newer)}），"
                "本程序不能使用它；请升级 xinxi 后再试")
        if str(path) != ":memory:":
            db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
        if migrate and migrations.pending(db):
            # Two processes opening a new file at once must not both create the schema: the first takes
            # the write lock, the second waits (busy_timeout) and then finds nothing left to apply.
            db.execute("BEGIN IMMEDIATE")
            try:
                migrations.apply(db)
            except BaseException:
                db.conn.rollback()
                raise
            db.conn.commit()
    except BaseException:
        db.close()
        raise
    return db


def _json_list(value: Sequence[str] | None) -> str:
    return json.dumps(list(value or ()), ensure_ascii=False)


def content_hash(article: dict[str, Any]) -> str:
    """A digest of the raw fields, so a recrawl can tell a changed page from an unchanged one."""
    # The URLs are not content: the same page reached by its other address is the same page.
    payload = json.dumps([article.get(k) for k in ARTICLE_FIELDS if k not in ("url", "alt_url")],
                         ensure_ascii=False)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


# --- articles -------------------------------------------------------------------------------------


def known_ids(db: Database, site: str, at: str | None = None) -> set[int]:
    """Ids already settled for a site: stored articles and failures that are not due for a retry at `at`."""
    rows = db.execute(
        "SELECT id FROM articles WHERE site = ? UNION SELECT article_id FROM failures WHERE site = ? "
        "AND article_id IS NOT NULL AND (retry_at IS NULL OR retry_at > ?)",
        [site, site, at or now()],
    ).fetchall()
    return {r[0] for r in rows}


def due_retries(db: Database, site: str, at: str | None = None) -> list[tuple[int, str, str | None]]:
    """(id, url, column) of the failed articles whose next try is due at `at`."""
    rows = db.execute(
        "SELECT article_id, url, column_key FROM failures WHERE site = ? AND article_id IS NOT NULL "
        "AND retry_at IS NOT NULL AND retry_at <= ? ORDER BY article_id",
        [site, at or now()],
    ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


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
    gave_up: list[str] = field(default_factory=list)   # URLs whose retries ran out


class Listing(NamedTuple):
    """An article seen in a column's list, by the URL the list linked it with."""

    id: int
    column: str
    url: str | None = None
    legacy: bool = False


def _merge_urls(old: tuple[str, str | None, str | None] | None, url: str, legacy: bool) -> tuple[str, str, str | None]:
    """(url, url_form, alt_url) after seeing `url`: the legacy form is the article's URL whenever known."""
    form = "legacy" if legacy else "suitable"
    if old is None:
        return url, form, None
    old_url, old_form, old_alt = old
    if url == old_url:
        return old_url, old_form or form, old_alt
    if old_form == "legacy" and not legacy:
        return old_url, old_form, url
    return url, form, old_url


def save_batch(
    db: Database,
    site: str,
    run_id: int | None,
    articles: Sequence[dict[str, Any]] = (),
    listings: Iterable[Listing | tuple[int, str]] = (),
    failures: Sequence[dict[str, Any]] = (),
    retry_nights: int = 5,
) -> tuple[BatchResult, list[Listing]]:
    """Store fetched articles, column listings and failures in one transaction.

    Each article dict holds the raw fields, `id`, `column` (the column it was fetched from, or None)
    and `legacy` (whether `url` is of the legacy form). Listings whose article is not stored (yet) are
    returned unsaved, for a later batch. A failure marked `transient` (a server error, a timeout) is
    due again on a later night, with the wait doubling, until `retry_nights` nights have failed.
    """
    result = BatchResult()
    stamp = now()
    listings = [li if isinstance(li, Listing) else Listing(*li) for li in listings]
    ids = list({a["id"] for a in articles} | {li.id for li in listings})
    with db.atomic():
        existing: dict[int, tuple[str, tuple[str, str | None, str | None]]] = {}
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start:chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            for aid, digest, url, form, alt in db.execute(
                f"SELECT id, content_hash, url, url_form, alt_url FROM articles WHERE site = ? AND id IN ({marks})",
                [site, *chunk],
            ).fetchall():
                existing[aid] = (digest, (url, form, alt))
        inserts, updates = [], []
        for art in articles:
            row = {k: art.get(k) for k in ARTICLE_FIELDS}
            row["closing_bylines"] = _json_list(art.get("closing_bylines"))
            row["correspondents"] = _json_list(art.get("correspondents"))
            row["image_count"] = int(art.get("image_count") or 0)
            old = existing.get(art["id"])
            row["url"], url_form, row["alt_url"] = _merge_urls(old[1] if old else None, art["url"],
                                                              bool(art.get("legacy")))
            row["content_hash"] = content_hash(row)
            column = art.get("column") or ""
            if old is None:
                inserts.append([site, art["id"], *row.values(), url_form, stamp, stamp, run_id])
                result.new[column] = result.new.get(column, 0) + 1
            else:
                if old[0] != row["content_hash"]:
                    result.updated[column] = result.updated.get(column, 0) + 1
                updates.append([*row.values(), url_form, stamp, run_id, site, art["id"]])
            existing[art["id"]] = (row["content_hash"], (row["url"], url_form, row["alt_url"]))
            result.stored_ids.add(art["id"])
        fields = (*ARTICLE_FIELDS, "content_hash", "url_form")
        if inserts:
            cols = ", ".join(("site", "id", *fields, "first_seen_at", "fetched_at", "run_id"))
            db.conn.executemany(f"INSERT INTO articles ({cols}) VALUES ({','.join('?' * (len(fields) + 5))})",
                                inserts)
        if updates:
            sets = ", ".join(f"{k} = ?" for k in (*fields, "fetched_at", "run_id"))
            db.conn.executemany(f"UPDATE articles SET {sets} WHERE site = ? AND id = ?", updates)
        fetched = [a["id"] for a in articles]
        if fetched:
            marks = ",".join("?" * len(fetched))
            db.execute(f"DELETE FROM failures WHERE site = ? AND article_id IN ({marks})", [site, *fetched])

        pending = []
        to_save = [[site, a["id"], a["column"], stamp, run_id] for a in articles if a.get("column")]
        for li in listings:
            if li.id not in existing:
                pending.append(li)
                continue
            to_save.append([site, li.id, li.column, stamp, run_id])
            if li.url:
                digest, urls = existing[li.id]
                merged = _merge_urls(urls, li.url, li.legacy)
                if merged != urls:
                    db.execute("UPDATE articles SET url = ?, url_form = ?, alt_url = ? WHERE site = ? AND id = ?",
                               [*merged, site, li.id])
                    existing[li.id] = (digest, merged)
        if to_save:
            cur = db.conn.executemany(
                "INSERT OR IGNORE INTO article_columns (site, article_id, column_key, first_seen_at, run_id) "
                "VALUES (?, ?, ?, ?, ?)",
                to_save,
            )
            result.listings = cur.rowcount

        _save_failures(db, site, run_id, [f for f in failures if f.get("article_id") not in existing],
                       stamp, retry_nights, result)
    return result, pending


def _date_bounds(where: list[str], params: list[Any], since: str | None, until: str | None,
                 alias: str = "a") -> None:
    """Add 发布日期 bounds on the articles table or a view over it (aliased `alias`) to a WHERE list."""
    if since:
        where.append(f"{alias}.date >= ?")
        params.append(since)
    if until:
        where.append(f"{alias}.date <= ?")
        params.append(until)


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
    unit_id: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Stored articles, newest first, with the column keys each was listed in."""
    return list(iter_articles(db, site=site, column=column, since=since, until=until, source=source,
                              unit_id=unit_id, limit=limit))


def iter_articles(
    db: Database,
    *,
    site: str | None = None,
    column: str | None = None,
    since: str | None = None,
    until: str | None = None,
    source: str | None = None,
    unit_id: str | None = None,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Stored articles as `list_articles`, one at a time as SQLite reads them: for output of any length."""
    where, params = [], []
    if site:
        where.append("a.site = ?")
        params.append(site)
    if column:
        where.append("EXISTS (SELECT 1 FROM article_columns c2 WHERE c2.site = a.site AND c2.article_id = a.id "
                     "AND c2.column_key = ?)")
        params.append(column)
    _date_bounds(where, params, since, until)
    if unit_id is not None:
        # The unit credited after reviewer decisions, as the `credits` view says.
        where.append("(a.site, a.id) IN (SELECT site, id FROM credits WHERE unit_id = ?)")
        params.append(unit_id)
    if source is not None:
        # instr, not LIKE: a % or _ in what the user typed is text to find, not a wildcard.
        where.append("instr(a.source, ?) > 0")
        params.append(source)
    sql = (
        "SELECT a.*, (SELECT group_concat(column_key) FROM article_columns c WHERE c.site = a.site "
        "AND c.article_id = a.id) AS columns FROM articles a"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY a.date DESC, a.id DESC"
        + (" LIMIT ?" if limit else "")
    )
    for row in db.query(sql, [*params, limit] if limit else params):
        yield article_row(row)


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


def _save_failures(db: Database, site: str, run_id: int | None, failures: Sequence[dict[str, Any]],
                   stamp: str, retry_nights: int, result: BatchResult) -> None:
    """Upsert failures: one row per article id, or per URL when the link carries no usable id."""
    latest = {(f.get("article_id"), f["url"] if f.get("article_id") is None else None): f for f in failures}
    ids = [aid for aid, _ in latest if aid is not None]
    attempts: dict[int, int] = {}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start:chunk_start + 500]
        marks = ",".join("?" * len(chunk))
        attempts |= dict(db.execute(f"SELECT article_id, attempts FROM failures WHERE site = ? AND article_id IN "
                                    f"({marks})", [site, *chunk]).fetchall())
    moment = datetime.fromisoformat(stamp)
    for (aid, _), fail in latest.items():
        tries = attempts.get(aid, 0) + 1 if aid is not None else 1
        detail, retry_at = fail.get("detail"), None
        if fail.get("transient") and aid is not None:
            if tries < retry_nights:
                # Night 1 fails: due the next night, then after 2, 4 … nights; a few hours early so that
                # tomorrow's run at the same time finds it due.
                retry_at = (moment + timedelta(days=2 ** (tries - 1)) - timedelta(hours=4)).isoformat()
            else:
                detail = f"{detail}（已连续 {tries} 晚失败，不再自动重试；可用 xinxi recrawl --url 再试）"
                result.gave_up.append(fail["url"])
        target = "(site, article_id) WHERE article_id IS NOT NULL" if aid is not None else \
            "(site, url) WHERE article_id IS NULL"
        db.execute(
            "INSERT INTO failures (site, article_id, url, kind, detail, status, column_key, run_id, first_seen_at, "
            f"last_seen_at, attempts, retry_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT{target} "
            "DO UPDATE SET url = excluded.url, kind = excluded.kind, detail = excluded.detail, "
            "status = excluded.status, column_key = coalesce(excluded.column_key, failures.column_key), "
            "run_id = excluded.run_id, last_seen_at = excluded.last_seen_at, attempts = excluded.attempts, "
            "retry_at = excluded.retry_at, data = NULL",
            [site, aid, fail["url"], fail["kind"], detail, fail.get("status"), fail.get("column"), run_id,
             stamp, stamp, tries, retry_at],
        )
        column = fail.get("column") or ""
        result.failures[column] = result.failures.get(column, 0) + 1


def list_failures(db: Database, site: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM failures" + (" WHERE site = ?" if site else "") + " ORDER BY last_seen_at DESC, id DESC"
    return list(db.query(sql, [site] if site else []))


def invalid_rows(db: Database, limit: int = 20) -> tuple[int, list[str]]:
    """Stored articles and listings that fail the record checks: (how many, the first few in words)."""
    from tracker.migrations import ARTICLE_CHECKS, LISTING_CHECKS, failing_checks

    count, shown = 0, []
    for table, key, checks in (("articles", "id", ARTICLE_CHECKS), ("article_columns", "article_id", LISTING_CHECKS)):
        reasons = failing_checks(checks)
        rows = db.execute(f"SELECT site, {key}, {reasons} FROM {table} WHERE ({reasons}) != ''").fetchall()
        count += len(rows)
        shown += [f"{table} {site}/{aid}：{why.rstrip('；')}" for site, aid, why in rows[:limit - len(shown)]]
    return count, shown


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


def finish_run(db: Database, run_id: int, status: str, error: str | None = None,
               bounds: str | None = None) -> None:
    """Record how a run ended; `bounds` says in words which limits it reached."""
    with db.atomic():
        db.execute(
            "UPDATE runs SET status = ?, finished_at = ?, error = coalesce(?, error), "
            "bounds = coalesce(?, bounds) WHERE id = ?",
            [status, now(), error, bounds, run_id],
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


# --- operations: lock, warnings -------------------------------------------------------------------


def lock_row(db: Database, name: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM run_lock WHERE name = ?", [name]))
    return rows[0] if rows else None


def lock_take(db: Database, name: str, holder: str, pid: int, host: str, token: str, at: str,
              *, replacing: str | None = None) -> bool:
    """Take the lock if it is free, or if it is still held under the token `replacing`; False if not."""
    with db.atomic():
        if replacing is None:
            cur = db.execute(
                "INSERT OR IGNORE INTO run_lock (name, holder, pid, host, token, acquired_at, heartbeat_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [name, holder, pid, host, token, at, at],
            )
        else:
            cur = db.execute(
                "UPDATE run_lock SET holder = ?, pid = ?, host = ?, token = ?, acquired_at = ?, heartbeat_at = ? "
                "WHERE name = ? AND token = ?",
                [holder, pid, host, token, at, at, name, replacing],
            )
        return cur.rowcount == 1


def lock_heartbeat(db: Database, name: str, token: str, at: str) -> bool:
    """Mark the lock alive; False when it is no longer ours."""
    with db.atomic():
        cur = db.execute("UPDATE run_lock SET heartbeat_at = ? WHERE name = ? AND token = ?", [at, name, token])
        return cur.rowcount == 1


def lock_release(db: Database, name: str, token: str) -> None:
    with db.atomic():
        db.execute("DELETE FROM run_lock WHERE name = ? AND token = ?", [name, token])


def mark_runs_killed(db: Database, pid: int, host: str, error: str) -> list[int]:
    """Close the runs a dead process left as running; returns their ids."""
    with db.atomic():
        ids = [r[0] for r in db.execute(
            "SELECT id FROM runs WHERE status = 'running' AND pid = ? AND host = ?", [pid, host]
        ).fetchall()]
        if ids:
            marks = ",".join("?" * len(ids))
            db.execute(
                f"UPDATE runs SET status = 'killed', finished_at = ?, error = coalesce(error, ?) WHERE id IN ({marks})",
                [now(), error, *ids],
            )
    return ids


def running_runs(db: Database) -> list[dict[str, Any]]:
    """Runs recorded as still running: id, pid, host."""
    return list(db.query("SELECT id, pid, host FROM runs WHERE status = 'running'"))


def save_step(db: Database, run_id: int, step: str, label: str, status: str, started_at: str,
              summary: str | None = None, error: str | None = None) -> None:
    """Record how one step of a nightly run ended."""
    with db.atomic():
        db.execute(
            "INSERT INTO run_steps (run_id, step, label, status, started_at, finished_at, summary, error) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(run_id, step) DO UPDATE SET status = excluded.status, "
            "finished_at = excluded.finished_at, summary = excluded.summary, error = excluded.error",
            [run_id, step, label, status, started_at, now(), summary, error],
        )


def list_steps(db: Database, run_id: int) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM run_steps WHERE run_id = ? ORDER BY started_at, rowid", [run_id]))


def adopt_child_runs(db: Database, parent_id: int) -> list[int]:
    """Mark the runs started after `parent_id` (while it held the lock) as its children."""
    with db.atomic():
        ids = [r[0] for r in db.execute(
            "SELECT id FROM runs WHERE id > ? AND parent_id IS NULL AND kind != 'nightly'", [parent_id]
        ).fetchall()]
        if ids:
            marks = ",".join("?" * len(ids))
            db.execute(f"UPDATE runs SET parent_id = ? WHERE id IN ({marks})", [parent_id, *ids])
    return ids


def child_runs(db: Database, parent_id: int) -> list[dict[str, Any]]:
    ids = [r[0] for r in db.execute("SELECT id FROM runs WHERE parent_id = ? ORDER BY id", [parent_id])]
    return sorted((get_run(db, i) for i in ids), key=lambda r: r["id"])


def set_run_totals(db: Database, run_id: int, totals: dict[str, int]) -> None:
    """Write summed figures onto a run row (a nightly run sums the crawls it started)."""
    with db.atomic():
        db.execute(
            "UPDATE runs SET requests = ?, new = ?, updated = ?, errors = ?, parse_failures = ? WHERE id = ?",
            [totals.get("requests", 0), totals.get("new", 0), totals.get("updated", 0),
             totals.get("errors", 0), totals.get("parse_failures", 0), run_id],
        )


def last_run(db: Database, kind: str | tuple[str, ...], *, site: str | None = None,
             statuses: tuple[str, ...] = (), before_id: int | None = None) -> dict[str, Any] | None:
    """The newest run of a kind (optionally of a site, with one of `statuses`, older than `before_id`)."""
    kinds = (kind,) if isinstance(kind, str) else kind
    where = [f"kind IN ({','.join('?' * len(kinds))})"]
    params: list[Any] = list(kinds)
    if site:
        where.append("site = ?")
        params.append(site)
    if statuses:
        where.append(f"status IN ({','.join('?' * len(statuses))})")
        params.extend(statuses)
    if before_id is not None:
        where.append("id < ?")
        params.append(before_id)
    rows = list(db.query(f"SELECT * FROM runs WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT 1", params))
    return rows[0] if rows else None


def finished_site_runs(db: Database, site: str, limit: int) -> list[dict[str, Any]]:
    """The latest finished crawl runs of a site, newest first, each with its per-column figures."""
    ids = [r[0] for r in db.execute(
        "SELECT id FROM runs WHERE site = ? AND kind IN ('crawl', 'recrawl') AND status != 'running' "
        "ORDER BY id DESC LIMIT ?", [site, limit]
    ).fetchall()]
    return [get_run(db, i) for i in ids]


def source_counts(db: Database, site: str, run_id: int) -> tuple[int, int, int, int]:
    """(fetched in the run, of them without 来源, fetched earlier, of them without 来源)."""
    row = db.execute(
        "SELECT sum(run_id = ?), sum(run_id = ? AND source IS NULL), sum(run_id IS NOT ?), "
        "sum(run_id IS NOT ? AND source IS NULL) FROM articles WHERE site = ?",
        [run_id, run_id, run_id, run_id, site],
    ).fetchone()
    return tuple(int(v or 0) for v in row)  # type: ignore[return-value]


def last_new_article_at(db: Database, site: str) -> str | None:
    """When the newest article of a site was first fetched (UTC ISO), whatever date it claims."""
    row = db.execute("SELECT max(first_seen_at) FROM articles WHERE site = ?", [site]).fetchone()
    return row[0] if row else None


def last_article_date(db: Database, site: str) -> str | None:
    row = db.execute("SELECT max(date) FROM articles WHERE site = ?", [site]).fetchone()
    return row[0] if row else None


def open_warnings(db: Database) -> list[dict[str, Any]]:
    """Warnings not yet resolved, errors first, then oldest first."""
    return list(db.query(
        "SELECT * FROM warnings WHERE resolved_at IS NULL "
        "ORDER BY CASE level WHEN 'error' THEN 0 ELSE 1 END, first_seen_at, id"
    ))


def sync_warnings(db: Database, findings: Sequence[dict[str, Any]], checks: Iterable[str],
                  run_id: int | None) -> list[dict[str, Any]]:
    """Open new warnings, refresh those still found, resolve those of `checks` no longer found.

    Returns the warnings opened by this call (what an alert should announce).
    """
    stamp = now()
    checks = tuple(checks)
    opened = []
    with db.atomic():
        keys = set()
        for f in findings:
            keys.add(f["key"])
            detail = json.dumps(f.get("detail") or {}, ensure_ascii=False)
            cur = db.execute(
                "UPDATE warnings SET level = ?, message = ?, detail = ?, last_seen_at = ?, last_run_id = ? "
                "WHERE key = ? AND resolved_at IS NULL",
                [f["level"], f["message"], detail, stamp, run_id, f["key"]],
            )
            if cur.rowcount == 0:
                db.execute(
                    "INSERT INTO warnings (key, check_name, level, site, column_key, message, detail, "
                    "first_seen_at, last_seen_at, first_run_id, last_run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [f["key"], f["check_name"], f["level"], f.get("site"), f.get("column_key"), f["message"],
                     detail, stamp, stamp, run_id, run_id],
                )
                opened.append(f)
        if checks:
            marks = ",".join("?" * len(checks))
            for wid, key in db.execute(
                f"SELECT id, key FROM warnings WHERE resolved_at IS NULL AND check_name IN ({marks})", list(checks)
            ).fetchall():
                if key not in keys:
                    db.execute("UPDATE warnings SET resolved_at = ? WHERE id = ?", [stamp, wid])
    return opened


def nightly_starts(db: Database) -> list[str]:
    """When each nightly run started, oldest first."""
    return [r[0] for r in db.execute(
        "SELECT started_at FROM runs WHERE kind = 'nightly' AND started_at IS NOT NULL ORDER BY started_at"
    ).fetchall()]


# --- scoring: entries, flags, snapshots -------------------------------------------------------------

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


# --- attribution and review -------------------------------------------------------------------------

METHOD_LABELS = {"source": "来源", "closing": "结尾署名", "alias": "单位名称", "gazetteer": "地名", "reviewer": "人工",
                 "elsewhere": "外市稿件"}
ATTRIBUTION_FIELDS = ("unit_id", "method", "confidence", "evidence", "suggestions", "needs_review", "content_hash")
_ACTIVE = "d.site = a.site AND d.article_id = a.id AND d.undone_at IS NULL"


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
    _date_bounds(where, params, since, until, alias="c")
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
    where = [f"NOT EXISTS (SELECT 1 FROM review_decisions d WHERE {_ACTIVE})"]
    params: list[Any] = []
    _date_bounds(where, params, since, None)
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


def sites_with_article(db: Database, aid: int) -> list[str]:
    return [r[0] for r in db.execute("SELECT site FROM articles WHERE id = ? ORDER BY site", [aid]).fetchall()]


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


# --- statements mailed to units ---------------------------------------------------------------------


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


# --- the review queue as the web pages read it: filtered, paged, acted on in bulk --------------------


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
        _date_bounds(where, params, self.since, self.until, alias="q")
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
                f"EXISTS (SELECT 1 FROM review_decisions d WHERE {_ACTIVE}) AS decided FROM articles a "
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


def article_links(db: Database, site: str, ids: Sequence[int]) -> dict[int, tuple[str, list[str]]]:
    """Article id → (url, column keys it was listed in): what a statement links its evidence with."""
    out: dict[int, tuple[str, list[str]]] = {}
    for start in range(0, len(ids), 900):
        chunk = list(ids[start:start + 900])
        marks = ",".join("?" * len(chunk))
        for aid, url, columns in db.execute(
            "SELECT a.id, a.url, (SELECT group_concat(column_key) FROM article_columns c WHERE c.site = a.site "
            f"AND c.article_id = a.id) FROM articles a WHERE a.site = ? AND a.id IN ({marks})", [site, *chunk]
        ).fetchall():
            out[aid] = (url, sorted(filter(None, (columns or "").split(","))))
    return out
