"""The spider's notice columns: pick the notices about information work, fetch each page and its attachments.

A notice column is listed like any other; a notice whose title has none of the configured words
(config/notices.toml [select] title_words) is passed over without a request, one already stored is known.
A new notice's page is fetched, then its attachments one after another, and the whole goes to the store
pipeline as one `notice` item, which hands it to the notices library. Nothing is guessed here.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from scrapy import Request
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.checks import PageRefused
from crawler.pages import ListEntry

MAX_ATTACHMENTS = 20


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def attachment_name(url: str, label: str | None) -> str:
    """A file name for an attachment: the link's text when it names a file, else the name in its address."""
    parts = urlsplit(url)
    in_address = dict(parse_qsl(parts.query)).get("filename") or unquote(parts.path.rsplit("/", 1)[-1])
    suffix = in_address[in_address.rfind("."):] if "." in in_address else ""
    if label and "." in label[-6:]:
        return label
    return f"{label}{suffix}" if label else in_address or "attachment"


class NoticeFlow:
    """Mixed into the column spider: plan.notice_words, plan.known_notices, self.pages.NoticePage."""

    plan: Any
    pages: Any
    figures: dict[str, Any]
    requested_notices: set[str]

    def notice_links(self, column: str, entries: list[ListEntry]) -> Generator[Any, None, bool]:
        """Requests for the new notices about information work; returns whether all wanted were known."""
        all_known = True
        for entry in entries:
            url = entry.ref.url
            if not self.plan.wants_notice(entry.title) or url in self.plan.known_notices:
                continue
            all_known = False
            if url in self.requested_notices:
                continue
            self.requested_notices.add(url)
            yield Request(url, callback=self.parse_notice, errback=self.notice_failed, dont_filter=True,
                          meta={"column": column, "article_id": entry.ref.id})
        return all_known

    def parse_notice(self, response: Response) -> Iterator[Any]:
        column = response.meta["column"]
        if not isinstance(response, TextResponse) or self.pages.NoticePage is None:
            yield self._failure(response.url, None, column, "parse", "不是通报页面", response.status)
            return
        try:
            page = self.pages.NoticePage(response, self.plan.site)
            links = page.attachments()[:MAX_ATTACHMENTS]
            title = page.title()
        except PageRefused as exc:
            yield self._failure(response.url, None, column, exc.kind, exc.reason, response.status)
            return
        notice = {"type": "notice", "column": column, "url": response.url, "title": title, "body": response.body,
                  "fetched_at": _now(), "attachments": [], "missing": []}
        todo = [(a.url, attachment_name(a.url, a.label)) for a in links]
        yield from self._next_attachment(notice, todo)

    def _next_attachment(self, notice: dict[str, Any], todo: list[tuple[str, str]]) -> Iterator[Any]:
        if not todo:
            yield notice
            return
        (url, name), rest = todo[0], todo[1:]
        yield Request(url, callback=self.parse_attachment, errback=self.attachment_failed, dont_filter=True,
                      meta={"column": notice["column"], "notice": notice, "todo": rest, "name": name})

    def parse_attachment(self, response: Response) -> Iterator[Any]:
        notice = response.meta["notice"]
        notice["attachments"].append((response.url, response.body, response.meta["name"]))
        yield from self._next_attachment(notice, response.meta["todo"])

    def attachment_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        notice = request.meta["notice"]
        notice["missing"].append(request.url)
        self.figures[notice["column"]].errors += 1
        yield from self._next_attachment(notice, request.meta["todo"])

    def notice_failed(self, failure: Failure) -> Iterator[Any]:
        """Recorded by address (no article id): a notice is fetched again while it is not stored."""
        request = failure.request
        kind, detail, status, _ = self._classify(failure)  # type: ignore[attr-defined]
        if kind == "blocked":
            self.note_blocked(request.url, status, list_page=False)  # type: ignore[attr-defined]
        self.logger.error("通报页失败 %s：%s", request.url, detail)  # type: ignore[attr-defined]
        yield self._failure(request.url, None, request.meta["column"], kind, detail, status)  # type: ignore[attr-defined]
