"""Page objects: one per page type, one method per field, `to_item()` at the end.

Metadata is read by its labels in the page's text (发布日期, 来源, 信息来源 …), with the configured CSS
selectors as a first choice only, so a changed template does not silently lose fields. Scraped text is
untrusted: every field is plain text, length-capped, and None when absent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import TextResponse

from crawler.checks import MAX_DEPTH, PageRefused, calendar_date, too_deep
from crawler.tree import IMG, TITLE_TEXT, clean, css_xpath, page_and_selected, page_root, texts_of
from crawler.urls import ArticleRef, parse_article_url
from tracker.config import Site
from tracker.store.schema.articles import MAX_BYLINES

FOOTER_MARKERS = ("主办单位", "承办单位", "版权所有", "Copyright", "ICP备")
DATE_RE = re.compile(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
SENTENCE_END = "。！？!?；;…"
OPEN, CLOSE = "(（", ")）"
BYLINE_SUFFIXES = ("工会", "总工会", "工联会", "部", "办公室", "产业办", "委员会", "联合会", "办", "委", "室", "局", "处")
MAX_FIELD = 300
MAX_BODY = 200_000


@lru_cache(maxsize=64)
def _label_pattern(labels: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first, so 信息来源 is not read as 来源 with a stray 信息 in front.
    alts = "|".join(re.escape(lb) for lb in sorted(labels, key=len, reverse=True))
    return re.compile(rf"(?<![\u4e00-\u9fff])({alts})\s*[:：]\s*")


def _cap(text: str | None, limit: int = MAX_FIELD) -> str | None:
    if text is None:
        return None
    text = clean(text)
    return text[:limit] if text else None


@dataclass(frozen=True)
class ListEntry:
    ref: ArticleRef
    title: str | None
    date: str | None


class ListPage:
    """A column's list page: article links (either URL form) and the 下一页 link."""

    def __init__(self, response: TextResponse, site: Site) -> None:
        self.response = response
        self.site = site

    def entries(self) -> list[ListEntry]:
        seen: set[tuple[str | None, int]] = set()
        out = []
        for anchor in self.response.xpath("//a[@href]"):
            url = self.response.urljoin(anchor.attrib["href"].strip())
            ref = parse_article_url(self.site, url)
            # Keyed by host too: a link elsewhere with the same id must not hide the site's own link.
            if ref is None or (key := (urlsplit(url).hostname, ref.id)) in seen:
                continue
            seen.add(key)
            title = _cap(anchor.attrib.get("title") or "".join(anchor.xpath(".//text()").getall()))
            container = " ".join(anchor.xpath("./ancestor::*[self::li or self::tr or self::dd][1]//text()").getall())
            match = DATE_RE.search(container)
            date = calendar_date(int(match[1]), int(match[2]), int(match[3])) if match else ref.url_date
            out.append(ListEntry(ref, title, date))
        return out

    def next_url(self) -> str | None:
        for anchor in self.response.xpath("//a[@href]"):
            if clean("".join(anchor.xpath(".//text()").getall())) == "下一页":
                href = anchor.attrib["href"].strip()
                if href and not href.startswith(("#", "javascript")):
                    return self.response.urljoin(href)
        return None


