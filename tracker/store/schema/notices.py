"""Schema step of notices, their raw files and their proposals (m020)."""

from __future__ import annotations

from sqlite_utils import Database


def m020_notices(db: Database) -> None:
    """Notices (通报) with their raw files, content-addressed on disk, and the adoptions they propose."""
    db["notices"].create(
        {
            "id": int,
            "title": str,
            "doc_no": str,         # 文号, e.g. 苏工办〔2025〕3号
            "date": str,           # issue date, ISO
            "issuer": str,
            "period": str,         # the period it reviews: 2024 | 2024Q1 | 2024H2 | 2024-10
            "period_start": str,
            "period_end": str,
            "url": str,            # the notice page when crawled
            "site": str,
            "origin": str,         # crawl | import
            "status": str,         # proposed | needs_typing | missing_files | empty
            "notes": str,          # JSON list of what was read but not proposed, in words
            "created_at": str,
            "created_by": str,
            "parsed_at": str,
        },
        pk="id",
        not_null={"title", "origin", "status", "created_at"},
    )
    db["notices"].create_index(["url"])
    db["notices"].create_index(["doc_no"])
    db["notice_files"].create(
        {
            "sha256": str,         # the file's name on disk under <data>/notice_files/
            "notice_id": int,
            "filename": str,
            "kind": str,           # html | docx | xlsx | xls | doc | pdf | image
            "size": int,
            "url": str,
            "fetched_at": str,
            "role": str,           # page | attachment | file
            "status": str,         # read | needs_typing | unreadable
            "detail": str,
            "stored_at": str,
        },
        pk="sha256",
    )
    db["notice_files"].create_index(["notice_id"])
    db["notice_proposals"].create(
        {
            "id": int,
            "notice_id": int,
            "key": str,            # the row's identity within the notice: read again, proposed once
            "kind": str,           # item | count | ranking
            "clause": str,
            "unit_id": str,
            "unit_text": str,
            "count": int,
            "points": float,
            "title": str,
            "date": str,
            "outlet": str,
            "issue_no": str,
            "source": str,         # file and table
            "row_number": int,
            "row": str,
            "status": str,         # proposed | confirmed | rejected
            "decided_by": str,
            "decided_at": str,
            "reason": str,
            "entry_ids": str,      # JSON list of the score entries a confirmation made
            "created_at": str,
        },
        pk="id",
        not_null={"notice_id", "key", "kind", "clause", "status"},
    )
    db.execute("CREATE UNIQUE INDEX idx_notice_proposals_key ON notice_proposals (notice_id, key)")
    db["notice_proposals"].create_index(["status"])
