"""Schema steps of manual entries, experience flags, snapshots (m003) and assessment decisions (m005)."""

from __future__ import annotations

from sqlite_utils import Database


def m003_scoring(db: Database) -> None:
    """Manual score entries and their audit trail, experience-flag decisions, published score snapshots."""
    db["score_entries"].create(
        {
            "id": int,
            "unit_id": str,
            "kind": str,           # a clause id of the rules file (national.adoption, activity, …)
            "date": str,           # ISO yyyy-mm-dd: the day the item was adopted / the event took place
            "title": str,
            "evidence": str,       # document number, notice title or URL
            "note": str,
            "source": str,         # cli | import
            "import_file": str,
            "created_at": str,
            "created_by": str,
            "removed_at": str,     # entries are never deleted: removal is recorded here and in the trail
            "removed_by": str,
            "removed_reason": str,
        },
        pk="id",
        not_null={"unit_id", "kind", "date", "title", "evidence"},
    )
    db["score_entries"].create_index(["date"])
    db["score_entries"].create_index(["unit_id"])
    db["score_entry_events"].create(
        {
            "id": int,
            "entry_id": int,
            "action": str,         # add | import | remove
            "at": str,
            "by": str,
            "reason": str,
            "data": str,           # JSON of the entry as it stood
        },
        pk="id",
    )
    db["score_entry_events"].create_index(["entry_id"])
    db["experience_flags"].create(
        {
            "site": str,
            "article_id": int,
            "experience": int,     # 1 = 经验类/总结类, 0 = not
            "source": str,         # classifier | reviewer
            "decided_by": str,
            "decided_at": str,
            "reason": str,
        },
        pk=("site", "article_id"),
    )
    db["score_snapshots"].create(
        {
            "id": int,
            "period": str,         # the label it was published under: 2024, 2024Q1, 2024-03
            "start": str,
            "end": str,
            "status": str,         # published | reopened
            "published_at": str,
            "published_by": str,
            "reopened_at": str,
            "reopened_by": str,
            "reopen_reason": str,
            "rules": str,          # JSON [[rules id, digest], …]
            "data": str,           # JSON of the whole scoreboard, every line with its evidence
        },
        pk="id",
    )
    db["score_snapshots"].create_index(["period"])


def m005_assessment(db: Database) -> None:
    """Clause 五、7: the office's decisions on each department's 文明部室 adjustment, every change kept."""
    db["assessment_decisions"].create(
        {
            "id": int,
            "unit_id": str,
            "year": int,
            "action": str,             # set | clear
            "points": float,           # the figure the office applies (set), null for clear
            "reason": str,
            "decided_by": str,
            "decided_at": str,
            "basis_total": float,      # the department's points when the decision was made
            "basis_instructions": int, # the 批示 counted then
            "basis_proposed": float,   # the rule's proposal then
        },
        pk="id",
        not_null={"unit_id", "year", "action", "reason", "decided_by", "decided_at"},
    )
    db["assessment_decisions"].create_index(["year", "unit_id"])
