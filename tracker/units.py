"""The units that get credit, their names, and the gazetteer of towns and streets (config/units.toml).

Loaded once at the edge into frozen dataclasses; every error names the file and the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType

from rapidfuzz import fuzz, process

from scoring.wording import quoted
from tracker.config import ConfigError, Section, read_toml
from tracker.errors import NotFound

UNITS_FILE = "units.toml"
KINDS = ("district", "department")
# One address, no spaces or commas: several would be one more mistake to catch later.
EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
PLACE_KINDS = ("town", "street", "park")


class UnknownUnit(NotFound):
    """A unit named on the command line is not in config/units.toml."""


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: str                          # district | department
    target: int | None                 # yearly target (departments); None for districts
    valid_from: date | None
    valid_to: date | None
    aliases: tuple[str, ...]           # found anywhere: 来源, bylines, title, body
    short_names: tuple[str, ...] = ()  # count only as a whole 来源 or byline segment
    areas: tuple[str, ...] = ()        # district area names (金坛区)
    short_areas: tuple[str, ...] = ()  # bare area words (金坛): a weak clue only
    email: str | None = None           # where the unit's statement is mailed (optional)

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Place:
    name: str                          # 指前镇
    district: str                      # unit id
    kind: str                          # town | street | park
    valid_from: date | None = None
    valid_to: date | None = None
    short: str | None = None           # 指前: a weak clue only

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Registry:
    """Every unit in file order (iterating yields units), the gazetteer and the byline vocabularies."""

    path: Path
    units: tuple[Unit, ...]
    places: tuple[Place, ...]
    generic_sources: tuple[str, ...]
    press: tuple[str, ...]
    other_bodies: tuple[str, ...]
    ambiguous: Mapping[str, tuple[str, ...]]
    site_sources: Mapping[str, str]    # site key → unit a generic 来源 means on that site
    non_unit_endings: tuple[str, ...] = ()        # a byline part naming no unit, ending so, is a known non-unit
    sector_union_prefixes: tuple[str, ...] = ()   # 市……工会: a municipal sector union, a known non-unit

    def __iter__(self) -> Iterator[Unit]:
        return iter(self.units)

    def __len__(self) -> int:
        return len(self.units)

    def unit(self, unit_id: str) -> Unit:
        for unit in self.units:
            if unit.id == unit_id:
                return unit
        raise self._unknown(unit_id)

    def name_of(self, unit_id: str | None) -> str | None:
        """The official name of a unit id (the id itself when unknown, None for None)."""
        if unit_id is None:
            return None
        return next((u.name for u in self.units if u.id == unit_id), unit_id)

    def find(self, text: str) -> Unit:
        """A unit by id, official name or alias; UnknownUnit with close matches otherwise."""
        key = text.strip()
        for unit in self.units:
            if key in (unit.id, unit.name) or key in (*unit.aliases, *unit.short_names, *unit.areas, *unit.short_areas):
                return unit
        raise self._unknown(key)

    def close_matches(self, text: str, limit: int = 3) -> list[Unit]:
        choices: dict[str, Unit] = {}
        for unit in self.units:
            for label in (unit.id, unit.name, *unit.aliases, *unit.short_names, *unit.areas):
                choices.setdefault(label, unit)
        found: list[Unit] = []
        for label, _score, _i in process.extract(text, list(choices), scorer=fuzz.WRatio, limit=limit * 4,
                                                 score_cutoff=40):
            unit = choices[label]
            if unit not in found:
                found.append(unit)
        return found[:limit]

    def _unknown(self, text: str) -> UnknownUnit:
        near = self.close_matches(text)
        hint = f"；是不是：{'、'.join(f'{u.name}（{u.id}）' for u in near)}" if near else ""
        return UnknownUnit(f"没有单位“{text}”{hint}（单位见 {self.path}）")

    def places_named(self, name: str) -> tuple[Place, ...]:
        return tuple(p for p in self.places if p.name == name or p.short == name)

    def district_of(self, place: str, day: date) -> str | None:
        """The district unit a town or street belonged to on `day`, or None."""
        for p in self.places_named(place):
            if p.valid_on(day):
                return p.district
        return None


def _date(sec: Section, name: str) -> date | None:
    value = sec.get(name, date, None)
    if value is not None and type(value) is not date:
        raise sec.error(name, f"应为日期（例如 2020-01-01），实为 {quoted(value)}")
    return value


def _names(sec: Section, name: str) -> tuple[str, ...]:
    values = tuple(v.strip() for v in sec.strings(name))
    for i, value in enumerate(values):
        if not value:
            raise sec.error(f"{name}[{i}]", "不能为空")
    return values


def _load_unit(sec: Section, prefixes: tuple[str, ...]) -> Unit:
    sec.only("id", "name", "kind", "target", "valid_from", "valid_to", "aliases", "short_names", "areas",
             "short_areas", "email")
    unit_id = sec.get("id", str, required=True)
    if not unit_id.isascii() or not unit_id.replace("_", "").isalnum() or not unit_id.islower():
        raise sec.error("id", f"应为小写英文字母、数字或下划线，实为 {quoted(unit_id)}")
    kind = sec.get("kind", str, required=True)
    if kind not in KINDS:
        raise sec.error("kind", f"应为 {'、'.join(KINDS)} 之一，实为 {quoted(kind)}")
    target = sec.get("target", int, None)
    if target is not None and kind != "department":
        raise sec.error("target", "辖市、区总工会不设目标分值")
    if target is not None and target <= 0:
        raise sec.error("target", f"应为正数，实为 {target}")
    valid_from, valid_to = _date(sec, "valid_from"), _date(sec, "valid_to")
    if valid_from and valid_to and valid_from > valid_to:
        raise sec.error("valid_to", f"早于 valid_from（{valid_from}）")
    name = sec.get("name", str, required=True).strip()
    short_names = _names(sec, "short_names")
    if kind == "department":
        # A department's own name (组织部) is also a district department's: whole segments only.
        short_names = tuple(dict.fromkeys((name, *short_names)))
        aliases = [*_names(sec, "aliases"), *(p + s for s in short_names for p in prefixes)]
    else:
        aliases = [name, *_names(sec, "aliases")]
    areas, short_areas = _names(sec, "areas"), _names(sec, "short_areas")
    if kind == "department" and (areas or short_areas):
        raise sec.error("areas", "只有辖市、区总工会有地名")
    email = sec.get("email", str, None)
    if email is not None and not EMAIL.match(email.strip()):
        raise sec.error("email", f"不是有效的邮箱地址：{quoted(email)}")
    return Unit(unit_id, name, kind, target, valid_from, valid_to, tuple(dict.fromkeys(aliases)), short_names,
                areas, short_areas, email.strip() if email else None)


def _load_places(sec: Section, districts: set[str]) -> tuple[Place, ...]:
    places = []
    sec.only("places")
    for psec in sec.tables("places"):
        psec.only("name", "district", "kind", "valid_from", "valid_to", "short")
        kind = psec.get("kind", str, required=True)
        if kind not in PLACE_KINDS:
            raise psec.error("kind", f"应为 {'、'.join(PLACE_KINDS)} 之一，实为 {quoted(kind)}")
        district = psec.get("district", str, required=True)
        if district not in districts:
            raise psec.error("district", f"不是辖市、区总工会的编号：{quoted(district)}；可选：{'、'.join(sorted(districts))}")
        place = Place(psec.get("name", str, required=True).strip(), district, kind, _date(psec, "valid_from"),
                      _date(psec, "valid_to"), psec.get("short", str, None))
        if place.valid_from and place.valid_to and place.valid_from > place.valid_to:
            raise psec.error("valid_to", f"早于 valid_from（{place.valid_from}）")
        for other in places:
            if {other.name, other.short} & {place.name, place.short} - {None} and _overlap(other, place):
                raise psec.error("name", f"“{place.name}”与“{other.name}”（{other.district}）的有效日期重叠")
        places.append(place)
    return tuple(places)


def _overlap(a: Place, b: Place) -> bool:
    lo = max(a.valid_from or date.min, b.valid_from or date.min)
    hi = min(a.valid_to or date.max, b.valid_to or date.max)
    return lo <= hi


def _check_names(path: Path, units: tuple[Unit, ...], ambiguous: Mapping[str, tuple[str, ...]]) -> None:
    """One name, one unit: a name shared by two units belongs in [ambiguous], not in both."""
    owner: dict[str, str] = {}
    for i, unit in enumerate(units):
        for label in (*unit.aliases, *unit.short_names, *unit.areas, *unit.short_areas):
            if owner.setdefault(label, unit.id) != unit.id:
                raise ConfigError(path, f"units[{i}].aliases",
                                  f"“{label}”同时指 {owner[label]} 和 {unit.id}；一名多指请写在 [ambiguous]")
            if label in ambiguous:
                raise ConfigError(path, f"ambiguous.{label}", f"已是 {unit.id} 的名称")


def load_units(config_dir: Path | str) -> Registry:
    """Read config_dir/units.toml into a Registry; a bad value names the file and the key."""
    path = Path(config_dir) / UNITS_FILE
    top = Section(path, read_toml(path))
    top.only("bylines", "units", "ambiguous", "sites", "gazetteer")
    bylines = top.table("bylines")
    bylines.only("municipal_prefixes", "generic_sources", "press", "other_bodies", "non_unit_endings",
                 "sector_union_prefixes")
    prefixes = bylines.strings("municipal_prefixes")
    units: list[Unit] = []
    for sec in top.tables("units"):
        unit = _load_unit(sec, prefixes)
        if any(u.id == unit.id for u in units):
            raise sec.error("id", f"单位编号{quoted(unit.id)}重复")
        units.append(unit)
    if not units:
        raise top.error("units", "至少要有一个单位")
    ids = {u.id for u in units}
    amb_sec = top.table("ambiguous")
    ambiguous: dict[str, tuple[str, ...]] = {}
    for text in amb_sec.data:
        targets = amb_sec.strings(text)
        if len(targets) < 2 or not set(targets) <= ids:
            raise amb_sec.error(text, f"应列出至少两个已有的单位编号，实为 {quoted(list(targets))}")
        for prefix in ("", *prefixes):
            ambiguous[prefix + text] = targets
    _check_names(path, tuple(units), ambiguous)
    sites_sec = top.table("sites")
    site_sources = {}
    for site in sites_sec.data:
        unit_id = sites_sec.get(site, str)
        if unit_id not in ids:
            raise sites_sec.error(site, f"没有单位编号{quoted(unit_id)}")
        site_sources[site] = unit_id
    districts = {u.id for u in units if u.kind == "district"}
    return Registry(
        path=path,
        units=tuple(units),
        places=_load_places(top.table("gazetteer"), districts),
        generic_sources=bylines.strings("generic_sources"),
        press=bylines.strings("press"),
        other_bodies=bylines.strings("other_bodies"),
        ambiguous=MappingProxyType(ambiguous),
        site_sources=MappingProxyType(site_sources),
        non_unit_endings=bylines.strings("non_unit_endings"),
        sector_union_prefixes=bylines.strings("sector_union_prefixes"),
    )
