"""Attribution quality: share decided automatically and share decided wrongly, on the real sample and the replica.

The real sample is `../shared/data/real_bylines.jsonl` (its `mentions` stand in for the title and opening);
the replica is the generator's ground truth. "decided" counts the articles that should be credited and were
credited automatically; "wrong" counts automatic credits that differ from the truth (including credits of
articles nobody should get without a person).

    .venv/bin/python bench/attribution_quality.py [--articles 20000] [--seed 5]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.replica.generator import generate  # noqa: E402
from tracker.attribution.engine import ArticleFacts, Engine, compile_engine  # noqa: E402
from tracker.config import DEFAULT_CONFIG_DIR  # noqa: E402
from tracker.units import Registry, load_units  # noqa: E402

REAL = ROOT.parent.parent / "shared" / "data" / "real_bylines.jsonl"
FALLBACK = ROOT / "tests" / "fixtures" / "real_bylines.jsonl"


def real_cases(registry: Registry) -> list[tuple[ArticleFacts, str | None, str]]:
    path = REAL if REAL.exists() else FALLBACK
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        closing = (item["trailing_byline"],) if item["trailing_byline"] else ()
        facts = ArticleFacts("czgh", 0, date.fromisoformat(item["date"]), "", None, item["source_field"], closing,
                             (), "。".join(item["mentions"]) + "。")
        out.append((facts, registry.find(item["expected_unit"]).id if item["expected_unit"] else None, ""))
    return out


def replica_cases(registry: Registry, n: int, seed: int) -> list[tuple[ArticleFacts, str | None, str]]:
    site = generate(n, seed=seed)
    return [(ArticleFacts("czgh", a.id, date.fromisoformat(a.date), a.title, a.subtitle, a.source, a.closing,
                          a.correspondents, a.body),
             registry.find(a.expected_unit).id if a.expected_unit else None, a.shape or "") for a in site.articles]


def by_shape(engine: Engine, cases: list[tuple[ArticleFacts, str | None, str]]) -> str:
    """“shape 自动/篇数” for the replica's opening shapes and traps."""
    counts: dict[str, list[int]] = {}
    for facts, _expected, shape in cases:
        if shape:
            c = counts.setdefault(shape, [0, 0])
            c[0] += not engine.attribute(facts).needs_review
            c[1] += 1
    return "，".join(f"{shape} {auto}/{n}" for shape, (auto, n) in counts.items())


def shares(engine: Engine, cases: list[tuple[ArticleFacts, str | None, str]]) -> tuple[int, int, int, int]:
    """(articles, creditable, decided among creditable, wrong automatic credits)."""
    creditable = decided = wrong = 0
    for facts, expected, _shape in cases:
        result = engine.attribute(facts)
        creditable += expected is not None
        if not result.needs_review:
            decided += expected is not None and result.unit_id == expected
            wrong += result.unit_id != expected
    return len(cases), creditable, decided, wrong


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    registry = load_units(DEFAULT_CONFIG_DIR)
    engine = compile_engine(registry)
    bad = 0
    replica = replica_cases(registry, args.articles, args.seed)
    for label, cases in (("真实样本", real_cases(registry)), (f"副本（{args.articles:,} 篇，种子 {args.seed}）", replica)):
        n, creditable, decided, wrong = shares(engine, cases)
        print(f"{label}：{n} 篇，应归属 {creditable} 篇，自动归属正确 {decided} 篇（{decided / max(creditable, 1):.1%}），"
              f"自动归属错误 {wrong} 篇（{wrong / max(n, 1):.2%}）")
        bad += wrong
    print(f"副本中的开头形态与陷阱（自动归属/篇数）：{by_shape(engine, replica)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
