"""Hanweb page objects on saved bytes of the provincial replica (tests/fixtures/hanweb/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, XmlResponse

from crawler.checks import is_parse_failure
from crawler.cms.hanweb import ArticlePage, ListPage, NoticePage, ProxyPage
from tracker.config import DEFAULT_CONFIG_DIR, load_settings

FIXTURES = Path(__file__).parent / "fixtures" / "hanweb"
SITE = load_settings(DEFAULT_CONFIG_DIR, env={}).site("jsgh")


def load(name: str) -> tuple[HtmlResponse | XmlResponse, dict]:
    sidecar = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    path = next(FIXTURES.glob(f"{name}.*ml"))
    cls = XmlResponse if path.suffix == ".xml" else HtmlResponse
    return cls(url=sidecar["url"], body=path.read_bytes(), encoding="utf-8"), sidecar


ARTICLES = sorted(p.stem for p in FIXTURES.glob("article_*.html"))


@pytest.mark.parametrize("name", ARTICLES)
def test_article_fields_match_the_ground_truth(name: str) -> None:
    response, sidecar = load(name)
    truth = sidecar["expected"]
    item = ArticlePage(response, SITE).to_item()
    assert is_parse_failure(item) is None
    assert {k: item[k] for k in ("id", "title", "date", "source", "closing_bylines", "image_count")} == {
        "id": truth["id"], "title": truth["title"], "date": truth["date"], "source": truth["source"],
        "closing_bylines": truth["closing_bylines"], "image_count": truth["image_count"]}
    assert item["body"] == "\n".join([*truth["paragraphs"], *truth["closing_bylines"]])
    assert item["correspondents"] == truth["correspondents"]
    assert item["source_label"] == truth["source_label"]


def test_fixtures_cover_pages_with_and_without_meta_tags() -> None:
    kinds = {json.loads((FIXTURES / f"{n}.json").read_text(encoding="utf-8"))["expected"]["meta"] for n in ARTICLES}
    assert kinds == {True, False}
    with_meta, _ = load("article_meta")
    without, _ = load("article_no_meta")
    assert ArticlePage(with_meta, SITE).meta("PubDate") is not None
    assert ArticlePage(without, SITE).meta("PubDate") is None


def test_the_opening_keeps_benwangxun() -> None:
    response, sidecar = load("article_meta")
    assert ArticlePage(response, SITE).paragraphs[0].startswith("本网讯  ")
    assert sidecar["expected"]["paragraphs"][0].startswith("本网讯  ")


def test_signature_line_and_its_date_close_the_body() -> None:
    response, sidecar = load("article_other_signature")
    closing = ArticlePage(response, SITE).closing_bylines()
    assert closing == sidecar["expected"]["closing_bylines"]
    assert closing[-2] == "吴中区总工会" and closing[-1].count("/") == 2


@pytest.mark.parametrize("name", ["list_first", "list_last"])
def test_list_entries_from_the_datastore(name: str) -> None:
    response, sidecar = load(name)
    page = ListPage(response, SITE)
    entries = [{"id": e.ref.id, "url": e.ref.url, "title": e.title, "date": e.date} for e in page.entries()]
    assert entries == sidecar["expected"]["entries"]
    assert page.next_url() == sidecar["expected"]["next_url"]
    assert page.total_pages() == sidecar["expected"]["total_pages"]


def test_dataproxy_answer_gives_the_same_records_and_totals() -> None:
    response, sidecar = load("dataproxy")
    page = ProxyPage(response, SITE)
    entries = [{"id": e.ref.id, "url": e.ref.url, "title": e.title, "date": e.date} for e in page.entries()]
    assert entries == sidecar["expected"]["entries"]
    assert (page.total_pages(), page.total_records()) == (sidecar["expected"]["total_pages"],
                                                          sidecar["expected"]["total_records"])
    assert page.next_url() is None


def test_proxy_form_names_the_column_and_the_record_range() -> None:
    response, _ = load("list_first")
    url, form = ListPage(response, SITE).proxy_form(3577, 18462, page=3)
    assert url == "https://www.jsgh.org/module/web/jpage/dataproxy.jsp?startrecord=31&endrecord=45&perpage=15"
    assert (form["columnid"], form["unitid"], form["col"], form["permissiontype"]) == ("3577", "18462", "1", "0")


def test_notice_with_attachments() -> None:
    response, sidecar = load("notice")
    item = NoticePage(response, SITE).to_item()
    expected = sidecar["expected"]
    assert (item["title"], item["date"], item["number"]) == (expected["title"], expected["date"], expected["number"])
    assert [a["url"] for a in item["attachments"]] == expected["attachment_urls"]
    assert all(a["label"] for a in item["attachments"])


def test_a_page_without_anything_known_yields_nones() -> None:
    response = HtmlResponse(url="https://www.jsgh.org/art/2024/9/5/art_144_87392.html",
                            body=b"<html><body><p>x</p></body></html>", encoding="utf-8")
    page = ArticlePage(response, SITE)
    assert (page.date(), page.source(), page.source_label(), page.closing_bylines()) == (None, None, None, [])
    assert is_parse_failure(page.to_item()) is not None