class StoryBody:
    """What every CMS's article page shares: one walk of the page (refused when nested too deep), and what
    is read off the story's body lines (`_body_lines`, images as IMG): paragraphs, images, the closing
    lines (those `closes` accepts), the correspondents and the body text."""

    _body_lines: list[str]

    def __init__(self, response: TextResponse, site: Site) -> None:
        self.response = response
        self.site = site
        self.ref = parse_article_url(site, response.url)

    @cached_property
    def root(self) -> Any:
        """The page's element tree (see `crawler.tree.page_root`)."""
        return page_root(self.response)

    def _picked(self, top: Any) -> list[Any]:
        """The elements holding the story, as this CMS marks them ([] when the page does not say)."""
        raise NotImplementedError

    @staticmethod
    def closes(line: str) -> bool:
        """Whether a line at the end of the body closes it (a byline) rather than telling the story."""
        raise NotImplementedError

    @cached_property
    def _walk(self) -> tuple[list[str], list[str] | None]:
        """The page's lines, and the lines of the elements `_picked` holds (None when it holds none)."""
        top = self.root
        if too_deep(top):
            raise PageRefused("depth", f"页面标签嵌套超过 {MAX_DEPTH} 层，不像文章页")
        body = top.find("body")
        return page_and_selected(body if body is not None else top, self._picked(top))

    @cached_property
    def paragraphs(self) -> list[str]:
        return [line for line in self._body_lines if line != IMG]

    def image_count(self) -> int:
        return sum(1 for line in self._body_lines if line == IMG)

    def closing_bylines(self) -> list[str]:
        """The lines closing the body, exactly as written, in page order."""
        return closing_lines(self.paragraphs, self.closes)

    def correspondents(self) -> list[str]:
        return correspondents_in(self.paragraphs)

    def body(self) -> str | None:
        return body_text(self.paragraphs)


class ArticlePage(StoryBody):
    """An article page of either layout; fields are None when the page does not show them."""

    def _picked(self, top: Any) -> list[Any]:
        """The body the first configured selector that matches picks."""
        for css in self.site.body_selectors:
            picked = [node for node in css_xpath(css)(top) if not isinstance(node, str)]
            if picked:
                return picked
        return []

    @property
    def lines(self) -> list[str]:
        return self._walk[0]

    @cached_property
    def _date_pattern(self) -> re.Pattern[str]:
        return _label_pattern(self.site.date_labels)

    @cached_property
    def _source_pattern(self) -> re.Pattern[str]:
        return _label_pattern(self.site.source_labels)

    @cached_property
    def meta_index(self) -> int | None:
        """Index of the line holding 发布日期 (the metadata line), if any."""
        for i, line in enumerate(self.lines):
            match = self._date_pattern.search(line)
            if match and DATE_RE.match(line[match.end():]):
                return i
        return None

    @cached_property
    def footer_index(self) -> int:
        start = (self.meta_index or 0) + 1
        for i in range(start, len(self.lines)):
            if any(marker in self.lines[i] for marker in FOOTER_MARKERS):
                return i
        return len(self.lines)

    def _selected_text(self, selectors: tuple[str, ...]) -> str | None:
        top = self.root
        for css in selectors:
            found = css_xpath(css)(top)
            text = clean(" ".join(texts_of(found)))
            if text:
                return text
        return None

    def _head_lines(self) -> list[str]:
        """Lines above the metadata line, nearest first, stripped of layout markers."""
        if self.meta_index is None:
            return []
        out = []
        for line in reversed(self.lines[: self.meta_index]):
            if line.startswith("您的位置") or ">>" in line or line.startswith("欢迎访问"):
                break
            line = clean(line.rstrip("|｜").removeprefix("标题").lstrip(":：|｜ "))
            if line:
                out.append(line)
        return out

    @cached_property
    def _title(self) -> str | None:
        selected = self._selected_text(self.site.title_selectors)
        if selected:
            return _cap(selected)
        for line in self._head_lines():
            if not line.startswith(("——", "--", "—")):
                return _cap(line)
        head = clean(" ".join(TITLE_TEXT(self.root)))
        return _cap(head.split(" - ")[0].split("_")[0]) if head else None

    def title(self) -> str | None:
        return self._title

    def subtitle(self) -> str | None:
        for line in self._head_lines():
            if line.startswith(("——", "--", "—")):
                return _cap(re.sub(r"^[—–-]+\s*", "", line))
            if line == self._title:
                break
        return None

    def date_text(self) -> str | None:
        """The 发布日期 as written on the page (it may name a day the calendar does not have)."""
        if self.meta_index is None:
            return None
        line = self.lines[self.meta_index]
        return DATE_RE.match(line[self._date_pattern.search(line).end():])[0]  # type: ignore[index]

    def date(self) -> str | None:
        """The 发布日期 as yyyy-mm-dd; None when absent or not a real day between 1990 and 2100."""
        text = self.date_text()
        if text is None:
            return None
        match = DATE_RE.match(text)
        return calendar_date(int(match[1]), int(match[2]), int(match[3]))  # type: ignore[index]

    def _source_match(self) -> tuple[str, str] | None:
        if self.meta_index is None:
            return None
        candidates = self.lines[self.meta_index : self.meta_index + 2]
        for line in candidates:
            match = self._source_pattern.search(line)
            if match:
                rest = line[match.end():]
                value = re.split(r"\s{2,}|\s*[|｜]|\s*(?:浏览次数|点击|字号|作者|编辑|发布日期)\s*[:：]", rest)[0]
                return match[1], value.strip()
        return None

    def source(self) -> str | None:
        """The exact 来源 text as shown; None when the page has no 来源 or leaves it empty."""
        found = self._source_match()
        return _cap(found[1]) if found and found[1] else None

    def source_label(self) -> str | None:
        found = self._source_match()
        return found[0] if found else None

    @staticmethod
    def closes(line: str) -> bool:
        return _is_byline(line)

    @cached_property
    def _body_lines(self) -> list[str]:
        selected = self._walk[1]
        if selected is not None:
            return selected
        if self.meta_index is None:
            return []
        return self.lines[self.meta_index + 1 : self.footer_index]

    def to_item(self) -> dict[str, Any]:
        """The record; raises PageRefused when the page cannot be one."""
        return {
            "id": self.ref.id if self.ref else None,
            "url": self.response.url,
            "title": self.title(),
            "subtitle": self.subtitle(),
            "date": self.date(),
            "source": self.source(),
            "source_label": self.source_label(),
            "closing_bylines": self.closing_bylines(),
            "correspondents": self.correspondents(),
            "body": self.body(),
            "image_count": self.image_count(),
            "date_text": self.date_text(),
        }


