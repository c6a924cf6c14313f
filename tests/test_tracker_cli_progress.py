"""The live progress line on a real terminal (a pseudo-terminal): log lines print above it, never into it."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

from crawler.replica.process import ReplicaProcess

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def on_a_terminal(argv: list[str], timeout: float = 240) -> str:
    """Run a command with stdin, stdout and stderr on a pseudo-terminal; everything it drew, as text."""
    master, slave = pty.openpty()
    env = dict(os.environ, COLUMNS="200", LINES="50", TERM="xterm")
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # the terminal closed: the command has ended
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
    finally:
        proc.wait(timeout=30)
        os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_log_line_mid_crawl_goes_above_the_progress_line(tmp_path: Path) -> None:
    xinxi = str(Path(sys.executable).with_name("xinxi"))
    with ReplicaProcess(articles=120, seed=3, slow_seconds=0.3) as replica:
        # The replica has a page that answers 404: the crawl logs "文章页失败" while the progress line is live.
        drawn = on_a_terminal([xinxi, "crawl", "--site", "czgh", "--db", str(tmp_path / "x.db"), "--no-politeness",
                               "--base-url", f"czgh={replica.base_url}"])
    segments = [ESCAPES.sub("", s) for s in re.split(r"[\r\n]", drawn)]
    progress = [s for s in segments if "列表页" in s and "解析失败" in s]
    logged = [s for s in segments if "文章页失败" in s]
    assert progress and logged, drawn[-2000:]
    for line in logged:
        assert "解析失败" not in line and "新文章" not in line, line
        assert re.match(r"\s*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[", line), line  # the log line starts its own line
    for line in progress:
        assert "ERROR" not in line, line


def test_recrawl_names_an_article_with_or_without_its_site(tmp_path: Path) -> None:
    xinxi = str(Path(sys.executable).with_name("xinxi"))
    with ReplicaProcess(articles=40, seed=3, slow_seconds=0.3) as replica:
        common = ["--site", "czgh", "--db", str(tmp_path / "x.db"), "--no-politeness", "--base-url", f"czgh={replica.base_url}"]
        subprocess.run([xinxi, "crawl", *common], check=True, capture_output=True)
        one, two = [a for a in replica.site.articles if a.status == 200][:2]
        replica.reset_counts()
        done = subprocess.run([xinxi, "recrawl", *common, "--article", f"czgh/{one.id}", "--article", str(two.id)],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        served = replica.requests()
    assert served.get(one.legacy_path) == 1 and served.get(two.legacy_path) == 1
