"""Downloader middlewares: retries that back off, and no request to a host the site does not name."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.settings import BaseSettings


class BackoffRetryMiddleware(RetryMiddleware):
    """Retries that back off: 1 s, 2 s, 4 s … between attempts, so a struggling server gets room."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)

    def _retry(self, request: Request, reason: str | Exception | type[Exception]) -> Request | None:
        retry = super()._retry(request, reason)
        if retry is not None:
            attempt = retry.meta.get("retry_times", 1)
            retry.meta["retry_delay"] = self.backoff_base * 2 ** (attempt - 1)
        return retry

    async def process_request(self, request: Request) -> None:
        delay = request.meta.pop("retry_delay", 0)
        if delay:
            await asyncio.sleep(delay)


class OffHost(IgnoreRequest):
    """A request (a link, or where a redirect pointed) to a host the site's config does not name."""

    def __init__(self, url: str) -> None:
        super().__init__(f"{urlsplit(url).hostname or url} 不是本网站的主机")
        self.url = url


class HostGuardMiddleware:
    """Refuse every request whose host is not one of the site's; redirected requests pass here too."""

    def process_request(self, request: Request, spider: Spider) -> None:
        hosts = getattr(spider, "hosts", None)
        if hosts and (urlsplit(request.url).hostname or "").lower() not in hosts:
            raise OffHost(request.url)
