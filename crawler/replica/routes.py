"""What the replica answers for a request target, and the control actions tests use.

Kept apart from Twisted so it can be read and tested as plain Python: `ReplicaState.answer(target)` gives a
`Reply`; the server only writes it out.
"""

from __future__ import annotations

import json
import re
import weakref
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawler.replica import render
from crawler.replica.generator import COLUMN_BY_CATID, COLUMN_BY_CODE, COLUMN_BY_KEY, Article, ReplicaSite

CONTROL = "/__replica__/"
HOST = "127.0.0.1"
READY_PREFIX = "REPLICA"   # first line of `serve`: "REPLICA http://127.0.0.1:PORT"
HTML = b"text/html; charset=utf-8"
LEGACY = re.compile(r"^/html/czgh/(\d{4})/([A-Z]{8})_(\d{4})/(\d+)\.html$")
LIST = re.compile(r"^/html/czgh/([A-Z]{8})/index(?:_(\d+))?\.html$")
ARTICLE_CACHE_SIZE = 4096
CSS = b"body{font-family:SimSun,serif;font-size:14px}.title h1{font-size:22px;text-align:center}\n"


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: bytes = HTML
    delay: float = 0.0


class ControlError(Exception):
    """A control request with a bad or missing parameter."""


Handler = Callable[[dict[str, str]], dict[str, Any]]


class Controlled:
    """Control requests under /__replica__/ACTION?…, answered in JSON and not counted; each replica's state
    names its actions in `handlers()`."""

    def handlers(self) -> dict[str, Handler]:
        raise NotImplementedError

    def control(self, target: str) -> Reply:
        """A control request under /__replica__/; answers JSON and is not counted."""
        parts = urlsplit(target)
        action = parts.path.removeprefix(CONTROL).strip("/")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        handlers = self.handlers()
        if action not in handlers:
            return _json(404, {"error": f"unknown action {action!r}", "actions": sorted(handlers)})
        try:
            return _json(200, handlers[action](query))
        except ControlError as exc:
            return _json(400, {"error": str(exc)})


