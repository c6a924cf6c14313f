"""Looking after the database: online backup, integrity and schema check, and the status overview."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from tracker import files, store
from tracker.errors import XinxiError
from tracker.ops.lock import LOCK_NAME, SCHEDULER_LOCK, LockInfo, read_lock, stale_reason
from tracker.ops.schedule import next_fire
from tracker.ops.settings import OpsSettings
from tracker.store.migrations import migrations
from tracker.store.notices import files_dir as notice_files_dir


class BackupError(XinxiError):
    """The backup could not be written where asked."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    integrity: str
    created_folder: Path | None = None
    notice_files: int = 0        # raw notice files beside the backup (content-addressed, so kept across backups)
    notice_files_new: int = 0    # of which copied this time


def backup(db_path: Path | str, dest: Path | str, *, overwrite: bool = False,
           now: datetime | None = None) -> BackupResult:
    """Copy the database with SQLite's online backup (safe while a crawl writes), then verify the copy.

    A directory as `dest` gets a dated file name; written with a trailing slash (`backups/`) it is a
    directory even before it exists, and is then created (its parent must exist). The copy is written
    beside the target and renamed into place, so a half-written backup never carries the target's name.
    """
    src_path, target = Path(db_path), Path(dest)
    if not src_path.exists():
        raise BackupError(f"数据库 {src_path} 不存在")
    created = None
    if str(dest).endswith(("/", os.sep)) and not target.exists():
        if not target.parent.is_dir():
            raise BackupError(f"无法新建文件夹 {target}：上一级目录 {target.parent} 不存在")
        try:
            target.mkdir()
        except OSError as exc:
            raise BackupError(f"无法新建文件夹 {target}：{exc.strerror or exc}") from None
        created = target
    elif str(dest).endswith(("/", os.sep)) and not target.is_dir():
        raise BackupError(f"{target} 是文件，不是文件夹（去掉末尾的 /，或换一个文件夹）")
    if target.is_dir():
        stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
        target = target / f"{src_path.stem}-{stamp}.db"
    if target.exists() and not overwrite:
        raise BackupError(f"{target} 已存在；要覆盖请加 --force")
    if not target.parent.exists():
        raise BackupError(f"目录 {target.parent} 不存在")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} 不是目录")
    if not os.access(target.parent, os.W_OK):
        raise BackupError(f"没有权限在目录 {target.parent} 中写文件（换一个目录，或用有权限的用户运行）")
    partial = target.with_name(f".{target.name}.partial")
    try:
        result = _copy(src_path, partial)
    except sqlite3.Error as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise BackupError(f"备份到 {target} 失败：{_sqlite_reason(exc)}") from None
    if result != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"备份副本未通过完整性检查：{result}")
    files.commit(partial, target)  # on disk before it takes the target's name
    total, new = _copy_notice_files(src_path, target.parent)
    size = target.stat().st_size
    _record(src_path, target, size, total)
    return BackupResult(target, size, result, created, total, new)


def _copy_notice_files(db_path: Path, folder: Path) -> tuple[int, int]:
    """The raw notice files kept beside the database go beside the backup too, under the same folder name;
    named by their sha256, a file already there is the same file and is not copied again."""
    source = notice_files_dir(db_path)
    if not source.is_dir():
        return 0, 0
    target = folder / source.name
    if target.resolve() == source.resolve():
        return sum(1 for p in source.iterdir() if p.is_file() and not p.name.startswith(".")), 0
    total = new = 0
    for path in sorted(source.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        total += 1
        if (target / path.name).exists():
            continue
        try:
            target.mkdir(exist_ok=True)
            files.write_bytes(target / path.name, path.read_bytes())
        except OSError as exc:
            raise BackupError(f"数据库已备份，但通报原件 {path.name} 没能复制到 {target}：{exc.strerror or exc}") from None
        new += 1
    return total, new


def _record(db_path: Path, target: Path, size: int, notice_files: int) -> None:
    """A finished backup is a run of its own, so `runs` and the status page say when the last one was made."""
    db = store.open_db(db_path)
    try:
        run_id = store.start_run(db, "backup", args={"path": str(target), "size": size, "notice_files": notice_files})
        store.finish_run(db, run_id, "ok")
    finally:
        db.close()


def _copy(src_path: Path, partial: Path) -> str:
    """Copy page by page into `partial` and return the copy's integrity_check answer."""
    src = sqlite3.connect(src_path)
    try:
        src.execute("PRAGMA busy_timeout = 30000")
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=1024)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
            return str(dst.execute("PRAGMA integrity_check").fetchone()[0])
        finally:
            dst.close()
    finally:
        src.close()


