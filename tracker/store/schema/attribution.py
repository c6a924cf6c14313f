"""Schema step of attributions, reviewers' decisions and taught aliases (m002)."""

from __future__ import annotations

from sqlite_utils import Database


def m002_attribution(db: Database) -> None:
    """The engine's attribution of each article, reviewers' decisions (never deleted) and taught aliases."""
    db["attributions"].create(
        {
            "site": str,
            "article_id": int,
            "unit_id": str,        # null when the engine did not decide
            "method": str,         # source | closing | alias | gazetteer
            "confidence": float,
            "evidence": str,       # the text it relied on, in words
            "suggestions": str,    # JSON [[unit id, score, evidence], …], best first
            "needs_review": int,   # 1 = waits for a person
            "content_hash": str,   # the article's content_hash when attributed: a changed page is redone
            "attributed_at": str,
        },
        pk=("site", "article_id"),
        defaults={"needs_review": 0},
    )
    db["attributions"].create_index(["needs_review"])
    db["attributions"].create_index(["unit_id"])
    db["review_decisions"].create(
        {
            "id": int,
            "site": str,
            "article_id": int,
            "action": str,         # assign | ignore
            "unit_id": str,        # for assign
            "note": str,           # the reviewer's note, or the reason for ignoring
            "decided_by": str,
            "decided_at": str,
            "undone_at": str,      # set when undone or replaced by a later decision
            "undone_by": str,
            "undo_reason": str,
        },
        pk="id",
        not_null={"site", "article_id", "action", "decided_by", "decided_at"},
    )
    db.execute("CREATE UNIQUE INDEX idx_review_decisions_active ON review_decisions (site, article_id) "
               "WHERE undone_at IS NULL")
    db["aliases"].create(
        {
            "id": int,
            "text": str,           # the byline text as written, e.g. 市粮食局工联会 or a correspondent's name
            "unit_id": str,
            "note": str,
            "created_by": str,
            "created_at": str,
            "removed_at": str,
            "removed_by": str,
            "removed_reason": str,
        },
        pk="id",
        not_null={"text", "unit_id", "created_by", "created_at"},
    )
    db.execute("CREATE UNIQUE INDEX idx_aliases_active ON aliases (text) WHERE removed_at IS NULL")
