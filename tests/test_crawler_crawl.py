"""End to end: real Scrapy crawls over real HTTP against the replica, into a real SQLite file."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.replica.process import ReplicaProcess
from tracker import store
from tracker.config import DEFAULT_CONFIG_DIR, Settings, load_settings
from tracker.ops import runs

N = 120
COLUMNS = 8
ARTICLE_FIELDS = ("title", "subtitle", "date", "source", "source_label", "closing_bylines", "correspondents",
                  "body", "image_count")


@pytest.fixture
def replica():
    with ReplicaProcess(articles=N, seed=3, slow_seconds=0.3) as server:
        yield server


def settings_for(replica: ReplicaProcess, db_path: Path) -> Settings:
    return load_settings(DEFAULT_CONFIG_DIR, db=db_path, base_urls={"czgh": replica.base_url}, env={})


def crawl(settings: Settings, **kwargs) -> dict:
    outcome = runs.crawl(settings, runs.CrawlRequest(sites=("czgh",), polite=False, **kwargs))
    db = store.open_db(settings.db_path)
    try:
        return store.get_run(db, outcome.sites[0].run_id)
    finally:
        db.close()


def stored(db_path: Path) -> dict[int, dict]:
    db = store.open_db(db_path)
    try:
        return {row["id"]: row for row in store.list_articles(db)}
    finally:
        db.close()


def article_paths(counts: dict[str, int]) -> dict[str, int]:
    return {path: n for path, n in counts.items() if "/content/suitable/show" in path or
            (path.endswith(".html") and "/index" not in path)}


def test_full_crawl_stores_every_article_exactly_as_the_page_shows_it(replica, db_path) -> None:
    run = crawl(settings_for(replica, db_path))
    rows = stored(db_path)
    truth = {a.id: a for a in replica.site.articles if a.status == 200}
    assert run["status"] == "ok"
    assert set(rows) == set(truth)
    for aid, article in truth.items():
        expected = article.truth()
        got = rows[aid]
        assert {k: got[k] for k in ARTICLE_FIELDS} == {k: expected[k] for k in ARTICLE_FIELDS}, aid
        assert got["columns"] == sorted(article.column_keys), aid
        assert got["url"].startswith(replica.base_url)

    # The page declared gb2312 holds a GBK-only character, and it arrived intact.
    gbk = replica.site.quirk("gbk")
    assert gbk.charset == "gbk" and rows[gbk.id]["correspondents"] == list(gbk.correspondents)
    # The page that answers 500 once was retried and stored; the dead link is recorded, not dropped.
    flaky = replica.site.quirk("flaky")
    assert flaky.id in rows and replica.requests()[flaky.legacy_path] == 2
    dead = replica.site.quirk("not_found")
    db = store.open_db(db_path)
    failures = {f["article_id"]: f for f in store.list_failures(db)}
    db.close()
    assert failures[dead.id]["status"] == 404 and failures[dead.id]["kind"] == "http"
    # One article listed in two columns is one row with both columns.
    both = replica.site.quirk("two_columns")
    assert len(rows[both.id]["columns"]) == 2
    # Linked by its legacy address in one list and its 长者模式 address in the other: whichever was fetched
    # first, the legacy form is the article's URL and the other is kept beside it.
    assert rows[both.id]["url"] == replica.url(both.legacy_path)
    assert rows[both.id]["alt_url"] == replica.url(both.link_in(both.column_keys[1]))
    assert rows[both.id]["url_form"] == "legacy"
    assert run["new"] == len(truth) and run["errors"] == 1 and run["parse_failures"] == 0
    assert sum(c["new"] for c in run["columns"].values()) == len(truth)


def test_quiet_night_makes_one_request_per_column_and_new_articles_are_fetched_exactly(replica, db_path) -> None:
    settings = settings_for(replica, db_path)
    crawl(settings)
    before = stored(db_path)

    replica.reset_counts()
    quiet = crawl(settings)
    assert quiet["status"] == "ok" and quiet["new"] == 0
    assert {k: c["requests"] for k, c in quiet["columns"].items()} == dict.fromkeys(quiet["columns"], 1)
    assert len(quiet["columns"]) == COLUMNS
    served = replica.requests()
    assert sum(n for path, n in served.items() if path != "/robots.txt") == COLUMNS
    assert stored(db_path) == before  # run twice: no duplicates, nothing rewritten

    added = replica.grow(4)
    replica.reset_counts()
    busy = crawl(settings)
    fetched = article_paths(replica.requests())
    assert busy["new"] == 4 and set(stored(db_path)) == set(before) | set(added)
    assert len(fetched) == 4 and all(n == 1 for n in fetched.values())
    assert {int(p.rsplit("=", 1)[-1].rsplit("/", 1)[-1].split(".")[0]) for p in fetched} == set(added)


def test_recrawl_refreshes_within_its_bounds_without_duplicates(replica, db_path) -> None:
    settings = settings_for(replica, db_path)
    crawl(settings)
    before = stored(db_path)
    newest = max(a.date for a in replica.site.articles)
    in_bounds = {a.id for a in replica.site.articles if a.date >= newest and a.status == 200}

    replica.reset_counts()
    run = crawl(settings, recrawl=True, since=newest)
    fetched = article_paths(replica.requests())
    assert run["status"] == "ok" and run["new"] == 0
    assert len(fetched) == len(in_bounds)
    after = stored(db_path)
    assert set(after) == set(before)
    assert {a: after[a]["run_id"] for a in in_bounds} == dict.fromkeys(in_bounds, run["id"])

    one = replica.site.articles[5]
    replica.reset_counts()
    run = crawl(settings, recrawl=True, urls=(replica.url(one.legacy_path),))
    assert article_paths(replica.requests()) == {one.legacy_path: 1}
    assert stored(db_path)[one.id]["run_id"] == run["id"]

    with pytest.raises(runs.CrawlBoundsError):
        runs.crawl(settings, runs.CrawlRequest(sites=("czgh",), recrawl=True, polite=False))


def comparable(db_path: Path) -> tuple[list, list, list]:
    """The rows a crawl leaves, without the run ids and times that differ between runs."""
    con = sqlite3.connect(db_path)
    try:
        cols = ", ".join(("site", "id", "url", "alt_url", "title", "subtitle", "date", "source", "source_label",
                          "closing_bylines", "correspondents", "body", "image_count", "content_hash"))
        articles = con.execute(f"SELECT {cols} FROM articles ORDER BY site, id").fetchall()
        listings = con.execute("SELECT site, article_id, column_key FROM article_columns ORDER BY 1, 2, 3").fetchall()
        failures = con.execute("SELECT site, article_id, kind, status FROM failures ORDER BY 1, 2").fetchall()
        return articles, listings, failures
    finally:
        con.close()


def test_a_crawl_killed_midway_and_run_again_leaves_the_same_rows(tmp_path) -> None:
    with ReplicaProcess(articles=400, seed=5, slow_seconds=0.3) as replica:
        reference = tmp_path / "reference.db"
        crawl(settings_for(replica, reference))

        killed = tmp_path / "killed.db"
        settings = settings_for(replica, killed)
        # Polite pacing makes the crawl slow enough to be killed in the middle of it.
        argv = runs.crawl_argv(settings, "czgh", runs.CrawlRequest(), 0)
        argv.remove("--run-id")
        argv.remove("0")
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
        deadline = time.monotonic() + 60
        count = 0
        while time.monotonic() < deadline and count < 3:
            time.sleep(0.2)
            if killed.exists():
                con = sqlite3.connect(killed)
                try:
                    count = con.execute("SELECT count(*) FROM articles").fetchone()[0]
                except sqlite3.OperationalError:
                    count = 0
                finally:
                    con.close()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert 0 < count < 400, "the crawl should have been killed part-way"

        crawl(settings)
        assert comparable(killed) == comparable(reference)


def test_a_failed_write_fails_the_run_and_keeps_what_was_stored(replica, db_path) -> None:
    settings = settings_for(replica, db_path)
    crawl(settings)
    before = stored(db_path)
    db = store.open_db(db_path)
    db.execute("CREATE TRIGGER refuse BEFORE INSERT ON articles BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    db.close()
    replica.grow(3)
    outcome = runs.crawl(settings, runs.CrawlRequest(sites=("czgh",), polite=False))
    assert outcome.exit_code == 1
    run = stored_run(db_path, outcome.sites[0].run_id)
    assert run["status"] == "failed" and "disk says no" in run["error"]
    assert stored(db_path) == before


def stored_run(db_path: Path, run_id: int) -> dict:
    db = store.open_db(db_path)
    try:
        return store.get_run(db, run_id)
    finally:
        db.close()


def test_an_unreachable_site_fails_the_run(db_path) -> None:
    settings = load_settings(DEFAULT_CONFIG_DIR, db=db_path, base_urls={"czgh": "http://127.0.0.1:9"}, env={})
    outcome = runs.crawl(settings, runs.CrawlRequest(sites=("czgh",), polite=False))
    run = stored_run(db_path, outcome.sites[0].run_id)
    assert outcome.exit_code == 1 and run["status"] == "failed" and "无法访问" in run["error"]


def test_no_politeness_is_refused_for_a_real_host(settings) -> None:
    with pytest.raises(runs.CrawlBoundsError, match="本机"):
        runs.crawl(settings, runs.CrawlRequest(sites=("czgh",), polite=False))


@pytest.mark.parametrize("legacy_first", [True, False])
def test_the_legacy_address_wins_whichever_form_is_stored_first(db, legacy_first: bool) -> None:
    legacy = "https://czgh.jscz.org.cn/html/czgh/2024/KEBQLDDJ_0311/30277.html"
    suitable = "https://czgh.jscz.org.cn/content/suitable/show?catid=19920&id=30277"
    article = {"id": 30277, "title": "t", "date": "2024-03-11", "column": "jcdt"}
    first, other = (legacy, suitable) if legacy_first else (suitable, legacy)
    store.save_batch(db, "czgh", None, [{**article, "url": first, "legacy": legacy_first}])
    store.save_batch(db, "czgh", None, listings=[store.Listing(30277, "ghyw", other, not legacy_first)])
    row = store.get_article(db, "czgh", 30277)
    assert (row["url"], row["alt_url"], row["url_form"]) == (legacy, suitable, "legacy")
    assert row["columns"] == ["ghyw", "jcdt"]
    # Fetched again by the 长者模式 address, it keeps its legacy URL.
    store.save_batch(db, "czgh", None, [{**article, "url": suitable, "legacy": False}])
    assert store.get_article(db, "czgh", 30277)["url"] == legacy


def test_recrawl_of_an_address_that_is_no_article_is_refused(settings) -> None:
    with pytest.raises(runs.CrawlBoundsError, match="不是文章地址"):
        runs.crawl(settings, runs.CrawlRequest(recrawl=True, urls=("https://czgh.jscz.org.cn/index.html",)))


def test_recrawl_of_one_column_touches_no_other(replica, db_path) -> None:
    settings = settings_for(replica, db_path)
    crawl(settings)
    replica.reset_counts()
    run = crawl(settings, recrawl=True, columns=("mzgl",), full=True)
    served = replica.requests()
    mzgl = {a.id for a in replica.site.articles if "mzgl" in a.column_keys and a.status == 200}
    assert set(run["columns"]) == {"mzgl"} and run["columns"]["mzgl"]["completed"] == 1
    assert len(article_paths(served)) == len(mzgl)
    assert all("KEBTLDDB" in p or "catid=19932" in p for p in article_paths(served))


def test_failures_command_lists_what_could_not_be_stored(db, db_path) -> None:
    from click.testing import CliRunner

    from tracker.cli import cli

    url = "https://czgh.jscz.org.cn/html/czgh/2016/KEBQLDDJ_0704/9934.html"
    store.save_batch(db, "czgh", None, failures=[{"article_id": 9934, "url": url, "kind": "http",
                                                  "detail": "HTTP 404", "status": 404}])
    result = CliRunner().invoke(cli, ["--db", str(db_path), "failures", "--json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert (row["article_id"], row["url"], row["kind"], row["status"]) == (9934, url, "http", 404)
    table = CliRunner().invoke(cli, ["--db", str(db_path), "failures"], terminal_width=200)
    assert "HTTP 错误" in table.output and "9934" in table.output


@pytest.mark.parametrize(("code", "words"), [(-9, "抓取进程被强制结束（信号 SIGKILL）"),
                                             (-15, "抓取进程被强制结束（信号 SIGTERM）"),
                                             (3, "抓取进程异常退出（退出码 3）")])
def test_how_a_crawl_process_ended_in_words(code: int, words: str) -> None:
    assert runs.exit_description(code) == words


def test_a_crawl_dies_with_the_process_that_started_it(replica, db_path) -> None:
    import psutil

    xinxi = Path(sys.executable).parent / "xinxi"
    # Polite pacing keeps the crawl busy long enough to kill the command that started it.
    parent = subprocess.Popen([str(xinxi), "--db", str(db_path), "--base-url", f"czgh={replica.base_url}", "crawl"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    children: list = []
    while time.monotonic() < deadline and not children:
        time.sleep(0.2)
        children = [c for c in psutil.Process(parent.pid).children() if "crawler.run" in " ".join(c.cmdline())]
    assert children, "the crawl process never started"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    gone, alive = psutil.wait_procs(children, timeout=3)
    assert not alive, "the crawl kept running after the command that started it was killed"
