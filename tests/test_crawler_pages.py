"""Page objects: table-driven over the byline and label forms the real site shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.checks import PageRefused, is_parse_failure
from crawler.pages import ArticlePage, ListPage
from crawler.tree import IMG, page_root, text_lines
from crawler.urls import parse_article_url
from tracker.config import DEFAULT_CONFIG_DIR, load_settings
from tracker.store.schema.articles import MAX_BYLINES

SITE = load_settings(DEFAULT_CONFIG_DIR, env={}).site("czgh")
URL = "https://czgh.jscz.org.cn/html/czgh/2023/KEBQLDDJ_1221/28013.html"


def legacy_page(meta: str, paragraphs: list[str], title: str = "指前镇开展职工技能比武",
                subtitle: str | None = None, *, with_title_div: bool = True) -> bytes:
    sub = f"<p>{subtitle}</p>" if subtitle else ""
    head = f'<div class="title"><h1>{title}</h1>{sub}</div>' if with_title_div else f"<h2>{title}</h2>{sub}"
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = (
        "<html><head><meta charset='utf-8'><title>常州市总工会</title></head><body>"
        "<div>欢迎访问常州市总工会! 今天是: 2023年12月21日</div>"
        "<div><a>首页</a> <a>工会要闻</a> <a>基层动态</a> <a>公告文件</a> <a>维权热线</a> <a>[普惠商城]</a></div>"
        "<div>您的位置:首页 &gt;&gt; 工会新闻 &gt;&gt; 基层动态 &gt;&gt; 内容</div>"
        f"{head}<div class='info'>{meta}</div><div class='content'>{body}</div>"
        "<div>主办单位:常州市总工会  地址:常州市和平北路166号  苏ICP备05003616号-2</div></body></html>"
    )
    return html.encode("utf-8")


def page(body: bytes, url: str = URL) -> ArticlePage:
    return ArticlePage(HtmlResponse(url=url, body=body, encoding="utf-8"), SITE)


META = "发布日期:2023-12-21&nbsp;&nbsp;&nbsp;来源:金坛区总工会&nbsp;&nbsp;&nbsp;浏览次数:&nbsp;&nbsp;字号:〖默认 超大 大 中 小〗"
STORY = "12月20日，指前镇总工会举办职工技能比武，120名职工参赛。"


@pytest.mark.parametrize(
    ("closing", "expected"),
    [
        ([], []),
        (["(常州市金坛区指前镇总工会)"], ["(常州市金坛区指前镇总工会)"]),
        (["（常州市金坛区指前镇总工会）"], ["（常州市金坛区指前镇总工会）"]),
        (["(陈来)"], ["(陈来)"]),
        (["(金坛区尧塘街道总工会&nbsp;&nbsp;沈剑)"], ["(金坛区尧塘街道总工会  沈剑)"]),
        (["市总女职工部"], ["市总女职工部"]),
        (["(常州市金坛区总工会"], ["(常州市金坛区总工会"]),
        (["(市粮食局工联会、产业办)"], ["(市粮食局工联会、产业办)"]),
        (["(金坛西城街道总工会)", "(史周茹)"], ["(金坛西城街道总工会)", "(史周茹)"]),
        # a parenthesis that closes the last sentence rather than standing alone
        (["活动圆满结束。（通讯员 吴文龙）"], ["（通讯员 吴文龙）"]),
        # an ordinary closing sentence is not a byline
        (["下一步，镇总工会将继续开展此类活动，服务职工。"], []),
        (["（图为比赛现场，职工正在操作。）"], []),
    ],
)
def test_closing_bylines(closing: list[str], expected: list[str]) -> None:
    assert page(legacy_page(META, [STORY, *closing])).closing_bylines() == expected


@pytest.mark.parametrize(
    ("meta", "source", "label"),
    [
        (META, "金坛区总工会", "来源"),
        ("发布日期:2016-09-19&nbsp;&nbsp;&nbsp;来源:总工会&nbsp;&nbsp;&nbsp;浏览次数:", "总工会", "来源"),
        ("发布日期:2016-09-19&nbsp;&nbsp;&nbsp;信息来源:武进区总工会&nbsp;&nbsp;浏览次数:", "武进区总工会", "信息来源"),
        ("发布日期:2016-09-19 来源:劳经部 |", "劳经部", "来源"),
        ("发布日期：2016-09-19　　来源：金坛市总工会", "金坛市总工会", "来源"),
        ("发布日期:2016-09-19&nbsp;&nbsp;&nbsp;来源:&nbsp;&nbsp;&nbsp;浏览次数:", None, "来源"),
        ("发布日期:2016-09-19&nbsp;&nbsp;&nbsp;浏览次数:", None, None),
    ],
)
def test_source_is_read_by_its_label(meta: str, source: str | None, label: str | None) -> None:
    art = page(legacy_page(meta, [STORY]))
    assert (art.source(), art.source_label()) == (source, label)
    assert art.date() == ("2023-12-21" if meta == META else "2016-09-19")


@pytest.mark.parametrize(
    ("meta", "date"),
    [
        (META, "2023-12-21"),
        ("发布日期：2020年7月2日 来源:新北区总工会", "2020-07-02"),
        ("发布时间:2020/07/02", "2020-07-02"),
        ("发布日期:2020-13-02", None),
        ("浏览次数:3", None),
    ],
)
def test_date_is_read_by_its_label(meta: str, date: str | None) -> None:
    assert page(legacy_page(meta, [STORY])).date() == date


def test_title_and_subtitle_fall_back_to_the_text_when_the_template_changes() -> None:
    for with_div in (True, False):
        art = page(legacy_page(META, [STORY], subtitle="——金坛区指前镇总工会", with_title_div=with_div))
        assert art.title() == "指前镇开展职工技能比武"
        assert art.subtitle() == "金坛区指前镇总工会"
        assert art.body() == STORY


def test_a_page_without_title_or_date_is_a_parse_failure() -> None:
    body = b"<html><body><p>\xe9\xa1\xb5\xe9\x9d\xa2\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8</p></body></html>"
    item = page(body).to_item()
    assert is_parse_failure(item) == "未能读出标题、发布日期"
    assert is_parse_failure({"title": "t", "date": "2024-01-01"}) is None


def test_correspondents_and_images() -> None:
    body = legacy_page(META, [STORY + "通讯员 张三、李四", "<img src='a.jpg'><img src='b.jpg'>", "(陈来)"])
    art = page(body)
    assert art.correspondents() == ["张三", "李四"]
    assert art.image_count() == 2
    assert art.closing_bylines() == ["(陈来)"]


@pytest.mark.parametrize(
    ("url", "form", "aid", "extra"),
    [
        ("https://czgh.jscz.org.cn/html/czgh/2020/KEBQLDDJ_0722/20023.html", "legacy", 20023, "2020-07-22"),
        ("https://czgh.jscz.org.cn/content/suitable/show?catid=19920&id=30902", "suitable", 30902, 19920),
        ("http://czgh.jscz.org.cn/content/suitable/show?catid=19922&id=20863", "suitable", 20863, 19922),
    ],
)
def test_both_url_forms_name_the_article_id(url: str, form: str, aid: int, extra: object) -> None:
    ref = parse_article_url(SITE, url)
    assert ref is not None and (ref.form, ref.id) == (form, aid)
    assert extra in (ref.url_date, ref.catid)


def test_other_urls_are_not_articles() -> None:
    for url in ("https://czgh.jscz.org.cn/html/czgh/KEBQLDDJ/index_2.html", "https://czgh.jscz.org.cn/"):
        assert parse_article_url(SITE, url) is None


def test_list_page_links_dates_and_next() -> None:
    html = (
        "<html><body><ul>"
        "<li><a href='/html/czgh/2024/KEBQLDDJ_0311/30277.html' title='朱林镇职工培训'>朱林镇…</a><span>2024-03-11</span></li>"
        "<li><a href='/content/suitable/show?catid=19922&id=30270'>旧链接</a> 2024-03-08</li>"
        "<li><a href='/html/czgh/2024/KEBQLDDJ_0311/30277.html'>重复</a></li>"
        "<li><a href='/html/czgh/KEBQLDDJ/index.html'>首页</a></li></ul>"
        "<div>共 40 条 第 1/2 页 <a href='index.html'>首页</a> <a href='index_2.html'>下一页</a></div></body></html>"
    ).encode()
    listing = ListPage(HtmlResponse(url="https://czgh.jscz.org.cn/html/czgh/KEBQLDDJ/index.html", body=html,
                                    encoding="utf-8"), SITE)
    entries = listing.entries()
    assert [(e.ref.id, e.date, e.title) for e in entries] == [
        (30277, "2024-03-11", "朱林镇职工培训"), (30270, "2024-03-08", "旧链接")]
    assert listing.next_url() == "https://czgh.jscz.org.cn/html/czgh/KEBQLDDJ/index_2.html"
    last = HtmlResponse(url="https://x/html/czgh/KEBQLDDJ/index_2.html",
                        body="<a href='#'>下一页</a><a>尾页</a>".encode(), encoding="utf-8")
    assert ListPage(last, SITE).next_url() is None


# --- saved pages: the replica's bytes for each layout and quirk, with the truth they were made from ----

PAGES = Path(__file__).parent / "fixtures" / "pages"
SAVED = sorted(p.stem for p in PAGES.glob("*.json"))
ARTICLE_KEYS = ("title", "subtitle", "date", "source", "source_label", "closing_bylines", "correspondents",
                "body", "image_count")


def saved(name: str) -> tuple[HtmlResponse, dict]:
    meta = json.loads((PAGES / f"{name}.json").read_text(encoding="utf-8"))
    body = (PAGES / f"{name}.html").read_bytes()
    # Served with the charset the page declares, as the site does; the page object must cope.
    headers = {"Content-Type": f"text/html; charset={meta['encoding']}"}
    return HtmlResponse(url=meta["url"], body=body, headers=headers), meta


@pytest.mark.parametrize("name", [n for n in SAVED if not n.startswith("list")])
def test_saved_article_pages(name: str) -> None:
    response, meta = saved(name)
    item = ArticlePage(response, SITE).to_item()
    expected = meta["expected"]
    assert {k: item[k] for k in ARTICLE_KEYS} == {k: expected[k] for k in ARTICLE_KEYS}
    assert item["id"] == expected["id"]
    assert is_parse_failure(item) is None


@pytest.mark.parametrize("name", [n for n in SAVED if n.startswith("list")])
def test_saved_list_pages(name: str) -> None:
    response, meta = saved(name)
    listing = ListPage(response, SITE)
    got = [{"id": e.ref.id, "url": e.ref.url, "date": e.date, "title": e.title} for e in listing.entries()]
    assert got == meta["expected"]["entries"]
    assert listing.next_url() == meta["expected"]["next_url"]


def test_the_gb2312_page_holds_a_gbk_only_character() -> None:
    response, meta = saved("legacy_gb2312")
    raw = (PAGES / "legacy_gb2312.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("gb2312")
    item = ArticlePage(response, SITE).to_item()
    assert meta["encoding"] == "gb2312" and "王喆" in item["body"] and item["correspondents"] == ["王喆"]


@pytest.mark.parametrize(("written", "read"), [
    ("2024-02-29", "2024-02-29"), ("2024-02-30", None), ("2023-02-29", None), ("2024-04-31", None),
    ("2024-13-01", None), ("2024-00-10", None), ("1989-12-31", None), ("2101-01-01", None),
    ("2024年3月1日", "2024-03-01"), ("2024/3/31", "2024-03-31"),
])
def test_dates_are_read_with_the_calendar(written: str, read: str | None) -> None:
    item = page(legacy_page(f"发布日期:{written} 来源:金坛区总工会", [STORY])).to_item()
    assert item["date"] == read
    reason = is_parse_failure(item)
    assert (reason is None) == (read is not None)
    if read is None:
        assert written in reason and "日历" in reason


def test_an_id_beyond_sqlite_integers_is_a_failure_not_a_record() -> None:
    url = "https://czgh.jscz.org.cn/html/czgh/2023/KEBQLDDJ_1221/99999999999999999999.html"
    item = page(legacy_page(META, [STORY]), url).to_item()
    assert "超出范围" in is_parse_failure(item)


def test_a_page_nested_too_deep_is_refused_not_a_recursion_error() -> None:
    deep = "<div>" * 50_000 + "深" + "</div>" * 50_000
    with pytest.raises(PageRefused) as caught:
        page(legacy_page(META, [deep])).to_item()
    assert caught.value.kind == "depth"
    # An ordinary page is far from the limit.
    assert page(legacy_page(META, [STORY])).to_item()["title"] == "指前镇开展职工技能比武"


def test_closing_bylines_are_capped() -> None:
    item = page(legacy_page(META, [STORY, *["（金坛区总工会）"] * 5000])).to_item()
    assert item["closing_bylines"] == ["（金坛区总工会）"] * MAX_BYLINES


def test_control_characters_never_reach_a_field() -> None:
    item = page(legacy_page("发布日期:2023-12-21 来源:金坛\x1b[2J区总工会", [STORY + "\x07", "（金坛区总\x00工会）"],
                            title="指前镇\x1b]0;x\x07开展职工技能比武")).to_item()
    assert item["title"] == "指前镇]0;x开展职工技能比武"
    assert item["source"] == "金坛[2J区总工会" and item["closing_bylines"] == ["（金坛区总工会）"]
    assert "\x07" not in item["body"]
    listing = ListPage(HtmlResponse(url="https://czgh.jscz.org.cn/html/czgh/KEBQLDDJ/index.html", encoding="utf-8",
                                    body=f'<li><a href="{URL}">标题\x1b[0m</a> 2023-12-21</li>'.encode()), SITE)
    assert [e.title for e in listing.entries()] == ["标题[0m"]


def test_text_lines_keep_tails_and_fold_odd_spaces_and_line_ends() -> None:
    html = ("<HTML><BODY><DIV>一<!-- 注释 -->二<SCRIPT>var x = 1;</SCRIPT>三<B>四</B>五\r\n六"
            "<P>七\xa0八\u3000九\x1b[0m</P><IMG src='a.jpg'>尾<STYLE>p{}</STYLE></DIV></BODY></HTML>")
    lines = text_lines(page_root(HtmlResponse(url=URL, body=html.encode(), encoding="utf-8")).find("body"))
    # Text after a comment or a skipped element still counts; upper-case tags read as their blocks.
    assert lines == ["一二三四五", "六", "七 八 九[0m", IMG, "尾"]


def test_the_page_tree_is_parsed_as_scrapy_parses_it() -> None:
    body = "\x00 <p>一</p>".encode() + b"\n"
    response = HtmlResponse(url=URL, body=body, encoding="utf-8")
    ours, scrapys = page_root(response), response.selector.root
    assert [el.tag for el in ours.iter()] == [el.tag for el in scrapys.iter()]
    assert "".join(ours.itertext()) == "".join(scrapys.itertext()) == "一"
    assert page_root(HtmlResponse(url=URL, body=b"   ", encoding="utf-8")).tag == "html"
