"""Opening the database file: WAL mode, a busy timeout, the schema brought up to date; the clock and
the SQL helpers every area shares."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from tracker.errors import XinxiError
from tracker.store.migrations import migrations, unknown_migrations

# How long a write waits for another writer before giving up ("database is locked").
BUSY_TIMEOUT_MS = 30000


def now() -> str:
    """The current UTC time as ISO text, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class NotOurs(XinxiError):
    """The file is an SQLite database of another program."""


class SchemaTooNew(XinxiError):
    """The database was last changed by a newer xinxi: this program must not write to it."""


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


def date_bounds(where: list[str], params: list[Any], since: str | None, until: str | None,
                 alias: str = "a") -> None:
    """Add 发布日期 bounds on the articles table or a view over it (aliased `alias`) to a WHERE list."""
    if since:
        where.append(f"{alias}.date >= ?")
        params.append(since)
    if until:
        where.append(f"{alias}.date <= ?")
        params.append(until)
