"""Health checks over a real store: each check raises its warning, and the warning resolves when the
condition clears. The redesign check is also run end to end against the replica site."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import municipal_only
from sqlite_utils import Database

from tracker import store
from tracker.config import DEFAULT_CONFIG_DIR, Settings, load_settings
from tracker.ops import health
from tracker.ops.nightly import Step, crawl_step, health_step, run_nightly
from tracker.ops.settings import HealthConfig, ScheduleConfig, load_ops

SH = ZoneInfo("Asia/Shanghai")
CFG = HealthConfig()
SCHEDULE = ScheduleConfig()
TODAY = date(2025, 3, 10)


def crawl_run(db: Database, columns: dict[str, dict[str, int]], *, status: str = "ok",
              error: str | None = None, site: str = "czgh") -> int:
    """A finished crawl run with the given per-column figures, as the crawler records it."""
    run_id = store.start_run(db, "crawl", trigger="schedule", site=site)
    totals = {k: sum(c.get(k, 0) for c in columns.values())
              for k in ("requests", "new", "updated", "errors", "parse_failures")}
    store.save_run_progress(db, run_id, site, totals, columns)
    store.finish_run(db, run_id, status, error)
    return run_id


def articles(run_id: int, ids: range, *, source: str | None = "金坛区总工会",
             day: str = "2025-03-08") -> list[dict[str, Any]]:
    return [{"id": i, "url": f"http://x/{i}.html", "title": f"标题{i}", "date": day, "source": source,
             "body": "正文", "column": "jcdt"} for i in ids]


def healthy(links: int = 20, new: int = 10) -> dict[str, int]:
    return {"requests": 12, "list_pages": 2, "links": links, "new": new, "updated": 0, "errors": 0,
            "parse_failures": 0, "completed": 1}


def findings(db: Database, settings: Settings) -> dict[str, health.Finding]:
    return {f.key: f for f in health.check_site(db, settings, "czgh", CFG, TODAY)}


def test_a_healthy_site_has_no_findings(db: Database, settings: Settings) -> None:
    run_id = crawl_run(db, {"jcdt": healthy(), "ghyw": healthy()})
    store.save_batch(db, "czgh", run_id, articles(run_id, range(1, 11)))
    assert findings(db, settings) == {}


def test_a_column_that_lists_no_links_is_a_redesign(db: Database, settings: Settings) -> None:
    crawl_run(db, {"jcdt": healthy(), "ghyw": healthy()})
    run_id = crawl_run(db, {"jcdt": {**healthy(links=0, new=0)}, "ghyw": healthy()})
    found = findings(db, settings)
    assert list(found) == ["redesign:czgh:jcdt"]
    f = found["redesign:czgh:jcdt"]
    assert (f.level, f.site, f.column_key, f.detail["run_id"]) == ("warning", "czgh", "jcdt", run_id)
    assert "「基层动态」" in f.message and "改版" in f.message


def test_a_list_page_that_fails_is_flagged_too(db: Database, settings: Settings) -> None:
    crawl_run(db, {"jcdt": {**healthy(), "list_pages": 0, "links": 0, "new": 0, "errors": 4}})
    f = findings(db, settings)["redesign:czgh:jcdt"]
    assert "打不开" in f.message and f.detail["errors"] == 4


def test_a_jump_in_parse_failures(db: Database, settings: Settings) -> None:
    for _ in range(3):
        crawl_run(db, {"jcdt": {**healthy(), "new": 19, "parse_failures": 1}})  # a 5 % baseline
    crawl_run(db, {"jcdt": {**healthy(), "new": 6, "parse_failures": 4}})       # 40 %
    f = findings(db, settings)["parse_failures:czgh"]
    assert f.detail["failures"] == 4 and f.detail["rate"] == pytest.approx(0.4)
    assert f.detail["baseline"] == pytest.approx(0.05)
    assert "4 篇文章页解析失败" in f.message and "40%" in f.message


def test_steady_parse_failures_are_not_a_jump(db: Database, settings: Settings) -> None:
    for _ in range(4):
        crawl_run(db, {"jcdt": {**healthy(), "new": 6, "parse_failures": 4}})
    assert "parse_failures:czgh" not in findings(db, settings)


def test_a_jump_in_missing_source(db: Database, settings: Settings) -> None:
    first = crawl_run(db, {"jcdt": healthy()})
    store.save_batch(db, "czgh", first, articles(first, range(1, 21)))
    second = crawl_run(db, {"jcdt": healthy()})
    store.save_batch(db, "czgh", second, articles(second, range(21, 27), source=None)
                     + articles(second, range(27, 31)))
    f = findings(db, settings)["missing_source:czgh"]
    assert f.detail == {"run_id": second, "fetched": 10, "missing": 6, "baseline": 0.0}
    assert "没有「来源」" in f.message


def test_the_first_crawl_of_a_site_has_no_missing_source_jump(db: Database, settings: Settings) -> None:
    first = crawl_run(db, {"jcdt": healthy()})
    store.save_batch(db, "czgh", first, articles(first, range(1, 11), source=None)
                     + articles(first, range(11, 21)))
    assert "missing_source:czgh" not in findings(db, settings)


def fetched_on(db: Database, day: str) -> None:
    """Make every stored article look first fetched on `day` (the crawl ran then)."""
    db.execute("UPDATE articles SET first_seen_at = ?", [f"{day}T01:00:00+00:00"])
    db.conn.commit()


def test_a_site_with_no_new_articles_for_too_long(db: Database, settings: Settings) -> None:
    run_id = crawl_run(db, {"jcdt": healthy()})
    store.save_batch(db, "czgh", run_id, articles(run_id, range(1, 3), day="2025-02-20"))
    fetched_on(db, "2025-02-20")
    f = findings(db, settings)["stale_site:czgh"]
    assert f.detail == {"last_new_at": "2025-02-20T01:00:00+00:00", "days": 18}
    assert "18 天没有抓到新文章" in f.message
    loose = HealthConfig(stale_days_by_site={"czgh": 30})
    assert not health.check_site(db, settings, "czgh", loose, TODAY)


def test_a_future_dated_article_does_not_silence_the_quiet_site_warning(db: Database, settings: Settings) -> None:
    run_id = crawl_run(db, {"jcdt": healthy()})
    store.save_batch(db, "czgh", run_id, articles(run_id, range(1, 3), day="2099-12-31"))
    fetched_on(db, "2025-02-20")
    assert findings(db, settings)["stale_site:czgh"].detail["days"] == 18


def test_a_run_that_reached_a_bound_is_a_warning(db: Database, settings: Settings) -> None:
    run_id = crawl_run(db, {"jcdt": healthy()}, status="limited")
    db.execute("UPDATE runs SET bounds = ? WHERE id = ?", ["栏目 jcdt 翻到上限 1000 页", run_id])
    db.conn.commit()
    f = findings(db, settings)["bounds:czgh"]
    assert f.level == "warning" and "翻到上限 1000 页" in f.message and f"#{run_id}" in f.message
    assert "failed_crawl:czgh" not in findings(db, settings)


def test_a_failed_crawl_is_an_error(db: Database, settings: Settings) -> None:
    run_id = crawl_run(db, {}, status="failed", error="无法访问 http://127.0.0.1:9：所有栏目列表页都请求失败")
    f = findings(db, settings)["failed_crawl:czgh"]
    assert f.level == "error" and f"#{run_id}" in f.message and "无法访问" in f.message


def nightly(db: Database, started: datetime, status: str = "ok", error: str | None = None) -> int:
    run_id = store.start_run(db, "nightly", trigger="schedule")
    db.execute("UPDATE runs SET started_at = ? WHERE id = ?", [started.astimezone(UTC).isoformat(), run_id])
    store.finish_run(db, run_id, status, error)
    return run_id


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def test_a_missed_night_and_a_failed_run(db: Database) -> None:
    nightly(db, sh(2025, 3, 8, 2, 30, 1))
    failed = nightly(db, sh(2025, 3, 9, 2, 30, 2), "failed", "抓取：常州市总工会：无法访问")
    # The 10th: still inside its grace at 05:00, missed by 09:00.
    at_five = {f.key: f for f in health.check_runs(db, SCHEDULE, sh(2025, 3, 10, 5, 0))}
    assert set(at_five) == {"failed_run"}
    assert at_five["failed_run"].level == "error" and f"#{failed}" in at_five["failed_run"].message
    at_nine = {f.key: f for f in health.check_runs(db, SCHEDULE, sh(2025, 3, 10, 9, 0))}
    assert "2025-03-10 02:30" in at_nine["missed_run"].message
    # A catch-up run at 09:05 does not make the night on time, but the next night's run clears it.
    nightly(db, sh(2025, 3, 10, 9, 5))
    assert {f.key for f in health.check_runs(db, SCHEDULE, sh(2025, 3, 10, 12, 0))} == {"missed_run"}
    nightly(db, sh(2025, 3, 11, 2, 30, 1))
    assert health.check_runs(db, SCHEDULE, sh(2025, 3, 11, 2, 45)) == []


def test_a_run_refused_by_the_lock_is_settled_by_the_holder_that_ends_after_it(db: Database) -> None:
    holder = store.start_run(db, "nightly", trigger="schedule")
    refused = nightly(db, sh(2025, 3, 10, 2, 31), "failed", "运行锁：另一项任务正在运行")
    db.execute("UPDATE runs SET finished_at = ? WHERE id = ?", ["2025-03-09T18:31:00+00:00", refused])
    assert {f.key for f in health.check_runs(db, SCHEDULE, sh(2025, 3, 10, 2, 40))} == {"failed_run"}
    store.finish_run(db, holder, "ok")
    db.execute("UPDATE runs SET started_at = ?, finished_at = ? WHERE id = ?",
               ["2025-03-09T18:30:00+00:00", "2025-03-09T18:50:00+00:00", holder])
    assert health.check_runs(db, SCHEDULE, sh(2025, 3, 10, 3, 0)) == []


def test_a_missed_night_says_whether_it_was_caught_up(db: Database) -> None:
    nightly(db, sh(2025, 3, 8, 2, 30, 1))
    waiting = {f.key: f for f in health.check_runs(db, SCHEDULE, sh(2025, 3, 9, 12, 0))}["missed_run"]
    assert "2025-03-09 02:30" in waiting.message and "调度程序启动后会补跑一次" in waiting.message
    nightly(db, sh(2025, 3, 9, 12, 5))
    caught = {f.key: f for f in health.check_runs(db, SCHEDULE, sh(2025, 3, 9, 12, 6))}["missed_run"]
    assert "已于 2025-03-09 12:05 补跑" in caught.message and "会补跑" not in caught.message


def test_no_missed_night_before_the_first_nightly_run(db: Database) -> None:
    assert health.check_runs(db, SCHEDULE, sh(2025, 3, 10, 12, 0)) == []


def test_warnings_open_once_stay_open_and_resolve(db: Database, settings: Settings) -> None:
    crawl_run(db, {"jcdt": healthy(links=0, new=0)})
    first = health.record(db, health.check_site(db, settings, "czgh", CFG, TODAY), run_id=1)
    assert [f.key for f in first] == ["redesign:czgh:jcdt"]
    # Found again: not new, so no second alert; still one open warning.
    assert health.record(db, health.check_site(db, settings, "czgh", CFG, TODAY), run_id=2) == []
    [open_one] = store.open_warnings(db)
    assert (open_one["check_name"], open_one["first_run_id"], open_one["last_run_id"]) == ("redesign", 1, 2)
    # The column lists links again: the warning resolves; a later relapse opens a new one.
    crawl_run(db, {"jcdt": healthy()})
    assert health.record(db, health.check_site(db, settings, "czgh", CFG, TODAY), run_id=3) == []
    assert store.open_warnings(db) == []
    crawl_run(db, {"jcdt": healthy(links=0, new=0)})
    assert len(health.record(db, health.check_site(db, settings, "czgh", CFG, TODAY), run_id=4)) == 1
    rows = list(db.query("SELECT first_run_id, resolved_at IS NULL AS open FROM warnings ORDER BY id"))
    assert rows == [{"first_run_id": 1, "open": 0}, {"first_run_id": 4, "open": 1}]


def test_recording_one_check_leaves_the_others_alone(db: Database, settings: Settings) -> None:
    crawl_run(db, {"jcdt": healthy(links=0, new=0)})
    health.record(db, health.check_site(db, settings, "czgh", CFG, TODAY), run_id=1)
    health.record(db, [], run_id=2, checks=("failed_run",))
    assert [w["key"] for w in store.open_warnings(db)] == ["redesign:czgh:jcdt"]


def test_evaluate_covers_sites_and_runs(db: Database, settings: Settings) -> None:
    crawl_run(db, {"jcdt": healthy(links=0, new=0)}, status="failed", error="抓取未正常结束")
    now = datetime(2025, 3, 10, 4, 0, tzinfo=UTC)
    keys = {f.key for f in health.evaluate(db, settings, CFG, SCHEDULE, now)}
    assert keys == {"redesign:czgh:jcdt", "failed_crawl:czgh"}


@pytest.fixture
def replica_settings(tmp_path: Path) -> Iterator[tuple[Any, Settings]]:
    """The replica site in a subprocess, and the project's config pointed at it with no delay."""
    from crawler.replica.process import ReplicaProcess

    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    municipal_only(config)
    sites = config / "sites.toml"
    text = sites.read_text(encoding="utf-8")
    for old, new in (("download_delay = 1.0", "download_delay = 0.0"), ("autothrottle = true", "autothrottle = false")):
        assert old in text
        text = text.replace(old, new)
    sites.write_text(text, encoding="utf-8")
    with ReplicaProcess(articles=60, slow_seconds=0.1) as replica:
        yield replica, load_settings(config, db=tmp_path / "replica.db", base_urls={"czgh": replica.base_url},
                                     env={})


