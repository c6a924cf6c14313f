"""The replica over real HTTP/1.1 on 127.0.0.1, with Twisted: keep-alive, a deep listen backlog, many connections.

`serve()` runs the reactor until the process is killed, so it belongs in its own process
(`python -m crawler.replica serve`, or `ReplicaProcess` from crawler/replica/process.py).
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from twisted.internet import reactor
from twisted.internet.interfaces import IDelayedCall
from twisted.web import server
from twisted.web.resource import Resource

from crawler.replica.generator import ARTICLES_PER_DAY, generate
from crawler.replica.routes import CONTROL, HOST, READY_PREFIX, ReplicaState, Reply

BACKLOG = 1024


class ReplicaResource(Resource):
    """Every path goes to the state; control paths to its control actions."""

    isLeaf = True

    def __init__(self, state: ReplicaState) -> None:
        super().__init__()
        self.state = state

    def render(self, request: server.Request) -> bytes | int:
        target = request.uri.decode("latin-1")
        if target.startswith(CONTROL):
            reply = self.state.control(target)
        else:
            self.state.note_connection(request.channel)
            reply = self.state.answer(target)
        request.setResponseCode(reply.status)
        request.setHeader(b"server", b"nginx")
        request.setHeader(b"content-type", reply.content_type)
        if reply.delay <= 0:
            return reply.body
        return self._later(request, reply)

    def _later(self, request: server.Request, reply: Reply) -> int:
        request.setHeader(b"content-length", str(len(reply.body)).encode())
        call: IDelayedCall = reactor.callLater(reply.delay, _finish, request, reply.body)  # type: ignore[attr-defined]
        request.notifyFinish().addErrback(lambda _: call.cancel() if call.active() else None)
        return server.NOT_DONE_YET


def _finish(request: server.Request, body: bytes) -> None:
    if request.method != b"HEAD":
        request.write(body)
    request.finish()


class QuietSite(server.Site):
    """A Site that keeps no access log."""

    noisy = False
    displayTracebacks = False

    def log(self, request: Any) -> None:
        return None


def listen(state: ReplicaState, port: int = 0) -> int:
    """Start listening on 127.0.0.1; returns the bound port. The reactor must be run by the caller."""
    site = QuietSite(ReplicaResource(state))
    listening = reactor.listenTCP(port, site, backlog=BACKLOG, interface=HOST)  # type: ignore[attr-defined]
    return int(listening.getHost().port)


def _stop_when_stdin_closes() -> None:
    """Stop once standard input reaches its end: the parent holding the pipe has gone, even if killed."""

    def watch() -> None:
        # Raw reads: a buffered stdin would hold its lock while the interpreter shuts down.
        while os.read(0, 4096):
            pass
        reactor.callFromThread(reactor.stop)  # type: ignore[attr-defined]

    threading.Thread(target=watch, name="stdin-watch", daemon=True).start()


def serve(articles: int, seed: int = 1, port: int = 0, slow_seconds: float = 2.0,
          per_day: float = ARTICLES_PER_DAY, stop_on_eof: bool = False) -> None:
    """Generate the replica, listen, print `REPLICA http://127.0.0.1:PORT` as the first line, serve until killed."""
    state = ReplicaState(generate(articles, seed, per_day), slow_seconds)
    bound = listen(state, port)
    sys.stdout.write(f"{READY_PREFIX} http://{HOST}:{bound}\n")
    sys.stdout.flush()
    if stop_on_eof:
        _stop_when_stdin_closes()
    reactor.run()  # type: ignore[attr-defined]
