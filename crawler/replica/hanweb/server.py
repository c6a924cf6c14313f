"""The provincial replica over real HTTP on 127.0.0.1 (Twisted), GET and the dataproxy POST."""

from __future__ import annotations

import sys
from urllib.parse import parse_qs

from twisted.internet import reactor
from twisted.web import server
from twisted.web.resource import Resource

from crawler.replica.hanweb.generator import ITEMS_PER_DAY, generate
from crawler.replica.hanweb.routes import HanwebState
from crawler.replica.routes import CONTROL, HOST, READY_PREFIX
from crawler.replica.server import BACKLOG, QuietSite, _stop_when_stdin_closes


class HanwebResource(Resource):
    isLeaf = True

    def __init__(self, state: HanwebState) -> None:
        super().__init__()
        self.state = state

    def render(self, request: server.Request) -> bytes:
        target = request.uri.decode("latin-1")
        if target.startswith(CONTROL):
            reply = self.state.control(target)
        else:
            method = request.method.decode("ascii", "replace")
            form = None
            if method == "POST" and request.content is not None:
                form = parse_qs(request.content.read().decode("utf-8", "replace"))
            reply = self.state.answer(method, target, form)
        request.setResponseCode(reply.status)
        request.setHeader(b"server", b"nginx")
        request.setHeader(b"content-type", reply.content_type)
        return reply.body


def listen(state: HanwebState, port: int = 0) -> int:
    site = QuietSite(HanwebResource(state))
    listening = reactor.listenTCP(port, site, backlog=BACKLOG, interface=HOST)  # type: ignore[attr-defined]
    return int(listening.getHost().port)


def serve(items: int, seed: int = 1, port: int = 0, per_day: float = ITEMS_PER_DAY, stop_on_eof: bool = False) -> None:
    """Generate, listen, print `REPLICA http://127.0.0.1:PORT` first, serve until killed."""
    bound = listen(HanwebState(generate(items, seed, per_day)), port)
    sys.stdout.write(f"{READY_PREFIX} http://{HOST}:{bound}\n")
    sys.stdout.flush()
    if stop_on_eof:
        _stop_when_stdin_closes()
    reactor.run()  # type: ignore[attr-defined]
