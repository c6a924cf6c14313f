"""The views any SQLite tool reads agree with the commands, on a crawled, attributed and reviewed replica."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.replica.process import ReplicaProcess
from tracker import store
from tracker.attribution import review
from tracker.cli import cli, shown_time
from tracker.config import DEFAULT_CONFIG_DIR, load_settings
from tracker.ops import runs
from tracker.units import load_units


@pytest.fixture(scope="module")
def replica_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    db_path = tmp_path_factory.mktemp("views") / "xinxi.db"
    with ReplicaProcess(articles=160, seed=7, slow_seconds=0.3) as replica:
        settings = load_settings(DEFAULT_CONFIG_DIR, db=db_path, base_urls={"czgh": replica.base_url}, env={})
        runs.crawl(settings, runs.CrawlRequest(sites=("czgh",), polite=False))
        base_url = replica.base_url
    registry = load_units(DEFAULT_CONFIG_DIR)
    db = store.open_db(db_path)
    try:
        review.attribute_pending(db, registry)
        queued = store.review_queue(db)
        assert len(queued) >= 3, "the replica should leave some articles for review"
        store.add_decision(db, queued[0]["site"], queued[0]["id"], action="assign", unit_id="wujin",
                           note=None, by="张三")
        store.add_decision(db, queued[1]["site"], queued[1]["id"], action="ignore", unit_id=None,
                           note="不是工会信息", by="张三")
        auto = next(r for r in store.credited_articles(db) if r["unit_id"] and r["unit_id"] != "liyang")
        store.add_decision(db, auto["site"], auto["id"], action="assign", unit_id="liyang", note=None, by="李四")
    finally:
        db.close()
    return db_path, base_url


def run(db_path: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", str(db_path), *args])
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return result.output


def rows(db_path: Path, sql: str, params: tuple = ()) -> list[dict]:
    db = store.open_db(db_path)
    try:
        return [dict(r) for r in db.query(sql, params)]
    finally:
        db.close()


def test_credits_agree_with_articles_json(replica_db: tuple[Path, str]) -> None:
    db_path, _ = replica_db
    listed = json.loads(run(db_path, "articles", "--json"))
    credits = {(r["site"], r["id"]): r for r in rows(db_path, "SELECT * FROM credits")}
    assert len(listed) == len(credits) >= 100
    for item in listed:
        row = credits[(item["site"], item["id"])]
        assert (row["unit_name"], row["method"], bool(row["waiting"])) == (
            item["unit"], item["attribution"], item["review"]), item
    assert {r["method"] for r in credits.values()} >= {"reviewer", "source"}
    assert any(r["waiting"] for r in credits.values())


def test_the_queue_view_is_what_waits(replica_db: tuple[Path, str]) -> None:
    db_path, _ = replica_db
    waiting = {(r["site"], r["id"]) for r in rows(db_path, "SELECT site, id FROM credits WHERE waiting")}
    queued = {(r["site"], r["id"]) for r in rows(db_path, "SELECT site, id FROM review_queue")}
    assert waiting == queued and queued
    raw = rows(db_path, "SELECT count(*) AS n FROM attributions WHERE needs_review = 1")[0]["n"]
    assert raw == len(queued) + 2          # the two queued articles a reviewer decided left the queue


def test_unit_totals_agree_with_score_json_for_every_unit(replica_db: tuple[Path, str]) -> None:
    db_path, _ = replica_db
    years = sorted({int(r["y"]) for r in rows(db_path, "SELECT DISTINCT substr(date, 1, 4) AS y FROM credits")})
    compared = 0
    for year in years:
        board = json.loads(run(db_path, "score", "--year", str(year), "--format", "json"))
        totals: dict[str, dict[str, float]] = {}
        for r in rows(db_path, "SELECT * FROM unit_totals WHERE year = ?", (year,)):
            assert r["current"] == 1
            totals.setdefault(r["unit_id"], {})[r["clause_id"]] = r["points"]
        for unit in board:
            got = totals.get(unit["unit_id"], {})
            assert got == pytest.approx({k: float(v) for k, v in unit["clauses"].items() if v}), unit["unit_id"]
            assert sum(got.values()) == pytest.approx(float(unit["total"]))
            compared += 1
        lines = rows(db_path, "SELECT count(*) AS n FROM adoptions WHERE year = ?", (year,))[0]["n"]
        assert lines == sum(r["lines"] for r in rows(db_path, "SELECT lines FROM unit_totals WHERE year = ?", (year,)))
    assert compared >= 10


def test_a_decision_shows_in_credits_at_once_and_marks_the_scores_stale(replica_db: tuple[Path, str]) -> None:
    db_path, _ = replica_db
    year = rows(db_path, "SELECT max(substr(date, 1, 4)) AS y FROM credits")[0]["y"]
    run(db_path, "score", "--year", year, "--format", "json")
    target = rows(db_path, "SELECT site, id FROM credits WHERE waiting AND substr(date, 1, 4) = ? LIMIT 1",
                  (year,))
    target = target or rows(db_path, "SELECT site, id FROM credits WHERE unit_id IS NOT NULL "
                                     "AND substr(date, 1, 4) = ? LIMIT 1", (year,))
    site, aid = target[0]["site"], target[0]["id"]
    assert rows(db_path, "SELECT DISTINCT current FROM unit_totals WHERE year = ?", (int(year),)) == [{"current": 1}]
    run(db_path, "review", "assign", f"{site}/{aid}", "金坛区总工会", "--by", "王五")
    row = rows(db_path, "SELECT * FROM credits WHERE site = ? AND id = ?", (site, aid))[0]
    assert (row["unit_id"], row["unit_name"], row["method"], row["decided_by"], row["waiting"]) == (
        "jintan", "金坛区总工会", "reviewer", "王五", 0)
    assert rows(db_path, "SELECT DISTINCT current FROM unit_totals WHERE year = ?", (int(year),)) == [{"current": 0}]
    run(db_path, "score", "--year", year, "--format", "json")
    assert rows(db_path, "SELECT DISTINCT current FROM unit_totals WHERE year = ?", (int(year),)) == [{"current": 1}]
    mine = rows(db_path, "SELECT unit_id FROM adoptions WHERE site = ? AND article_id = ?", (site, aid))
    assert mine and {r["unit_id"] for r in mine} == {"jintan"}


def test_articles_show_and_filter_by_unit(replica_db: tuple[Path, str]) -> None:
    db_path, _ = replica_db
    wujin = {(r["site"], r["id"]) for r in rows(db_path, "SELECT site, id FROM credits WHERE unit_id = 'wujin'")}
    listed = json.loads(run(db_path, "articles", "--unit", "武进区总工会", "--json"))
    assert {(r["site"], r["id"]) for r in listed} == wujin and wujin
    assert {r["unit"] for r in listed} == {"武进区总工会"}
    table = run(db_path, "articles", "--unit", "wujin", "--limit", "3")
    assert "单位" in table and "武进区总" in table and "文章（3 篇）" in table


def test_runs_show_per_column_figures_in_local_time(replica_db: tuple[Path, str]) -> None:
    db_path, _ = replica_db
    crawl_run = rows(db_path, "SELECT * FROM runs WHERE kind = 'crawl' ORDER BY id LIMIT 1")[0]
    columns = rows(db_path, "SELECT * FROM run_columns WHERE run_id = ?", (crawl_run["id"],))
    listing = run(db_path, "runs")
    assert "北京时间" in listing and crawl_run["started_at"] not in listing
    local = shown_time(crawl_run["started_at"])
    assert local in listing
    shown = run(db_path, "runs", "show", str(crawl_run["id"]))
    assert local in shown and "基层动态" in shown and "列表页" in shown
    assert f"新文章 {crawl_run['new']} 篇" in shown and len(columns) >= 5
    assert json.loads(run(db_path, "runs", "show", str(crawl_run["id"]), "--json"))["columns"]
