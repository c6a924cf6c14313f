"""One config-driven spider: page through each column's list, fetch the articles the plan asks for.

It only navigates. Page objects decide fields (chosen by the site's `cms`, crawler/cms/); the store
pipeline writes; the plan says what to fetch. A site that answers as blocked (403, 412, 521: a firewall
refusing scripts) is reported, never worked around: a blocked list page ends the crawl of that site.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.checks import PageRefused, is_parse_failure
from crawler.cms import page_objects
from crawler.middlewares import OffHost
from crawler.spiders.notices import NoticeFlow
from crawler.urls import absolute, parse_article_url
from tracker.config import Column, Site
from tracker.store.schema.articles import MAX_ARTICLE_ID

# Answers that settle a failed article for good; any other failure (5xx, timeout, reset) is passing.
PERMANENT_STATUS = range(400, 500)
PASSING_STATUS = (408, 429)
# Answers of a firewall refusing scripts: the site is blocked. Said so, never worked around.
BLOCKED_STATUS = (403, 412, 521)
BLOCKED_ARTICLES_STOP = 3   # blocked article pages after which the crawl of the site stops


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
    ceiling: int = 5000                     # list pages per column on any pass, full or not
    retries: tuple[tuple[int, str, str | None], ...] = ()   # (id, url, column) due for another try
    notice_words: tuple[str, ...] = ()       # a notice is read when its title has one of these
    known_notices: set[str] = field(default_factory=set)   # notice pages already stored (by address)

    def wants_notice(self, title: str | None) -> bool:
        return bool(title) and any(word in title for word in self.notice_words)  # type: ignore[operator]


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


class ColumnSpider(NoticeFlow, scrapy.Spider):
    name = "column"

    def __init__(self, plan: Plan, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.pages = page_objects(plan.site.cms)
        self.notice_columns = {c.key for c in plan.columns if c.kind == "notices"}
        self.requested_notices: set[str] = set()
        self.blocked: list[tuple[str, int]] = []   # (address, status) of the pages the site refused
        self.notices_seen: list[dict[str, Any]] = []   # notices handed to the notices library in this run
        self.stopping = False
        self.figures = {col.key: ColumnFigures() for col in plan.columns}
        self.requests_total = 0
        self.requested: set[int] = set()
        self.list_errors = 0
        self.list_failed_columns: set[str] = set()
        self.store_error: str | None = None
        self.new_total = 0
        self.updated_total = 0
        self.other_errors = 0  # failures outside any column (a --url fetch)
        self.hosts = frozenset(h.lower() for h in plan.site.hosts)
        self.bounds: dict[str, str] = {}   # which limit was reached, in words, keyed so each is said once
        self.oversized = 0
        self.too_deep = 0
        self.gave_up = 0          # failed articles whose nightly retries ran out in this run
        self.disk_full = False

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
            for item in self._article_link(url, None):
                yield item
        for aid, url, column in self.plan.retries:
            if aid not in self.requested:
                for item in self._article_link(url, column if column in self.figures else None):
                    yield item
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
        if self.stopping:
            return
        listing = self.pages.ListPage(response, self.plan.site)
        entries = listing.entries()
        figures.links += len(entries)
        all_known = bool(entries)
        oldest = None
        if column in self.notice_columns:
            all_known = yield from self.notice_links(column, entries)
            entries = []
        for entry in entries:
            aid = entry.ref.id
            refusal = self._link_refusal(entry.ref.url, aid)
            if refusal:
                yield self._failure(entry.ref.url, None, column, *refusal, None)
                continue
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
        if (urlsplit(next_url).hostname or "").lower() not in self.hosts:
            self.logger.warning("栏目 %s 的下一页指向其他主机 %s，不再翻页", column, next_url)
            self.bounds[f"host:{column}"] = f"栏目 {column} 的下一页指向其他主机，已停止翻页"
            figures.completed = 1
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
        """The page cap of a nightly crawl, and the ceiling every pass obeys (an endless 下一页 ends here)."""
        if page >= self.plan.ceiling:
            self.logger.warning("栏目 %s 已翻到上限 %s 页（sites.toml 的 list_page_ceiling），不再翻页",
                                column, self.plan.ceiling)
            self.bounds[f"ceiling:{column}"] = f"栏目 {column} 翻到上限 {self.plan.ceiling} 页"
            self.figures[column].completed = 1  # the pass is over: the next night pages as usual
            return True
        if not self.plan.incremental or column in self.plan.full_pass or self.plan.max_pages is None:
            return False
        if page >= self.plan.max_pages:
            self.logger.warning("栏目 %s 已达翻页上限 %s 页，其余留待下次完整翻页", column, self.plan.max_pages)
            return True
        return False

    def list_failed(self, failure: Failure) -> None:
        request = failure.request
        if failure.check(HttpError) and failure.value.response.status in BLOCKED_STATUS:
            self.note_blocked(request.url, failure.value.response.status, list_page=True)
        self.list_errors += 1
        self.list_failed_columns.add(request.meta["column"])
        self.figures[request.meta["column"]].errors += 1
        self.logger.error("列表页失败 %s：%s", request.url, failure.getErrorMessage())

    # --- articles ----------------------------------------------------------------------------------

    def _link_refusal(self, url: str, aid: int | None) -> tuple[str, str] | None:
        """(kind, reason) when a link is not to be followed at all."""
        host = (urlsplit(url).hostname or "").lower()
        if host not in self.hosts:
            return "host", f"链接指向其他主机 {host or url}，只抓取本网站的主机（{'、'.join(sorted(self.hosts))}）"
        if aid is not None and not 1 <= aid <= MAX_ARTICLE_ID:
            return "invalid", f"链接中的文章编号超出范围（应在 1 到 {MAX_ARTICLE_ID} 之间）"
        return None

    def _article_link(self, url: str, column: str | None) -> Iterator[Any]:
        """A request for an article, or the failure that says why its link is not followed."""
        ref = parse_article_url(self.plan.site, url)
        refusal = self._link_refusal(url, ref.id if ref else None)
        if refusal:
            yield self._failure(url, None, column, *refusal, None)
        else:
            yield self._article_request(url, column)

    def _article_request(self, url: str, column: str | None) -> Request:
        ref = parse_article_url(self.plan.site, url)
        if ref is not None:
            self.requested.add(ref.id)
        # Not filtered as a duplicate: a page redirecting to itself must end as a failure, not vanish.
        return Request(url, callback=self.parse_article, errback=self.article_failed, dont_filter=True,
                       meta={"column": column, "article_id": ref.id if ref else None})

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        column = response.meta.get("column")
        aid = response.meta.get("article_id")
        if not isinstance(response, TextResponse) or aid is None:
            yield self._failure(response.url, aid, column, "parse", "不是文章页面", response.status)
            return
        try:
            item = self.pages.ArticlePage(response, self.plan.site).to_item()
        except PageRefused as exc:
            self.too_deep += exc.kind == "depth"
            yield self._failure(response.url, aid, column, exc.kind, exc.reason, response.status)
            return
        except RecursionError:
            self.too_deep += 1
            yield self._failure(response.url, aid, column, "depth", "页面标签嵌套过深，无法读取", response.status)
            return
        reason = is_parse_failure(item)
        if reason:
            yield self._failure(response.url, aid, column, "parse", reason, response.status)
            return
        ref = parse_article_url(self.plan.site, response.url)
        if ref is None or ref.id != aid:
            yield self._failure(response.url, aid, column, "redirect", f"跳转到了另一个地址 {response.url}",
                                response.status)
            return
        item.pop("date_text", None)
        yield {"type": "article", **item, "id": aid, "column": column, "legacy": ref.form == "legacy"}

    def article_failed(self, failure: Failure) -> Iterator[dict[str, Any]]:
        request = failure.request
        aid = request.meta.get("article_id")
        column = request.meta.get("column")
        kind, detail, status, transient = self._classify(failure)
        if kind == "blocked":
            self.note_blocked(request.url, status, list_page=False)
        self.logger.error("文章页失败 %s：%s", request.url, detail)
        yield self._failure(request.url, aid, column, kind, detail, status, transient=transient)

    def _classify(self, failure: Failure) -> tuple[str, str, int | None, bool]:
        """(kind, detail, status, transient) of a failed article request."""
        if failure.check(HttpError):
            status = failure.value.response.status
            if status in BLOCKED_STATUS:
                return "blocked", f"HTTP {status}：网站拒绝访问（像是防火墙拦截），未设法绕过", status, False
            passing = status in PASSING_STATUS or status not in PERMANENT_STATUS
            return "http", f"HTTP {status}", status, passing
        if failure.check(OffHost):
            return "host", f"跳转到其他主机：{failure.value.url}", None, False
        message = failure.getErrorMessage()
        if failure.check(DownloadCancelledError) or (failure.check(IgnoreRequest) and "MAXSIZE" in message):
            self.oversized += 1
            return "size", "页面超过大小上限（解压后计）", None, False
        if failure.check(IgnoreRequest) and "redirections" in message:
            return "redirect", "跳转次数过多（跳转循环）", None, False
        if failure.check(IgnoreRequest):
            return "http", f"请求被拒绝：{message}", None, False
        return "http", message or failure.type.__name__, None, True

    def _failure(self, url: str, aid: int | None, column: str | None, kind: str, detail: str,
                 status: int | None, *, transient: bool = False) -> dict[str, Any]:
        """A failure item; each is counted once, as a parse failure or as an error of its column."""
        if kind == "parse" and column in self.figures:
            self.figures[column].parse_failures += 1
        elif column in self.figures:
            self.figures[column].errors += 1
        else:
            self.other_errors += 1
        return {"type": "failure", "article_id": aid, "url": url, "kind": kind, "detail": detail,
                "status": status, "column": column, "transient": transient}

    def note_blocked(self, url: str, status: int | None, *, list_page: bool) -> None:
        """The site refused a page: a refused list page, or a few refused articles, end this site's crawl."""
        self.blocked.append((url, status or 0))
        if self.stopping or not (list_page or len(self.blocked) >= BLOCKED_ARTICLES_STOP):
            return
        self.stopping = True
        self.logger.error("%s 拒绝访问（HTTP %s），停止抓取此网站，不设法绕过", self.plan.site.name, status)
        asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="blocked"))

    def blocked_words(self) -> str | None:
        """What the site refused, in words, or None."""
        if not self.blocked:
            return None
        url, status = self.blocked[0]
        more = f"等 {len(self.blocked)} 个页面" if len(self.blocked) > 1 else ""
        stopped = "，已停止抓取此网站" if self.stopping else ""
        return (f"{self.plan.site.name} 对 {url} {more}返回 HTTP {status}，像是防火墙拦截了抓取{stopped}；"
                "程序不会设法绕过，请与网站管理方联系，或改为人工录入")

    def bound_words(self) -> str | None:
        """The limits this run reached, in words, or None."""
        words = list(self.bounds.values())
        if self.oversized:
            words.append(f"{self.oversized} 个页面超过大小上限")
        if self.too_deep:
            words.append(f"{self.too_deep} 个页面嵌套过深")
        return "；".join(words) or None
