"""Suggestions learned from what reviewers decided before: the words a unit's decided articles share.

`learn` is a pure function over the decided articles (title, subtitle, 来源, closing bylines, 通讯员 and the
unit a reviewer credited), built once per attribution run. For each unit it keeps the words (two-character
pieces of titles, whole byline parts) that its decided articles use far more often than the others', with a
log-odds weight. `Learned.rank` scores a queued article by the words it shares with each unit, and says which.
It only ranks suggestions: automatic credit stays with the rules.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

from tracker.attribution.matching import SEPARATORS, strip_brackets

HAN = re.compile(r"[\u4e00-\u9fff]+")
MIN_DECIDED = 2       # a unit needs this many decided articles before its words mean anything
MIN_SHARED = 1        # a word must be in at least this many of the unit's decided articles
MIN_WEIGHT = 1.0      # log-odds: at least e times likelier in the unit's articles than in the others'
MIN_SCORE = 1.5       # an article must share at least this much weight with a unit to be suggested
MAX_WORDS = 400       # per unit, the strongest words kept
SMOOTHING = 0.5
BYLINE, SOURCE, PERSON = "署名:", "来源:", "通讯员:"


class Match(NamedTuple):
    unit_id: str
    score: float          # summed weight of the shared words
    articles: int         # the unit's decided articles
    words: tuple[str, ...]  # the shared words, strongest first, for the reason shown


@dataclass(frozen=True)
class Learned:
    """Per word, the units whose decided articles share it and how strongly; per unit, its decided count."""

    index: Mapping[str, tuple[tuple[str, float], ...]]
    decided: Mapping[str, int]

    def __bool__(self) -> bool:
        return bool(self.index)

    def rank(self, title: str, subtitle: str | None, source: str | None, closing: Sequence[str],
             correspondents: Sequence[str] = ()) -> list[Match]:
        """Units whose decided articles share words with this article, best first."""
        scores: dict[str, float] = {}
        shared: dict[str, list[tuple[float, str]]] = {}
        for word in features(title, subtitle, source, closing, correspondents):
            for unit, weight in self.index.get(word, ()):
                scores[unit] = scores.get(unit, 0.0) + weight
                shared.setdefault(unit, []).append((weight, word))
        out = []
        for unit, score in scores.items():
            if score >= MIN_SCORE:
                words = [w for _, w in sorted(shared[unit], key=lambda x: (-x[0], x[1]))]
                out.append(Match(unit, score, self.decided[unit], tuple(_phrases(words, title, subtitle))))
        return sorted(out, key=lambda m: (-m.score, m.unit_id))


def features(title: str, subtitle: str | None, source: str | None, closing: Sequence[str],
             correspondents: Sequence[str] = ()) -> set[str]:
    """The words an article is compared by: two-character pieces of its headlines, its byline parts whole."""
    words: set[str] = set()
    for text in (title, subtitle or ""):
        for run in HAN.findall(text):
            words.update(run[i:i + 2] for i in range(len(run) - 1))
    for line in closing:
        words.update(BYLINE + part for part in SEPARATORS.split(strip_brackets(line)) if len(part) >= 2)
    if source and source.strip():
        words.add(SOURCE + source.strip())
    words.update(PERSON + name.strip() for name in correspondents if name.strip())
    return words


def _phrases(words: Iterable[str], title: str, subtitle: str | None, limit: int = 3) -> list[str]:
    """The shared words as a reader sees them: adjacent pieces of a headline joined (安全、全生、生产 → 安全生产)."""
    pieces = [w for w in words if ":" not in w]
    text = f"{title}\n{subtitle or ''}"
    covered = [False] * len(text)
    for piece in pieces:
        for m in re.finditer(re.escape(piece), text):
            covered[m.start()] = covered[m.start() + 1] = True
    runs, start = [], None
    for i, flag in enumerate([*covered, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append(text[start:i])
            start = None
    order = {w: i for i, w in enumerate(pieces)}
    runs.sort(key=lambda r: min((order.get(r[i:i + 2], 99) for i in range(len(r) - 1)), default=99))
    bylines = [w.split(":", 1)[1] for w in words if ":" in w]
    return [*(f"署名“{b}”" for b in bylines[:2]), *runs][:limit]


def merge(rules: Sequence[tuple[str, float, str]], matches: Sequence[Match], names: Mapping[str, str],
          weight: float) -> list[tuple[str, float, str]]:
    """The rules' (unit, share, evidence) with the learned matches ranked beside them; shares sum to 1."""
    if not matches:
        return [tuple(r) for r in rules]  # type: ignore[misc]
    total = sum(m.score for m in matches)
    score = {u: s for u, s, _ in rules}
    why = {u: e for u, _, e in rules}
    for m in matches:
        score[m.unit_id] = score.get(m.unit_id, 0.0) + weight * m.score / total
        reason = f"与人工归属{names.get(m.unit_id, m.unit_id)}的 {m.articles} 篇文章用词相近" + (
            f"（{'、'.join(m.words)}）" if m.words else "")
        why[m.unit_id] = "；".join(x for x in (why.get(m.unit_id), reason) if x)
    norm = sum(score.values()) or 1.0
    ranked = sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(u, round(w / norm, 2), why[u]) for u, w in ranked]


def learn(rows: Iterable[Mapping[str, Any]]) -> Learned:
    """Learn from decided articles: rows with unit_id (None: marked not creditable), title, subtitle, source,
    closing_bylines, correspondents. Articles marked not creditable teach which words say nothing."""
    per_unit: dict[str, Counter[str]] = {}
    counts: Counter[str] = Counter()
    everywhere: Counter[str] = Counter()
    for row in rows:
        unit = row["unit_id"]
        words = features(row.get("title") or "", row.get("subtitle"), row.get("source"),
                         row.get("closing_bylines") or (), row.get("correspondents") or ())
        everywhere.update(words)
        counts[unit] += 1
        if unit is not None:
            per_unit.setdefault(unit, Counter()).update(words)
    total = sum(counts.values())
    index: dict[str, list[tuple[str, float]]] = {}
    for unit, words in per_unit.items():
        n = counts[unit]
        if n < MIN_DECIDED:
            continue
        kept = []
        for word, here in words.items():
            if here < MIN_SHARED:
                continue
            inside = (here + SMOOTHING) / (n + 2 * SMOOTHING)
            outside = (everywhere[word] - here + SMOOTHING) / (total - n + 2 * SMOOTHING)
            weight = math.log(inside / outside)
            if weight >= MIN_WEIGHT:
                kept.append((weight, word))
        for weight, word in sorted(kept, reverse=True)[:MAX_WORDS]:
            index.setdefault(word, []).append((unit, round(weight, 3)))
    return Learned(MappingProxyType({w: tuple(v) for w, v in index.items()}),
                   MappingProxyType({u: counts[u] for u in per_unit if counts[u] >= MIN_DECIDED}))
