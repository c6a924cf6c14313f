"""The site replica: real HTTP on 127.0.0.1, the real site's URL forms and quirks, exact ground truth."""

from __future__ import annotations

import http.client
import importlib.util
import json
import re
import threading
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest
from click.testing import CliRunner
from scrapy.http import HtmlResponse

from crawler.pages import ArticlePage
from crawler.replica import render
from crawler.replica.generator import COLUMN_BY_KEY, COLUMNS, QUIRK_MIN_ARTICLES, QUIRKS, generate, list_path
from crawler.replica.places import DISTRICTS
from crawler.replica.process import ReplicaProcess
from tracker.config import DEFAULT_CONFIG_DIR, load_settings

N, SEED, SLOW = 120, 7, 0.5
FIXTURES = Path(__file__).parent / "fixtures" / "pages"
FIELDS = ("title", "subtitle", "date", "source", "source_label", "closing_bylines", "correspondents", "body",
          "image_count")


@pytest.fixture(scope="module")
def replica():
    with ReplicaProcess(articles=N, seed=SEED, slow_seconds=SLOW) as server:
        yield server


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def list_items(body: bytes) -> tuple[list[tuple[str, str]], str | None]:
    """((href, date) per item, 下一页 href) of a list page."""
    doc = lxml.html.fromstring(body)
    items = [(li.xpath(".//a/@href")[0], li.xpath(".//span[@class='date']/text()")[0])
             for li in doc.xpath("//div[@class='list']//li")]
    nxt = doc.xpath("//div[@class='page']//a[normalize-space(.)='下一页']/@href")
    return items, (nxt[0] if nxt else None)


def crawl_list(replica: ReplicaProcess, key: str) -> list[tuple[str, str]]:
    url, seen = replica.url(list_path(key)), []
    while url:
        status, _, body = fetch(url)
        assert status == 200
        items, nxt = list_items(body)
        assert len(items) <= 20
        seen += items
        url = replica.url(nxt) if nxt else None
    return seen


# --- over HTTP ---------------------------------------------------------------------------------------

def test_lists_page_through_with_next_links_newest_first(replica) -> None:
    site = replica.site
    for column in COLUMNS:
        items = crawl_list(replica, column.key)
        listing = site.listing(column.key)
        assert [href for href, _ in items] == [a.link_in(column.key) for a in listing]
        assert [d for _, d in items] == [a.date for a in listing]
        assert [d for _, d in items] == sorted((d for _, d in items), reverse=True)
    _, _, first = fetch(replica.url(list_path("jcdt")))
    pages = site.page_count("jcdt")
    assert f"共 {len(site.listing('jcdt'))} 条" in first.decode() and f"第 1/{pages} 页" in first.decode()
    _, _, last = fetch(replica.url(list_path("jcdt", pages)))
    assert list_items(last)[1] is None and "<span>下一页</span>" in last.decode()
    assert fetch(replica.url(list_path("jcdt", pages + 1)))[0] == 404


def test_both_url_forms_serve_the_same_article(replica) -> None:
    site_config = load_settings(DEFAULT_CONFIG_DIR, env={}).site("czgh")
    for article in replica.site.articles[:40]:
        if article.status != 200 or article.id == replica.site.quirks["flaky"]:
            continue
        items = []
        for path in (article.legacy_path, article.suitable_path()):
            status, headers, body = fetch(replica.url(path))
            assert status == 200
            response = HtmlResponse(url=replica.url(path), body=body, headers=headers)
            items.append({k: v for k, v in ArticlePage(response, site_config).to_item().items() if k in FIELDS})
        assert items[0] == items[1] == {k: article.truth()[k] for k in FIELDS}, article.id


def test_legacy_url_date_is_the_publication_date(replica) -> None:
    for href, list_date in crawl_list(replica, "jcdt"):
        match = re.fullmatch(r"/html/czgh/(\d{4})/KEBQLDDJ_(\d\d)(\d\d)/(\d+)\.html", href)
        assert match, href
        status, _, body = fetch(replica.url(href))
        if status == 500 and int(match[4]) == replica.site.quirks["flaky"]:
            status, _, body = fetch(replica.url(href))
        if status == 404:
            continue
        url_date = f"{match[1]}-{match[2]}-{match[3]}"
        assert url_date == list_date and f"发布日期:{url_date}" in body.decode("gb18030" if b"gb2312" in body else "utf-8")
    normal = replica.site.quirk("normal")
    wrong_day = normal.legacy_path.replace(normal.date[5:7] + normal.date[8:], "1231")
    assert fetch(replica.url(wrong_day))[0] == 404


