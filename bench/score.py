"""Scoring benchmark: 1,000,000 synthetic adoptions over 20 units and 10 years.

Times a full-year score, `--explain` for one unit, the year's xlsx report (about 100,000 adoptions)
and the draft 通报, plus reading a year of manual entries back from SQLite. Prints a table of figures.

    .venv/bin/python bench/score.py [--items 1000000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scoring import Adoption, Scoreboard, Unit, load_rulebook, score, year_period  # noqa: E402
from tracker import store  # noqa: E402
from tracker.reports import write_docx, write_xlsx  # noqa: E402
from tracker.scores.scorer import entry_items  # noqa: E402
from tracker.scores.view import explain_rows  # noqa: E402

DISTRICTS = ("liyang", "jintan", "wujin", "xinbei", "tianning", "zhonglou", "jingkai")
DEPARTMENTS = ("office", "organization", "publicity", "democracy", "protection", "economy", "safety", "legal",
               "women", "industry", "finance", "audit", "party")
CATEGORIES = (("grassroots",), ("grassroots",), ("department",), ("union_news",), ("grassroots", "union_news"))
MANUAL = ("provincial.website", "provincial.report", "national.adoption", "municipal.government",
          "commission.submitted", "commission.provincial", "activity", "bonus.provincial_top10")
FIRST_YEAR, YEARS = 2015, 10
YEAR = FIRST_YEAR + YEARS - 1


def units() -> list[Unit]:
    return [Unit(uid, f"{uid}单位", "district" if uid in DISTRICTS else "department", i)
            for i, uid in enumerate(DISTRICTS + DEPARTMENTS)]


def synthetic(n: int, seed: int) -> list[Adoption]:
    """`n` adoptions spread evenly over ten years; about one in eight is a manual entry."""
    rng = random.Random(seed)
    ids = DISTRICTS + DEPARTMENTS
    start = date(FIRST_YEAR, 1, 1)
    span = (date(FIRST_YEAR + YEARS, 1, 1) - start).days
    days = [start + timedelta(days=d) for d in range(span)]
    experience = frozenset({"experience"})
    none: frozenset[str] = frozenset()
    out = []
    for i in range(n):
        day = days[rng.randrange(span)]
        unit = ids[rng.randrange(len(ids))]
        if i % 8 == 0:
            out.append(Adoption(f"entry/{i}", f"苏工办〔{day.year}〕{i % 97}号", unit, day, f"录入信息{i}",
                                clause_id=MANUAL[rng.randrange(len(MANUAL))], note="手工录入"))
        else:
            out.append(Adoption(f"czgh/{i}", f"https://czgh.jscz.org.cn/html/czgh/{day.year}/KEBQLDDJ_0101/{i}.html",
                                unit, day, f"文章{i}", categories=CATEGORIES[rng.randrange(len(CATEGORIES))],
                                flags=experience if i % 11 == 0 else none))
    return out


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def entries_from_sqlite(path: Path, board: Scoreboard) -> tuple[int, float]:
    """Store the year's manual entries in SQLite, then time reading them back as engine items."""
    db = store.open_db(path)
    rows = [{"unit_id": line.unit_id, "kind": line.clause_id, "date": line.date.isoformat(), "title": line.title,
             "evidence": line.evidence, "note": None}
            for r in board.results for line in r.lines if line.evidence_id.startswith("entry/")]
    store.add_entries(db, rows, by="bench")
    seconds, items = timed(lambda: entry_items(db, board.period))
    db.close()
    return len(items), seconds


def from_the_store(path: Path, n: int, seed: int) -> tuple[int, int, float, float]:
    """A year of crawled, attributed articles in SQLite: time the library score and the command.

    Returns articles stored, articles credited, library seconds, command seconds.
    """
    import os
    import subprocess

    from crawler.replica.generator import generate
    from tracker.attribution import review
    from tracker.config import load_settings
    from tracker.scores.scorer import Scorer
    from tracker.units import load_units

    site = generate(n, seed=seed, per_day=n / 183)   # 2016-07-01 … 2016-12-31: one scored half-year
    db = store.open_db(path)
    for start in range(0, n, 5000):
        store.save_batch(db, "czgh", None, [a.stored() for a in site.articles[start:start + 5000]])
    settings = load_settings(db=path)
    review.attribute_pending(db, load_units(settings.config_dir))
    credited = sum(1 for r in store.credited_articles(db) if r["unit_id"])
    library_s, _ = timed(lambda: Scorer.load(settings).score(db, year_period(2016)))
    db.close()
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from tracker.cli import main; main()", "score", "--year", "2016",
                    "--format", "json"], check=True, cwd=ROOT, env={**os.environ, "XINXI_DB": str(path)},
                   stdout=subprocess.DEVNULL)
    return len(site.articles), credited, library_s, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    book = load_rulebook(ROOT / "config" / "rules")
    people = units()
    gen_s, items = timed(lambda: synthetic(args.items, args.seed))
    period = year_period(YEAR)
    in_year = sum(1 for it in items if it.date.year == YEAR)
    score_s, board = timed(lambda: score(items, book, people, period))

    def explain_one() -> list[dict[str, Any]]:
        scored = score(items, book, people, period)
        return explain_rows(scored, scored.result("wujin"))

    explain_s, lines = timed(explain_one)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    year_items = [it for it in items if it.date.year == YEAR]
    year_board = score(year_items, book, people, period)
    n_lines = sum(len(r.lines) for r in year_board.results)
    xlsx_s, _ = timed(lambda: write_xlsx(year_board, out / "score-report.xlsx"))
    docx_s, _ = timed(lambda: write_docx(year_board, out / "score-report.docx", today=date.today(),
                                         document="常工发〔2016〕45号"))
    with tempfile.TemporaryDirectory() as tmp:
        n_entries, sqlite_s = entries_from_sqlite(Path(tmp) / "bench.db", board)
        stored_n, credited_n, store_s, command_s = from_the_store(Path(tmp) / "store.db", 100_000, args.seed)

    table = Table(title=f"计分基准：{args.items:,} 条采用，{len(people)} 个单位，{YEARS} 年")
    for header in ("项目", "规模", "用时（秒）", "目标（秒）", "结果"):
        table.add_column(header, justify="left" if header in ("项目", "规模") else "right")

    def row(name: str, size: str, seconds: float, target: float | None) -> None:
        verdict = "" if target is None else ("达到" if seconds < target else "[red]未达到[/]")
        table.add_row(name, size, f"{seconds:.3f}", "" if target is None else f"{target:g}", verdict)

    row("生成合成数据", f"{args.items:,} 条", gen_s, None)
    row(f"全年计分 {YEAR}", f"扫描 {args.items:,} 条，年内 {in_year:,} 条", score_s, 2)
    row("--explain 一个单位", f"{len(lines):,} 行依据", explain_s, 2)
    row("xlsx 报表（一年）", f"{n_lines:,} 行明细", xlsx_s, 15)
    row("docx 通报草稿", f"{len(year_board.results)} 个单位", docx_s, None)
    row("从 SQLite 读回一年的手工录入", f"{n_entries:,} 条", sqlite_s, None)
    row("数据库中的一年：Scorer.score", f"{stored_n:,} 篇文章，已归属 {credited_n:,} 篇", store_s, 2)
    row("数据库中的一年：xinxi score 命令", "含进程启动与导入", command_s, None)
    Console(width=120).print(table)
    total = sum(r.total for r in board.results)
    print(f"{YEAR} 年合计 {total} 分，未计分 {len(board.skipped)} 条；报表写入 {out}")


if __name__ == "__main__":
    main()
