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
