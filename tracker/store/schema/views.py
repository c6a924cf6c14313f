"""Schema step of the derived state any SQLite tool reads: units, columns, views, scoring lines (m030)."""

from __future__ import annotations

from sqlite_utils import Database

# Tables whose changes can change a year's scores: each insert, update or delete bumps `changes.counter`.
_SCORE_INPUTS = ("articles", "article_columns", "attributions", "review_decisions", "score_entries",
                 "experience_flags")

_CREDITS = """
CREATE VIEW credits AS
SELECT c.site, c.id, c.date, c.title, c.subtitle, c.url, c.columns, c.category,
       c.unit_id, u.name AS unit_name, c.method, c.decision, c.decided_by, c.decided_at, c.waiting,
       c.attributed_at
FROM (
  SELECT a.site, a.id, a.date, a.title, a.subtitle, a.url,
    (SELECT group_concat(column_key, ',') FROM (SELECT column_key FROM article_columns ac
       WHERE ac.site = a.site AND ac.article_id = a.id ORDER BY column_key)) AS columns,
    (SELECT group_concat(category, ',') FROM (SELECT DISTINCT coalesce(sc.category, '未配置栏目' || ac.column_key)
       AS category FROM article_columns ac LEFT JOIN site_columns sc ON sc.site = ac.site
       AND sc.column_key = ac.column_key WHERE ac.site = a.site AND ac.article_id = a.id ORDER BY 1)) AS category,
    CASE WHEN d.action = 'assign' THEN d.unit_id
         WHEN d.action IS NOT NULL THEN NULL
         WHEN coalesce(t.method, '') != '' AND coalesce(t.needs_review, 0) = 0 THEN t.unit_id END AS unit_id,
    CASE WHEN d.action IS NOT NULL THEN 'reviewer'
         WHEN coalesce(t.method, '') != '' AND coalesce(t.needs_review, 0) = 0 THEN t.method END AS method,
    d.action AS decision, d.decided_by, d.decided_at,
    CASE WHEN d.action IS NULL AND t.needs_review = 1 THEN 1 ELSE 0 END AS waiting, t.attributed_at
  FROM articles a
  LEFT JOIN attributions t ON t.site = a.site AND t.article_id = a.id
  LEFT JOIN review_decisions d ON d.site = a.site AND d.article_id = a.id AND d.undone_at IS NULL
) c LEFT JOIN units u ON u.id = c.unit_id
"""

_REVIEW_QUEUE = """
CREATE VIEW review_queue AS
SELECT a.site, a.id, a.date, a.title, a.subtitle, a.url, a.source, a.source_label, a.closing_bylines,
  a.correspondents, a.body, t.evidence, t.suggestions, t.attributed_at,
  (SELECT group_concat(column_key, ',') FROM (SELECT column_key FROM article_columns ac
     WHERE ac.site = a.site AND ac.article_id = a.id ORDER BY column_key)) AS columns,
  json_extract(t.suggestions, '$[0][0]') AS suggested_unit_id,
  (SELECT name FROM units u WHERE u.id = json_extract(t.suggestions, '$[0][0]')) AS suggested_unit_name
FROM articles a JOIN attributions t ON t.site = a.site AND t.article_id = a.id
WHERE t.needs_review = 1 AND NOT EXISTS (SELECT 1 FROM review_decisions d
  WHERE d.site = a.site AND d.article_id = a.id AND d.undone_at IS NULL)
"""

_ADOPTIONS = """
CREATE VIEW adoptions AS
SELECT l.year, l.unit_id, u.name AS unit_name, l.clause_id, l.clause_name, l.points, l.evidence_id,
  l.site, l.article_id, l.entry_id, l.date, l.title, l.evidence, l.rules_id, l.note,
  s.scored_at, s.changes AS scored_at_change, (s.changes = (SELECT counter FROM changes WHERE id = 1)
    AND s.config_hash IS (SELECT hash FROM config_sync WHERE name = 'config')) AS current
FROM score_lines l LEFT JOIN units u ON u.id = l.unit_id LEFT JOIN score_years s ON s.year = l.year
"""

_UNIT_TOTALS = """
CREATE VIEW unit_totals AS
SELECT l.year, l.unit_id, u.name AS unit_name, u.kind, l.clause_id, l.clause_name, count(*) AS lines,
  sum(l.points) AS points, (s.changes = (SELECT counter FROM changes WHERE id = 1)
    AND s.config_hash IS (SELECT hash FROM config_sync WHERE name = 'config')) AS current
FROM score_lines l LEFT JOIN units u ON u.id = l.unit_id LEFT JOIN score_years s ON s.year = l.year
GROUP BY l.year, l.unit_id, l.clause_id
"""


