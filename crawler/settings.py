"""Scrapy settings that do not come from config/sites.toml. Plain constants."""

BOT_NAME = "xinxi"
SPIDER_MODULES = ["crawler.spiders"]
LOG_LEVEL = "WARNING"
TELNETCONSOLE_ENABLED = False
COOKIES_ENABLED = False
# Items are written in batches by the store pipeline; one item at a time keeps the reactor responsive.
CONCURRENT_ITEMS = 1
CONCURRENT_REQUESTS = 16
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Seconds before the first retry; each later retry waits twice as long.
RETRY_BACKOFF_BASE = 1.0
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.HostGuardMiddleware": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
}
# A page is a few tens of KB. Scrapy applies these to the body after decompression too, so a gzip
# bomb is cut off at the limit instead of filling memory.
DOWNLOAD_MAXSIZE = 4 * 1024 * 1024
DOWNLOAD_WARNSIZE = 1024 * 1024
# A redirect chain longer than this (a page redirecting to itself) is a failure of that page.
REDIRECT_MAX_TIMES = 5
# Scrapy checks each generator callback for a `return value` by reading and parsing its source, remembered
# only as long as that bound method object lives: a new one comes with every request, so a crawl kept
# re-reading the spider's source (a twentieth of its time on the provincial replica).
WARN_ON_GENERATOR_RETURN_VALUE = False
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
# Rows per SQLite transaction, and the longest an item waits in memory before it is written.
STORE_BATCH_SIZE = 200
STORE_BATCH_SECONDS = 1.0
