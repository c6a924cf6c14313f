"""Schema steps, applied in order by sqlite-utils `Migrations`. Add new steps at the end; never edit one."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("xinxi")


@migrations()
def m001_crawl(db: Database) -> None:
    """Articles with their raw fields verbatim, where they were listed, failures, runs."""
    db["articles"].create(
        {
            "site": str,
            "id": int,
            "url": str,            # canonical (legacy) URL when known, else the URL fetched
            "alt_url": str,        # the other form of the same article, when seen
            "url_form": str,       # legacy | suitable: the form of `url`; legacy wins whenever known
            "title": str,
            "subtitle": str,
            "date": str,           # 发布日期, ISO yyyy-mm-dd
            "source": str,         # exact 来源 text, or null when the page has none
            "source_label": str,   # the label it stood behind: 来源 / 信息来源
            "closing_bylines": str,  # JSON array of the exact closing byline lines
            "correspondents": str,   # JSON array of 通讯员/作者 names
            "body": str,
            "image_count": int,
            "content_hash": str,
            "first_seen_at": str,
            "fetched_at": str,
            "run_id": int,
        },
        pk=("site", "id"),
        not_null={"site", "id", "url", "title", "date"},
    )
    db["articles"].create_index(["date"])
    db["articles"].create_index(["source"])
    db["article_columns"].create(
        {"site": str, "article_id": int, "column_key": str, "first_seen_at": str, "run_id": int},
        pk=("site", "article_id", "column_key"),
    )
    db["article_columns"].create_index(["column_key"])
    db["failures"].create(
        {
            "site": str,
            "article_id": int,
            "url": str,
            "kind": str,           # parse | http
            "detail": str,
            "status": int,
            "run_id": int,
            "first_seen_at": str,
            "last_seen_at": str,
        },
        pk=("site", "article_id"),
    )
    db["runs"].create(
        {
            "id": int,
            "kind": str,           # crawl | recrawl | nightly
            "trigger": str,        # manual | schedule
            "site": str,
            "args": str,           # JSON of the bounds it ran with
            "pid": int,
            "host": str,
            "started_at": str,
            "finished_at": str,
            "status": str,         # running | ok | failed | killed
            "requests": int,
            "new": int,
            "updated": int,
            "errors": int,
            "parse_failures": int,
            "error": str,
        },
        pk="id",
        defaults={"requests": 0, "new": 0, "updated": 0, "errors": 0, "parse_failures": 0},
    )
    db["run_columns"].create(
        {
            "run_id": int,
            "site": str,
            "column_key": str,
            "requests": int,
            "list_pages": int,
            "links": int,
            "new": int,
            "updated": int,
            "errors": int,
            "parse_failures": int,
            "completed": int,
        },
        pk=("run_id", "site", "column_key"),
    )
    db["column_state"].create(
        {"site": str, "column_key": str, "in_progress_run": int, "completed_run": int, "completed_at": str},
        pk=("site", "column_key"),
    )


@migrations()
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


@migrations()
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


@migrations()
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


@migrations()
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


@migrations()
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


@migrations()
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


@migrations()
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


# What a stored article must be, as SQL. The same expressions are the tables' CHECK constraints, the
# sweep that moves rows stored by older versions out of the way, and what `xinxi check` looks for.
MAX_ARTICLE_ID = 2**63 - 1
MAX_BYLINES = 20
_CONTROL_CLASS = "'*[' || char(" + ",".join(str(c) for c in [*range(1, 9), 11, 12, *range(14, 32), 127]) + ") || ']*'"
ARTICLE_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("id", f"typeof(id) = 'integer' AND id BETWEEN 1 AND {MAX_ARTICLE_ID}", "编号不是 1 到 2^63-1 之间的整数"),
    ("date", "typeof(date) = 'text' AND date(date, '+0 days') IS date AND date BETWEEN '1990-01-01' AND '2100-12-31'",
     "发布日期不是日历上的日期，或不在 1990 至 2100 年之间"),
    ("title", "typeof(title) = 'text' AND length(trim(title)) > 0", "缺少标题"),
    ("bylines", f"closing_bylines IS NULL OR (json_valid(closing_bylines) AND "
                f"json_array_length(closing_bylines) <= {MAX_BYLINES})", f"结尾署名不是列表或超过 {MAX_BYLINES} 条"),
    ("images", "image_count IS NULL OR image_count >= 0", "图片数为负"),
    ("controls", f"NOT (title || ' ' || coalesce(subtitle, '') || ' ' || coalesce(source, '')) GLOB {_CONTROL_CLASS}",
     "标题、副标题或来源含控制字符"),
)
LISTING_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("article_id", f"typeof(article_id) = 'integer' AND article_id BETWEEN 1 AND {MAX_ARTICLE_ID}", "编号超出范围"),
    ("column_key", "typeof(column_key) = 'text' AND length(column_key) > 0", "缺少栏目"),
)


def failing_checks(checks: tuple[tuple[str, str, str], ...]) -> str:
    """A SQL expression naming, in words, the checks a row fails ('' when none)."""
    parts = [f"CASE WHEN coalesce(({expr}), 0) THEN '' ELSE '{words}；' END" for _, expr, words in checks]
    return " || ".join(parts)


def _rebuild_with_checks(db: Database, table: str, checks: tuple[tuple[str, str, str], ...]) -> list[dict]:
    """Recreate `table` with CHECK constraints, keeping every row that passes; returns the rows that do not."""
    sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone()[0]
    indexes = [r[0] for r in db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", [table])]
    constraints = ", ".join(f"CONSTRAINT {table}_{name} CHECK ({expr})" for name, expr, _ in checks)
    head, _, _ = sql.rpartition(")")
    new_sql = head.replace(f"[{table}]", f"[{table}_checked]", 1).replace(f'"{table}"', f'"{table}_checked"', 1)
    if new_sql == head:
        new_sql = head.replace(table, f"{table}_checked", 1)
    db.execute(f"{new_sql}, {constraints})")
    reasons = failing_checks(checks)
    bad = [dict(r) | {"_reason": r["_reason"]} for r in db.query(
        f"SELECT *, {reasons} AS _reason FROM [{table}] WHERE ({reasons}) != ''")]
    db.execute(f"INSERT INTO [{table}_checked] SELECT * FROM [{table}] WHERE ({reasons}) = ''")
    db.execute(f"DROP TABLE [{table}]")
    db.execute(f"ALTER TABLE [{table}_checked] RENAME TO [{table}]")
    for index in indexes:
        db.execute(index)
    return bad


@migrations()
def m021_checked_records(db: Database) -> None:
    """Articles and listings refuse invalid rows; failures also hold links with no usable id, are retried
    with backoff when the cause was passing, and keep the rows moved out of articles; runs say which
    bound they hit."""
    import json
    from datetime import UTC, datetime

    stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
    db.execute("ALTER TABLE failures RENAME TO failures_old")
    db.execute(f"""
        CREATE TABLE failures (
            id INTEGER PRIMARY KEY,
            site TEXT NOT NULL,
            article_id INTEGER CHECK (article_id IS NULL OR
                                      (typeof(article_id) = 'integer' AND article_id BETWEEN 1 AND {MAX_ARTICLE_ID})),
            url TEXT NOT NULL,
            kind TEXT NOT NULL,      -- parse | http | invalid | host | size | depth | redirect | stored
            detail TEXT,
            status INTEGER,
            column_key TEXT,         -- the column whose list linked it
            run_id INTEGER,
            first_seen_at TEXT,
            last_seen_at TEXT,
            attempts INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 1),
            retry_at TEXT,           -- a passing failure is due again from this time; NULL: settled
            data TEXT                -- JSON of a row moved out of articles because it failed its checks
        )""")
    db.execute("CREATE UNIQUE INDEX idx_failures_article ON failures (site, article_id) WHERE article_id IS NOT NULL")
    db.execute("CREATE UNIQUE INDEX idx_failures_url ON failures (site, url) WHERE article_id IS NULL")
    # Server errors and timeouts of older versions were never fetched again: they are due now.
    db.execute(
        "INSERT INTO failures (site, article_id, url, kind, detail, status, run_id, first_seen_at, last_seen_at, "
        "retry_at) SELECT site, CASE WHEN typeof(article_id) = 'integer' AND article_id >= 1 THEN article_id END, "
        "url, kind, detail, status, run_id, first_seen_at, last_seen_at, "
        "CASE WHEN kind = 'http' AND (status IS NULL OR status >= 500 OR status IN (408, 429)) THEN ? END "
        "FROM failures_old WHERE typeof(article_id) = 'integer' AND article_id >= 1",
        [stamp],
    )
    db.execute("DROP TABLE failures_old")
    for row in _rebuild_with_checks(db, "articles", ARTICLE_CHECKS):
        reason = row.pop("_reason").rstrip("；")
        valid_id = isinstance(row["id"], int) and 1 <= row["id"] <= MAX_ARTICLE_ID
        db.execute(
            "INSERT INTO failures (site, article_id, url, kind, detail, run_id, first_seen_at, last_seen_at, data, "
            "retry_at) VALUES (?, ?, ?, 'stored', ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",  # due again at once: this version reads the page anew
            [row["site"], row["id"] if valid_id else None, row["url"] or f"(编号 {row['id']})",
             f"旧版本存入的无效记录，已移出文章表：{reason}", row.get("run_id"), row.get("first_seen_at") or stamp,
             stamp, json.dumps(row, ensure_ascii=False, default=str), stamp if valid_id else None],
        )
    moved = _rebuild_with_checks(db, "article_columns", LISTING_CHECKS)
    del moved  # a listing of an impossible id has nothing worth keeping: its article is in failures
    db.execute("DELETE FROM article_columns WHERE NOT EXISTS (SELECT 1 FROM articles a "
               "WHERE a.site = article_columns.site AND a.id = article_columns.article_id)")
    db["runs"].add_column("bounds", str)   # which bound the run hit, in words


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


@migrations()
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