def test_the_gb2312_page_holds_a_gbk_only_character(replica) -> None:
    article = replica.site.quirk("gbk")
    status, headers, body = fetch(replica.url(article.legacy_path))
    assert status == 200 and "charset" not in headers["Content-Type"]
    assert b'charset=gb2312' in body
    text = body.decode("gb18030")
    assert "王喆" in text and article.correspondents == ("王喆",)
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


def test_a_page_fails_once_then_answers(replica) -> None:
    path = replica.site.quirk("flaky").legacy_path
    replica.reset_counts()
    assert [fetch(replica.url(path))[0] for _ in range(3)] == [500, 200, 200]
    replica.reset_counts()  # a reset re-arms it
    assert fetch(replica.url(path))[0] == 500


def test_one_listed_link_is_dead(replica) -> None:
    dead = replica.site.quirk("not_found")
    assert dead.legacy_path in [href for href, _ in crawl_list(replica, "jcdt")]
    assert fetch(replica.url(dead.legacy_path))[0] == 404
    assert fetch(replica.url(dead.suitable_path()))[0] == 404


def test_the_slow_page_is_slow_and_holds_nobody_else_up(replica) -> None:
    slow = replica.site.quirk("slow")
    took: dict[str, float] = {}

    def get_slow() -> None:
        began = time.monotonic()
        fetch(replica.url(slow.legacy_path))
        took["slow"] = time.monotonic() - began

    thread = threading.Thread(target=get_slow)
    thread.start()
    time.sleep(0.05)
    began = time.monotonic()
    assert fetch(replica.url(replica.site.quirk("normal").legacy_path))[0] == 200
    took["other"] = time.monotonic() - began
    thread.join()
    assert took["slow"] >= SLOW * 0.9 and took["other"] < SLOW / 2


def test_keep_alive_serves_two_requests_on_one_connection(replica) -> None:
    replica.reset_counts()
    conn = http.client.HTTPConnection("127.0.0.1", urlsplit(replica.base_url).port, timeout=10)
    sockets = []
    for path in (list_path("jcdt"), replica.site.quirk("normal").legacy_path):
        conn.request("GET", path)
        response = conn.getresponse()
        assert response.status == 200 and response.getheader("Connection") != "close"
        assert len(response.read()) == int(response.getheader("Content-Length"))
        sockets.append(conn.sock)
    conn.close()
    assert sockets[0] is sockets[1] is not None
    assert replica.stats()["connections"] == 1


def test_counters_see_exactly_what_was_fetched(replica) -> None:
    replica.reset_counts()
    normal = replica.site.quirk("normal")
    for path in ("/robots.txt", list_path("ghyw"), normal.legacy_path, normal.legacy_path, "/nothing/here"):
        fetch(replica.url(path))
    replica.info()
    assert replica.requests() == {"/robots.txt": 1, list_path("ghyw"): 1, normal.legacy_path: 2, "/nothing/here": 1}
    assert fetch(replica.url("/__replica__/nonsense"))[0] == 404
    assert fetch(replica.url("/__replica__/grow?k=x"))[0] == 400


def test_robots_allows_the_site(replica) -> None:
    from urllib.robotparser import RobotFileParser

    status, _, body = fetch(replica.url("/robots.txt"))
    robots = RobotFileParser()
    robots.parse(body.decode().splitlines())
    assert status == 200
    assert robots.can_fetch("xinxi", replica.url(list_path("jcdt")))
    assert robots.can_fetch("xinxi", replica.url(replica.site.quirk("normal").suitable_path()))
    assert not robots.can_fetch("xinxi", replica.url("/admin/login"))


