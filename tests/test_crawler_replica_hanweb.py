"""The provincial replica: what it serves for each request, its control actions, and its ground truth."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from crawler.replica.generator import QUIRK_MIN_ARTICLES, make_article
from crawler.replica.hanweb import render
from crawler.replica.hanweb.generator import (
    CHANGZHOU,
    ELSEWHERE,
    NEWS,
    NOTICES,
    PAGE_SIZE,
    generate,
    list_path,
)
from crawler.replica.hanweb.routes import HanwebState
from crawler.replica.places import DEPARTMENTS, DISTRICTS

ITEM = re.compile(r"art_\d+_(\d+)\.html")


@pytest.fixture(scope="module")
def big():
    return generate(20_000, seed=1)


def ids(body: bytes) -> list[int]:
    return [int(x) for x in ITEM.findall(body.decode("utf-8"))]


def test_pages_and_dataproxy_answer_the_same_records() -> None:
    state = HanwebState(generate(200, seed=2))
    listing = [i.id for i in state.site.listing(NEWS.id)]
    page2 = state.answer("GET", list_path(NEWS, 2))
    proxy = state.answer("POST", f"/module/web/jpage/dataproxy.jsp?startrecord={PAGE_SIZE + 1}"
                                 f"&endrecord={2 * PAGE_SIZE}&perpage={PAGE_SIZE}",
                         {"columnid": [str(NEWS.id)], "unitid": [str(NEWS.uid)]})
    assert page2.status == proxy.status == 200
    assert ids(page2.body) == ids(proxy.body) == listing[PAGE_SIZE: 2 * PAGE_SIZE]
    pages = -(-len(listing) // PAGE_SIZE)
    assert f"<totalpage>{pages}</totalpage>".encode() in proxy.body
    assert f"<totalrecord>{len(listing)}</totalrecord>".encode() in proxy.body
    assert b'<script type="text/xml"><datastore>' in page2.body
    assert state.answer("GET", list_path(NEWS, pages + 1)).status == 404
    assert state.counts[f"POST /module/web/jpage/dataproxy.jsp?startrecord={PAGE_SIZE + 1}&endrecord={2 * PAGE_SIZE}"
                        f"&perpage={PAGE_SIZE}"] == 1


def test_articles_attachments_the_waf_page_and_blocking() -> None:
    state = HanwebState(generate(60, seed=2))
    item = state.site.quirk("meta")
    assert state.answer("GET", item.path).body == render.article(item)
    assert b'<meta name="ContentStart"/>' in render.article(item)
    assert b"ZJEG_RSS.content.begin" in render.article(state.site.quirk("no_meta"))
    refused = state.answer("GET", state.site.quirk("blocked").path)
    assert refused.status == 403 and "拦截".encode() in refused.body
    notice = next(n for n in state.notices if n.attachments)
    attachment = notice.attachments[0]
    assert attachment.path.encode() in state.answer("GET", notice.path).body
    assert state.answer("GET", attachment.path).body == attachment.body
    assert re.fullmatch(r"[0-9a-f]{40}\.(docx?|xlsx?|pdf)", attachment.filename)
    assert state.answer("GET", list_path(NOTICES)).status == 200
    state.control("/__replica__/block?status=521")
    assert state.answer("GET", list_path(NEWS)).status == 521
    assert state.control("/__replica__/block?status=500").status == 400
    state.control("/__replica__/unblock")
    assert state.answer("GET", list_path(NEWS)).status == 200


def test_the_same_seed_serves_the_same_bytes_and_growth_keeps_the_past() -> None:
    one, two = generate(80, seed=9), generate(80, seed=9)
    assert [render.article(i) for i in one.items] == [render.article(i) for i in two.items]
    grown = one.grow(10)
    assert grown.items[:80] == one.items and grown.n == 90


def test_ground_truth_shape(big) -> None:
    scopes = Counter(i.scope for i in big.items)
    assert 0.85 <= scopes[ELSEWHERE] / big.n <= 0.93
    cities = {i.city for i in big.items if i.scope == ELSEWHERE}
    assert len(cities - {"江苏省"}) == 12
    credited = {i.expected_unit for i in big.items if i.scope == CHANGZHOU} - {None}
    assert {d.union for d in DISTRICTS} <= credited
    assert {d.name for d in DEPARTMENTS} <= credited
    told = [i for i in big.items if i.municipal_id]
    municipal = {a.id: a for a in (make_article(1, k) for k in range(QUIRK_MIN_ARTICLES, QUIRK_MIN_ARTICLES + 300))}
    assert told and all(i.municipal_id in municipal for i in told)
    for item in told[:20]:  # the same story: the municipal paragraphs, opened with 本网讯
        paragraphs = list(municipal[item.municipal_id].paragraphs)
        paragraphs[0] = re.sub(r"^本网讯（[^）]*）", "", paragraphs[0])
        assert item.paragraphs == ("本网讯  " + paragraphs[0], *paragraphs[1:])
        assert municipal[item.municipal_id].expected_unit == item.expected_unit
    assert all(i.title.startswith(("常州", "溧阳")) for i in told)
    assert any("(附图)" in i.title for i in big.items) and all(i.blocks[0] for i in big.items)
    openings = Counter(i.paragraphs[0].startswith("本网讯  ") for i in big.items)
    assert openings[True] > 0.95 * big.n
    assert any(any("通讯员" in c for c in i.closing) and any(r in c for c in i.closing for r in ("谢天白", "朱明"))
               for i in big.items)
