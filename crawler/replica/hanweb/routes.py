"""What the provincial replica answers, apart from Twisted: `HanwebState.answer(method, target, form)`.

Control paths under /__replica__/ as for the municipal replica (info, grow, requests, reset), plus `block`
(every page answers as a WAF would, status 403, 412 or 521) and `unblock`.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawler.replica.hanweb import render
from crawler.replica.hanweb.generator import COLUMN_BY_ID, NOTICES, PAGE_SIZE, ProvincialSite
from crawler.replica.hanweb.notices import Notice, make_notices
from crawler.replica.routes import ControlError, Controlled, Handler, Reply, _int

LIST = re.compile(r"^/col/col(\d+)/index\.html$")
ARTICLE = re.compile(r"^/art/(\d{4})/(\d{1,2})/(\d{1,2})/art_(\d+)_(\d+)\.html$")
PROXY = "/module/web/jpage/dataproxy.jsp"
DOWNLOAD = "/module/download/downfile.jsp"
BLOCK_STATUSES = (403, 412, 521)
TYPES = {".doc": b"application/msword", ".xls": b"application/vnd.ms-excel", ".pdf": b"application/pdf",
         ".docx": b"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         ".xlsx": b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class HanwebState(Controlled):
    """The served provincial site, its request log, and the switches tests use."""

    def __init__(self, site: ProvincialSite, notices: tuple[Notice, ...] | None = None) -> None:
        self.site = site
        self.notices = make_notices() if notices is None else notices
        self.counts: Counter[str] = Counter()
        self.total = 0
        self.blocked: int | None = None
        self._pages: dict[str, bytes] = {}

    def _rows(self, column: int) -> list[tuple[str, str, str]]:
        if column == NOTICES.id:
            return [(n.path, n.title, n.date) for n in reversed(self.notices)]
        return [(i.path, i.title, i.date) for i in self.site.listing(column)]

    def answer(self, method: str, target: str, form: dict[str, list[str]] | None = None) -> Reply:
        """The reply to one request; counts it (a POST by its path and query too)."""
        self.counts[target if method == "GET" else f"{method} {target}"] += 1
        self.total += 1
        if self.blocked is not None:
            return Reply(self.blocked, render.waf(f"{self.total:08d}"))
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        path = parts.path
        if path == "/robots.txt":
            return Reply(200, render.ROBOTS, b"text/plain")
        if path == PROXY:
            return self._proxy(query, form or {})
        if path == DOWNLOAD:
            return self._download(query)
        match = LIST.match(path)
        if match:
            return self._list(int(match[1]), _first_int(query, "pageNum", 1))
        match = ARTICLE.match(path)
        if match:
            return self._article(path, int(match[4]), int(match[5]))
        return Reply(404, render.NOT_FOUND)

    def _list(self, column_id: int, page: int) -> Reply:
        column = COLUMN_BY_ID.get(column_id)
        if column is None:
            return Reply(404, render.NOT_FOUND)
        key = f"list/{column_id}/{page}"
        if key not in self._pages:
            rows = self._rows(column_id)
            pages = max(1, -(-len(rows) // PAGE_SIZE))
            if not 1 <= page <= pages:
                return Reply(404, render.NOT_FOUND)
            chunk = rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
            self._pages[key] = render.list_page(column, page, chunk, len(rows))
        return Reply(200, self._pages[key])

    def _proxy(self, query: dict[str, list[str]], form: dict[str, list[str]]) -> Reply:
        column_id = _first_int(form, "columnid", 0) or _first_int(query, "columnid", 0)
        if column_id not in COLUMN_BY_ID:
            return Reply(404, render.NOT_FOUND)
        rows = self._rows(column_id)
        start = max(1, _first_int(query, "startrecord", 1))
        end = _first_int(query, "endrecord", start + PAGE_SIZE - 1)
        perpage = _first_int(query, "perpage", PAGE_SIZE)
        return Reply(200, render.dataproxy(rows[start - 1: end], len(rows), perpage), b"text/xml; charset=utf-8")

    def _article(self, path: str, column: int, aid: int) -> Reply:
        if column == NOTICES.id:
            notice = next((n for n in self.notices if n.id == aid), None)
            if notice is None or notice.path != path:
                return Reply(404, render.NOT_FOUND)
            return Reply(200, render.notice(notice))
        item = self.site.by_id.get(aid)
        if item is None or item.path != path:
            return Reply(404, render.NOT_FOUND)
        if item.status != 200:
            return Reply(item.status, render.waf(f"{aid:08d}"))
        return Reply(200, render.article(item))

    def _download(self, query: dict[str, list[str]]) -> Reply:
        name = (query.get("filename") or [""])[0]
        for notice in self.notices:
            for attachment in notice.attachments:
                if attachment.filename == name:
                    ext = name[name.rfind("."):]
                    return Reply(200, attachment.body, TYPES.get(ext, b"application/octet-stream"))
        return Reply(404, render.NOT_FOUND)

    # --- control -------------------------------------------------------------------------------------

    def handlers(self) -> dict[str, Handler]:
        return {"info": self.info, "grow": self.grow, "requests": self.requests, "reset": self.reset,
                "block": self.block, "unblock": self.unblock}

    def info(self, _: dict[str, str]) -> dict[str, Any]:
        return {"articles": self.site.n, "seed": self.site.seed, "per_day": self.site.per_day,
                "quirks": dict(self.site.quirks), "blocked": self.blocked,
                "columns": {str(c): len(self._rows(c)) for c in COLUMN_BY_ID},
                "notices": [{"path": n.path, "title": n.title, "about_information": n.about_information,
                             "attachments": [a.path for a in n.attachments]} for n in self.notices]}

    def grow(self, query: dict[str, str]) -> dict[str, Any]:
        before = self.site.n
        self.site = self.site.grow(_int(query, "k"))
        self._pages.clear()
        return {"articles": self.site.n, "added": [i.id for i in self.site.items[before:]]}

    def requests(self, _: dict[str, str]) -> dict[str, Any]:
        return {"total": self.total, "counts": dict(self.counts)}

    def reset(self, _: dict[str, str]) -> dict[str, Any]:
        self.counts.clear()
        self.total = 0
        return {"ok": True}

    def block(self, query: dict[str, str]) -> dict[str, Any]:
        status = _int(query, "status") if "status" in query else 403
        if status not in BLOCK_STATUSES:
            raise ControlError(f"status must be one of {BLOCK_STATUSES}")
        self.blocked = status
        return {"blocked": status}

    def unblock(self, _: dict[str, str]) -> dict[str, Any]:
        self.blocked = None
        return {"blocked": None}


def _first_int(query: dict[str, list[str]], name: str, default: int) -> int:
    try:
        return int((query.get(name) or [""])[0])
    except ValueError:
        return default