def test_a_broken_column_lists_no_links_until_restored(replica) -> None:
    replica.break_column("KEBQLDDJ")
    try:
        _, _, body = fetch(replica.url(list_path("jcdt")))
        assert "共" in body.decode() and not re.search(rb'href="/html/czgh/\d{4}/', body)
        assert list_items(fetch(replica.url(list_path("ghyw")))[2])[0]
    finally:
        replica.restore_column("jcdt")
    assert len(list_items(fetch(replica.url(list_path("jcdt")))[2])[0]) == 20


def test_same_seed_serves_the_same_bytes(replica) -> None:
    again = generate(N, SEED)
    assert again == replica.site
    for article in (replica.site.quirk("subtitle"), replica.site.articles[-1]):
        assert fetch(replica.url(article.legacy_path))[2] == render.legacy_article(again.article(article.id))
    assert fetch(replica.url(list_path("jcdt", 2)))[2] == render.list_page(again, "jcdt", 2)
    assert render.legacy_article(generate(N, SEED + 1).articles[-1]) != render.legacy_article(again.articles[-1])


def test_growth_adds_newer_articles_on_top_and_keeps_old_pages_byte_identical() -> None:
    with ReplicaProcess(articles=40, seed=SEED, slow_seconds=0.1) as replica:
        old = replica.site
        replica.reset_counts()
        before = {a.id: fetch(replica.url(a.legacy_path))[2] for a in old.articles if a.status == 200}
        assert fetch(replica.url(old.quirk("flaky").legacy_path))[0] == 200
        before[old.quirks["flaky"]] = fetch(replica.url(old.quirk("flaky").legacy_path))[2]
        first_page = list_items(fetch(replica.url(list_path("jcdt")))[2])[0]
        added = replica.grow(6)
        grown = replica.site
        assert replica.info()["articles"] == 46 and grown == generate(46, SEED)
        assert added == [a.id for a in grown.articles[40:]] and min(added) > max(before)
        assert min(grown.article(i).date for i in added) >= max(a.date for a in old.articles)
        for aid, body in before.items():
            assert fetch(replica.url(grown.article(aid).legacy_path))[2] == body
        new_in_jcdt = [a.legacy_path for a in grown.listing("jcdt") if a.id in added]
        now = [href for href, _ in list_items(fetch(replica.url(list_path("jcdt")))[2])[0]]
        assert now[: len(new_in_jcdt)] == new_in_jcdt
        assert now[len(new_in_jcdt):] == [href for href, _ in first_page][: 20 - len(new_in_jcdt)]


# --- the generator and its ground truth ---------------------------------------------------------------

def test_every_quirk_is_present_and_findable() -> None:
    site = generate(QUIRK_MIN_ARTICLES, SEED)
    assert set(site.quirks) == {q.name for q in QUIRKS}
    q = site.quirk
    assert (q("missing_source").source, q("missing_source").source_label, q("missing_source").layout) == (None, None, "old")
    assert (q("bare_source_district").source, q("bare_source_district").expected_unit) == ("总工会", "钟楼区总工会")
    assert (q("bare_source_no_unit").source, q("bare_source_no_unit").expected_unit) == ("总工会", None)
    assert q("info_source_label").source_label == "信息来源"
    assert re.fullmatch(r"\(常州市金坛区\w+(镇|街道)总工会\)", q("closing_unit").closing[0])
    assert re.fullmatch(r"（常州市金坛区\w+(镇|街道)总工会）", q("closing_unit_fullwidth").closing[0])
    assert re.fullmatch(r"\(\w{2,3}\)", q("closing_person").closing[0])
    assert re.fullmatch(r"\(金坛区\w+(镇|街道)总工会  \w{2,3}\)", q("closing_unit_person").closing[0])
    assert q("closing_bare_line").closing == ("市总女职工部",) and q("closing_bare_line").expected_unit == "女职工部"
    assert q("closing_unclosed").closing == ("(常州市金坛区总工会",)
    assert q("closing_two_units").closing == ("(市粮食局工联会、产业办)",)
    # 市粮食局工联会 is no unit: the one unit beside it is credited (issue 15).
    assert q("closing_two_units").expected_unit == "产业工会办公室" and len(q("closing_two_lines").closing) == 2
    assert q("subtitle").subtitle and q("subtitle").expected_unit.removesuffix("总工会")[:2] in q("subtitle").subtitle
    assert q("two_columns").column_keys == ("jcdt", "ghyw")
    assert [a.id for a in generate(2000, SEED).articles if len(a.column_keys) > 1] == [q("two_columns").id]
    assert q("old_jintan_name").source == "金坛市总工会" and q("old_jintan_name").expected_unit == "金坛区总工会"
    assert "武进区总工会" in q("district_department").body and "市总工会" in q("leader_in_district_story").body
    assert re.search(r"记者|江苏工人报", q("reporter").closing[0]) and q("reporter").expected_unit
    assert q("experience").experience and q("images").image_count == 3
    assert (q("not_found").status, q("gbk").charset) == (404, "gbk")


