"""Run the replica in a child process (a Twisted reactor cannot be restarted in-process) and talk to it.

    with ReplicaProcess(articles=200, slow_seconds=0.5) as replica:
        replica.base_url            # http://127.0.0.1:PORT
        replica.site                # the ground truth, regenerated here and kept in step with grow()
        replica.grow(5); replica.requests(); replica.reset_counts(); replica.break_column("KEBQLDDJ")
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlencode

from crawler.replica.generator import ARTICLES_PER_DAY, ReplicaSite, generate
from crawler.replica.routes import READY_PREFIX

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class ReplicaError(Exception):
    """The replica did not start, or a control request failed."""


class ReplicaProcess:
    """A replica server in a subprocess, with the control calls tests and the demo need."""

    def __init__(self, articles: int = 200, seed: int = 1, slow_seconds: float = 2.0,
                 per_day: float = ARTICLES_PER_DAY, port: int = 0, startup_timeout: float = 60.0) -> None:
        self.articles = articles
        self.seed = seed
        self.slow_seconds = slow_seconds
        self.per_day = per_day
        self.port = port
        self.startup_timeout = startup_timeout
        self.base_url = ""
        self._proc: subprocess.Popen[str] | None = None
        self._site: ReplicaSite | None = None

    # --- lifecycle -----------------------------------------------------------------------------------

    # What the server is called in an error, and the module that serves it.
    NAME = "副本服务器"

    def command(self) -> list[str]:
        """The child's command line."""
        return [sys.executable, "-m", "crawler.replica", "serve", "--articles", str(self.articles),
                "--seed", str(self.seed), "--port", str(self.port), "--slow-seconds", str(self.slow_seconds),
                "--per-day", str(self.per_day), "--stop-on-eof"]

    def start(self) -> Self:
        """Start the server and wait until it answers."""
        cmd = self.command()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(PROJECT_ROOT), env.get("PYTHONPATH"))))
        # The child stops by itself when this process goes away and its stdin pipe closes.
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
                                      cwd=PROJECT_ROOT)
        line = self._first_line()
        if not line.startswith(READY_PREFIX + " "):
            self.stop()
            raise ReplicaError(f"{self.NAME}没有启动：{line!r}")
        self.base_url = line.split()[1]
        self.info()  # answers over HTTP, not just printed its address
        return self

    def _first_line(self) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self._proc.stdout], [], [], 0.1)
            if ready:
                return self._proc.stdout.readline().strip()
            if self._proc.poll() is not None:
                return f"进程已退出，状态 {self._proc.returncode}"
        return f"{self.startup_timeout} 秒内未就绪"

    def stop(self) -> None:
        """Stop the server; safe to call twice."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # --- ground truth --------------------------------------------------------------------------------

    @property
    def site(self) -> ReplicaSite:
        """The ground truth of what the server now serves (regenerated here, grown in step)."""
        if self._site is None or self._site.n != self.articles:
            self._site = self._site.grow(self.articles - self._site.n) if self._site else self.generate()
        return self._site

    def generate(self) -> ReplicaSite:
        """The ground truth of a fresh server of this size and seed."""
        return generate(self.articles, self.seed, self.per_day)

    def url(self, path: str) -> str:
        return self.base_url + path

    # --- control -------------------------------------------------------------------------------------

    def control(self, action: str, **params: Any) -> dict[str, Any]:
        """Call a control endpoint (/__replica__/ACTION?params) and return its JSON."""
        query = f"?{urlencode(params)}" if params else ""
        try:
            with urllib.request.urlopen(self.url(f"/__replica__/{action}{query}"), timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise ReplicaError(f"控制请求 {action} 失败：{exc.code} {exc.read().decode('utf-8', 'replace')}") from None

    def info(self) -> dict[str, Any]:
        return self.control("info")

    def grow(self, k: int) -> list[int]:
        """Add k newer articles at the top of the lists; returns their ids."""
        answer = self.control("grow", k=k)
        self.articles = int(answer["articles"])
        return list(answer["added"])

    def requests(self) -> dict[str, int]:
        """Requests per target (path and query) since start or the last reset; control calls excluded."""
        return dict(self.control("requests")["counts"])

    def stats(self) -> dict[str, Any]:
        """Total requests, connections that asked for site pages, and per-target counts since start or reset."""
        return self.control("requests")

    def reset_counts(self) -> None:
        """Zero the counters and re-arm the page that answers 500 once."""
        self.control("reset")

    def break_column(self, column: str) -> None:
        """Make a column's list pages stop linking their articles (by code or key)."""
        self.control("break", column=column)

    def restore_column(self, column: str) -> None:
        self.control("restore", column=column)