CORRESPONDENT = re.compile(r"(?:通讯员|作者)\s*[:：]?\s*([\u4e00-\u9fff·]{2,4}(?:[、， ,]+[\u4e00-\u9fff·]{2,4})*)")
TRAILING_UNIT = re.compile(rf"[{SENTENCE_END}]\s*([{OPEN}][^{OPEN}{CLOSE}]{{1,60}}[{CLOSE}])\s*$")


def closing_lines(paragraphs: list[str], closes: Callable[[str], bool]) -> list[str]:
    """The lines closing a story's body that `closes` accepts (a byline, a signature), or else the
    parenthesised unit ending its last sentence; exactly as written, in page order."""
    found: list[str] = []
    for line in reversed(paragraphs[1:]):
        if closes(line):
            found.append(line)
            if len(found) >= MAX_BYLINES:
                break  # a closing byline is a line or two; a wall of them is not one
            continue
        trailing = TRAILING_UNIT.search(line)
        if trailing and not found:
            found.append(trailing[1])
        break
    return [c for c in (_cap(line) for line in reversed(found)) if c]


def correspondents_in(paragraphs: list[str]) -> list[str]:
    """The names after 通讯员 / 作者 in a body, each once, at most 20."""
    names: list[str] = []
    for match in CORRESPONDENT.finditer("\n".join(paragraphs)):
        for name in re.split(r"[、， ,]+", match[1]):
            if name and name not in names:
                names.append(name)
    return names[:20]


def body_text(paragraphs: list[str]) -> str | None:
    text = "\n".join(paragraphs)
    return text[:MAX_BODY] if text else None


def _is_byline(line: str) -> bool:
    """A closing line that names who sent the story rather than telling it."""
    if len(line) > 60:
        return False
    if line[0] in OPEN:
        # (unit) / (person) / (unit  person) / an unclosed "(unit"
        inner = line[1:].rstrip(CLOSE)
        return bool(inner) and not any(ch in inner for ch in SENTENCE_END)
    if any(ch in line for ch in SENTENCE_END + "，,：:"):
        return False
    return line.endswith(BYLINE_SUFFIXES) and len(line) <= 30
