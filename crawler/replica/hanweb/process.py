"""The provincial replica in a child process, with its ground truth and control calls.

    with HanwebReplicaProcess(articles=300) as jsgh:
        jsgh.base_url; jsgh.site.quirk("blocked"); jsgh.requests(); jsgh.block(403); jsgh.grow(5)
"""

from __future__ import annotations

import sys

from crawler.replica.hanweb.generator import ITEMS_PER_DAY, ProvincialSite, generate
from crawler.replica.process import ReplicaProcess


class HanwebReplicaProcess(ReplicaProcess):
    """Like ReplicaProcess, for the provincial site; `site` is a ProvincialSite."""

    NAME = "省总副本服务器"

    def __init__(self, articles: int = 300, seed: int = 1, per_day: float = ITEMS_PER_DAY, port: int = 0,
                 startup_timeout: float = 60.0) -> None:
        super().__init__(articles=articles, seed=seed, per_day=per_day, port=port, startup_timeout=startup_timeout)

    def command(self) -> list[str]:
        return [sys.executable, "-m", "crawler.replica.hanweb", "serve", "--articles", str(self.articles),
                "--seed", str(self.seed), "--port", str(self.port), "--per-day", str(self.per_day), "--stop-on-eof"]

    def generate(self) -> ProvincialSite:  # type: ignore[override]
        return generate(self.articles, self.seed, self.per_day)

    @property
    def site(self) -> ProvincialSite:  # type: ignore[override]
        return super().site  # type: ignore[return-value]

    def block(self, status: int = 403) -> None:
        """Make every page answer as a WAF would."""
        self.control("block", status=status)

    def unblock(self) -> None:
        self.control("unblock")

    def notices(self) -> list[dict]:
        """The notices column as served: path, title, whether about information work, attachment paths."""
        return list(self.info()["notices"])
