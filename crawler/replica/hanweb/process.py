"""The provincial replica in a child process, with its ground truth and control calls.

    with HanwebReplicaProcess(articles=300) as jsgh:
        jsgh.base_url; jsgh.site.quirk("blocked"); jsgh.requests(); jsgh.block(403); jsgh.grow(5)
"""

from __future__ import annotations

import os
import subprocess
import sys

from crawler.replica.hanweb.generator import ITEMS_PER_DAY, ProvincialSite, generate
from crawler.replica.process import PROJECT_ROOT, ReplicaError, ReplicaProcess
from crawler.replica.routes import READY_PREFIX


class HanwebReplicaProcess(ReplicaProcess):
    """Like ReplicaProcess, for the provincial site; `site` is a ProvincialSite."""

    def __init__(self, articles: int = 300, seed: int = 1, per_day: float = ITEMS_PER_DAY, port: int = 0,
                 startup_timeout: float = 60.0) -> None:
        super().__init__(articles=articles, seed=seed, per_day=per_day, port=port, startup_timeout=startup_timeout)
        self._provincial: ProvincialSite | None = None

    def start(self) -> HanwebReplicaProcess:
        cmd = [sys.executable, "-m", "crawler.replica.hanweb", "serve", "--articles", str(self.articles),
               "--seed", str(self.seed), "--port", str(self.port), "--per-day", str(self.per_day), "--stop-on-eof"]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(PROJECT_ROOT), env.get("PYTHONPATH"))))
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
                                      cwd=PROJECT_ROOT)
        line = self._first_line()
        if not line.startswith(READY_PREFIX + " "):
            self.stop()
            raise ReplicaError(f"省总副本服务器没有启动：{line!r}")
        self.base_url = line.split()[1]
        self.info()
        return self

    def __enter__(self) -> HanwebReplicaProcess:
        return self.start()

    @property
    def site(self) -> ProvincialSite:  # type: ignore[override]
        if self._provincial is None or self._provincial.n != self.articles:
            self._provincial = self._provincial.grow(self.articles - self._provincial.n) if self._provincial \
                else generate(self.articles, self.seed, self.per_day)
        return self._provincial

    def block(self, status: int = 403) -> None:
        """Make every page answer as a WAF would."""
        self.control("block", status=status)

    def unblock(self) -> None:
        self.control("unblock")

    def notices(self) -> list[dict]:
        """The notices column as served: path, title, whether about information work, attachment paths."""
        return list(self.info()["notices"])
