"""End to end over real HTTP: both replicas crawled into one SQLite file, the provincial site's incremental
rule, notices handed to the notices library, a blocked site reported, provincial items attributed and scored."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from crawler.replica.hanweb.generator import ELSEWHERE, NEWS, SERVICE
from crawler.replica.hanweb.process import HanwebReplicaProcess
from crawler.replica.process import ReplicaProcess
from scoring.periods import year_period
from tracker import store
from tracker.attribution import review
from tracker.config import DEFAULT_CONFIG_DIR, Settings, load_settings
from tracker.ops import health, runs
from tracker.ops.settings import load_ops
from tracker.scores.scorer import Scorer
from tracker.units import load_units

FIELDS = ("title", "date", "source", "closing_bylines", "correspondents", "image_count")
SITE_OF = {NEWS.id: ("jsgh", "jsgh_jcdt"), SERVICE.id: ("jsghfw", "jsghfw_144")}


@pytest.fixture(scope="module")
def replicas():
    with ReplicaProcess(articles=40, seed=4, slow_seconds=0.1) as czgh, HanwebReplicaProcess(articles=300, seed=5) as jsgh:
        yield czgh, jsgh


def settings_for(czgh: ReplicaProcess, jsgh: HanwebReplicaProcess, db_path: Path) -> Settings:
    return load_settings(DEFAULT_CONFIG_DIR, db=db_path, env={},
                         base_urls={"czgh": czgh.base_url, "jsgh": jsgh.base_url, "jsghfw": jsgh.base_url})


def crawl_all(settings: Settings) -> dict[str, dict]:
    outcome = runs.crawl(settings, runs.CrawlRequest(polite=False))
    db = store.open_db(settings.db_path)
    try:
        return {s.site: store.get_run(db, s.run_id) for s in outcome.sites}
    finally:
        db.close()


def list_requests(counts: dict[str, int]) -> dict[str, int]:
    return {t: n for t, n in counts.items() if t.startswith("/col/")}


def article_requests(counts: dict[str, int]) -> dict[str, int]:
    return {t: n for t, n in counts.items() if t.startswith("/art/")}


@pytest.fixture(scope="module")
def crawled(replicas, tmp_path_factory):
    czgh, jsgh = replicas
    db_path = tmp_path_factory.mktemp("provincial") / "xinxi.db"
    settings = settings_for(czgh, jsgh, db_path)
    jsgh.reset_counts()
    first = crawl_all(settings)
    counts = jsgh.requests()
    ops = load_ops(settings, env={})
    db = store.open_db(settings.db_path)
    try:
        findings = health.evaluate(db, settings, ops.health, ops.schedule, datetime.now(UTC))
    finally:
        db.close()
    return settings, first, counts, findings


def test_full_crawl_of_both_replicas(replicas, crawled) -> None:
    czgh, jsgh = replicas
    settings, first, _, _ = crawled
    blocked = jsgh.site.quirk("blocked")
    blocked_site = SITE_OF[blocked.column][0]
    assert first["czgh"]["status"] == "ok"
    assert {k: first[k]["status"] for k in ("jsgh", "jsghfw")} == {
        k: "blocked" if k == blocked_site else "ok" for k in ("jsgh", "jsghfw")}
    assert "403" in first[blocked_site]["error"] and "不会设法绕过" in first[blocked_site]["error"]
    db = store.open_db(settings.db_path)
    try:
        rows = {(r["site"], r["id"]): r for r in store.list_articles(db)}
        failures = {(f["site"], f["article_id"]): f for f in store.list_failures(db)}
    finally:
        db.close()
    assert {k for k in rows if k[0] == "czgh"} == {("czgh", a.id) for a in czgh.site.articles if a.status == 200}
    for item in jsgh.site.items:
        site, column = SITE_OF[item.column]
        if item.status != 200:
            assert failures[(site, item.id)]["kind"] == "blocked"
            continue
        got, expected = rows[(site, item.id)], item.truth()
        assert {k: got[k] for k in FIELDS} == {k: expected[k] for k in FIELDS}, item.id
        assert got["body"] == "\n".join([*expected["paragraphs"], *expected["closing_bylines"]])
        assert got["columns"] == [column] and got["url"] == jsgh.url(item.path)
    assert len([k for k in rows if k[0] != "czgh"]) == sum(i.status == 200 for i in jsgh.site.items)


def test_notices_about_information_work_are_stored_with_their_attachments(replicas, crawled) -> None:
    _, jsgh = replicas
    settings, _, counts, _ = crawled
    from tracker.store import notices as records

    db = store.open_db(settings.db_path)
    try:
        notices = records.list_notices(db)
        files = [f for n in notices for f in records.notice_files(db, n["id"])]
    finally:
        db.close()
    served = [n for n in jsgh.notices() if n["about_information"]]
    assert sorted(n["title"] for n in notices) == sorted(n["title"] for n in served)
    assert {n["url"] for n in notices} == {jsgh.url(n["path"]) for n in served}
    assert len(files) == len(served) + sum(len(n["attachments"]) for n in served)
    assert all(f["url"] and f["fetched_at"] for f in files)
    skipped = next(n for n in jsgh.notices() if not n["about_information"])
    assert counts.get(skipped["path"], 0) == 0  # a notice about something else is never fetched


def test_a_quiet_night_is_one_list_request_per_column_then_new_items_come_in(replicas, crawled) -> None:
    czgh, jsgh = replicas
    settings, _, _, _ = crawled
    jsgh.reset_counts()
    quiet = crawl_all(settings)
    counts = jsgh.requests()
    columns = [c for k in ("jsgh", "jsghfw") for c in settings.site(k).columns]
    assert list_requests(counts) == {c.list_url: 1 for c in columns}
    assert article_requests(counts) == {} and not any("downfile" in t for t in counts)
    assert all(quiet[k]["new"] == 0 for k in ("jsgh", "jsghfw"))

    added = jsgh.grow(4)
    jsgh.reset_counts()
    grown = crawl_all(settings)
    counts = jsgh.requests()
    # A column with new items on its first page reads the next one too, where the stop rule finds nothing new.
    grew = {c.code for c in columns if any(str(jsgh.site.by_id[i].column) == c.code for i in added)}
    assert list_requests(counts) == {c.list_url: 1 for c in columns} | {
        c.list_url.replace("pageNum=1", "pageNum=2"): 1 for c in columns if c.code in grew}
    assert sorted(article_requests(counts)) == sorted(jsgh.site.by_id[i].path for i in added)
    assert grown["jsgh"]["new"] + grown["jsghfw"]["new"] == 4


def test_other_city_items_are_never_queued_and_credits_are_right(replicas, crawled) -> None:
    _, jsgh = replicas
    settings, _, _, _ = crawled
    registry = load_units(settings.config_dir)
    names = {u.id: u.name for u in registry}
    db = store.open_db(settings.db_path)
    try:
        review.attribute_pending(db, registry)
        queued = {(r["site"], r["id"]) for r in store.review_queue(db)}
        credited = {(r["site"], r["id"]): r["unit_id"] for r in store.credited_articles(db) if r["unit_id"]}
    finally:
        db.close()
    truth = {(SITE_OF[i.column][0], i.id): i for i in jsgh.site.items}
    assert not {k for k in queued if k in truth and truth[k].scope == ELSEWHERE}
    provincial = {k: u for k, u in credited.items() if k in truth}
    assert provincial and all(names[u] == truth[k].expected_unit for k, u in provincial.items())


def test_a_credited_provincial_item_scores_three_points_under_five_two(replicas, crawled) -> None:
    _, jsgh = replicas
    settings, _, _, _ = crawled
    db = store.open_db(settings.db_path)
    try:
        review.attribute_pending(db, load_units(settings.config_dir))
        credited = [r for r in store.credited_articles(db) if r["unit_id"] and r["site"] in ("jsgh", "jsghfw")]
        year = date.fromisoformat(credited[0]["date"]).year
        board = Scorer.load(settings).score(db, year_period(year))
    finally:
        db.close()
    lines = [line for r in board.results for line in r.lines if line.clause_id == "provincial.website"]
    in_year = {f"{r['site']}/{r['id']}" for r in credited if r["date"].startswith(str(year))}
    assert {line.evidence_id for line in lines} == in_year
    assert all(line.points == 3 and line.evidence.startswith(jsgh.base_url + "/art/") for line in lines)
    assert board.clause_label("provincial.website").startswith("五、2")


def test_a_site_answering_as_blocked_is_reported_and_left_alone(replicas, crawled) -> None:
    _, jsgh = replicas
    settings, first, _, findings = crawled
    blocked_site = next(k for k in ("jsgh", "jsghfw") if first[k]["status"] == "blocked")
    found = [f for f in findings if f.check_name == "blocked"]
    assert [f.site for f in found] == [blocked_site] and "403" in found[0].message
    # The notices read in the same crawl wait for a person.
    waiting = [f for f in findings if f.check_name == "notice_waiting"]
    assert len(waiting) == 1 and "xinxi notice list" in waiting[0].message

    jsgh.block(412)
    jsgh.reset_counts()
    try:
        outcome = runs.crawl(settings, runs.CrawlRequest(sites=("jsgh",), polite=False))
        counts = jsgh.requests()
    finally:
        jsgh.unblock()
    assert outcome.sites[0].status == "blocked" and "412" in (outcome.sites[0].error or "")
    # The first refused list page ends the crawl: no retry, no other address, nothing else asked for.
    assert sum(list_requests(counts).values()) <= len(settings.site("jsgh").columns)
    assert article_requests(counts) == {}


def test_replica_truth_is_json_lines() -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "crawler.replica.hanweb", "truth", "--articles", "30"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    rows = [json.loads(line) for line in out]
    assert len(rows) == 30 and {r["scope"] for r in rows} <= {"changzhou", ELSEWHERE}
