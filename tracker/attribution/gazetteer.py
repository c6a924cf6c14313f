"""Jiangsu's cities and their counties (config/jiangsu.toml): which city a place name belongs to.

Loaded once at the edge into frozen dataclasses; an unknown key, a missing value or a name given twice in one
city is refused with the file and the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from scoring.wording import quoted
from tracker.attribution.matching import trie_pattern
from tracker.config import ConfigError, Section, read_toml

GAZETTEER_FILE = "jiangsu.toml"
PROVINCE = "江苏省"
TOP_KEYS = ("provincial", "cities")
PROVINCIAL_KEYS = ("sites", "home", "generic_sources", "province")
CITY_KEYS = ("name", "short", "counties")


@dataclass(frozen=True)
class City:
    name: str
    short: str
    counties: tuple[str, ...]


@dataclass(frozen=True)
class Gazetteer:
    """Cities, the place names that point to them, and which sites publish the whole province."""

    path: Path
    sites: tuple[str, ...]
    home: str
    generic_sources: tuple[str, ...]
    province: tuple[str, ...]
    cities: tuple[City, ...]
    places: Mapping[str, tuple[str, ...]]    # name → the cities it may mean (鼓楼区 → 南京市, 徐州市)
    scanner: re.Pattern[str]

    def find(self, text: str) -> list[tuple[str, int, tuple[str, ...]]]:
        """Every place name in `text`, leftmost and longest first: (name, start, cities)."""
        return [(m[0], m.start(), self.places[m[0]]) for m in self.scanner.finditer(text or "")]

    def cities_in(self, text: str) -> set[str]:
        """The cities the place names in `text` point to; a name two cities share counts for both."""
        return {city for _, _, cities in self.find(text) for city in cities}


def _only(sec: Section, allowed: tuple[str, ...]) -> None:
    for key in sec.data:
        if key not in allowed:
            raise sec.error(key, f"未知的键；可用的键：{'、'.join(allowed)}")


def _names(sec: Section, name: str, *, required: bool = True) -> tuple[str, ...]:
    values = sec.strings(name)
    if required and not values:
        raise sec.error(name, "至少要有一项")
    for i, value in enumerate(values):
        if not value.strip():
            raise sec.error(f"{name}[{i}]", "不能为空")
    return tuple(v.strip() for v in values)


def load_gazetteer(config_dir: Path | str) -> Gazetteer:
    """Read config_dir/jiangsu.toml; a bad value names the file and the key."""
    path = Path(config_dir) / GAZETTEER_FILE
    top = Section(path, read_toml(path))
    _only(top, TOP_KEYS)
    prov = top.table("provincial", required=True)
    _only(prov, PROVINCIAL_KEYS)
    cities: list[City] = []
    for sec in top.tables("cities"):
        _only(sec, CITY_KEYS)
        name = sec.get("name", str, required=True).strip()
        short = sec.get("short", str, required=True).strip()
        counties = _names(sec, "counties")
        if len(set(counties)) != len(counties):
            raise sec.error("counties", "有重复的名称")
        if any(c.name == name for c in cities):
            raise sec.error("name", f"设区市“{name}”重复")
        if not name or not short:
            raise sec.error("name" if not name else "short", "不能为空")
        cities.append(City(name, short, counties))
    if not cities:
        raise top.error("cities", "至少要有一个设区市")
    home = prov.get("home", str, required=True)
    if home not in {c.name for c in cities}:
        raise prov.error("home", f"不是 [[cities]] 中的设区市：{quoted(home)}")
    places: dict[str, list[str]] = {}
    for city in cities:
        for label in (city.name, city.short, *city.counties):
            bucket = places.setdefault(label, [])
            if city.name not in bucket:
                bucket.append(city.name)
    for label in _names(prov, "province"):
        places.setdefault(label, [PROVINCE])
    pattern = re.compile(trie_pattern(sorted(places, key=len, reverse=True)))
    return Gazetteer(
        path=path, sites=_names(prov, "sites"), home=home,
        generic_sources=_names(prov, "generic_sources", required=False), province=_names(prov, "province"),
        cities=tuple(cities), places=MappingProxyType({k: tuple(v) for k, v in places.items()}), scanner=pattern,
    )


def gazetteer_or_none(config_dir: Path | str) -> Gazetteer | None:
    """The gazetteer when config_dir has one (older config folders do not); errors in it still raise."""
    if not (Path(config_dir) / GAZETTEER_FILE).exists():
        return None
    return load_gazetteer(config_dir)


__all__ = ["City", "ConfigError", "Gazetteer", "gazetteer_or_none", "load_gazetteer"]
