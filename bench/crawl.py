"""Crawl benchmark: the full xinxi crawl against a bare Scrapy spider, on one 20,000-article replica.

    .venv/bin/python bench/crawl.py [--articles 20000]

Both crawls run as their own processes over loopback with politeness off, so the ratio between them is
what the store, the page objects and the plan cost. Also: the requests of a quiet night and of a night
with 50 new articles, and the crawl process's peak RSS. Prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 2
sys.path.insert(0, str(ROOT))

from crawler.replica.process import ReplicaProcess  # noqa: E402
from tracker import store  # noqa: E402
from tracker.config import load_settings  # noqa: E402


def timed(argv: list[str]) -> tuple[float, int, str]:
    """Run a command; return wall seconds, peak RSS in MB (that process alone) and its stdout."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"命令失败：{' '.join(argv)}")
    return elapsed, usage.ru_maxrss // 1024, out


def server_ceiling(articles: int) -> float:
    """Requests per second a replica of the same size answers to load clients in other processes."""
    out = subprocess.run([sys.executable, "bench/replica_ceiling.py", "--articles", str(articles), "--seconds", "5"],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    return float(json.loads(out.strip().splitlines()[-1])["requests_per_second"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=20_000)
    args = parser.parse_args()
    rows: list[tuple[str, str]] = []
    ceiling = server_ceiling(args.articles)
    with tempfile.TemporaryDirectory() as tmp, ReplicaProcess(articles=args.articles, slow_seconds=0) as replica:
        db_path = Path(tmp) / "bench.db"
        settings = load_settings(db=db_path, base_urls={"czgh": replica.base_url})
        site = settings.site("czgh")

        bare_argv = [sys.executable, "bench/bare_spider.py", replica.base_url, *[c.list_url for c in site.columns]]
        crawl_argv = [sys.executable, "-m", "crawler.run", "--site", "czgh", "--db", str(db_path),
                      "--base-url", f"czgh={replica.base_url}", "--no-politeness"]
        # Alternate the two, twice, and keep each one's best: the machine is shared and noisy.
        bare_runs, full_runs = [], []
        for _ in range(ROUNDS):
            bare_runs.append(timed(bare_argv))
            for leftover in Path(tmp).glob("bench.db*"):
                leftover.unlink()
            full_runs.append(timed(crawl_argv))
        bare_s, bare_rss, bare_out = min(bare_runs)
        full_s, _, full_out = min(full_runs)
        bare = json.loads(bare_out.strip().splitlines()[-1])
        bare_rate = bare["requests"] / bare_s
        full = json.loads(full_out.strip().splitlines()[-1])
        full_rate = full["requests"] / full_s

        _, quiet_rss, quiet_out = timed(crawl_argv)
        quiet = json.loads(quiet_out.strip().splitlines()[-1])
        replica.grow(50)
        _, _, busy_out = timed(crawl_argv)
        busy = json.loads(busy_out.strip().splitlines()[-1])
        db = store.open_db(db_path)
        stored_count = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        db.close()

    columns = len(site.columns)
    rows += [
        ("副本服务器上限（请求/秒，另一进程压测）", f"{ceiling:,.0f}"),
        (f"裸 Scrapy：请求数 / 用时（{ROUNDS} 次中最快）", f"{bare['requests']:,} / {bare_s:.1f} s"),
        ("裸 Scrapy：页面/秒", f"{bare_rate:,.0f}"),
        (f"xinxi 全量抓取：请求数 / 用时（{ROUNDS} 次中最快）", f"{full['requests']:,} / {full_s:.1f} s"),
        ("xinxi 全量抓取：页面/秒", f"{full_rate:,.0f}"),
        ("xinxi / 裸 Scrapy（目标 ≥ 60%）", f"{full_rate / bare_rate:.0%}"),
        ("入库文章", f"{stored_count:,}"),
        (f"无新文章的夜间抓取：请求数（目标 = 栏目数 {columns}，另加 robots.txt 1 次）", f"{quiet['requests']}"),
        ("新增 50 篇的夜间抓取：请求数", f"{busy['requests']}（新文章 {busy['new']}）"),
        ("峰值内存 RSS：全量 / 夜间（目标 < 300 MB）", f"{max(r[1] for r in full_runs)} MB / {quiet_rss} MB"),
        ("裸 Scrapy 峰值内存 RSS", f"{bare_rss} MB"),
    ]
    width = max(len(k) for k, _ in rows) + 2
    for key, value in rows:
        print(f"{key.ljust(width)}{value}")


if __name__ == "__main__":
    main()
