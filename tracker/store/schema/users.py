"""Schema steps of report sendings (m006) and web accounts (m007)."""

from __future__ import annotations

from sqlite_utils import Database


def m006_report_sendings(db: Database) -> None:
    """Every statement mailed to a unit: to whom, for which period, which file (by hash), and how it went."""
    db["report_sendings"].create(
        {
            "id": int,
            "period": str,         # the period's label: 2024, 2024Q1, 2024-03
            "unit_id": str,
            "address": str,
            "file_name": str,
            "file_hash": str,      # sha256 of the attached statement
            "result": str,         # sent | failed
            "error": str,
            "sent_at": str,
            "sent_by": str,
            "trigger": str,        # manual | schedule
        },
        pk="id",
        not_null={"period", "unit_id", "address", "result", "sent_at"},
    )
    db["report_sendings"].create_index(["period", "unit_id"])


def m007_users(db: Database) -> None:
    """Accounts for the web pages, and what a publication despite waiting articles was confirmed with."""
    db["users"].create(
        {
            "id": int,
            "name": str,           # the login name, recorded as `by` on every change made in the browser
            "role": str,           # office | unit
            "unit_id": str,        # for role unit: the one unit whose statement it may read
            "password_hash": str,  # werkzeug's salted hash, never the password
            "created_at": str,
            "created_by": str,
            "password_changed_at": str,
            "disabled_at": str,
            "disabled_by": str,
            "last_login_at": str,
            "failed_logins": int,  # consecutive failures since the last good login: each one waits longer
            "last_failed_at": str,
        },
        pk="id",
        not_null={"name", "role", "password_hash", "created_at"},
        defaults={"failed_logins": 0},
    )
    db.execute("CREATE UNIQUE INDEX idx_users_name ON users (name)")
    db["score_snapshots"].add_column("waiting", int)          # articles waiting for review when published
    db["score_snapshots"].add_column("override_reason", str)  # why it was published all the same