SQLITE_REASONS = (
    ("disk is full", "磁盘已满"),
    ("unable to open", "无法创建或打开文件（检查路径和权限）"),
    ("readonly", "目标只读"),
    ("locked", "数据库被长时间占用，请稍后再试"),
    ("not a database", "源文件不是 SQLite 数据库"),
)


def _sqlite_reason(exc: sqlite3.Error) -> str:
    """SQLite's complaint in the office's words, keeping the original for the engineer."""
    text = str(exc)
    for needle, words in SQLITE_REASONS:
        if needle in text:
            return f"{words}（{text}）"
    return text


@dataclass(frozen=True)
class CheckReport:
    integrity: tuple[str, ...]
    missing_tables: tuple[str, ...]
    missing_columns: tuple[str, ...]      # table.column
    pending_migrations: tuple[str, ...]
    newer_migrations: tuple[str, ...] = ()   # made by a newer xinxi: this program must not use the file
    invalid_count: int = 0                # stored rows that fail the record checks
    invalid_rows: tuple[str, ...] = ()    # the first few, in words

    @property
    def ok(self) -> bool:
        return self.integrity == ("ok",) and not (self.missing_tables or self.missing_columns
                                                   or self.pending_migrations or self.newer_migrations
                                                   or self.invalid_count)


def expected_schema() -> dict[str, set[str]]:
    """Tables and their columns as the migrations build them on an empty database."""
    db = Database(memory=True)
    migrations.apply(db)
    return {t.name: {c.name for c in t.columns} for t in db.tables}


def check(db_path: Path | str) -> CheckReport:
    """PRAGMA integrity_check, and the schema against what the migrations define; changes nothing."""
    path = Path(db_path)
    if not path.exists():
        raise XinxiError(f"数据库 {path} 不存在")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        db = Database(conn)
        integrity = tuple(r[0] for r in conn.execute("PRAGMA integrity_check").fetchall())
        actual = {t.name: {c.name for c in t.columns} for t in db.tables}
        pending = tuple(m.name for m in migrations.pending(db))
        newer = tuple(store.unknown_migrations(db))
        invalid_count, invalid_rows = (store.invalid_rows(db) if {"articles", "article_columns"} <= set(actual)
                                       else (0, []))
    except sqlite3.DatabaseError as exc:  # not a database at all, or too damaged to read
        return CheckReport((f"无法读取：{exc}",), (), (), ())
    finally:
        conn.close()
    expected = expected_schema()
    missing_tables = tuple(sorted(set(expected) - set(actual)))
    missing_columns = tuple(sorted(f"{t}.{c}" for t, cols in expected.items() if t in actual
                                   for c in cols - actual[t]))
    return CheckReport(integrity, missing_tables, missing_columns, pending, newer, invalid_count,
                       tuple(invalid_rows))


@dataclass(frozen=True)
class Status:
    runs: tuple[dict[str, Any], ...]
    warnings: tuple[dict[str, Any], ...]
    review_queue: int
    next_run: datetime
    last_success: datetime | None
    lock: LockInfo | None
    lock_stale: str | None
    scheduler: LockInfo | None


def status(db: Database, ops: OpsSettings, now: datetime, *, limit: int = 10) -> Status:
    """What `xinxi status` shows: last runs, open warnings, review queue, next run, who holds the lock."""
    stale_after = timedelta(minutes=ops.schedule.lock_stale_minutes)
    lock = read_lock(db, LOCK_NAME)
    scheduler = read_lock(db, SCHEDULER_LOCK)
    if scheduler and stale_reason(scheduler, now=now, stale_after=stale_after):
        scheduler = None  # a dead scheduler's leftover: not running
    last = store.last_run(db, "nightly", statuses=("ok",))
    return Status(
        runs=tuple(store.list_runs(db, limit=limit)),
        warnings=tuple(store.open_warnings(db)),
        review_queue=store.review_queue_size(db),
        next_run=next_fire(ops.schedule, now),
        last_success=datetime.fromisoformat(last["started_at"]) if last else None,
        lock=lock,
        lock_stale=stale_reason(lock, now=now, stale_after=stale_after) if lock else None,
        scheduler=scheduler,
    )
