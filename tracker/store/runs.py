"""Runs and their per-column figures, failed fetches, the run lock, nightly steps and health warnings."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable, Sequence
from typing import Any

from sqlite_utils import Database

from tracker.errors import NotFound
from tracker.store.connection import now
from tracker.store.schema.articles import ARTICLE_CHECKS, LISTING_CHECKS, failing_checks

# --- failures ------------------------------------------------------------------------------------


def list_failures(db: Database, site: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM failures" + (" WHERE site = ?" if site else "") + " ORDER BY last_seen_at DESC, id DESC"
    return list(db.query(sql, [site] if site else []))


def invalid_rows(db: Database, limit: int = 20) -> tuple[int, list[str]]:
    """Stored articles and listings that fail the record checks: (how many, the first few in words)."""
    count, shown = 0, []
    for table, key, checks in (("articles", "id", ARTICLE_CHECKS), ("article_columns", "article_id", LISTING_CHECKS)):
        reasons = failing_checks(checks)
        rows = db.execute(f"SELECT site, {key}, {reasons} FROM {table} WHERE ({reasons}) != ''").fetchall()
        count += len(rows)
        shown += [f"{table} {site}/{aid}：{why.rstrip('；')}" for site, aid, why in rows[:limit - len(shown)]]
    return count, shown


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