def m030_views(db: Database) -> None:
    """The effective state any SQLite tool can read: units and columns from config, credits and the review
    queue as views, each year's scoring lines as scored, and a change counter that tells when they are stale."""
    db["units"].create(
        {"id": str, "name": str, "kind": str, "target": int, "valid_from": str, "valid_to": str,
         "position": int, "email": str},
        pk="id",
    )
    db["site_columns"].create(
        {"site": str, "column_key": str, "site_name": str, "name": str, "category": str},
        pk=("site", "column_key"),
    )
    db["config_sync"].create({"name": str, "hash": str, "synced_at": str}, pk="name")
    # Declared for the tools that read them (Datasette shows unit names through them); SQLite does not enforce
    # them on our connections, so a unit dropped from config or a listing stored before its article stays.
    article = ("site", "article_id")
    db.add_foreign_keys([
        ("article_columns", article, "articles", ("site", "id")),
        ("attributions", article, "articles", ("site", "id")),
        ("attributions", "unit_id", "units", "id"),
        ("review_decisions", article, "articles", ("site", "id")),
        ("review_decisions", "unit_id", "units", "id"),
        ("experience_flags", article, "articles", ("site", "id")),
        ("aliases", "unit_id", "units", "id"),
        ("score_entries", "unit_id", "units", "id"),
        ("score_entry_events", "entry_id", "score_entries", "id"),
        ("run_columns", "run_id", "runs", "id"),
        ("run_steps", "run_id", "runs", "id"),
        ("runs", "parent_id", "runs", "id"),
        ("assessment_decisions", "unit_id", "units", "id"),
        ("report_sendings", "unit_id", "units", "id"),
        ("users", "unit_id", "units", "id"),
        ("notice_files", "notice_id", "notices", "id"),
        ("notice_proposals", "notice_id", "notices", "id"),
    ])
    db["changes"].create({"id": int, "counter": int}, pk="id")
    db["changes"].insert({"id": 1, "counter": 0})
    for table in _SCORE_INPUTS:
        for event in ("INSERT", "UPDATE", "DELETE"):
            db.execute(f"CREATE TRIGGER {table}_{event.lower()}_counts AFTER {event} ON {table} "
                       "BEGIN UPDATE changes SET counter = counter + 1 WHERE id = 1; END")
    db["score_years"].create(
        {"year": int, "scored_at": str, "changes": int, "rules": str, "config_hash": str},
        pk="year",
    )
    db["score_lines"].create(
        {"id": int, "year": int, "unit_id": str, "clause_id": str, "clause_name": str, "points": float,
         "evidence_id": str, "site": str, "article_id": int, "entry_id": int, "date": str, "title": str,
         "evidence": str, "rules_id": str, "note": str},
        pk="id",
        foreign_keys=[("year", "score_years", "year"), ("unit_id", "units", "id"),
                      ("entry_id", "score_entries", "id")],
    )
    db["score_lines"].create_index(["year", "unit_id"])
    db["score_lines"].create_index(["site", "article_id"])
    for sql in (_CREDITS, _REVIEW_QUEUE, _ADOPTIONS, _UNIT_TOTALS):
        db.execute(sql)


# A year's lines are current while no input changed since they were scored (the counter), the units and columns
# read from config are those they were scored with (`config`), and so are the files that decide points: the rules
# and the experience keywords (`rules`).
CURRENT = """(s.changes = (SELECT counter FROM changes WHERE id = 1)
    AND s.config_hash IS (SELECT hash FROM config_sync WHERE name = 'config')
    AND s.rules_hash IS (SELECT hash FROM config_sync WHERE name = 'rules'))"""

_ADOPTIONS_WITH_RULES = f"""
CREATE VIEW adoptions AS
SELECT l.year, l.unit_id, u.name AS unit_name, l.clause_id, l.clause_name, l.points, l.evidence_id,
  l.site, l.article_id, l.entry_id, l.date, l.title, l.evidence, l.rules_id, l.note,
  s.scored_at, s.changes AS scored_at_change, {CURRENT} AS current
FROM score_lines l LEFT JOIN units u ON u.id = l.unit_id LEFT JOIN score_years s ON s.year = l.year
"""

_UNIT_TOTALS_WITH_RULES = f"""
CREATE VIEW unit_totals AS
SELECT l.year, l.unit_id, u.name AS unit_name, u.kind, l.clause_id, l.clause_name, count(*) AS lines,
  sum(l.points) AS points, {CURRENT} AS current
FROM score_lines l LEFT JOIN units u ON u.id = l.unit_id LEFT JOIN score_years s ON s.year = l.year
GROUP BY l.year, l.unit_id, l.clause_id
"""


def m031_rules_hash(db: Database) -> None:
    """Scoring lines remember the rules and experience keywords they were scored with: editing those files
    makes `current` 0 in `adoptions` and `unit_totals` until the year is scored again."""
    db["score_years"].add_column("rules_hash", str)
    db.execute("DROP VIEW adoptions")
    db.execute("DROP VIEW unit_totals")
    db.execute(_ADOPTIONS_WITH_RULES)
    db.execute(_UNIT_TOTALS_WITH_RULES)
