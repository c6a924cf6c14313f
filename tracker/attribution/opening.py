"""Reading a story's opening as a clerk does: which districts the title, subtitle and first sentences name.

When a page says nothing about its sender (no 来源 or the CMS default, no closing unit), a clerk credits the
one district the opening names, by its name, a town or street of it valid on that date, or a base-level union
of it, unless something there says otherwise: a second district, the municipal federation or its leaders as the
actor, the city as a whole (我市, 全市), another body or a firm as the author, a name only inside a quote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from tracker.attribution.matching import Hit, sector_follows

OPENING_SENTENCES = 2
SENTENCE_END = re.compile(r"[。！？!?；;\n]")
QUOTED = re.compile(r"“[^”]*”?|「[^」]*」?|\"[^\"]*\"?")
# The municipal federation, its leaders and the city's own bodies as actors (inside a district union's name,
# 溧阳市总工会, they are part of that name and do not count).
MUNICIPAL = r"常州市总工会|市总工会|市总(?=[\u4e00-\u9fff])|常州市委|市委|市政府"
CITY = r"我市|全市|各辖市、?区|各市（区）|各区"
# A firm as actor; a firm's own union (某某公司工会) is a base-level union and does not count.
FIRM = r"(?:有限责任公司|股份有限公司|有限公司|公司|集团)(?!总?工会|工联会)"
OBJECTIONS = re.compile(f"(?P<municipal>{MUNICIPAL})|(?P<city>{CITY})|(?P<firm>{FIRM})")
DISTRICT_KINDS = ("union", "area", "place")          # full names: may decide
WEAK_KINDS = ("short_area", "short_place")           # short names: contradict, never decide


@dataclass
class Opening:
    """What the opening names: districts (any form), districts named in full outside quotes, and objections."""

    districts: dict[str, list[str]] = field(default_factory=dict)   # unit id → snippets
    deciding: dict[str, list[str]] = field(default_factory=dict)    # unit id → snippets that may decide
    objections: list[str] = field(default_factory=list)             # why the opening cannot decide, in words

    def add(self, bucket: dict[str, list[str]], unit: str, snippet: str) -> None:
        snippets = bucket.setdefault(unit, [])
        if snippet not in snippets:
            snippets.append(snippet)

    def object(self, why: str) -> None:
        if why not in self.objections:
            self.objections.append(why)


def first_sentences(body: str | None, n: int = OPENING_SENTENCES) -> str:
    """The first `n` sentences of the body (a sentence ends with 。！？； or a line break)."""
    text = body or ""
    end = 0
    for _ in range(n):
        m = SENTENCE_END.search(text, end)
        if m is None:
            return text
        end = m.end()
    return text[:end]


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _read_hit(opening: Opening, hit: Hit, text: str, part: str, day: date, quoted: bool) -> None:
    snippet = f"{part}“{hit.text}”"
    district_entries = False
    for entry in hit.entries:
        kind = entry.kind
        if kind in ("place", "short_place"):
            if entry.place is None:
                continue
            district_entries = True
            if not entry.place.valid_on(day):
                continue
            unit: str | None = entry.place.district
        elif kind in ("union", "area", "short_area", "taught"):
            unit = entry.unit_id
        elif kind == "department":
            opening.object(f"{snippet}是市总部室")
            continue
        elif kind == "ambiguous":
            opening.object(f"{snippet}可能指几个单位")
            continue
        elif kind == "other":
            opening.object(f"{snippet}不是考评单位")
            continue
        else:
            continue
        if unit is None:
            continue
        opening.add(opening.districts, unit, snippet)
        full = kind in DISTRICT_KINDS or kind == "taught" or (kind == "short_area" and sector_follows(text, hit.end))
        if full and not quoted:
            opening.add(opening.deciding, unit, snippet)
    if district_entries and not any(
            e.place is not None and e.place.valid_on(day) for e in hit.entries if e.kind in ("place", "short_place")):
        opening.object(f"{snippet}在 {day.isoformat()} 不属于任何考评单位")


def read_opening(day: date, parts: Iterable[tuple[str, str, Sequence[Hit]]]) -> Opening:
    """The districts and objections in the opening: (part, text, names the vocabulary found in it) for the
    title, subtitle and first sentences of the body."""
    opening = Opening()
    for part, text, hits in parts:
        spans = [m.span() for m in QUOTED.finditer(text)] if "“" in text or "「" in text or '"' in text else []
        for hit in hits:
            _read_hit(opening, hit, text, part, day, bool(spans) and _inside(spans, hit.start, hit.end))
        named = [(h.start, h.end) for h in hits]
        for m in OBJECTIONS.finditer(text):
            if m["city"]:
                opening.object(f"{part}“{m[0]}”：说的是全市")
            elif any(s < m.end() and m.start() < e for s, e in named):
                continue   # part of a name: 溧阳市总工会, 溧阳市委 (the district's own), 某某公司工会
            elif m["municipal"]:
                opening.object(f"{part}“{m[0]}”：市总工会或市里是主角")
            else:
                opening.object(f"{part}“{text[max(0, m.start() - 8):m.end()]}”：企业是主角")
    return opening
