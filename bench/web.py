"""Web benchmark: `xinxi web` over a store of 100,000 crawled articles with 5,000 waiting for review.

8 clients over loopback for 30 seconds, each logged in as the office, going round the queue (unfiltered and
filtered), a unit's statement, the ranking and a trivial route of the same app (the baseline). Prints p50/p95
per page, then times bulk actions on 1,000 articles (library and through the page). Targets: queue and
statement p95 under 300 ms, ranking p95 under 1.5 s, a bulk action on 1,000 articles under 5 s.

    .venv/bin/python bench/web.py [--articles 100000] [--queued 5000] [--clients 8] [--seconds 30]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import select
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.replica.generator import generate  # noqa: E402
from tracker import store, users  # noqa: E402
from tracker.attribution import review  # noqa: E402
from tracker.config import load_settings  # noqa: E402
from tracker.units import load_units  # noqa: E402

PASSWORD = "bench-password-1"
YEAR = 2020


def build(path: Path, n: int, queued: int, seed: int) -> dict[str, int]:
    """Crawled articles as the pipeline stores them (ten years from 2016-07), attributed; exactly `queued` wait."""
    site = generate(n, seed=seed, per_day=n / 3650)
    db = store.open_db(path)
    for start in range(0, n, 5000):
        store.save_batch(db, "czgh", None, [a.stored() for a in site.articles[start:start + 5000] if a.status == 200])
    settings = load_settings(db=path)
    registry = load_units(settings.config_dir)
    review.attribute_pending(db, registry)
    # Shape the queue to the size asked for: the engine's own queue, trimmed or topped up at random.
    rng = random.Random(seed)
    waiting = [r[0] for r in db.execute("SELECT rowid FROM attributions WHERE needs_review = 1")]
    credited = [r[0] for r in db.execute("SELECT rowid FROM attributions WHERE needs_review = 0")]
    with db.atomic():
        if len(waiting) > queued:
            db.conn.executemany("UPDATE attributions SET needs_review = 0 WHERE rowid = ?",
                                [[r] for r in rng.sample(waiting, len(waiting) - queued)])
        elif len(waiting) < queued:
            db.conn.executemany("UPDATE attributions SET needs_review = 1, unit_id = NULL, method = NULL "
                                "WHERE rowid = ?", [[r] for r in rng.sample(credited, queued - len(waiting))])
    users.add_user(db, registry, "bench", "office", PASSWORD, by="bench")
    counts = {"articles": db.execute("SELECT count(*) FROM articles").fetchone()[0],
              "queued": store.review_queue_size(db),
              "year_articles": db.execute("SELECT count(*) FROM articles WHERE date LIKE ?",
                                          [f"{YEAR}%"]).fetchone()[0]}
    db.close()
    return counts


class Client:
    """A logged-in browser, as far as the server can tell: cookies, the CSRF token, plain HTTP."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = self.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        self.post("/login", {"name": "bench", "password": PASSWORD, "csrf_token": token})
        self.token = re.search(r'name="csrf-token" content="([^"]+)"', self.get("/review")).group(1)

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=120) as response:
            return response.read().decode("utf-8")

    def post(self, path: str, data: dict | list) -> str:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        with self.opener.open(self.base + path, data=body, timeout=300) as response:
            return response.read().decode("utf-8")


