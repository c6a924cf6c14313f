"""A page as an element tree, and its visible text as lines: what every page object reads first.

The text walk runs once per page over every element, so it is written for speed: the tree comes from
libxml2's HTML parser without lxml.html's Python element classes, and text is cleaned only when it needs it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from lxml import etree
from parsel.csstranslator import HTMLTranslator
from scrapy.http import TextResponse

from tracker.text import strip_controls

IMG = "\x00IMG\x00"
BEGIN, END = "\x00BEGIN\x00", "\x00END\x00"
BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "table", "section",
    "article", "header", "footer", "dd", "dt", "dl", "form", "center", "blockquote", "hr", "pre", "nav",
}
SKIP = {"script", "style", "noscript", "head", "select", "option", "template"}
TITLE_TEXT = etree.XPath("//title//text()")
# libxml2's HTML parser as parsel sets it up, but without lxml.html's element classes: their lookup is
# Python code run for every element a page object touches, which cost more than the parse itself.
# A parser is not shared between threads, so each thread that reads pages has its own.
_parsers = threading.local()


def fold_spaces(text: str) -> str:
    """No-break and ideographic spaces as plain ones, carriage returns dropped. (str.replace, not a
    translate table: on Chinese text a table looks up every character in Python's dict.)"""
    return text.replace("\xa0", " ").replace("\u3000", " ").replace("\r", "")


def clean(text: str) -> str:
    """Fold the page's odd spaces into plain ones, drop control characters, and trim."""
    return strip_controls(fold_spaces(text)).strip()


def page_and_selected(root: Any, picked: list[Any]) -> tuple[list[str], list[str] | None]:
    """One walk of the page: all its lines, and the lines inside the `picked` elements (None if none)."""
    lines = text_lines(root, picked)
    if not picked:
        return lines, None
    page, selected, depth = [], [], 0
    for line in lines:
        if line == BEGIN:
            depth += 1
        elif line == END:
            depth -= 1
        else:
            page.append(line)
            if depth:
                selected.append(line)
    return page, selected


def text_lines(node: Any, marked: Iterable[Any] = ()) -> list[str]:
    """The visible text of an element as lines, one per block, with images as IMG markers.

    The text of each `marked` element is framed by BEGIN and END lines, so one walk of the page also
    yields the part a selector picked out.
    """
    parts: list[str] = []
    marks = set(marked)
    append = parts.append

    # Called for every element of every page: tags come lower-cased from libxml2's HTML parser, and
    # text that is already printable skips the call that cleans it.
    def walk(el: Any) -> None:
        tag = el.tag
        if not isinstance(tag, str) or tag in SKIP:
            return
        block = tag in BLOCK
        framed = marks and el in marks
        if framed:
            append(f"\n{BEGIN}\n")
        elif block:
            append("\n")
        if tag == "img":
            append(f"\n{IMG}\n")
        text = el.text
        if text:
            append(text if text.isprintable() else strip_controls(text))
        for child in el:
            walk(child)
            text = child.tail
            if text:
                append(text if text.isprintable() else strip_controls(text))
        if framed:
            append(f"\n{END}\n")
        elif block:
            append("\n")

    walk(node)
    lines = fold_spaces("".join(parts)).split("\n")
    return [line for line in map(str.strip, lines) if line]


def page_root(response: TextResponse) -> Any:
    """The page's element tree, parsed as Scrapy's selector would parse it (NULs dropped, recovering)."""
    parser = getattr(_parsers, "html", None)
    if parser is None:
        parser = _parsers.html = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    body = response.text.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    root = etree.fromstring(body, parser=parser, base_url=response.url)
    return root if root is not None else etree.fromstring(b"<html/>", parser=parser)


def texts_of(found: list[Any]) -> list[str]:
    """What a selector found, as text: strings as they are, elements by all the text inside them."""
    return [n if isinstance(n, str) else "".join(n.itertext()) for n in found]


@lru_cache(maxsize=64)
def css_xpath(css: str) -> etree.XPath:
    """A configured CSS selector (with ::text) compiled once into an lxml XPath."""
    return etree.XPath(HTMLTranslator().css_to_xpath(css))