def test_growth_keeps_the_first_articles_and_adds_newer_ones() -> None:
    small, big = generate(50, SEED), generate(300, SEED)
    assert big.articles[:50] == small.articles and small.grow(250) == big
    ids = [a.id for a in big.articles]
    dates = [a.date for a in big.articles]
    assert ids == sorted(set(ids)) and dates == sorted(dates) and dates[0] == "2016-07-01"
    assert 9900 <= ids[0] < 9910
    assert generate(20_000, SEED, keep=big.articles).articles[-1].date >= "2025-01-01"


def test_expected_units_follow_the_places_the_text_names() -> None:
    """A district union is credited only when its places, and no other district's, are named."""
    short = {d.union: d.area.removeprefix("常州").removesuffix("区").removesuffix("市") for d in DISTRICTS}
    site = generate(20_000, SEED)
    checked = 0
    for article in site.articles[::5]:
        text = " ".join((article.title, article.subtitle or "", article.source or "", article.body))
        named = {d.union for d in DISTRICTS if short[d.union] in text or any(t in text for t in d.towns)}
        if article.expected_unit in short:
            assert named == {article.expected_unit}, article.id
            checked += 1
    assert checked > 2000 and {site.article(i).expected_unit for i in site.quirks.values()} >= {None, "女职工部"}


def test_every_rendered_page_reads_back_as_its_ground_truth() -> None:
    """Both layouts of every article, through the crawler's own page object."""
    site_config = load_settings(DEFAULT_CONFIG_DIR, env={}).site("czgh")
    for article in generate(300, SEED).articles:
        expected = {k: article.truth()[k] for k in FIELDS}
        for url, body in ((article.legacy_path, render.legacy_article(article)),
                          (article.suitable_path(), render.suitable_article(article, 19922))):
            page = ArticlePage(HtmlResponse(url="https://czgh.jscz.org.cn" + url, body=body), site_config)
            assert {k: v for k, v in page.to_item().items() if k in FIELDS} == expected, (article.id, url)


def test_expected_units_are_units_the_project_knows() -> None:
    units = tomllib.loads((DEFAULT_CONFIG_DIR / "units.toml").read_text(encoding="utf-8"))["units"]
    names = {unit["name"] for unit in units}
    credited = {a.expected_unit for a in generate(20_000, SEED).articles} - {None}
    assert credited <= names and len(credited) >= 15


def test_replica_columns_are_the_configured_ones() -> None:
    site = load_settings(DEFAULT_CONFIG_DIR, env={}).site("czgh")
    assert {(c.key, c.name, c.code, c.catid, c.list_url) for c in site.columns} == {
        (c.key, c.name, c.code, c.catid, list_path(c.key)) for c in COLUMNS}
    assert set(COLUMN_BY_KEY) == {c.key for c in site.columns}


def test_saved_fixture_pages_are_current() -> None:
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, (body, sidecar) in module.build().items():
        assert (FIXTURES / f"{name}.html").read_bytes() == body, name
        saved = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
        assert {k: saved[k] for k in sidecar} == sidecar, name


def test_cli_registers_replica_serve() -> None:
    from tracker.cli import cli

    result = CliRunner().invoke(cli, ["replica", "serve", "--help"])
    assert result.exit_code == 0 and "--articles" in result.output and "127.0.0.1" in result.output
