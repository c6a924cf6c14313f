"""Articles as fetched, the columns each was listed in, the failures a batch records, and whether a
column's last pass finished.

Raw facts are stored verbatim (the exact 来源, the exact closing bylines, the column an article was
listed in); everything else is derived from them. Writes are upserts keyed on (site, id) and run in
one transaction per batch: a batch is stored whole or not at all, and storage errors propagate.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlite_utils import Database

from tracker.errors import NotFound
from tracker.store.connection import date_bounds, now

ARTICLE_FIELDS = (
    "url", "alt_url", "title", "subtitle", "date", "source", "source_label",
    "closing_bylines", "correspondents", "body", "image_count",
)


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
    date_bounds(where, params, since, until)
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


def sites_with_article(db: Database, aid: int) -> list[str]:
    return [r[0] for r in db.execute("SELECT site FROM articles WHERE id = ? ORDER BY site", [aid]).fetchall()]



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
