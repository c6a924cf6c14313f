"""One config-driven spider: page through each column's list, fetch the articles the plan asks for.

It only navigates. Page objects decide fields; the store pipeline writes; the plan says what to fetch.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import scrapy
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.pages import ArticlePage, ListPage, is_parse_failure
from crawler.urls import absolute, parse_article_url
from tracker.config import Column, Site


@dataclass
class Plan:
    """What one run should do on one site."""

    site: Site
    columns: tuple[Column, ...]
    incremental: bool = True
    known_ids: set[int] = field(default_factory=set)
    known_listings: set[tuple[int, str]] = field(default_factory=set)
    full_pass: set[str] = field(default_factory=set)   # columns whose last pass was cut off
    since: str | None = None
    until: str | None = None
    urls: tuple[str, ...] = ()
    max_pages: int | None = 50


@dataclass
class ColumnFigures:
    requests: int = 0
    list_pages: int = 0
    links: int = 0
    new: int = 0
    updated: int = 0
    errors: int = 0
    parse_failures: int = 0
    completed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class ColumnSpider(scrapy.Spider):
    name = "column"

    def __init__(self, plan: Plan, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.figures = {col.key: ColumnFigures() for col in plan.columns}
        self.requests_total = 0
        self.requested: set[int] = set()
        self.list_errors = 0
        self.list_failed_columns: set[str] = set()
        self.store_error: str | None = None
        self.new_total = 0
        self.updated_total = 0
        self.other_errors = 0  # failures outside any column (a --url fetch)

    def totals(self) -> dict[str, int]:
        """Run-wide figures; requests include robots.txt, the rest are per-column sums plus --url fetches."""
        figures = self.figures.values()
        return {
            "requests": self.requests_total,
            "new": self.new_total,
            "updated": self.updated_total,
            "errors": sum(f.errors for f in figures) + self.other_errors,
            "parse_failures": sum(f.parse_failures for f in figures),
        }

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ColumnSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._count_request, signal=signals.request_reached_downloader)
        return spider

    def _count_request(self, request: Request, **_: Any) -> None:
        self.requests_total += 1
        column = request.meta.get("column")
        if column in self.figures:
            self.figures[column].requests += 1

    async def start(self) -> Any:
        for url in self.plan.urls:
            yield self._article_request(url, None)
        for col in self.plan.columns:
            yield Request(absolute(self.plan.site, col.list_url), callback=self.parse_list,
                          errback=self.list_failed, meta={"column": col.key, "page": 1}, dont_filter=True)

    # --- lists -------------------------------------------------------------------------------------

    def parse_list(self, response: Response) -> Iterator[Any]:
        column, page = response.meta["column"], response.meta["page"]
        figures = self.figures[column]
        figures.list_pages += 1
        if not isinstance(response, TextResponse):
            figures.errors += 1
            return
        listing = ListPage(response, self.plan.site)
        entries = listing.entries()
        figures.links += len(entries)
        all_known = bool(entries)
        oldest = None
        for entry in entries:
            aid = entry.ref.id
            known = aid in self.plan.known_ids
            all_known = all_known and known
            if entry.date:
                oldest = min(oldest or entry.date, entry.date)
            if self._wants(known, entry.date) and aid not in self.requested:
                # The article item carries this column itself; no separate listing needed.
                yield self._article_request(entry.ref.url, column)
            elif (aid, column) not in self.plan.known_listings:
                yield {"type": "listing", "id": aid, "column": column, "url": entry.ref.url,
                       "legacy": entry.ref.form == "legacy"}

        next_url = listing.next_url()
        if next_url is None:
            figures.completed = 1
            return
        if self.plan.incremental and column not in self.plan.full_pass and all_known:
            figures.completed = 1  # the stop rule: this page held nothing new
            return
        if not self.plan.incremental and self.plan.since and oldest and oldest < self.plan.since:
            figures.completed = 1  # lists run newest first: later pages are older still
            return
        if self._capped(column, page):
            return
        yield Request(next_url, callback=self.parse_list, errback=self.list_failed,
                      meta={"column": column, "page": page + 1})

    def _wants(self, known: bool, date: str | None) -> bool:
        if self.plan.incremental:
            return not known
        if date and self.plan.since and date < self.plan.since:
            return False
        return not (date and self.plan.until and date > self.plan.until)

    def _capped(self, column: str, page: int) -> bool:
        """The hard page cap of a nightly crawl; a full pass or a recrawl is bounded by the list itself."""
        if not self.plan.incremental or column in self.plan.full_pass or self.plan.max_pages is None:
            return False
        if page >= self.plan.max_pages:
            self.logger.warning("栏目 %s 已达翻页上限 %s 页，其余留待下次完整翻页", column, self.plan.max_pages)
            return True
        return False

    def list_failed(self, failure: Failure) -> None:
        request = failure.request
        self.list_errors += 1
        self.list_failed_columns.add(request.meta["column"])
        self.figures[request.meta["column"]].errors += 1
        self.logger.error("列表页失败 %s：%s", request.url, failure.getErrorMessage())

    # --- articles ----------------------------------------------------------------------------------

    def _article_request(self, url: str, column: str | None) -> Request:
        ref = parse_article_url(self.plan.site, url)
        if ref is not None:
            self.requested.add(ref.id)
        return Request(url, callback=self.parse_article, errback=self.article_failed,
                       meta={"column": column, "article_id": ref.id if ref else None})

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        column = response.meta.get("column")
        aid = response.meta.get("article_id")
        if not isinstance(response, TextResponse) or aid is None:
            yield self._failure(response.url, aid, column, "parse", "不是文章页面", response.status)
            return
        item = ArticlePage(response, self.plan.site).to_item()
        reason = is_parse_failure(item)
        if reason:
            yield self._failure(response.url, aid, column, "parse", reason, response.status)
            return
        ref = parse_article_url(self.plan.site, response.url)
        yield {"type": "article", **item, "id": aid, "column": column,
               "legacy": ref is not None and ref.form == "legacy"}

    def article_failed(self, failure: Failure) -> Iterator[dict[str, Any]]:
        request = failure.request
        status = failure.value.response.status if failure.check(HttpError) else None
        aid = request.meta.get("article_id")
        column = request.meta.get("column")
        if column in self.figures:
            self.figures[column].errors += 1
        else:
            self.other_errors += 1
        self.logger.error("文章页失败 %s：%s", request.url, failure.getErrorMessage())
        if aid is not None:
            detail = f"HTTP {status}" if status else failure.getErrorMessage()
            yield self._failure(request.url, aid, column, "http", detail, status, count=False)

    def _failure(self, url: str, aid: int | None, column: str | None, kind: str, detail: str,
                 status: int | None, count: bool = True) -> dict[str, Any]:
        if count and kind == "parse" and column in self.figures:
            self.figures[column].parse_failures += 1
        return {"type": "failure", "article_id": aid, "url": url, "kind": kind, "detail": detail,
                "status": status, "column": column}
