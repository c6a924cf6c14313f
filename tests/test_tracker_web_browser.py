"""The main flows in a real browser: Debian's chromium driven by Playwright against `xinxi web` as a real process,
on a database crawled from the replica over real HTTP. Screenshots of each page land in the test's tmp folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from web_browser import CHROMIUM, NO_CHROMIUM, chromium, login, web_server

from crawler.replica.process import ReplicaProcess
from tracker import store, users
from tracker.attribution import review
from tracker.config import DEFAULT_CONFIG_DIR, load_settings
from tracker.ops import runs
from tracker.units import load_units

OFFICE, OFFICE_PASSWORD = "王芳", "office-pass-1"
UNIT, UNIT_PASSWORD = "wj", "unit-pass-12"
HOSTILE_TITLE = '<script>alert("title")</script>" onmouseover="alert(1)'
HOSTILE_BYLINE = '(<img src=x onerror="alert(2)">" onmouseover="alert(3))'

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    """A database crawled from the replica, attributed, with two accounts and one hostile article."""
    db_path = tmp_path_factory.mktemp("web") / "xinxi.db"
    with ReplicaProcess(articles=300, seed=3, slow_seconds=0.3) as replica:
        settings = load_settings(DEFAULT_CONFIG_DIR, db=db_path, base_urls={"czgh": replica.base_url}, env={})
        outcome = runs.crawl(settings, runs.CrawlRequest(sites=("czgh",), polite=False))
        assert outcome.ok
    db = store.open_db(db_path)
    registry = load_units(settings.config_dir)
    # Scraped text is untrusted: an article as a crawl would store a hostile page.
    store.save_batch(db, "czgh", None, [{
        "id": 99999, "url": "http://127.0.0.1:9/html/czgh/2016/X_0915/99999.html", "legacy": True,
        "title": HOSTILE_TITLE, "date": "2016-09-15", "source": "总工会", "source_label": "来源",
        "closing_bylines": [HOSTILE_BYLINE], "correspondents": [], "body": "<script>alert(4)</script>",
        "column": "jcdt"}])
    # A municipal sector union signing alone names no unit: it waits until someone teaches what it means.
    store.save_batch(db, "czgh", None, [{
        "id": 99998, "url": "http://127.0.0.1:9/html/czgh/2016/X_0812/99998.html", "legacy": True,
        "title": "建设系统职工技能比武", "date": "2016-08-12", "source": "总工会", "source_label": "来源",
        "closing_bylines": ["(市建设工会)"], "correspondents": [], "body": "比武现场气氛热烈。", "column": "ghyw"}])
    review.attribute_pending(db, registry)
    users.add_user(db, registry, OFFICE, "office", OFFICE_PASSWORD, by="test")
    users.add_user(db, registry, UNIT, "unit", UNIT_PASSWORD, unit="wujin", by="test")
    db.close()
    return db_path


@pytest.fixture(scope="module")
def server(crawled):
    with web_server(crawled) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def queue_count(page) -> int:
    return int(page.locator("#queue-count").inner_text())


def decisions(db_path: Path) -> list[dict]:
    db = store.open_db(db_path)
    try:
        return store.recent_decisions(db, 1000)
    finally:
        db.close()


def total_of(page, unit: str) -> float:
    row = page.locator("#ranking tr", has_text=unit)
    return float(row.locator("td").nth(2).inner_text())


def test_office_flow(server, browser, crawled, tmp_path) -> None:
    shots = tmp_path / "screens"
    shots.mkdir()
    page = login(browser, server, OFFICE, OFFICE_PASSWORD)
    alerts: list[str] = []
    page.on("dialog", lambda d: (alerts.append(d.message) if d.type != "confirm" else None, d.accept()))
    page.wait_for_url("**/review")
    start = queue_count(page)
    assert start > 20
    page.screenshot(path=shots / "queue.png", full_page=False)

    # Filter the queue: the year, then one reason.
    page.select_option("#filters select[name=year]", "2016")
    page.select_option("#filters select[name=reason]", "several_closing")
    page.click("#filters button[type=submit]")
    page.wait_for_url(re.compile(r"reason=several_closing"))
    shown = page.locator("tr.article")
    assert shown.count() > 0
    assert all("结尾署名列出了不止一个单位" in t for t in shown.locator("td.reason").all_inner_texts())

    # Accept the top suggestion of the first one.
    first = shown.first
    key = first.locator("input.pick").get_attribute("value")
    top = load_units(DEFAULT_CONFIG_DIR).find(first.locator("button.accept").inner_text().removeprefix("采纳：").strip())
    first.locator("button.accept").click()
    page.wait_for_load_state()
    assert "已采纳建议：1 篇" in page.locator(".flash.ok").inner_text()
    assert queue_count(page) == start - 1
    assert page.locator(f"input.pick[value='{key}']").count() == 0
    made = {f"{d['site']}/{d['article_id']}": d for d in decisions(crawled)}
    assert made[key]["decided_by"] == OFFICE and made[key]["unit_id"] == top.id

    # Bulk-assign ten articles of the unfiltered queue to one unit.
    page.goto(f"{server}/review")
    picks = page.locator("input.pick")
    chosen = [picks.nth(i).get_attribute("value") for i in range(10)]
    for i in range(10):
        picks.nth(i).check()
    page.select_option("#bulk-action", "assign")
    page.fill("#bulk-unit", "溧阳市总工会")
    page.click("#bulk-go")
    page.wait_for_load_state()
    assert "已归属 溧阳市总工会：10 篇" in page.locator(".flash.ok").inner_text()
    assert queue_count(page) == start - 11
    made = {f"{d['site']}/{d['article_id']}": d for d in decisions(crawled)}
    assert all(made[k]["unit_id"] == "liyang" and made[k]["decided_by"] == OFFICE for k in chosen)

    # Teach an alias from a byline, seeing first how many articles it would re-attribute.
    db = store.open_db(crawled)
    expected = len(store.queued_keys_containing(db, "市建设工会"))
    db.close()
    assert expected > 0
    row = page.locator("tr.article", has_text="市建设工会").first
    if row.count() == 0:
        page.goto(f"{server}/review?reason=unknown")
        row = page.locator("tr.article", has_text="市建设工会").first
    row.locator("details.more summary").click()
    row.locator("form.alias input[name=text]").fill("市建设工会")
    row.locator("form.alias input[name=unit]").fill("产业工会办公室")
    row.locator("form.alias button").click()
    page.wait_for_selector("#alias-preview")
    assert f"有 {expected} 篇含这段文字" in page.locator("#alias-preview").inner_text()
    page.screenshot(path=shots / "alias_preview.png")
    before_alias = queue_count(page)
    page.click("#alias-confirm")
    page.wait_for_load_state()
    assert "已记住“市建设工会”指 产业工会办公室" in page.locator(".flash.ok").inner_text()
    assert queue_count(page) == before_alias - expected

    # The ranking before an entry, then the entry, then the ranking again.
    page.goto(f"{server}/scores?year=2016")
    wujin_before = total_of(page, "武进区总工会")
    page.screenshot(path=shots / "scores.png")
    page.goto(f"{server}/entries")
    label = page.locator("#entry-kind option", has_text="省总网站采用").inner_text()
    points = float(re.search(r"每条 ([\d.]+) 分", label).group(1))
    page.select_option("#entry-kind", label=label)
    page.select_option("#entry-unit", label="武进区总工会")
    page.fill("#entry-form input[name=date]", "2016-08-01")
    page.fill("#entry-form input[name=title]", "武进区职工书屋经验在省总网站刊发")
    page.fill("#entry-form input[name=evidence]", "苏工网〔2016〕8号")
    page.click("#entry-form button[type=submit]")
    page.wait_for_load_state()
    assert "已录入" in page.locator(".flash.ok").inner_text()
    assert OFFICE in page.locator("#entries").inner_text()
    page.screenshot(path=shots / "entries.png")
    page.goto(f"{server}/scores?year=2016")
    assert total_of(page, "武进区总工会") == wujin_before + points
    assert "草稿：尚有" in page.locator("#draft-banner").inner_text()

    page.goto(f"{server}/scores/unit/wujin?year=2016")
    assert "武进区职工书屋经验在省总网站刊发" in page.content()
    page.screenshot(path=shots / "statement.png")

    # Download the workbook.
    page.goto(f"{server}/reports?year=2016")
    page.screenshot(path=shots / "reports.png")
    with page.expect_download() as info:
        page.click("#download-xlsx")
    saved = tmp_path / "report.xlsx"
    info.value.save_as(saved)
    workbook = load_workbook(saved, read_only=True)
    cells = [str(c) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "武进区总工会" in cells
    workbook.close()

    page.goto(f"{server}/status")
    page.screenshot(path=shots / "status.png")
    page.goto(f"{server}/review/decided")
    page.screenshot(path=shots / "decided.png")
    assert alerts == []  # no script from scraped text ever ran
    for name in ("queue", "alias_preview", "scores", "entries", "statement", "reports", "status", "decided"):
        assert (shots / f"{name}.png").stat().st_size > 10_000
    page.close()


def test_hostile_text_shows_as_text(server, browser, tmp_path) -> None:
    page = login(browser, server, OFFICE, OFFICE_PASSWORD)
    alerts: list[str] = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    page.goto(f"{server}/review?year=2016&part=09&order=new")
    row = page.locator("tr.article", has_text="alert(\"title\")")
    assert row.locator("a.title").inner_text() == HOSTILE_TITLE
    assert HOSTILE_BYLINE in row.locator("td.byline").inner_text()
    row.locator("td.what details summary").click()
    assert row.locator(".body").inner_text() == "<script>alert(4)</script>"
    row.locator("td.byline q").last.hover()
    row.locator("a.title").hover()
    page.screenshot(path=tmp_path / "hostile.png")
    assert page.locator("img[src=x]").count() == 0
    assert alerts == []
    page.close()


def test_unit_account_reads_its_statement_and_is_refused_actions(server, browser, tmp_path) -> None:
    page = login(browser, server, UNIT, UNIT_PASSWORD)
    page.wait_for_url("**/scores")
    assert page.locator("nav >> text=审核队列").count() == 0
    page.screenshot(path=tmp_path / "unit_scores.png")
    page.goto(f"{server}/scores/unit/wujin?year=2016")
    assert "武进区总工会" in page.locator("h1").inner_text()
    assert page.goto(f"{server}/scores/unit/liyang?year=2016").status == 403
    refused = page.goto(f"{server}/review")
    assert refused.status == 403 and "没有权限" in page.content()
    page.goto(f"{server}/scores?year=2016")
    csrf = page.locator("meta[name=csrf-token]").get_attribute("content")
    for path in ("/review/bulk", "/review/accept", "/entries/add", "/reports/publish?year=2016"):
        answer = page.request.post(f"{server}{path}", form={"csrf_token": csrf, "scope": "all", "action": "ignore",
                                                            "reason": "x", "key": "czgh/10000"})
        assert answer.status == 403, path
    page.close()
