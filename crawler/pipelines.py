"""Write crawled items to SQLite in batches, through tracker.store only.

A batch is one transaction: an article is stored whole or not at all, and the run's figures count an
article as stored only after its batch has committed. A batch the database refuses for one bad record
(a CHECK constraint, a number out of range) is saved again one article at a time, so the good ones are
kept and the bad one becomes a recorded failure. Any other failed write (disk full, a locked or broken
file) closes the spider and fails the run; it is never logged and skipped.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from tracker import store
from tracker.config import load_settings


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
        self.retry_nights = settings.getint("XINXI_RETRY_NIGHTS", 5)
        self.db = None
        self.notice_context: Any = None
        self.tracker_settings: Any = None

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
        elif kind == "failure":
            self.failures.append(item)
        elif kind == "notice":
            self.save_notice(item)
        size = len(self.articles) + len(self.failures)
        if size >= self.batch_size or time.monotonic() - self.last_flush >= self.batch_seconds:
            self.flush()
        return item

    def flush(self, final: bool = False) -> None:
        spider = self.crawler.spider
        site = spider.plan.site.key
        listings = self.pending + self.listings
        try:
            try:
                result, self.pending = store.save_batch(
                    self.db, site, self.run_id, self.articles, listings, self.failures, self.retry_nights
                )
            except (sqlite3.IntegrityError, OverflowError) as exc:
                if not _record_refused(exc):
                    raise
                result, self.pending = self._salvage(site, listings)
        except Exception as exc:
            self.error = exc
            spider.disk_full = _disk_full(exc)
            spider.store_error = (f"磁盘已满，无法写入数据库 {self.db_path}：已入库的文章都在，腾出空间后重新抓取即可"
                                  if spider.disk_full else f"写入数据库失败：{exc}")
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
        for url in result.gave_up:
            spider.logger.warning("%s 已连续多晚失败，不再自动重试", url)
        spider.gave_up += len(result.gave_up)
        spider.new_total += sum(result.new.values())
        spider.updated_total += sum(result.updated.values())
        if self.run_id is not None:
            store.save_run_progress(self.db, self.run_id, site, spider.totals(),
                                    {k: f.as_dict() for k, f in spider.figures.items()})

    def save_notice(self, item: dict[str, Any]) -> None:
        """Hand a crawled notice page and its attachments to the notices library (it stores and reads them)."""
        from tracker.notices.service import load_context, save_crawled

        spider = self.crawler.spider
        if self.notice_context is None:
            self.tracker_settings = load_settings(self.crawler.settings.get("XINXI_CONFIG"), db=self.db_path)
            self.notice_context = load_context(self.tracker_settings, self.db)
        try:
            outcome = save_crawled(self.db, self.tracker_settings, item["body"], item["url"], item["fetched_at"],
                                   item["attachments"], site=spider.plan.site.key, ctx=self.notice_context)
        except Exception as exc:
            self.error = exc
            spider.store_error = f"保存通报失败：{exc}"
            spider.logger.error("保存通报失败 %s：%s", item["url"], exc)
            asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="store_error"))
            raise StoreError(f"保存通报失败：{exc}") from exc
        spider.notices_seen.append({"url": item["url"], "title": item.get("title"),
                                    "notice_id": getattr(outcome, "notice_id", None),
                                    "missing": list(item.get("missing") or ())})

    def _salvage(self, site: str, listings: list[store.Listing]) -> tuple[store.BatchResult, list[store.Listing]]:
        """Save a refused batch one article at a time; the articles the database refuses become failures."""
        spider = self.crawler.spider
        total = store.BatchResult()
        refused = []
        for article in self.articles:
            try:
                one, _ = store.save_batch(self.db, site, self.run_id, [article], (), (), self.retry_nights)
            except (sqlite3.IntegrityError, OverflowError) as exc:
                if not _record_refused(exc):
                    raise
                column = article.get("column")
                if column in spider.figures:
                    spider.figures[column].errors += 1
                else:
                    spider.other_errors += 1
                valid_id = isinstance(article.get("id"), int) and 0 < article["id"] < 2**63
                refused.append({"type": "failure", "article_id": article["id"] if valid_id else None,
                                "url": article["url"], "kind": "invalid", "detail": f"数据库拒绝存入：{exc}",
                                "status": None, "column": column})
                continue
            for attr in ("new", "updated"):
                for column, count in getattr(one, attr).items():
                    getattr(total, attr)[column] = getattr(total, attr).get(column, 0) + count
        rest, pending = store.save_batch(self.db, site, self.run_id, (), listings, [*self.failures, *refused],
                                         self.retry_nights)
        total.gave_up = rest.gave_up
        return total, pending


def _record_refused(exc: BaseException) -> bool:
    """True when the database refused one record for its values (a CHECK, a number out of range)."""
    if isinstance(exc, OverflowError):
        return True
    return str(exc).startswith(("CHECK constraint failed", "NOT NULL constraint failed", "datatype mismatch"))


def _disk_full(exc: BaseException) -> bool:
    """True when a write failed because the disk (or the database's quota) is full."""
    text = str(exc).lower()
    return "disk is full" in text or "no space left" in text or getattr(exc, "errno", None) == 28
