"""A hostile site for crawl tests: pages in the replica's shape, each with one fault, over real HTTP on
127.0.0.1 (http.server on a thread, port 0).

Column 基层动态 (KEBQLDDJ) lists good articles and one of each fault; 工会要闻 (KEBLLDDH) has a 下一页
that never ends; the other columns list nothing. `state` switches faults on and off between nights.
"""

from __future__ import annotations

import gzip
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

GOOD = {101: "溧阳市总工会", 102: "金坛区总工会", 103: "武进区总工会"}
HUGE = 99999999999999999999
BAD_DATE, OTHER_HOST, AWAY, LOOP, DEEP, BOMB, CONTROLS, FLAKY, DEAD, BYLINES, NO_TITLE = range(104, 115)
OTHER = "127.0.0.2"
DEPTH = 50_000
BOMB_BYTES = 64 * 1024 * 1024


def article_path(aid: int) -> str:
    return f"/html/czgh/2024/KEBQLDDJ_0311/{aid}.html"


def article_html(title: str, date: str, source: str, body: str, closing: str = "") -> bytes:
    """An article page in the replica's layout."""
    return f"""<html><head><meta charset="utf-8"><title>{title} - 常州市总工会</title></head><body>
<div class="position">您的位置：首页 >> 基层动态</div>
<div class="title"><h1>{title}</h1></div>
<div class="info">发布日期：{date}  来源：{source}  浏览次数：3</div>
<div class="content"><p>{body}</p>{closing}</div>
<div class="footer">主办单位：常州市总工会</div>
</body></html>""".encode()


def list_html(links: list[str], next_href: str | None) -> bytes:
    items = "".join(f'<li><a href="{href}" title="文章">文章</a><span>2024-03-11</span></li>' for href in links)
    more = f'<a href="{next_href}">下一页</a>' if next_href else ""
    return f'<html><head><meta charset="utf-8"></head><body><ul class="list">{items}</ul>{more}</body></html>'.encode()


@dataclass
class HostileState:
    port: int = 0
    healed: bool = False          # FLAKY answers 503 until this is set
    counts: dict[str, int] = field(default_factory=dict)
    bomb: bytes = b""

    def links(self) -> list[str]:
        other = f"http://{OTHER}:{self.port}{article_path(OTHER_HOST)}"
        ids = [*GOOD, BAD_DATE, AWAY, LOOP, DEEP, BOMB, CONTROLS, FLAKY, DEAD, BYLINES, NO_TITLE]
        return [article_path(i) for i in ids] + [article_path(HUGE), other]

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        self.counts[path] = self.counts.get(path, 0) + 1
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
        if path == "/html/czgh/KEBQLDDJ/index.html":
            return 200, html, list_html(self.links(), None)
        endless = re.fullmatch(r"/html/czgh/KEBLLDDH/index(?:_(\d+))?\.html", path)
        if endless:
            page = int(endless[1] or 1)
            return 200, html, list_html([article_path(101)], f"/html/czgh/KEBLLDDH/index_{page + 1}.html")
        if re.fullmatch(r"/html/czgh/[A-Z]{8}/index\.html", path):
            return 200, html, list_html([], None)
        match = re.fullmatch(r"/html/czgh/2024/KEBQLDDJ_0311/(\d+)\.html", path)
        if not match:
            return 404, html, b"not found"
        return self._article(int(match[1]), html)

    def _article(self, aid: int, html: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        body = "工会组织职工开展技能竞赛，共有一百二十名职工参加。"
        if aid in GOOD:
            return 200, html, article_html(f"第{aid}号职工技能竞赛举行", "2024-03-11", GOOD[aid], body)
        if aid == BAD_DATE:
            return 200, html, article_html("日期不存在的文章", "2024-02-30", "溧阳市总工会", body)
        if aid == AWAY:
            return 302, {"Location": f"http://{OTHER}:{self.port}{article_path(AWAY)}"}, b""
        if aid == LOOP:
            return 302, {"Location": article_path(LOOP)}, b""
        if aid == DEEP:
            deep = "<div>" * DEPTH + "深" + "</div>" * DEPTH
            return 200, html, article_html("嵌套很深的文章", "2024-03-11", "溧阳市总工会", deep)
        if aid == BOMB:
            return 200, {**html, "Content-Encoding": "gzip"}, self.bomb
        if aid == CONTROLS:
            return 200, html, article_html("控制\x1b[31m字符\x07标题\x00", "2024-03-11", "金坛区\x1b总工会", body)
        if aid == FLAKY and not self.healed:
            return 503, html, b"busy"
        if aid == FLAKY:
            return 200, html, article_html("终于打开的文章", "2024-03-11", "武进区总工会", body)
        if aid == DEAD:
            return 503, html, b"busy"
        if aid == BYLINES:
            closing = "".join("<p>（溧阳市总工会）</p>" for _ in range(5000))
            return 200, html, article_html("署名很多的文章", "2024-03-11", "溧阳市总工会", body, closing)
        if aid == NO_TITLE:
            return 200, html, "<html><body><p>只有正文，没有标题和日期。</p></body></html>".encode()
        return 404, html, b"not found"


class HostileServer:
    """Serve `HostileState` on 127.0.0.1 in a thread; a context manager."""

    def __init__(self) -> None:
        self.state = HostileState(bomb=gzip.compress(b"<html><body>" + b" " * BOMB_BYTES, compresslevel=9))
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's hook name)
                status, headers, body = state.answer(self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.state.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.state.port}"

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
