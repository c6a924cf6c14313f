"""Suggestions learned from past decisions: how often the top suggestion of a queued article is right.

Method: run the engine over the articles; the queue is what it sends to review, oldest first. A reviewer
decides the first part of the queue with the ground truth (credit the true unit, or mark it not creditable);
the words of those decisions are learned; on the rest of the queue, among the articles that should be
credited, count those whose top suggestion is the true unit, with the rules' suggestions alone (before) and
with the learned ones ranked beside them (after). Done on the replica and on the real sample.

    .venv/bin/python bench/suggestions.py [--articles 20000] [--seed 5] [--decided 0.25 0.5 0.75]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from attribution_quality import real_cases, replica_cases  # noqa: E402

from tracker.attribution.engine import ArticleFacts, Engine, compile_engine  # noqa: E402
from tracker.attribution.suggestions import learn  # noqa: E402
from tracker.config import DEFAULT_CONFIG_DIR  # noqa: E402
from tracker.units import load_units  # noqa: E402

Case = tuple[ArticleFacts, str | None, str]


def top_right(engine: Engine, cases: list[Case]) -> int:
    """Articles whose top suggestion is their true unit."""
    right = 0
    for facts, expected, _shape in cases:
        suggestions = engine.attribute(facts).suggestions
        right += bool(suggestions) and suggestions[0].unit_id == expected
    return right


def decisions(cases: list[Case]) -> list[dict[str, object]]:
    """The rows a reviewer's decisions leave in the store: the true unit, or None (marked not creditable)."""
    return [{"unit_id": expected, "title": f.title, "subtitle": f.subtitle, "source": f.source,
             "closing_bylines": list(f.closing_bylines), "correspondents": list(f.correspondents)}
            for f, expected, _ in cases]


def measure(label: str, rules: Engine, cases: list[Case], shares: list[float]) -> None:
    queue = sorted((c for c in cases if rules.attribute(c[0]).needs_review), key=lambda c: (c[0].date, c[0].id))
    creditable = sum(1 for c in queue if c[1] is not None)
    print(f"{label}：{len(cases)} 篇，待审 {len(queue)} 篇，其中应归属 {creditable} 篇")
    for share in shares:
        cut = int(len(queue) * share)
        seen, rest = queue[:cut], [c for c in queue[cut:] if c[1] is not None]
        t0 = time.perf_counter()
        learned = learn(decisions(seen))
        learn_ms = (time.perf_counter() - t0) * 1000
        if not rest:
            print(f"  先审 {share:.0%}（{cut} 篇）：余下待审中没有应归属的文章，无从衡量")
            continue
        before = top_right(rules, rest)
        after = top_right(compile_engine(rules.registry, learned=learned), rest)
        print(f"  先审 {share:.0%}（{cut} 篇，人工归属 {sum(1 for c in seen if c[1])} 篇，学习 {learn_ms:.0f} 毫秒）："
              f"余下应归属的 {len(rest)} 篇中，首个建议正确：之前 {before} 篇（{before / len(rest):.1%}），"
              f"之后 {after} 篇（{after / len(rest):.1%}）")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--decided", type=float, nargs="+", default=[0.25, 0.5, 0.75])
    args = parser.parse_args()
    registry = load_units(DEFAULT_CONFIG_DIR)
    rules = compile_engine(registry)
    measure("真实样本", rules, real_cases(registry), args.decided)
    measure(f"副本（{args.articles:,} 篇，种子 {args.seed}）", rules, replica_cases(registry, args.articles, args.seed),
            args.decided)
    return 0


if __name__ == "__main__":
    sys.exit(main())
