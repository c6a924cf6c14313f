"""The baseline for bench/crawl.py: a bare Scrapy spider over the same pages, with a no-op pipeline.

Run as `python bench/bare_spider.py [--hanweb] BASE_URL LIST_PATH [LIST_PATH …]`; prints one JSON line of figures.
With --hanweb the lists are Hanweb JCMS pages: article links inside the `<datastore>` records, the next page
by `pageNum` while `totalPage` says there are more.
"""

from __future__ import annotations

import json
import re
import sys
import time
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess

ARTICLE = re.compile(r"/html/czgh/\d{4}/[A-Z]{8}_\d{4}/\d+\.html|/content/suitable/show\?catid=\d+&id=\d+")
HANWEB_ARTICLE = re.compile(r'href="(/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_(\d+)\.html)"')
TOTAL_PAGE = re.compile(r"totalPage\s*[:=]\s*(\d+)")
PAGE_NUM = re.compile(r"pageNum=(\d+)")


class NoopPipeline:
    def process_item(self, item: Any) -> Any:
        return item


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, base: str, lists: list[str], hanweb: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base = base
        self.lists = lists
        self.hanweb = hanweb
        self.seen: set[str] = set()

    async def start(self) -> Any:
        for path in self.lists:
            yield scrapy.Request(self.base + path, callback=self.parse_list)

    def parse_list(self, response: Any) -> Any:
        if self.hanweb:
            yield from self.parse_hanweb_list(response)
            return
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            match = ARTICLE.search(url)
            if match:
                key = match.group(0).rsplit("=", 1)[-1].rsplit("/", 1)[-1].split(".")[0]
                if key not in self.seen:
                    self.seen.add(key)
                    yield scrapy.Request(url, callback=self.parse_article)
        for anchor in response.xpath("//a[normalize-space(.)='下一页']/@href").getall():
            yield response.follow(anchor, callback=self.parse_list)

    def parse_hanweb_list(self, response: Any) -> Any:
        for path, key in HANWEB_ARTICLE.findall(response.text):
            if key not in self.seen:
                self.seen.add(key)
                yield scrapy.Request(response.urljoin(path), callback=self.parse_article)
        total, page = TOTAL_PAGE.search(response.text), PAGE_NUM.search(response.url)
        if total and page and int(page[1]) < int(total[1]):
            yield scrapy.Request(PAGE_NUM.sub(f"pageNum={int(page[1]) + 1}", response.url), callback=self.parse_list)

    def parse_article(self, response: Any) -> Any:
        yield {"url": response.url, "size": len(response.body)}


def main() -> None:
    args = sys.argv[1:]
    hanweb = args[0] == "--hanweb"
    base, lists = (args[1], args[2:]) if hanweb else (args[0], args[1:])
    process = CrawlerProcess({
        "LOG_LEVEL": "ERROR", "TELNETCONSOLE_ENABLED": False, "COOKIES_ENABLED": False,
        "ROBOTSTXT_OBEY": True, "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        "CONCURRENT_ITEMS": 1, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
        "ITEM_PIPELINES": {"__main__.NoopPipeline": 300},
    })
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, base=base, lists=lists, hanweb=hanweb)
    started = time.perf_counter()
    process.start()
    elapsed = time.perf_counter() - started
    requests = crawler.stats.get_value("downloader/request_count", 0)
    print(json.dumps({"requests": requests, "seconds": elapsed, "items": crawler.stats.get_value("item_scraped_count", 0)}))


if __name__ == "__main__":
    main()
