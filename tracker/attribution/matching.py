"""Reading names out of byline and story text: one compiled scanner over every known name.

`Vocabulary` is built once from the unit registry and the taught aliases. It finds unit names, area
names, towns and streets, newspapers and other bodies in free text (leftmost, longest first), and
splits a 来源 value or a closing byline line into segments that each name one organisation or person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import NamedTuple

from tracker.units import Place, Registry

OPEN, CLOSE = "(（[【〔", ")）]】〕"
SPLIT_CACHE = 50_000  # distinct byline lines kept split in memory
SEPARATORS = re.compile(r"[\s\u3000、，,;；/|]+")
PERSON = re.compile(r"[\u4e00-\u9fff·]{2,4}")
ORG_ENDINGS = (
    "工会", "工联会", "部", "办", "室", "委", "局", "院", "站", "所", "校", "司", "厂", "团", "会", "处", "科", "队",
    "中心", "社区", "村", "镇", "街道", "区", "市", "县", "报", "网", "台", "园", "宫",
)
MARKERS = ("本网讯", "本报讯", "通讯员", "特约记者", "见习记者", "记者", "作者", "摄影", "供稿", "编辑")
# After an area or a town: “……工会” naming a base-level union there (翠北社区工联会, 教育工会, 某某公司工会),
# but not a verb phrase (举办工会干部培训) nor a list of bodies (与……).
UNION_AFTER = re.compile(
    r"(?:[^\s\u3000，。、；：！？,.;:!?（）()“”\"'《》与和及同向对在到为的]{0,14}?"
    r"(?:社区|村|公司|集团|厂|中心|学校|中学|小学|幼儿园|医院|局|所|院|站|园区|园|教育|机关|系统|卫生健康|交通运输|建设"
    r"|商贸|行业|联合|镇|街道))?总?(?:工会|工联会)"
)

# After a bare area word (金坛, 经开区): only a district-wide union (经开区教育工会, 钟楼工会) counts; a company
# named after the place (溧阳某某有限公司工会) says nothing about who sent the story.
SECTOR_AFTER = re.compile(r"(?:教育|机关|卫生健康|交通运输|建设|商贸|总)?(?:工会|工联会)")


class Entry(NamedTuple):
    """What one name stands for."""

    kind: str                      # union department taught area short_area place short_place ambiguous press other generic
    unit_id: str | None = None
    place: Place | None = None
    units: tuple[str, ...] = ()    # the candidates of an ambiguous name


class Hit(NamedTuple):
    text: str
    start: int
    end: int
    entries: tuple[Entry, ...]


class Segment(NamedTuple):
    """One part of a byline: an organisation, a person, a reporter or press, or an unrecognised body."""

    text: str
    role: str                      # names | person | reporter | generic | other | unknown
    entries: tuple[Entry, ...] = ()    # for names: what the segment names (exactly or through its hits)
    hits: tuple[Hit, ...] = ()


def trie_pattern(words: Iterable[str]) -> str:
    """A regex matching any of `words`, factored as a trie so the longest word wins at each position."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        end = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else f"{body}?"
        return body

    return emit(trie)


def strip_brackets(line: str) -> str:
    """The text inside a byline's brackets; an unclosed or missing bracket is fine."""
    text = line.strip().replace("\xa0", " ")
    while text and text[0] in OPEN:
        text = text[1:].strip()
    while text and text[-1] in CLOSE:
        text = text[:-1].strip()
    return text


@dataclass(frozen=True)
class Vocabulary:
    """Every known name, compiled once."""

    registry: Registry
    names: Mapping[str, tuple[Entry, ...]]   # found anywhere in text
    exact: Mapping[str, tuple[Entry, ...]]   # count only as a whole 来源 or byline segment
    scanner: re.Pattern[str]
    # Bylines repeat (the same 来源 on thousands of pages): each distinct line is split and classified once.
    _split: dict[str, tuple[Segment, ...]] = field(default_factory=dict, compare=False, repr=False)

    def scan(self, text: str) -> list[Hit]:
        names = self.names
        return [Hit(m[0], *m.span(), names[m[0]]) for m in self.scanner.finditer(text)]

    def segments(self, line: str) -> tuple[Segment, ...]:
        """Split a 来源 value or one closing byline line into classified segments."""
        known = self._split.get(line)
        if known is None:
            known = self._segments(line)
            if len(self._split) < SPLIT_CACHE:
                self._split[line] = known
        return known

    def _segments(self, line: str) -> tuple[Segment, ...]:
        out = []
        for raw in SEPARATORS.split(strip_brackets(line)):
            token = raw.strip("：:")
            for marker in MARKERS:
                if token.startswith(marker):
                    token = token[len(marker):].strip("：:")
                    if marker in ("本网讯", "本报讯"):
                        continue
                    if not token:
                        break
                    if "记者" in marker:
                        out.append(Segment(marker, "reporter"))
                    break
            if not token:
                continue
            out.append(self.segment(token))
        return tuple(out)

    def segment(self, token: str) -> Segment:
        exact = self.exact.get(token)
        if exact is not None:
            kinds = {e.kind for e in exact}
            if kinds <= {"press"}:
                return Segment(token, "reporter", exact)
            if kinds <= {"other"}:
                return Segment(token, "other", exact)
            if kinds <= {"generic"}:
                return Segment(token, "generic", exact)
            return Segment(token, "names", exact)
        if "记者" in token:
            return Segment(token, "reporter")
        hits = tuple(self.scan(token))
        kinds = {e.kind for h in hits for e in h.entries if e.kind != "short_area" or sector_follows(token, h.end)}
        kinds |= {"area" for h in hits for e in h.entries if e.kind == "short_area" and sector_follows(token, h.end)}
        if kinds & {"union", "department", "taught", "area", "place", "ambiguous"}:
            return Segment(token, "names", (), hits)
        if "press" in kinds:
            return Segment(token, "reporter", (), hits)
        if "other" in kinds:
            return Segment(token, "other", (), hits)
        if PERSON.fullmatch(token) and not token.endswith(ORG_ENDINGS) and not hits:
            return Segment(token, "person")
        return Segment(token, "unknown", (), hits)


