"""The notice pages in a real browser: chromium through Playwright against `xinxi web` as a real process, on a
database crawled over real HTTP from the provincial replica, whose notices column holds the notices.

An office clerk works one notice through: two proposals confirmed, an unrecognised unit chosen in its row,
one rejected with a reason, the rest confirmed at once. A unit account reads the same pages and may do nothing.
Screenshots of each page are saved in /tmp/xinxi-notice-pages/ for a person to look at."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from web_browser import CHROMIUM, NO_CHROMIUM, chromium, login, web_server

from crawler.replica.hanweb.process import HanwebReplicaProcess
from tracker import store, users
from tracker.config import DEFAULT_CONFIG_DIR, load_settings
from tracker.ops import runs
from tracker.store import notices as records
from tracker.units import load_units

OFFICE, OFFICE_PASSWORD = "王芳", "office-pass-1"
UNIT, UNIT_PASSWORD = "wj", "unit-pass-12"
HALF_YEAR = "关于2024年上半年省总工会信息采用情况的通报"
SHOTS = Path("/tmp/xinxi-notice-pages")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    """A database crawled from the provincial replica (its notices read and proposed), with two accounts."""
    db_path = tmp_path_factory.mktemp("notices") / "xinxi.db"
    with HanwebReplicaProcess(articles=60, seed=5) as jsgh:
        settings = load_settings(DEFAULT_CONFIG_DIR, db=db_path, base_urls={"jsgh": jsgh.base_url}, env={})
        runs.crawl(settings, runs.CrawlRequest(sites=("jsgh",), polite=False))
    db = store.open_db(db_path)
    registry = load_units(settings.config_dir)
    users.add_user(db, registry, OFFICE, "office", OFFICE_PASSWORD, by="test")
    users.add_user(db, registry, UNIT, "unit", UNIT_PASSWORD, unit="wujin", by="test")
    db.close()
    SHOTS.mkdir(exist_ok=True)
    return db_path


@pytest.fixture(scope="module")
def server(crawled):
    with web_server(crawled) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def stored(db_path: Path) -> tuple[dict, dict[int, dict], list[dict]]:
    """The half-year notice, its proposals by id and the entries made from notices."""
    db = store.open_db(db_path)
    try:
        notice = next(n for n in records.list_notices(db) if n["title"] == HALF_YEAR)
        proposals = {p["id"]: p for p in records.list_proposals(db, notice_id=notice["id"])}
        return notice, proposals, [e for e in store.list_entries(db) if e["source"] == "notice"]
    finally:
        db.close()


def row(page, pid: int):
    return page.locator("#proposals tbody tr", has=page.locator(f"td:text-is('#{pid}')"))


def state(page, pid: int) -> str:
    return row(page, pid).locator("td.state").inner_text()


def tick(page, *pids: int) -> None:
    for pid in pids:
        row(page, pid).locator("input[name=proposal]").check()


def statuses(db_path: Path) -> dict[int, str]:
    return {pid: p["status"] for pid, p in stored(db_path)[1].items()}


def test_office_works_a_crawled_notice_through(server, browser, crawled) -> None:
    notice, proposals, entries = stored(crawled)
    assert notice["origin"] == "crawl" and len(proposals) == 6 and entries == []
    by_unit = {p["unit_id"]: pid for pid, p in proposals.items()}
    unnamed = by_unit[None]
    first, second, refused = by_unit["liyang"], by_unit["wujin"], by_unit["jintan"]
    rest = sorted(set(proposals) - {first, second, unnamed, refused})

    page = login(browser, server, OFFICE, OFFICE_PASSWORD)
    page.wait_for_url("**/review")
    page.click("nav >> text=通报")
    page.wait_for_url("**/notices")
    listed = page.locator("#notices tr", has_text=HALF_YEAR)
    assert listed.locator("td").nth(2).inner_text() == "苏工办〔2024〕25号"
    assert listed.locator("td").all_inner_texts()[4:] == ["2024年上半年", "江苏省总工会办公室", "有建议", "6", "0", "0"]
    page.screenshot(path=SHOTS / "list.png", full_page=True)

    listed.locator("a", has_text=HALF_YEAR).click()
    page.wait_for_url(f"**/notices/{notice['id']}")
    assert HALF_YEAR in page.locator("h1").inner_text()
    assert page.locator("#proposals tbody tr").count() == 6
    assert all(state(page, pid).startswith("待确认") for pid in proposals)
    # Five of six have their unit recognised; the sixth waits for a unit chosen in its row.
    assert page.locator("#confirm-all button").inner_text() == "确认全部已认出单位的建议（5 条）"
    assert "未识别单位的 1 条留下" in page.locator("#confirm-all").inner_text()
    assert ".docx（docx，" in page.locator("dl.facts").inner_text() and "已读" in page.locator("dl.facts").inner_text()
    page.screenshot(path=SHOTS / "notice.png", full_page=True)

    # Two ticked proposals confirmed: each becomes an entry made by the account, with the notice as evidence.
    tick(page, first, second)
    page.click("#confirm-chosen")
    page.wait_for_load_state()
    assert re.search(rf"已确认 2 条：#{first}（录入 #\d+）；#{second}（录入 #\d+）", page.locator(".flash.ok").inner_text())
    for pid in (first, second):
        assert state(page, pid).startswith("已确认") and OFFICE in state(page, pid)
    _, after, entries = stored(crawled)
    assert {e["unit_id"] for e in entries} == {"liyang", "wujin"} and len(entries) == 2
    assert all(e["created_by"] == OFFICE and e["evidence"].startswith(f"通报《{HALF_YEAR}》苏工办〔2024〕25号")
               for e in entries)
    assert {e["title"] for e in entries} == {after[first]["title"], after[second]["title"]}
    assert [pid for pid, p in after.items() if p["status"] == "confirmed"] == sorted((first, second))

    # The unrecognised one, ticked without a unit: the page says what to do on the page.
    tick(page, unnamed)
    page.click("#confirm-chosen")
    page.wait_for_load_state()
    problem = page.locator("#problem").inner_text()
    assert "没有认出单位（“常州市总工会”）" in problem and "请先在这一行选择单位" in problem and "--unit" not in problem
    assert statuses(crawled)[unnamed] == "proposed"
    page.screenshot(path=SHOTS / "no-unit.png", full_page=True)
    row(page, unnamed).locator("select.unit-pick").select_option(label="办公室")
    tick(page, unnamed)
    page.click("#confirm-chosen")
    page.wait_for_load_state()
    assert f"已确认 1 条：#{unnamed}" in page.locator(".flash.ok").inner_text()
    assert "办公室" in row(page, unnamed).locator("td.unit").inner_text()
    _, after, entries = stored(crawled)
    assert (after[unnamed]["status"], after[unnamed]["unit_id"]) == ("confirmed", "office")
    assert [e["unit_id"] for e in entries if e["title"] == after[unnamed]["title"]] == ["office"]

    # One rejected: a reason is asked for first, then kept and shown.
    tick(page, refused)
    page.click("#reject-chosen")
    page.wait_for_load_state()
    assert "不采纳须写明理由" in page.locator("#problem").inner_text()
    assert statuses(crawled)[refused] == "proposed"
    tick(page, refused)
    page.fill("#decide input[name=reason]", "镇工会稿件，不计区总工会")
    page.click("#reject-chosen")
    page.wait_for_load_state()
    assert f"#{refused} 已不采纳" in page.locator(".flash.ok").inner_text()
    assert "镇工会稿件，不计区总工会" in state(page, refused)
    after = stored(crawled)[1][refused]
    assert (after["status"], after["reason"], after["decided_by"]) == ("rejected", "镇工会稿件，不计区总工会", OFFICE)

    # The rest at once.
    assert page.locator("#confirm-all button").inner_text() == f"确认全部已认出单位的建议（{len(rest)} 条）"
    page.click("#confirm-all button")
    page.wait_for_load_state()
    assert f"已确认 {len(rest)} 条" in page.locator(".flash.ok").inner_text()
    assert page.locator("#confirm-all").count() == 0
    assert "已全部处理" in page.locator("dl.facts").inner_text()
    page.screenshot(path=SHOTS / "done.png", full_page=True)
    _, after, entries = stored(crawled)
    assert {pid: p["status"] for pid, p in after.items()} == {
        **{pid: "confirmed" for pid in (first, second, unnamed, *rest)}, refused: "rejected"}
    assert all(p["decided_by"] == OFFICE for p in after.values())
    assert sorted(e["id"] for e in entries) == sorted(
        i for p in after.values() if p["status"] == "confirmed" for i in json.loads(p["entry_ids"]))
    assert len(entries) == 5 and all(e["evidence"].startswith(f"通报《{HALF_YEAR}》") for e in entries)

    page.goto(f"{server}/notices")
    listed = page.locator("#notices tr", has_text=HALF_YEAR)
    assert listed.locator("td").all_inner_texts()[6:] == ["已全部处理", "0", "5", "1"]
    page.close()


def test_a_unit_reads_the_notices_and_may_decide_nothing(server, browser, crawled) -> None:
    notice, before, _ = stored(crawled)
    page = login(browser, server, UNIT, UNIT_PASSWORD)
    page.wait_for_url("**/scores")
    page.click("nav >> text=通报")
    page.wait_for_url("**/notices")
    assert page.locator("#notices tr", has_text=HALF_YEAR).count() == 1
    page.click(f"#notices a:text-is('{HALF_YEAR}')")
    page.wait_for_url(f"**/notices/{notice['id']}")
    assert page.locator("#proposals tbody tr").count() == len(before)
    for control in ("input[name=proposal]", "select.unit-pick", "#confirm-all", "#confirm-chosen", "#reject-chosen",
                    "input[name=reason]"):
        assert page.locator(control).count() == 0, control
    page.screenshot(path=SHOTS / "unit.png", full_page=True)
    csrf = page.locator("meta[name=csrf-token]").get_attribute("content")
    pid = next(iter(before))
    for path, form in (("confirm", {"proposal": str(pid)}), ("confirm", {"all": "1"}),
                       ("reject", {"proposal": str(pid), "reason": "x"})):
        answer = page.request.post(f"{server}/notices/{notice['id']}/{path}", form={"csrf_token": csrf, **form})
        assert answer.status == 403, (path, form)
    assert stored(crawled)[1] == before
    page.close()
