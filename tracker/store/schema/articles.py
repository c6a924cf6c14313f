"""Schema steps of articles, listings, failures and runs (m001), and the record checks (m021)."""

from __future__ import annotations

from sqlite_utils import Database


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