class ReplicaState(Controlled):
    """The served site plus what tests can observe and change: counters, growth, broken columns."""

    def __init__(self, site: ReplicaSite, slow_seconds: float = 2.0) -> None:
        self.site = site
        self.slow_seconds = slow_seconds
        self.counts: Counter[str] = Counter()
        self.total = 0
        self.connections = 0
        self._seen_connections: weakref.WeakSet[Any] = weakref.WeakSet()
        self.failed_once: set[int] = set()
        self.broken: set[str] = set()
        self._articles: OrderedDict[tuple[int, int | None], bytes] = OrderedDict()
        self._lists: dict[tuple[str, int], bytes | None] = {}

    # --- site pages ----------------------------------------------------------------------------------

    def note_connection(self, connection: Any) -> None:
        """Count a connection the first time it asks for a site page (control calls do not count)."""
        if connection not in self._seen_connections:
            self._seen_connections.add(connection)
            self.connections += 1

    def answer(self, target: str) -> Reply:
        """The reply to a GET of `target` (path and query as sent); counts it."""
        self.counts[target] += 1
        self.total += 1
        parts = urlsplit(target)
        path = parts.path
        if path in ("/", "/index.html"):
            return Reply(200, self._list_cached("", 0, lambda: render.home(self.site)))
        if path == "/robots.txt":
            return Reply(200, render.ROBOTS, b"text/plain")
        if path.startswith("/uploadfile/") and path.endswith(".jpg"):
            return Reply(200, render.PIXEL, b"image/gif")
        if path == "/css/czgh.css":
            return Reply(200, CSS, b"text/css")
        if path == "/content/suitable/show":
            return self._suitable(parse_qs(parts.query))
        match = LEGACY.match(path)
        if match:
            return self._legacy(path, int(match[4]))
        match = LIST.match(path)
        if match:
            return self._list(match[1], int(match[2] or 1))
        return Reply(404, render.NOT_FOUND)

    def _legacy(self, path: str, aid: int) -> Reply:
        article = self.site.article(aid)
        if article is None or article.legacy_path != path:
            return Reply(404, render.NOT_FOUND)
        return self._article(article, None)

    def _suitable(self, query: dict[str, list[str]]) -> Reply:
        try:
            catid, aid = int(query["catid"][0]), int(query["id"][0])
        except (KeyError, ValueError):
            return Reply(404, render.NOT_FOUND)
        article = self.site.article(aid)
        if article is None or catid not in COLUMN_BY_CATID:
            return Reply(404, render.NOT_FOUND)
        return self._article(article, catid)

    def _article(self, article: Article, catid: int | None) -> Reply:
        if article.status != 200:
            return Reply(article.status, render.NOT_FOUND)
        if article.id == self.site.quirks.get("flaky") and article.id not in self.failed_once:
            self.failed_once.add(article.id)
            return Reply(500, render.SERVER_ERROR)
        key = (article.id, catid)
        body = self._articles.get(key)
        if body is None:
            body = render.legacy_article(article) if catid is None else render.suitable_article(article, catid)
            self._articles[key] = body
            if len(self._articles) > ARTICLE_CACHE_SIZE:
                self._articles.popitem(last=False)
        else:
            self._articles.move_to_end(key)
        # The GBK page declares gb2312 in its markup only, like the old template did.
        content_type = b"text/html" if article.charset == "gbk" else HTML
        delay = self.slow_seconds if article.id == self.site.quirks.get("slow") else 0.0
        return Reply(200, body, content_type, delay)

    def _list(self, code: str, page: int) -> Reply:
        if code in render.OTHER_LISTS:
            return Reply(200, render.empty_list(code)) if page == 1 else Reply(404, render.NOT_FOUND)
        column = COLUMN_BY_CODE.get(code)
        if column is None:
            return Reply(404, render.NOT_FOUND)
        broken = column.key in self.broken
        body = self._list_cached(column.key, page, lambda: render.list_page(self.site, column.key, page, broken))
        return Reply(200, body) if body is not None else Reply(404, render.NOT_FOUND)

    def _list_cached(self, key: str, page: int, make: Any) -> Any:
        if (key, page) not in self._lists:
            self._lists[(key, page)] = make()
        return self._lists[(key, page)]

    # --- control -------------------------------------------------------------------------------------

    def handlers(self) -> dict[str, Handler]:
        return {"info": self.info, "grow": self.grow, "requests": self.requests, "reset": self.reset,
                "break": self.break_column, "restore": self.restore_column}

    def info(self, _: dict[str, str]) -> dict[str, Any]:
        site = self.site
        return {
            "articles": site.n, "seed": site.seed, "per_day": site.per_day,
            "newest_id": site.articles[-1].id if site.articles else None,
            "quirks": dict(site.quirks), "slow_seconds": self.slow_seconds, "broken": sorted(self.broken),
            "columns": {key: len(site.listing(key)) for key in COLUMN_BY_KEY},
        }

    def grow(self, query: dict[str, str]) -> dict[str, Any]:
        k = _int(query, "k")
        before = self.site.n
        self.site = self.site.grow(k)
        self._lists.clear()
        return {"articles": self.site.n, "added": [a.id for a in self.site.articles[before:]]}

    def requests(self, _: dict[str, str]) -> dict[str, Any]:
        return {"total": self.total, "connections": self.connections, "counts": dict(self.counts)}

    def reset(self, _: dict[str, str]) -> dict[str, Any]:
        """Zero the counters and re-arm the page that fails once."""
        self.counts.clear()
        self.total = 0
        self.connections = 0
        self._seen_connections = weakref.WeakSet()
        self.failed_once.clear()
        return {"ok": True}

    def break_column(self, query: dict[str, str]) -> dict[str, Any]:
        self.broken.add(_column_key(query))
        self._lists.clear()
        return {"broken": sorted(self.broken)}

    def restore_column(self, query: dict[str, str]) -> dict[str, Any]:
        self.broken.discard(_column_key(query))
        self._lists.clear()
        return {"broken": sorted(self.broken)}


def _json(status: int, data: dict[str, Any]) -> Reply:
    return Reply(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), b"application/json; charset=utf-8")


def _int(query: dict[str, str], name: str) -> int:
    try:
        value = int(query[name])
    except (KeyError, ValueError):
        raise ControlError(f"{name} must be a whole number") from None
    if value < 0:
        raise ControlError(f"{name} must not be negative")
    return value


def _column_key(query: dict[str, str]) -> str:
    """A column named by its code (KEBQLDDJ) or its key (jcdt)."""
    name = query.get("column", "")
    if name in COLUMN_BY_CODE:
        return COLUMN_BY_CODE[name].key
    if name in COLUMN_BY_KEY:
        return name
    raise ControlError(f"unknown column {name!r}")
