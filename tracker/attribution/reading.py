"""What a byline and a story's text name: the reading half of attribution, before any decision.

A 来源 value or a closing byline line is read into a `Claim` (the units it names, the bodies that are no
unit, the ambiguous short names); the title, subtitle and the body's opening into a `TextReading` (each
unit named, weighed by where and how strongly it is named).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tracker.attribution.matching import (
    Entry,
    Hit,
    Segment,
    Vocabulary,
    entry_units,
    known_non_unit,
    sector_follows,
    union_follows,
)
from tracker.units import Registry

STRONG, MEDIUM, WEAK = 3.0, 1.5, 0.5
PART_FACTOR = {"标题": 2.0, "副标题": 2.0, "正文": 1.0}
BODY_LIMIT = 4000  # the opening of a story names who it is about; far below that come quotes and leaders
SILENT = frozenset(("ambiguous", "press", "other", "generic"))  # names in the text that credit nobody


# --- explicit statements: 来源, closing byline, 通讯员 --------------------------------------------------


@dataclass
class Claim:
    """What one explicit statement names."""

    where: str                                  # 来源 | 结尾署名 | 通讯员
    text: str
    units: dict[str, bool] = field(default_factory=dict)   # unit id → named through a taught alias
    ambiguous: set[str] = field(default_factory=set)
    unknown: list[str] = field(default_factory=list)       # bodies that are not (known) units
    non_units: list[str] = field(default_factory=list)     # bodies known to be no unit (工联会, firm, bureau)
    hints: set[str] = field(default_factory=set)           # units only weakly suggested (金坛 in a firm's name)
    generic: bool = False


def _read_segment(claim: Claim, seg: Segment, day: date, registry: Registry) -> None:
    if seg.role == "generic":
        claim.generic = True
    elif seg.role in ("other", "unknown"):
        hints = {u for h in seg.hits for e in h.entries for u in entry_units(e, day)}
        if known_non_unit(registry, seg, hints):
            claim.non_units.append(seg.text)
        else:
            claim.unknown.append(seg.text)
        claim.hints.update(hints)
    elif seg.role == "names":
        found: dict[str, bool] = {}
        entries = seg.entries or tuple(
            e for h in seg.hits for e in h.entries
            if e.kind not in ("short_area", "short_place") or (e.kind == "short_area" and sector_follows(seg.text, h.end)))
        for entry in entries:
            if entry.kind == "ambiguous":
                claim.ambiguous.update(entry.units)
            for unit in entry_units(entry, day):
                found[unit] = found.get(unit, False) or entry.kind == "taught"
        if not found and not claim.ambiguous:
            claim.unknown.append(seg.text)   # a town that belonged to no unit on that date
        for unit, taught in found.items():
            claim.units[unit] = claim.units.get(unit, False) or taught


def read_claim(vocab: Vocabulary, where: str, text: str, day: date) -> Claim:
    """What one 来源 value or closing byline line names."""
    claim = Claim(where, text)
    for seg in vocab.segments(text):
        _read_segment(claim, seg, day, vocab.registry)
    return claim


# --- the story's own text --------------------------------------------------------------------------


@dataclass
class UnitScore:
    score: float = 0.0
    strong: bool = False
    method: str = "gazetteer"
    snippets: list[str] = field(default_factory=list)
    first: int = BODY_LIMIT   # where the text first names it: -1 in a headline, else its offset in the body


def _weigh(entry: Entry, hit: Hit, text: str, part: str, day: date) -> tuple[str, float, bool, str] | None:
    """(unit, weight, strong, method) of one name found in the title, subtitle or body."""
    kind = entry.kind
    if kind in ("union", "taught"):
        return entry.unit_id or "", STRONG, True, "alias"
    if kind == "department":
        # Departments are named in bodies as hosts and leaders' titles; only a headline names the sender.
        return (entry.unit_id or "", STRONG, True, "alias") if part != "正文" else (entry.unit_id or "", WEAK, False, "alias")
    if kind == "area":
        strong = union_follows(text, hit.end)
        return entry.unit_id or "", STRONG if strong else 1.0, strong, "gazetteer"
    if kind in ("place", "short_place"):
        if entry.place is None or not entry.place.valid_on(day):
            return None
        if kind == "short_place":
            return entry.place.district, WEAK, False, "gazetteer"
        strong = union_follows(text, hit.end)
        return entry.place.district, STRONG if strong else MEDIUM, strong, "gazetteer"
    if kind == "short_area":
        strong = sector_follows(text, hit.end)
        return entry.unit_id or "", STRONG if strong else WEAK, strong, "gazetteer"
    return None


@dataclass
class TextReading:
    scores: dict[str, UnitScore] = field(default_factory=dict)
    ambiguous: set[str] = field(default_factory=set)       # units an ambiguous name in the text may mean
    other_bodies: list[str] = field(default_factory=list)  # non-units named in the title (疗养院, 文化宫)
    hits: dict[str, tuple[str, list[Hit]]] = field(default_factory=dict)   # part → (text read, names found)


def read_text(vocab: Vocabulary, title: str, subtitle: str | None, body: str | None, day: date) -> TextReading:
    """The units the title, subtitle and the body's opening name, weighed by where and how they are named."""
    reading = TextReading()
    scores = reading.scores
    parts = (("标题", title), ("副标题", subtitle), ("正文", (body or "")[:BODY_LIMIT]))
    for part, text in parts:
        if not text:
            continue
        factor = PART_FACTOR[part]
        in_body = part == "正文"
        hits = vocab.scan(text)
        reading.hits[part] = (text, hits)
        for hit in hits:
            best: dict[str, tuple[float, bool, str]] = {}
            for entry in hit.entries:
                kind = entry.kind
                if kind in SILENT:
                    if kind == "ambiguous":
                        reading.ambiguous.update(entry.units)
                    elif kind == "other" and not in_body:
                        reading.other_bodies.append(hit.text)
                    continue
                weighed = _weigh(entry, hit, text, part, day)
                if weighed is not None:
                    held = best.get(weighed[0])
                    if held is None or weighed[1] > held[0]:
                        best[weighed[0]] = weighed[1:]
            for unit, (weight, strong, method) in best.items():
                s = scores.get(unit)
                if s is None:
                    s = scores[unit] = UnitScore()
                s.score += weight * factor
                first = hit.start if in_body else -1
                if first < s.first:
                    s.first = first
                if strong:
                    if not s.strong or method == "alias":
                        s.method = method
                    s.strong = True
                if len(s.snippets) < 3:
                    snippet = f"{part}“{hit.text}”"
                    if snippet not in s.snippets:
                        s.snippets.append(snippet)
    return reading
