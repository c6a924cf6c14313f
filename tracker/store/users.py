"""Accounts for the web pages (schema step m007_users). Passwords arrive here already hashed: tracker/users.py
checks names, roles and passwords and hashes them; this module only reads and writes the rows."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from tracker.store.connection import now


def user_row(db: Database, name: str) -> dict[str, Any] | None:
    """The whole row of the account with this login name, hash included, or None."""
    rows = list(db.query("SELECT * FROM users WHERE name = ?", [name]))
    return dict(rows[0]) if rows else None


def user_row_by_id(db: Database, user_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM users WHERE id = ?", [user_id]))
    return dict(rows[0]) if rows else None


def insert_user(db: Database, *, name: str, role: str, unit_id: str | None, password_hash: str, by: str) -> int:
    """Store a new account; returns its id."""
    with db.atomic():
        cur = db.execute(
            "INSERT INTO users (name, role, unit_id, password_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
            [name, role, unit_id, password_hash, now(), by])
    return int(cur.lastrowid)


def set_password_hash(db: Database, name: str, password_hash: str) -> None:
    """Replace an account's password hash and clear its count of failed logins."""
    with db.atomic():
        db.execute("UPDATE users SET password_hash = ?, password_changed_at = ?, failed_logins = 0 WHERE name = ?",
                   [password_hash, now(), name])


def mark_user_disabled(db: Database, name: str, *, by: str) -> None:
    with db.atomic():
        db.execute("UPDATE users SET disabled_at = ?, disabled_by = ? WHERE name = ?", [now(), by, name])


def list_user_rows(db: Database) -> list[dict[str, Any]]:
    """Every account without its hash, in the order they were made."""
    return [dict(r) for r in db.query(
        "SELECT id, name, role, unit_id, created_at, created_by, disabled_at, last_login_at, failed_logins, "
        "last_failed_at FROM users ORDER BY id")]


def record_login(db: Database, user_id: int, *, good: bool) -> None:
    """A good login clears the count of failures and records when; a bad one adds to the count."""
    with db.atomic():
        if good:
            db.execute("UPDATE users SET failed_logins = 0, last_login_at = ? WHERE id = ?", [now(), user_id])
        else:
            db.execute("UPDATE users SET failed_logins = failed_logins + 1, last_failed_at = ? WHERE id = ?",
                       [now(), user_id])
