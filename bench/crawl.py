"""Crawl benchmark: the full xinxi crawl against a bare Scrapy spider, on one 20,000-article replica.

    .venv/bin/python bench/crawl.py [--articles 20000]

Both crawls run as their own processes over loopback with politeness off, so the ratio between them is
what the store, the page objects and the plan cost. Also: the requests of a quiet night and of a night
with 50 new articles, and the crawl process's peak RSS. Then the same for the provincial site's replica
(Hanweb JCMS, 20,000 items, about 90% from other cities): its news column against the bare spider on the
same list, and the requests of a quiet night over all its columns. Prints a table.

    .venv/bin/python bench/crawl.py --only provincial    # the provincial part alone
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


def timed(argv: list[str], ok_codes: tuple[int, ...] = (0,)) -> tuple[float, int, str]:
    """Run a command; return wall seconds, peak RSS in MB (that process alone) and its stdout."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in ok_codes:
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
    parser.add_argument("--only", choices=("municipal", "provincial"), help="只测市总网站或省总网站")
    args = parser.parse_args()
    rows: list[tuple[str, str]] = []
    if args.only != "provincial":
        rows += municipal(args.articles)
    if args.only != "municipal":
        rows += provincial(args.articles)
    width = max(len(k) for k, _ in rows) + 2
    for key, value in rows:
        print(f"{key.ljust(width)}{value}")


def municipal(articles: int) -> list[tuple[str, str]]:
    """The municipal site's replica: full crawl against the bare spider, quiet and busy nights, memory."""
    args = argparse.Namespace(articles=articles)
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
    return rows


def provincial(items: int) -> list[tuple[str, str]]:
    """The provincial replica: its news column against the bare spider on the same list; a quiet night."""
    from crawler.replica.hanweb.process import HanwebReplicaProcess

    with tempfile.TemporaryDirectory() as tmp, HanwebReplicaProcess(articles=items) as replica:
        db_path = Path(tmp) / "bench.db"
        site = load_settings(db=db_path, base_urls={"jsgh": replica.base_url}).site("jsgh")
        news = site.news_columns[0]
        bare_argv = [sys.executable, "bench/bare_spider.py", "--hanweb", replica.base_url, news.list_url]
        crawl_argv = [sys.executable, "-m", "crawler.run", "--site", "jsgh", "--db", str(db_path),
                      "--base-url", f"jsgh={replica.base_url}", "--no-politeness"]
        # The replica's one page refused as a firewall would makes the run "blocked" (exit status 1).
        bare_runs, full_runs = [], []
        for _ in range(ROUNDS):
            bare_runs.append(timed(bare_argv))
            for leftover in Path(tmp).glob("bench.db*"):
                leftover.unlink()
            full_runs.append(timed([*crawl_argv, "--column", news.key], ok_codes=(0, 1)))
        bare_s, _, bare_out = min(bare_runs)
        full_s, full_rss, full_out = min(full_runs)
        bare = json.loads(bare_out.strip().splitlines()[-1])
        full = json.loads(full_out.strip().splitlines()[-1])
        bare_rate, full_rate = bare["requests"] / bare_s, full["requests"] / full_s
        timed(crawl_argv, ok_codes=(0, 1))   # the notices column's first pass
        replica.reset_counts()
        _, quiet_rss, quiet_out = timed(crawl_argv, ok_codes=(0, 1))
        quiet = json.loads(quiet_out.strip().splitlines()[-1])
        served = replica.requests()
        lists = sum(n for t, n in served.items() if t.startswith("/col/"))
        others = sum(n for t, n in served.items() if not t.startswith("/col/") and t != "/robots.txt")
    columns = len(site.columns)
    return [
        (f"省总副本（{items:,} 篇，约九成外市）裸 Scrapy：请求数 / 用时", f"{bare['requests']:,} / {bare_s:.1f} s"),
        ("省总副本 裸 Scrapy：页面/秒", f"{bare_rate:,.0f}"),
        ("省总副本 xinxi（新闻栏目）：请求数 / 用时", f"{full['requests']:,} / {full_s:.1f} s（{full['status']}）"),
        ("省总副本 xinxi：页面/秒", f"{full_rate:,.0f}"),
        ("省总副本 xinxi / 裸 Scrapy（目标 ≥ 70%）", f"{full_rate / bare_rate:.0%}"),
        (f"省总副本 无新稿件的夜间抓取：列表页请求（目标 = 栏目数 {columns}）",
         f"{lists}（其他页面 {others}，新稿件 {quiet['new']}）"),
        ("省总副本 峰值内存 RSS：全量 / 夜间", f"{full_rss} MB / {quiet_rss} MB"),
    ]


if __name__ == "__main__":
    main()
