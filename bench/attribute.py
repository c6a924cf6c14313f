"""Attribution benchmark: 100,000 stored articles, the engine alone and `xinxi attribute --all` on that store.

The articles come from the local replica generator (real bylines' shapes, with ground truth), so the run
also counts wrong automatic attributions. Target: the whole store re-attributed in under 10 seconds.
Beside wall-clock seconds it prints CPU seconds, which other work on a busy machine does not inflate.

    .venv/bin/python bench/attribute.py [--articles 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.replica.generator import generate  # noqa: E402
from tracker import store  # noqa: E402
from tracker.attribution import batch as attribute_batch  # noqa: E402
from tracker.attribution import review  # noqa: E402
from tracker.attribution.engine import ArticleFacts, compile_engine  # noqa: E402
from tracker.config import DEFAULT_CONFIG_DIR  # noqa: E402
from tracker.units import load_units  # noqa: E402

TARGET_SECONDS = 10.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    console = Console()
    registry = load_units(DEFAULT_CONFIG_DIR)
    truth_ids = {u.name: u.id for u in registry} | {"宣传教育部": "publicity"}

    t0 = time.perf_counter()
    site = generate(args.articles, seed=args.seed)
    generated = time.perf_counter() - t0
    n = len(site.articles)
    truth = {a.id: truth_ids.get(a.expected_unit or "") for a in site.articles}
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "xinxi.db"
        db = store.open_db(db_path)
        t0 = time.perf_counter()
        for start in range(0, n, 5000):
            store.save_batch(db, "czgh", None, [a.stored() for a in site.articles[start:start + 5000]])
        saved = time.perf_counter() - t0
        del site
        gc.collect()

        # The engine alone, over the stored rows already in memory.
        engine = compile_engine(registry)
        rows = [ArticleFacts.from_row(r) for r in db.query("SELECT * FROM articles")]
        t0, c0 = time.perf_counter(), time.process_time()
        results = [(f.id, engine.attribute(f)) for f in rows]
        engine_seconds, engine_cpu = time.perf_counter() - t0, time.process_time() - c0
        decided = sum(1 for _, r in results if not r.needs_review)
        wrong = sum(1 for aid, r in results if not r.needs_review and r.unit_id != truth[aid])
        del rows, results
        gc.collect()

        # The library calls: the first attribution after a crawl (all new), then a full re-attribution.
        t0, c0 = time.perf_counter(), time.process_time()
        first = review.attribute_pending(db, registry)
        pending_seconds, pending_cpu = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        review.attribute_all(db, registry, workers=0)
        single_seconds, single_cpu = time.perf_counter() - t0, time.process_time() - c0
        workers = attribute_batch.workers_for(db, n)
        t0, c0 = time.perf_counter(), time.process_time()
        again = review.attribute_all(db, registry)
        library_seconds, library_cpu = time.perf_counter() - t0, time.process_time() - c0
        db.close()

        # The command, in its own process, as a person runs it.
        env = {**os.environ, "XINXI_DB": str(db_path)}
        t0, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", "from tracker.cli import main; main()", "attribute", "--all"],
                       check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        command_seconds, after = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
        command_cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime

    table = Table(title=f"归属基准：{n:,} 篇文章（副本生成 {generated:.1f} 秒，入库 {saved:.1f} 秒）")
    for header in ("测量", "秒", "CPU 秒", "篇/秒", "占 10 秒目标"):
        table.add_column(header, justify="left" if header == "测量" else "right")
    for label, seconds, cpu in (("引擎本身（内存中的文章）", engine_seconds, engine_cpu),
                                ("attribute_pending（首次归属）", pending_seconds, pending_cpu),
                                ("attribute_all（全部重新归属，只用本进程）", single_seconds, single_cpu),
                                (f"attribute_all（全部重新归属，{workers} 个工作进程）", library_seconds, library_cpu),
                                ("xinxi attribute --all（独立进程，含启动）", command_seconds, command_cpu)):
        table.add_row(label, f"{seconds:.2f}", f"{cpu:.2f}", f"{n / seconds:,.0f}", f"{seconds / TARGET_SECONDS:.0%}")
    console.print(table)
    console.print(f"自动归属 {decided:,} 篇（{decided / n:.1%}），其中与副本真值不符 {wrong} 篇；"
                  f"首次归属 {first.total:,} 篇、待审 {first.review:,} 篇；重新归属 {again.total:,} 篇、结果有变化 {again.changed} 篇。")
    console.print(f"工作进程 {workers} 个（本机 {os.cpu_count()} 个处理器），比只用本进程快 {single_seconds / library_seconds:.2f} 倍"
                  "（CPU 秒只计本进程）。")
    console.print(f"只用本进程时，读库与写回占 attribute_all 的 {1 - engine_seconds / single_seconds:.0%}；"
                  f"命令比库调用多 {command_seconds - library_seconds:.1f} 秒（进程启动与导入）。")
    ok = command_seconds < TARGET_SECONDS and wrong == 0
    console.print("达标。" if ok else "[red]未达标。[/]")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
