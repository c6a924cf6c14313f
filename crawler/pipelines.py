"""Write crawled items to SQLite in batches, through tracker.store only.

A batch is one transaction: an article is stored whole or not at all, and the run's figures count an
article as stored only after its batch has committed. A failed write closes the spider and fails the
run; it is never logged and skipped.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from tracker import store


class StoreError(Exception):
    """Writing a batch to the database failed."""


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.db_path = settings.get("XINXI_DB")
        self.run_id = settings.getint("XINXI_RUN_ID") or None
        self.batch_size = settings.getint("STORE_BATCH_SIZE", 200)
        self.batch_seconds = settings.getfloat("STORE_BATCH_SECONDS", 1.0)
        self.articles: list[dict[str, Any]] = []
        self.listings: list[store.Listing] = []
        self.failures: list[dict[str, Any]] = []
        self.pending: list[store.Listing] = []
        self.last_flush = time.monotonic()
        self.error: BaseException | None = None
        self.db = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.db = store.open_db(self.db_path)

    def close_spider(self) -> None:
        try:
            if self.error is None:
                self.flush(final=True)
        finally:
            if self.db is not None:
                self.db.close()

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        if self.error is not None:
            raise DropItem("数据库写入已失败，本次运行停止")
        kind = item.get("type")
        if kind == "article":
            self.articles.append(item)
        elif kind == "listing":
            self.listings.append(store.Listing(item["id"], item["column"], item.get("url"),
                                               bool(item.get("legacy"))))
        elif kind == "failure" and item.get("article_id") is not None:
            self.failures.append(item)
        size = len(self.articles) + len(self.failures)
        if size >= self.batch_size or time.monotonic() - self.last_flush >= self.batch_seconds:
            self.flush()
        return item

    def flush(self, final: bool = False) -> None:
        spider = self.crawler.spider
        site = spider.plan.site.key
        listings = self.pending + self.listings
        try:
            result, self.pending = store.save_batch(
                self.db, site, self.run_id, self.articles, listings, self.failures
            )
        except Exception as exc:
            self.error = exc
            spider.store_error = f"写入数据库失败：{exc}"
            spider.logger.error("写入数据库失败：%s", exc)
            asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="store_error"))
            raise StoreError(f"写入数据库失败：{exc}") from exc
        self.articles, self.listings, self.failures = [], [], []
        self.last_flush = time.monotonic()
        for column, count in result.new.items():
            if column in spider.figures:
                spider.figures[column].new += count
        for column, count in result.updated.items():
            if column in spider.figures:
                spider.figures[column].updated += count
        spider.new_total += sum(result.new.values())
        spider.updated_total += sum(result.updated.values())
        if self.run_id is not None:
            store.save_run_progress(self.db, self.run_id, site, spider.totals(),
                                    {k: f.as_dict() for k, f in spider.figures.items()})