def test_a_replica_column_that_stops_listing_links_raises_the_redesign_warning(
        replica_settings: tuple[Any, Settings]) -> None:
    replica, settings = replica_settings
    ops = load_ops(settings, env={})
    steps = (Step("crawl", "抓取", crawl_step), Step("health", "检查运行状况", health_step))
    first = run_nightly(settings, ops, steps=steps)
    assert first.exit_code == 0, first.error
    assert not [f for f in first.findings if f.check_name == "redesign"]

    replica.break_column("KEBQLDDJ")
    broken = run_nightly(settings, ops, steps=steps)
    assert broken.exit_code == 0, broken.error  # the crawl itself succeeded: only a person can tell why
    [redesign] = [f for f in broken.findings if f.check_name == "redesign"]
    assert (redesign.key, redesign.column_key) == ("redesign:czgh:jcdt", "jcdt")
    assert "「基层动态」" in redesign.message and "改版" in redesign.message
    db = store.open_db(settings.db_path)
    try:
        [crawl] = store.child_runs(db, broken.run_id)
        assert crawl["columns"]["jcdt"]["list_pages"] >= 1 and crawl["columns"]["jcdt"]["links"] == 0
        assert crawl["columns"]["ghyw"]["links"] > 0
        assert "redesign:czgh:jcdt" in {w["key"] for w in store.open_warnings(db)}
    finally:
        db.close()

    replica.restore_column("KEBQLDDJ")
    assert run_nightly(settings, ops, steps=steps).exit_code == 0
    db = store.open_db(settings.db_path)
    try:
        assert "redesign:czgh:jcdt" not in {w["key"] for w in store.open_warnings(db)}
    finally:
        db.close()
