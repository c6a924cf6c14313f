"""Notice pages (HTML): the notice's prose, its tables (row and column spans expanded), attachment links."""

from __future__ import annotations

import contextlib
import re

from lxml import html as lxml_html
from lxml.etree import ParserError

from tracker.notices.model import Document, Table, cell_text

BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "tr", "section", "article", "td", "th"}
ATTACHMENT = re.compile(r"\.(docx?|xlsx?|pdf|wps|et)(\?|$)|downfile\.jsp", re.I)
# Hanweb pages mark the article body; outside it are menus, lists of other articles and the footer.
CONTENT = (re.compile(r"<meta\s+name=[\"']?ContentStart[\"']?[^>]*>(.*?)<meta\s+name=[\"']?ContentEnd", re.S | re.I),
           re.compile(r"<!--\s*ZJEG_RSS\.content\.begin\s*-->(.*?)<!--\s*ZJEG_RSS\.content\.end\s*-->", re.S | re.I))
CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)


def decode(data: bytes) -> str:
    """The page's text: the declared charset when it decodes, else UTF-8, else GB18030 (never assumed)."""
    found = CHARSET.search(data[:4096])
    tries = [found.group(1).decode("ascii").lower()] if found else []
    # GB2312 and GBK pages often hold characters only their superset has.
    tries = ["gb18030" if t in ("gb2312", "gbk", "x-gbk") else t for t in tries]
    for encoding in [*tries, "utf-8", "gb18030"]:
        try:
            return data.decode("utf-8-sig" if encoding in ("utf-8", "utf8") else encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", errors="replace")


def grid(table: lxml_html.HtmlElement) -> tuple[tuple[str, ...], ...]:
    """A table's rows with colspan/rowspan cells repeated over every position they cover."""
    rows: list[dict[int, str]] = []
    pending: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(tr for tr in table.iter("tr") if _own(tr, table)):
        row: dict[int, str] = {}
        c = 0
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            while (r, c) in pending:
                row[c] = pending.pop((r, c))
                c += 1
            text = cell_text(cell.text_content())
            span_c = _span(cell.get("colspan"))
            span_r = _span(cell.get("rowspan"))
            for dc in range(span_c):
                row[c + dc] = text
                for dr in range(1, span_r):
                    pending[(r + dr, c + dc)] = text
            c += span_c
        while (r, c) in pending:
            row[c] = pending.pop((r, c))
            c += 1
        rows.append(row)
    width = max((max(row) + 1 for row in rows if row), default=0)
    return tuple(tuple(row.get(i, "") for i in range(width)) for row in rows if any(row.values()))


def _own(tr: lxml_html.HtmlElement, table: lxml_html.HtmlElement) -> bool:
    parent = tr.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent is table


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 50))
    except ValueError:
        return 1


def _lines(element: lxml_html.HtmlElement) -> list[str]:
    """Visible text of `element`, one line per block, tables left out."""
    parts: list[str] = []

    def walk(node: lxml_html.HtmlElement) -> None:
        if not isinstance(node.tag, str) or node.tag in ("script", "style", "head") or _leaf_table(node):
            if _leaf_table(node):
                parts.append("\n")
            if node.tail:
                parts.append(node.tail)
            return
        if node.tag in BLOCKS:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
        if node.tag in BLOCKS:
            parts.append("\n")
        if node.tail:
            parts.append(node.tail)

    walk(element)
    return [cell_text(line) for line in "".join(parts).split("\n") if cell_text(line)]


def _leaf_table(node: lxml_html.HtmlElement) -> bool:
    """A table holding no other table: a data table (pages are often laid out in outer tables)."""
    return isinstance(node.tag, str) and node.tag == "table" and node.find(".//table") is None


def _caption(table: lxml_html.HtmlElement) -> str:
    """The nearest text before a table: a <caption>, or the last line of what precedes it."""
    cap = table.find("caption")
    if cap is not None and cell_text(cap.text_content()):
        return cell_text(cap.text_content())
    node = table
    while node is not None:
        prev = node.getprevious()
        while prev is not None:
            text = cell_text(prev.text_content()) if isinstance(prev.tag, str) else ""
            if text:
                return _lines(prev)[-1] if _lines(prev) else text
            prev = prev.getprevious()
        node = node.getparent()
    return ""


def parse_html(data: bytes, filename: str = "page.html") -> Document:
    """Read a notice page: meta title, prose lines, tables, attachment links."""
    page = decode(data)
    try:
        root = lxml_html.document_fromstring(page)
    except (ParserError, ValueError):
        return Document(filename, "html")
    meta = root.xpath("//meta[@name='ArticleTitle']/@content")
    title_tag = root.findtext(".//title")
    # <title> often ends with the site's name: 关于……的通报_江苏工会网.
    bare = re.split(r"\s*(?:_|\||--| - )\s*", cell_text(title_tag))[0] if title_tag else None
    title = cell_text(meta[0]) if meta else bare
    body = root.body if root.find("body") is not None else root
    marked = next((m.group(1) for pattern in CONTENT if (m := pattern.search(page)) and m.group(1).strip()), None)
    if marked:
        with contextlib.suppress(ParserError, ValueError):  # an unparsable region: read the whole body
            body = lxml_html.fragment_fromstring(marked, create_parent="div")
    tables = []
    for i, table in enumerate(t for t in body.iter("table") if _leaf_table(t)):
        rows = grid(table)
        if len(rows) >= 2:
            tables.append(Table(f"表{i + 1}", _caption(table), rows))
    links = tuple(
        (cell_text(a.text_content()), a.get("href", ""))
        for a in body.iter("a")
        if ATTACHMENT.search(a.get("href", "")) or "下载" in (a.text_content() or "")
    )
    return Document(filename, "html", "\n".join(_lines(body)), tuple(tables), title or None, links=links)