def union_follows(text: str, end: int) -> bool:
    """Whether the name ending at `end` is followed by “……工会” (a base-level union there)."""
    return UNION_AFTER.match(text, end) is not None


def sector_follows(text: str, end: int) -> bool:
    """Whether a bare area word ending at `end` is followed by a district-wide union (教育工会, 总工会)."""
    return SECTOR_AFTER.match(text, end) is not None


def entry_units(entry: Entry, day: date) -> list[str]:
    """The units a name stands for on `day` (a town or street: its district then; none when it was no one's)."""
    if entry.kind in ("union", "department", "taught", "area", "short_area"):
        return [entry.unit_id] if entry.unit_id else []
    if entry.kind in ("place", "short_place") and entry.place is not None and entry.place.valid_on(day):
        return [entry.place.district]
    return []


def known_non_unit(registry: Registry, seg: Segment, hints: set[str]) -> bool:
    """A byline part that is surely no unit: another body, or a 工联会 / firm / bureau naming no place of ours."""
    if seg.role == "other":
        return True
    text = seg.text
    return not hints and not seg.hits and (
        text.endswith(registry.non_unit_endings)
        or (text.startswith(registry.sector_union_prefixes) and text.endswith("工会")))


def _person_like(text: str) -> bool:
    return bool(PERSON.fullmatch(text)) and not text.endswith(ORG_ENDINGS)


def compile_vocabulary(registry: Registry, taught: Sequence[tuple[str, str]] = ()) -> Vocabulary:
    """Compile the registry's names and the taught aliases (text, unit id) into one scanner."""
    names: dict[str, list[Entry]] = {}

    def add(text: str, entry: Entry) -> None:
        bucket = names.setdefault(text, [])
        if entry not in bucket:
            bucket.append(entry)

    for unit in registry:
        for alias in unit.aliases:
            add(alias, Entry("union" if unit.kind == "district" else "department", unit.id))
        for area in unit.areas:
            add(area, Entry("area", unit.id))
        for area in unit.short_areas:
            add(area, Entry("short_area", unit.id))
    for place in registry.places:
        add(place.name, Entry("place", place.district, place))
        if place.short:
            add(place.short, Entry("short_place", place.district, place))
    for text, units in registry.ambiguous.items():
        if any(text.startswith(p) for p in ("常州市总工会", "市总")):
            add(text, Entry("ambiguous", units=units))
    for text in registry.press:
        add(text, Entry("press"))
    for text in registry.other_bodies:
        add(text, Entry("other"))

    exact: dict[str, list[Entry]] = {k: list(v) for k, v in names.items()}
    for unit in registry:
        for short in unit.short_names:
            exact.setdefault(short, []).append(Entry("department", unit.id))
    for text, units in registry.ambiguous.items():
        exact[text] = [Entry("ambiguous", units=units)]
    for text in registry.generic_sources:
        exact[text] = [Entry("generic")]
    for text, unit_id in taught:
        # A taught alias replaces whatever the text meant before: the reviewer has said what it means.
        exact[text] = [Entry("taught", unit_id)]
        if not _person_like(text):
            names[text] = [Entry("taught", unit_id)]

    pattern = re.compile(trie_pattern(sorted(names, key=len, reverse=True)))
    return Vocabulary(
        registry=registry,
        names=MappingProxyType({k: tuple(v) for k, v in names.items()}),
        exact=MappingProxyType({k: tuple(v) for k, v in exact.items()}),
        scanner=pattern,
    )
