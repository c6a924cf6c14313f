"""Schema step of the run lock, health warnings and nightly steps (m004)."""

from __future__ import annotations

from sqlite_utils import Database


def m004_operations(db: Database) -> None:
    """The run lock, the health warnings, the steps of each nightly run, and which run started which."""
    db["run_lock"].create(
        {
            "name": str,           # one lock per name; crawls and the nightly job share "crawl"
            "holder": str,         # who holds it, in words: 夜间任务 / 手动抓取 …
            "pid": int,
            "host": str,
            "token": str,          # proves ownership on release and heartbeat
            "acquired_at": str,
            "heartbeat_at": str,
        },
        pk="name",
    )
    db["warnings"].create(
        {
            "id": int,
            "key": str,            # check + site + column: one open warning per key
            "check_name": str,     # redesign | parse_failures | missing_source | stale_site | failed_run | missed_run
            "level": str,          # warning | error
            "site": str,
            "column_key": str,
            "message": str,        # in words for the office staff
            "detail": str,         # JSON of the figures behind it
            "first_seen_at": str,
            "last_seen_at": str,
            "first_run_id": int,
            "last_run_id": int,
            "resolved_at": str,
        },
        pk="id",
    )
    db.execute("CREATE UNIQUE INDEX idx_warnings_open_key ON warnings (key) WHERE resolved_at IS NULL")
    db["run_steps"].create(
        {
            "run_id": int,
            "step": str,
            "label": str,
            "status": str,         # ok | failed
            "started_at": str,
            "finished_at": str,
            "summary": str,
            "error": str,
        },
        pk=("run_id", "step"),
    )
    db["runs"].add_column("parent_id", int)
