"""Notices, their raw files and the adoptions they propose (schema step m020_notices).

Raw files live on disk under <folder of the database>/notice_files/, named by their sha256. Callers import
this module by name (`from tracker.store import notices as records`): its names are not re-exported."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from tracker.errors import NotFound
from tracker.store.connection import now

if TYPE_CHECKING:   # the notices package reads and proposes; the store only saves
    from tracker.notices.propose import Proposal

FILES_DIR = "notice_files"


def files_dir(db_path: Path) -> Path:
    """Where raw notice files are kept: next to the database."""
    return Path(db_path).resolve().parent / FILES_DIR


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_raw(folder: Path, data: bytes) -> str:
    """Store bytes under their sha256 (once; the same bytes again write nothing); returns the hash."""
    digest = sha256(data)
    path = folder / digest
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return digest


def read_raw(folder: Path, digest: str) -> bytes:
    return (folder / digest).read_bytes()


def find_notice(db: Database, *, url: str | None, hashes: Sequence[str], doc_no: str | None,
                title: str, day: str | None) -> int | None:
    """The stored notice these files belong to: same page, a same file, same 文号, or same title and date."""
    if url:
        for row in db.query("SELECT id FROM notices WHERE url = ? ORDER BY id LIMIT 1", [url]):
            return int(row["id"])
    for digest in hashes:
        for row in db.query("SELECT notice_id FROM notice_files WHERE sha256 = ?", [digest]):
            return int(row["notice_id"])
    if doc_no:
        for row in db.query("SELECT id FROM notices WHERE doc_no = ? ORDER BY id LIMIT 1", [doc_no]):
            return int(row["id"])
    if title and day:
        for row in db.query("SELECT id FROM notices WHERE title = ? AND date = ? ORDER BY id LIMIT 1", [title, day]):
            return int(row["id"])
    return None


def insert_notice(db: Database, values: dict[str, Any]) -> int:
    cur = db.execute(
        f"INSERT INTO notices ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})", list(values.values()))
    return int(cur.lastrowid)


def fill_notice(db: Database, notice_id: int, values: dict[str, Any]) -> None:
    """Fill fields still empty on a stored notice (a later file may know its 文号 or URL)."""
    for name, value in values.items():
        if value is not None:
            db.execute(f"UPDATE notices SET {name} = ? WHERE id = ? AND ({name} IS NULL OR {name} = '')",
                       [value, notice_id])


def set_notice_state(db: Database, notice_id: int, status: str, notes: Sequence[str]) -> None:
    old = get_notice(db, notice_id)
    merged = list(dict.fromkeys([*json.loads(old["notes"] or "[]"), *notes]))
    db.execute("UPDATE notices SET status = ?, notes = ?, parsed_at = ? WHERE id = ?",
               [status, json.dumps(merged, ensure_ascii=False), now(), notice_id])


def add_file(db: Database, row: dict[str, Any]) -> bool:
    """Record a raw file; False when these bytes are already stored."""
    cur = db.execute(
        f"INSERT OR IGNORE INTO notice_files ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
        list(row.values()))
    return cur.rowcount > 0


def add_proposals(db: Database, notice_id: int, proposals: Sequence[Proposal]) -> list[int]:
    """Insert proposals not yet known for this notice (by key); returns the new ids."""
    stamp = now()
    ids = []
    for p in proposals:
        cur = db.execute(
            "INSERT OR IGNORE INTO notice_proposals (notice_id, key, kind, clause, unit_id, unit_text, count, points, "
            "title, date, outlet, issue_no, source, row_number, row, status, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'proposed', ?)",
            [notice_id, p.key, p.kind, p.clause, p.unit_id, p.unit_text, p.count, p.points, p.title,
             p.day.isoformat(), p.outlet, p.issue_no, p.source, p.row_number, p.row, stamp])
        if cur.rowcount:
            ids.append(int(cur.lastrowid))
    return ids


def get_notice(db: Database, notice_id: int) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM notices WHERE id = ?", [notice_id]))
    if not rows:
        raise NotFound(f"没有通报 #{notice_id}（见 xinxi notice list）")
    return dict(rows[0])


def list_notices(db: Database) -> list[dict[str, Any]]:
    """Every notice, newest first, with its proposal counts by status."""
    return [dict(r) for r in db.query(
        "SELECT n.*, "
        "(SELECT count(*) FROM notice_proposals p WHERE p.notice_id = n.id AND p.status = 'proposed') AS proposed, "
        "(SELECT count(*) FROM notice_proposals p WHERE p.notice_id = n.id AND p.status = 'confirmed') AS confirmed, "
        "(SELECT count(*) FROM notice_proposals p WHERE p.notice_id = n.id AND p.status = 'rejected') AS rejected "
        "FROM notices n ORDER BY coalesce(n.date, n.created_at) DESC, n.id DESC")]


def waiting_notices(db: Database) -> list[dict[str, Any]]:
    """Notices a person must look at: proposals waiting for confirmation, a scan to type in, files not received."""
    return [n for n in list_notices(db) if n["proposed"] or n["status"] in ("needs_typing", "missing_files")]


def notice_files(db: Database, notice_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in db.query("SELECT * FROM notice_files WHERE notice_id = ? ORDER BY stored_at, filename",
                                      [notice_id])]


def list_proposals(db: Database, *, notice_id: int | None = None, status: str | None = None) -> list[dict[str, Any]]:
    """Proposals with their notice's title, 文号 and date, in notice then row order."""
    where, params = [], []
    if notice_id is not None:
        where.append("p.notice_id = ?")
        params.append(notice_id)
    if status is not None:
        where.append("p.status = ?")
        params.append(status)
    sql = ("SELECT p.*, n.title AS notice_title, n.doc_no AS notice_doc_no, n.date AS notice_date, "
           "n.period_start, n.period_end FROM notice_proposals p JOIN notices n ON n.id = p.notice_id"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY p.notice_id, p.id")
    return [dict(r) for r in db.query(sql, params)]


def get_proposal(db: Database, proposal_id: int) -> dict[str, Any]:
    rows = list_proposals_by_ids(db, [proposal_id])
    if not rows:
        raise NotFound(f"没有建议 #{proposal_id}（见 xinxi notice list）")
    return rows[0]


def list_proposals_by_ids(db: Database, ids: Sequence[int]) -> list[dict[str, Any]]:
    marks = ", ".join("?" for _ in ids)
    return [dict(r) for r in db.query(
        "SELECT p.*, n.title AS notice_title, n.doc_no AS notice_doc_no, n.date AS notice_date, n.period_start, "
        "n.period_end FROM notice_proposals p "
        f"JOIN notices n ON n.id = p.notice_id WHERE p.id IN ({marks}) ORDER BY p.id", list(ids))]


def decide(db: Database, proposal_id: int, *, status: str, by: str, reason: str | None = None,
           unit_id: str | None = None, entry_ids: Sequence[int] = ()) -> None:
    db.execute(
        "UPDATE notice_proposals SET status = ?, decided_by = ?, decided_at = ?, reason = ?, entry_ids = ?, "
        "unit_id = coalesce(?, unit_id) WHERE id = ?",
        [status, by, now(), reason, json.dumps(list(entry_ids)) if entry_ids else None, unit_id, proposal_id])


def overlapping_counts(db: Database, notice_id: int, start: str, end: str) -> list[dict[str, Any]]:
    """Other notices with count proposals (not rejected) whose period overlaps [start, end]."""
    return [dict(r) for r in db.query(
        "SELECT DISTINCT n.id, n.title, n.period FROM notices n JOIN notice_proposals p ON p.notice_id = n.id "
        "WHERE n.id != ? AND p.kind = 'count' AND p.status != 'rejected' AND n.period_start <= ? AND n.period_end >= ? "
        "ORDER BY n.id", [notice_id, end, start])]


def crawled_provincial(db: Database, sites: Sequence[str]) -> list[dict[str, Any]]:
    """Provincial articles credited to a unit (an active decision, else the engine's unqueued choice)."""
    marks = ", ".join("?" for _ in sites)
    sql = (
        "SELECT a.site, a.id, a.title, a.date, CASE WHEN d.action = 'assign' THEN d.unit_id ELSE t.unit_id END "
        "AS unit_id FROM articles a "
        "LEFT JOIN attributions t ON t.site = a.site AND t.article_id = a.id "
        "LEFT JOIN review_decisions d ON d.site = a.site AND d.article_id = a.id AND d.undone_at IS NULL "
        f"WHERE a.site IN ({marks}) AND ((d.action = 'assign') OR (d.id IS NULL AND t.unit_id IS NOT NULL "
        "AND coalesce(t.needs_review, 0) = 0))"
    )
    return [dict(r) for r in db.query(sql, list(sites))]