def start_server(db_path: Path) -> tuple[subprocess.Popen, str]:
    xinxi = Path(sys.executable).with_name("xinxi")
    proc = subprocess.Popen([str(xinxi), "--db", str(db_path), "web", "--port", "0", "--threads", "8"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    ready, _, _ = select.select([proc.stdout], [], [], 120)
    if not ready:
        proc.kill()
        raise SystemExit("xinxi web 没有启动")
    return proc, re.search(r"http://127\.0\.0\.1:\d+", proc.stdout.readline()).group(0)


def load(base: str, pages: dict[str, str], clients: int, seconds: float) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in pages}
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    errors: list[str] = []

    def run(i: int) -> None:
        client = Client(base)
        order = list(pages.items())
        random.Random(i).shuffle(order)
        while time.perf_counter() < stop:
            for name, path in order:
                t0 = time.perf_counter()
                try:
                    client.get(path)
                except Exception as exc:  # a failed request is reported, not hidden in the figures
                    errors.append(f"{name}: {exc}")
                    continue
                with lock:
                    times[name].append(time.perf_counter() - t0)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"{len(errors)} 个请求失败，例如：{errors[0]}")
    return times


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else (values[0] if values else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queued", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    console = Console(width=120)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "web.db"
        t0 = time.perf_counter()
        counts = build(db_path, args.articles, args.queued, args.seed)
        console.print(f"建库：{counts['articles']:,} 篇文章（{YEAR} 年 {counts['year_articles']:,} 篇），"
                      f"待审 {counts['queued']:,} 篇，用时 {time.perf_counter() - t0:.0f} 秒")
        proc, base = start_server(db_path)
        try:
            warm = Client(base)
            t0 = time.perf_counter()
            warm.get(f"/scores?year={YEAR}")
            cold = time.perf_counter() - t0
            pages = {
                "简单路由 /ping（基线）": "/ping",
                "审核队列": "/review",
                "审核队列（按年度、原因筛选）": f"/review?year={YEAR}&reason=none",
                "审核队列（按建议单位筛选，第 3 页）": "/review?suggested=wujin&page=3",
                "单位明细（武进，一年）": f"/scores/unit/wujin?year={YEAR}",
                "排名（一年）": f"/scores?year={YEAR}",
            }
            times = load(base, pages, args.clients, args.seconds)
            targets = {"审核队列": 0.3, "单位明细": 0.3, "排名": 1.5}
            table = Table(title=f"{args.clients} 个客户端并发 {args.seconds:g} 秒（本机回环，waitress 8 线程）")
            for header in ("页面", "请求数", "p50（毫秒）", "p95（毫秒）", "p95 / 基线 p95", "目标 p95", "结果"):
                table.add_column(header, justify="left" if header == "页面" else "right")
            base_p95 = pct(times["简单路由 /ping（基线）"], 95)
            for name, values in times.items():
                target = next((v for k, v in targets.items() if name.startswith(k)), None)
                p95 = pct(values, 95)
                verdict = "" if target is None else ("达到" if p95 < target else "[red]未达到[/]")
                table.add_row(name, str(len(values)), f"{pct(values, 50) * 1000:.0f}", f"{p95 * 1000:.0f}",
                              f"{p95 / base_p95:.1f}×" if base_p95 else "", f"{target * 1000:.0f}" if target else "",
                              verdict)
            console.print(table)
            console.print(f"排名第一次打开（计分 {YEAR} 年，未缓存）：{cold * 1000:.0f} 毫秒；之后数据不变时复用计分结果。")

            # Bulk actions on 1,000 articles: through the page (one POST) and straight through the library.
            db = store.open_db(db_path)
            keys = store.queue_keys(db)
            db.close()
            chosen = [f"{s}/{i}" for s, i in keys[:1000]]
            t0 = time.perf_counter()
            warm.post("/review/bulk", [("csrf_token", warm.token), ("scope", "selected"), ("action", "assign"),
                                       ("unit", "溧阳市总工会"), *(("key", k) for k in chosen)])
            page_s = time.perf_counter() - t0
            # Every change makes the kept values stale: the first page after it computes them again.
            t0 = time.perf_counter()
            warm.get("/review")
            queue_after = time.perf_counter() - t0
            t0 = time.perf_counter()
            warm.get(f"/scores?year={YEAR}")
            ranking_after = time.perf_counter() - t0
            db = store.open_db(db_path)
            rest = store.queue_keys(db)[:1000]
            t0 = time.perf_counter()
            result = review.bulk_ignore(db, rest, by="bench", reason="基准测试")
            lib_s = time.perf_counter() - t0
            decided = db.execute("SELECT count(*) FROM review_decisions WHERE undone_at IS NULL").fetchone()[0]
            db.close()
            bulk = Table(title="批量操作 1,000 篇（目标 5 秒以内）")
            for header in ("操作", "篇数", "用时（秒）", "结果"):
                bulk.add_column(header, justify="left" if header == "操作" else "right")
            bulk.add_row("网页：勾选 1,000 篇归属同一单位（一次提交，含页面跳转）", "1,000", f"{page_s:.2f}",
                         "达到" if page_s < 5 else "[red]未达到[/]")
            bulk.add_row("库函数：bulk_ignore 1,000 篇", f"{result.done:,}", f"{lib_s:.2f}",
                         "达到" if lib_s < 5 else "[red]未达到[/]")
            console.print(bulk)
            console.print(f"数据库中有效的人工决定：{decided:,} 条。改动后的第一次打开（重新计算）：审核队列 "
                          f"{queue_after * 1000:.0f} 毫秒，排名 {ranking_after * 1000:.0f} 毫秒。")
        finally:
            proc.terminate()
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()
