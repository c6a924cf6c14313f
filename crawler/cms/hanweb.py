"""Page objects for 大汉 Hanweb JCMS sites (江苏工会网): list, dataproxy answer, article, notice.

A Hanweb list page carries its items as CDATA records inside `<script type="text/xml"><datastore>`; later
pages come from `index.html?uid=…&pageNum=N` or a POST to dataproxy.jsp answering the same records in XML
with `<totalrecord>`/`<totalpage>`. Articles may carry ArticleTitle / PubDate / ContentSource meta tags and
mark their body with ContentStart / ContentEnd (or ZJEG_RSS comments); without them the visible labels
(发布日期, 来源, 信息来源) are read. Scraped text is untrusted: plain text, length-capped, None when absent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree
from scrapy.http import TextResponse

from crawler.checks import calendar_date
from crawler.pages import SENTENCE_END, ListEntry, StoryBody, _cap, _is_byline, _label_pattern
from crawler.tree import TITLE_TEXT, clean, css_xpath, texts_of
from crawler.urls import parse_article_url
from tracker.config import Site

RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
HREF = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']([^"']+)["']""", re.I | re.S)
TITLE_ATTR = re.compile(r"""\btitle\s*=\s*["']([^"']*)["']""", re.I)
ANCHOR_TEXT = re.compile(r"<a\b[^>]*>(.*?)</a>", re.I | re.S)
TAGS = re.compile(r"<[^>]+>")
DAY = re.compile(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
TOTAL_PAGES = (re.compile(r"<totalpage>\s*(\d+)\s*</totalpage>"), re.compile(r"totalPage\s*[:=]\s*(\d+)"))
TOTAL_RECORDS = (re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>"), re.compile(r"totalRecord\s*[:=]\s*(\d+)"))
DATE_LINE = re.compile(r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?$")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}[〔\[［(（]\d{4}[〕\]］)）]\s*\d{1,4}\s*号")
ATTACHMENT_EXT = (".doc", ".docx", ".xls", ".xlsx", ".pdf", ".wps", ".et", ".zip", ".rar")
FOOTER_MARKERS = ("主办单位", "版权所有", "ICP备", "打印本页")
# Compiled once: a crawl asks every article page the same questions.
META_CONTENT = etree.XPath("//meta[@name and @content]")
CONTENT_START, CONTENT_END = etree.XPath("//meta[@name='ContentStart']"), etree.XPath("//meta[@name='ContentEnd']")
RSS_BEGIN = etree.XPath("//comment()[contains(., 'content.begin')]")
RSS_END = etree.XPath("//comment()[contains(., 'content.end')]")
LINKS, TEXTS = etree.XPath("//a[@href]"), etree.XPath(".//text()")


def _day(text: str | None) -> str | None:
    match = DAY.search(text or "")
    return calendar_date(int(match[1]), int(match[2]), int(match[3])) if match else None


def _first(patterns: tuple[re.Pattern[str], ...], text: str) -> int | None:
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            return int(match[1])
    return None


def records(text: str, response: TextResponse, site: Site) -> list[ListEntry]:
    """The article links of a datastore's records, in list order, each id once."""
    out: list[ListEntry] = []
    seen: set[int] = set()
    for raw in RECORD.findall(text):
        href = HREF.search(raw)
        if href is None:
            continue
        ref = parse_article_url(site, response.urljoin(unescape(href[1]).strip()))
        if ref is None or ref.id in seen:
            continue
        seen.add(ref.id)
        title_attr = TITLE_ATTR.search(raw)
        anchor = ANCHOR_TEXT.search(raw)
        title = unescape(title_attr[1]) if title_attr and title_attr[1].strip() else \
            unescape(TAGS.sub("", anchor[1])) if anchor else None
        out.append(ListEntry(ref, _cap(title), _day(TAGS.sub(" ", raw)) or ref.url_date))
    return out


class ListPage:
    """A column's list page: the datastore records, the page number and the next page's address."""

    def __init__(self, response: TextResponse, site: Site) -> None:
        self.response = response
        self.site = site

    def entries(self) -> list[ListEntry]:
        return records(self.response.text, self.response, self.site)

    def page(self) -> int:
        value = dict(parse_qsl(urlsplit(self.response.url).query)).get("pageNum", "1")
        return int(value) if value.isdigit() else 1

    def total_pages(self) -> int | None:
        return _first(TOTAL_PAGES, self.response.text)

    def total_records(self) -> int | None:
        return _first(TOTAL_RECORDS, self.response.text)

    def next_url(self) -> str | None:
        """index.html?uid=…&pageNum=N+1 while the datastore says there are more pages."""
        total = self.total_pages()
        if total is None or self.page() >= total:
            return None
        parts = urlsplit(self.response.url)
        query = dict(parse_qsl(parts.query))
        query["pageNum"] = str(self.page() + 1)
        return urlunsplit(parts._replace(query=urlencode(query)))

    def proxy_form(self, column_id: int, unit_id: int, page: int, perpage: int = 15) -> tuple[str, dict[str, str]]:
        """The dataproxy POST (address and form fields) that answers page `page` of this list."""
        start = (page - 1) * perpage + 1
        url = self.response.urljoin(f"/module/web/jpage/dataproxy.jsp?startrecord={start}"
                                    f"&endrecord={start + perpage - 1}&perpage={perpage}")
        form = {"col": "1", "appid": "1", "webid": "1", "path": "/", "columnid": str(column_id),
                "sourceContentType": "1", "unitid": str(unit_id), "webname": self.site.name, "permissiontype": "0"}
        return url, form


class ProxyPage(ListPage):
    """A dataproxy.jsp answer: XML with `<totalrecord>`, `<totalpage>` and the same records."""

    def next_url(self) -> str | None:
        return None  # the caller asks for the next range itself


@dataclass(frozen=True)
class Attachment:
    url: str
    label: str | None          # the link text: usually the file's name


class ArticlePage(StoryBody):
    """An article page, with or without the meta tags; fields are None when the page does not show them."""

    @cached_property
    def _metas(self) -> dict[str, str]:
        """Each meta name's first content, read in one pass (a page is asked for several names)."""
        found: dict[str, str] = {}
        for tag in META_CONTENT(self.root):
            found.setdefault(tag.get("name"), tag.get("content"))
        return found

    def meta(self, name: str) -> str | None:
        """The content of `<meta name=…>`; None when the tag is absent, '' when it is empty."""
        found = self._metas.get(name)
        return None if found is None else clean(found)

    def _picked(self, top: Any) -> list[Any]:
        """The elements between the body markers (the editor's, else the RSS feed's)."""
        return _between(top, CONTENT_START, CONTENT_END) or _between(top, RSS_BEGIN, RSS_END)

    @cached_property
    def _info(self) -> tuple[int | None, re.Match[str] | None]:
        """The visible info line (发布日期 …) and where its 来源 label sits."""
        dates = _label_pattern(self.site.date_labels)
        sources = _label_pattern(self.site.source_labels)
        for i, line in enumerate(self._walk[0]):
            match = dates.search(line)
            if match and DAY.match(line[match.end():]):
                return i, sources.search(line)
        return None, None

    def title(self) -> str | None:
        value = self.meta("ArticleTitle")
        if value:
            return _cap(value)
        for css in (*self.site.title_selectors, "h1::text"):
            found = clean(" ".join(texts_of(css_xpath(css)(self.root))))
            if found:
                return _cap(found)
        return _cap(clean(" ".join(TITLE_TEXT(self.root))).split("_")[0].split(" - ")[0])

    def date_text(self) -> str | None:
        """The publication date as written (PubDate, else the 发布日期 label); it may name no real day."""
        match = DAY.search(self.meta("PubDate") or "")
        if match:
            return match[0]
        index, _ = self._info
        if index is None:
            return None
        line = self._walk[0][index]
        found = DAY.match(line[_label_pattern(self.site.date_labels).search(line).end():])  # type: ignore[union-attr]
        return found[0] if found else None

    def date(self) -> str | None:
        """yyyy-mm-dd; None when absent or not a real day between 1990 and 2100."""
        return _day(self.date_text())

    def source_label(self) -> str | None:
        _, match = self._info
        if match:
            return match[1]
        return "来源" if self.meta("ContentSource") is not None else None

    def source(self) -> str | None:
        """ContentSource when the page has it, else the visible 来源 / 信息来源 value; None when empty."""
        value = self.meta("ContentSource")
        if value is not None:
            return _cap(value) if value else None
        index, match = self._info
        if index is None or match is None:
            return None
        rest = self._walk[0][index][match.end():]
        value = re.split(r"\s{2,}|\s*[|｜]|\s*(?:浏览次数|点击|字号|作者|编辑|发布日期)\s*[:：]", rest)[0]
        return _cap(value)

    def column_name(self) -> str | None:
        return _cap(self.meta("ColumnName"))

    @cached_property
    def _body_lines(self) -> list[str]:
        selected = self._walk[1]
        if selected is not None:
            return selected
        lines = self._walk[0]
        index, _ = self._info
        if index is None:
            return []
        end = next((i for i in range(index + 1, len(lines)) if any(m in lines[i] for m in FOOTER_MARKERS)),
                   len(lines))
        return lines[index + 1: end]

    @staticmethod
    def closes(line: str) -> bool:
        return _closing_line(line)

    def attachments(self) -> list[Attachment]:
        """Links to files (downfile.jsp or a document's extension), each address once, in page order."""
        out: list[Attachment] = []
        for anchor in LINKS(self.root):
            href = anchor.get("href").strip()
            lowered = href.lower().split("#")[0]
            if "downfile.jsp" not in lowered and not urlsplit(lowered).path.endswith(ATTACHMENT_EXT) \
                    and not any(lowered.endswith(ext) for ext in ATTACHMENT_EXT):
                continue
            url = self.response.urljoin(href)
            if any(a.url == url for a in out):
                continue
            out.append(Attachment(url, _cap(clean("".join(TEXTS(anchor))))))
        return out

    def to_item(self) -> dict[str, Any]:
        return {
            "id": self.ref.id if self.ref else None,
            "url": self.response.url,
            "title": self.title(),
            "subtitle": None,
            "date": self.date(),
            "source": self.source(),
            "source_label": self.source_label(),
            "closing_bylines": self.closing_bylines(),
            "correspondents": self.correspondents(),
            "body": self.body(),
            "image_count": self.image_count(),
            "date_text": self.date_text(),
        }


class NoticePage(ArticlePage):
    """A notice: an article page with a 文号 and attachment links."""

    def number(self) -> str | None:
        for line in self.paragraphs[:6]:
            match = DOC_NUMBER.search(line)
            if match:
                return _cap(match[0])
        return None

    def to_item(self) -> dict[str, Any]:
        item = super().to_item()
        item["number"] = self.number()
        item["attachments"] = [{"url": a.url, "label": a.label} for a in self.attachments()]
        return item


def _closing_line(line: str) -> bool:
    """A byline, a signature line or the date under it."""
    if DATE_LINE.match(line):
        return True
    if _is_byline(line):
        return True
    # `通讯员 张碧柳)`: a byline whose opening bracket went missing.
    return len(line) <= 40 and ("通讯员" in line or "记者" in line) and not any(ch in line for ch in SENTENCE_END)


def _between(top: Any, begin: etree.XPath, end: etree.XPath) -> list[Any]:
    """The elements after the first `begin` node and before the `end` node that shares its parent."""
    starts = begin(top)
    if not starts:
        return []
    start = starts[0]
    stops = set(end(top))
    out = []
    for sibling in start.itersiblings():
        if sibling in stops:
            return out
        if isinstance(sibling.tag, str):
            out.append(sibling)
    return out if stops else []
