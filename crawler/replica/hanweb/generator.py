"""The provincial replica's content, deterministic from (seed, index), with the ground truth of every item.

Most items (about nine in ten) come from Jiangsu's other cities; the rest from Changzhou's district unions,
its municipal departments, the municipal union itself, and the provincial union. The first items carry the
quirks (`site.quirks` names their ids). Some Changzhou items retell an event of the municipal replica.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from types import MappingProxyType
from typing import Any

from crawler.replica.generator import QUIRK_MIN_ARTICLES, GeneratedSite, first_pages
from crawler.replica.generator import make_article as municipal_article
from crawler.replica.hanweb.jiangsu import CITY_BY_NAME, OTHER_CITIES, TOWNS, City, union_of
from crawler.replica.hanweb.stories import Speaker, Story, open_with_bwx, province_story, sign, union_story
from crawler.replica.places import DEPARTMENTS, DISTRICT_BY_KEY, DISTRICTS, District, districts_on

ELSEWHERE = "elsewhere"     # truth: about another city or the province, never credited, never queued
CHANGZHOU = "changzhou"     # truth: a Changzhou item; `expected_unit` None means a person must decide


@dataclass(frozen=True)
class Column:
    id: int
    uid: int
    name: str


NEWS = Column(3577, 18462, "基层动态")       # jsgh's list seen at /col/col3577/index.html?uid=18462
SERVICE = Column(144, 18470, "工会动态")      # jsghfw's column 144 (the article art_144_87392 was seen)
NOTICES = Column(3580, 18466, "通知公告")
COLUMNS = (NEWS, SERVICE, NOTICES)
COLUMN_BY_ID = {c.id: c for c in COLUMNS}
PAGE_SIZE = 15
FIRST_ID = 80001
START = date(2016, 7, 1)
ITEMS_PER_DAY = 8.0
WEBNAME = "江苏工会网"
KINDS = {"other_city": 88, "district": 8, "province": 2, "department": 1, "municipal": 1}
PROVINCE_SOURCES = ("江苏省总工会", "本网", WEBNAME)


@dataclass(frozen=True)
class Item:
    """One article as served, and what a reader should make of it."""

    index: int
    id: int
    column: int
    date: str                       # yyyy-mm-dd
    time: str                       # hh:mm of PubDate
    title: str
    source: str | None              # ContentSource / 来源 value; None when empty
    source_label: str               # 来源 | 信息来源
    meta: bool                      # the page carries ArticleTitle / PubDate / ContentSource meta tags
    blocks: tuple[str | None, ...]  # paragraphs and images (None), closing lines excluded
    closing: tuple[str, ...]        # byline, signature line and its date, as printed
    correspondents: tuple[str, ...]
    scope: str                      # changzhou | elsewhere
    city: str                       # 常州市, 徐州市 … or 江苏省
    expected_unit: str | None       # official unit name to credit, None when nobody (or a person) decides
    municipal_id: int | None = None  # the municipal replica's article telling the same event
    status: int = 200               # 403: the page a WAF refuses

    @property
    def path(self) -> str:
        y, m, d = (int(x) for x in self.date.split("-"))
        return f"/art/{y}/{m}/{d}/art_{self.column}_{self.id}.html"

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return tuple(b for b in self.blocks if b is not None)

    @property
    def image_count(self) -> int:
        return sum(1 for b in self.blocks if b is None)

    def truth(self) -> dict[str, Any]:
        return {
            "id": self.id, "index": self.index, "column": self.column, "path": self.path, "date": self.date,
            "title": self.title, "source": self.source, "source_label": self.source_label, "meta": self.meta,
            "paragraphs": list(self.paragraphs), "closing_bylines": list(self.closing),
            "correspondents": list(self.correspondents), "image_count": self.image_count, "scope": self.scope,
            "city": self.city, "expected_unit": self.expected_unit, "municipal_id": self.municipal_id,
            "status": self.status,
        }


@dataclass(frozen=True)
class Spec:
    name: str
    kind: str = "other_city"
    city: str | None = None
    county: str | None = None
    district: str | None = None
    closing: str | None = None
    source: str | None = None        # full | city | generic | province | none
    meta: bool | None = None
    label: str | None = None
    images: int | None = None
    prefix: str | None = None        # title prefix instead of the full name ("" for none)
    level: str | None = None         # town: a town union in a district
    same_event: bool = False
    status: int = 200
    column: int | None = None
    voice: bool = False              # the 2024 page in the submitter's own voice


QUIRKS: tuple[Spec, ...] = (
    Spec("meta", "district", district="jintan", source="full", meta=True, closing="reporter_correspondent"),
    Spec("no_meta", "district", district="wujin", source="full", meta=False, closing="none"),
    Spec("info_source_label", "district", district="xinbei", source="none", meta=False, label="信息来源",
         closing="correspondent"),
    Spec("photos", "district", district="tianning", images=2, source="province", closing="reporter_correspondent"),
    Spec("correspondent_unopened", "district", district="zhonglou", source="none", closing="correspondent_unopened"),
    Spec("county_city", "district", district="liyang", source="full", closing="none"),
    Spec("signature_only", "district", district="zhonglou", prefix="", source="province", closing="signature_only"),
    Spec("own_voice", "municipal", source="generic", voice=True, closing="none"),
    Spec("changzhou_colon", "district", district="jintan", prefix="常州市金坛区总工会:", closing="none"),
    Spec("town_union", "district", district="wujin", level="town", source="none", closing="none"),
    Spec("same_event", "district", same_event=True, closing="reporter_correspondent"),
    Spec("department", "department", closing="department", source="generic"),
    Spec("municipal", "municipal", source="generic", closing="none"),
    Spec("province", "province", source="province"),
    Spec("other_signature", city="苏州市", county="吴中区", closing="signature", source="none"),
    Spec("other_visits_changzhou", city="徐州市", images=1, closing="reporter_correspondent"),
    Spec("other_county_city", city="无锡市", county="江阴市", source="full"),
    Spec("other_gulou", city="南京市", county="鼓楼区", source="none", meta=False),
    Spec("other_no_prefix", city="镇江市", prefix="", source="full", closing="correspondent"),
    Spec("other_trailing_stop", city="苏州市", county="吴中区", source="none"),
    Spec("blocked", city="南通市", status=403),
    Spec("service_column", "district", district="xinbei", column=SERVICE.id, source="full"),
)
QUIRK_AT = dict(enumerate(QUIRKS))


def day_of(index: int, per_day: float = ITEMS_PER_DAY) -> date:
    return START + timedelta(days=int(index / per_day))


def _pick(rng: random.Random, weights: Mapping[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _changzhou_speaker(d: District) -> Speaker:
    full = d.union if d.area.startswith("常州") or d.area.endswith("市") else f"常州市{d.union}"
    return Speaker(full, d.union, d.area, d.towns)


def _other_speaker(rng: random.Random, spec: Spec) -> tuple[City, Speaker]:
    city = CITY_BY_NAME[spec.city] if spec.city else rng.choice(OTHER_CITIES)
    county = spec.county if spec.county or spec.city else (rng.choice(city.counties) if rng.random() < 0.6 else None)
    full = union_of(city, county)
    return city, Speaker(full, f"{county}总工会" if county else full, county or city.name, TOWNS[city.name])


def _source(rng: random.Random, form: str, speaker: Speaker | None, city: str) -> str | None:
    if form == "full" and speaker is not None:
        return speaker.full
    if form == "city":
        return f"{city}总工会"
    if form == "generic":
        return "常州市总工会"
    if form == "province":
        return rng.choice(PROVINCE_SOURCES)
    return None


def _closing_form(rng: random.Random) -> str:
    return _pick(rng, {"none": 40, "reporter_correspondent": 30, "correspondent": 15, "correspondent_unopened": 4,
                       "unit_person": 6, "signature": 5})


def _same_event(rng: random.Random, seed: int, day: date) -> tuple[Story, District, int] | None:
    """A district story of the municipal replica, retold with the full unit name in front."""
    for _ in range(8):
        index = rng.randrange(QUIRK_MIN_ARTICLES, QUIRK_MIN_ARTICLES + 300)
        article = municipal_article(seed, index)
        district = next((d for d in DISTRICTS if d.union == article.expected_unit), None)
        if district is None or article.status != 200:
            continue
        speaker = _changzhou_speaker(district)
        title = article.title if article.title.startswith(speaker.full) else f"{speaker.full}：{article.title}"
        paragraphs = list(article.paragraphs)
        paragraphs[0] = re.sub(r"^本网讯（[^）]*）", "", paragraphs[0])  # the municipal site's own opening
        story = Story(title, paragraphs, [], [])
        return story, district, article.id
    return None


def make_item(seed: int, index: int, per_day: float = ITEMS_PER_DAY) -> Item:
    """Item `index` of the provincial replica with `seed`; depends on nothing else."""
    rng = random.Random(f"jsgh-replica/{seed}/{index}")
    iid = FIRST_ID + 3 * index + rng.randrange(3)
    day = day_of(index, per_day)
    spec = QUIRK_AT.get(index) or Spec("", _pick(rng, KINDS))
    images = spec.images if spec.images is not None else (rng.choice((1, 2, 3)) if rng.random() < 0.15 else 0)
    closing = spec.closing or _closing_form(rng)
    source_form = spec.source or _pick(rng, {"full": 35, "none": 35, "province": 20, "city": 10})
    meta = spec.meta if spec.meta is not None else rng.random() < 0.7
    label = spec.label or ("信息来源" if rng.random() < 0.1 else "来源")
    speaker: Speaker | None = None
    unit: str | None = None
    municipal_id = None
    scope, city = CHANGZHOU, "常州市"
    if spec.kind == "district":
        districts = districts_on(day.isoformat())
        district = DISTRICT_BY_KEY[spec.district] if spec.district else rng.choice(districts)
        told = _same_event(rng, seed, day) if spec.same_event or rng.random() < 0.1 else None
        if told is not None:
            story, district, municipal_id = told
            speaker = _changzhou_speaker(district)
        else:
            speaker = _changzhou_speaker(district)
            prefix = spec.prefix
            if spec.level == "town":
                prefix = f"{speaker.full.removesuffix('总工会')}{rng.choice(district.towns)}总工会"
            story = union_story(rng, day, speaker, images, prefix=prefix)
        unit = district.union
    elif spec.kind == "department":
        dept = rng.choice(DEPARTMENTS)
        speaker = Speaker("常州市总工会", "常州市总工会", "常州市")
        story = union_story(rng, day, speaker, images, dept.topic)
        story.closing.append(f"(常州市总工会{dept.name.split('（')[0]})")
        closing, unit = "done", dept.name
    elif spec.kind == "municipal":
        speaker = Speaker("常州市总工会", "常州市总工会", "常州市")
        story = union_story(rng, day, speaker, images, prefix="常州工会" if spec.voice else None)
        if spec.voice:
            story.blocks[0] = f"我市{story.blocks[0]}"
    elif spec.kind == "province":
        story, scope, city, closing = province_story(rng, day), ELSEWHERE, "江苏省", "none"
    else:
        other, speaker = _other_speaker(rng, spec)
        scope, city = ELSEWHERE, other.name
        prefix = spec.prefix
        story = union_story(rng, day, speaker, images, prefix=prefix)
        if spec.name == "other_visits_changzhou":
            story.title = f"{speaker.full}到常州考察交流工会工作(附图)"
            story.blocks.insert(1, "考察组一行先后来到常州市金坛区总工会和武进区湖塘镇职工服务中心，学习基层工会建设经验。")
        if spec.name == "other_trailing_stop":
            story.title = f"{speaker.full}开展 “吴中工匠”评选活动。"
    if story.blocks and story.blocks[0] is not None and not spec.voice:
        open_with_bwx(story)
    if closing not in ("none", "done"):
        sign(rng, story, closing, speaker, day)
    column = spec.column or (NEWS.id if rng.random() < 0.8 else SERVICE.id)
    return Item(
        index=index, id=iid, column=column, date=day.isoformat(),
        time=f"{8 + rng.randrange(10):02d}:{rng.randrange(60):02d}", title=story.title,
        source=_source(rng, source_form, speaker, city), source_label=label, meta=meta,
        blocks=tuple(story.blocks), closing=tuple(story.closing), correspondents=tuple(story.correspondents),
        scope=scope, city=city, expected_unit=unit, municipal_id=municipal_id, status=spec.status,
    )


@dataclass(frozen=True)
class ProvincialSite(GeneratedSite[Item]):
    seed: int
    per_day: float
    items: tuple[Item, ...]
    quirks: Mapping[str, int] = field(default_factory=dict)

    @property
    def pages(self) -> tuple[Item, ...]:
        return self.items

    def regenerate(self, n: int, keep: tuple[Item, ...]) -> ProvincialSite:
        return generate(n, self.seed, self.per_day, keep=keep)

    @cached_property
    def _listings(self) -> Mapping[int, tuple[Item, ...]]:
        lists: dict[int, list[Item]] = {c.id: [] for c in COLUMNS if c is not NOTICES}
        for item in reversed(self.items):
            lists[item.column].append(item)
        return MappingProxyType({k: tuple(v) for k, v in lists.items()})

    def listing(self, column: int) -> tuple[Item, ...]:
        """A news column's items, newest first."""
        return self._listings.get(column, ())


def generate(n_items: int, seed: int = 1, per_day: float = ITEMS_PER_DAY, keep: tuple[Item, ...] = ()) -> ProvincialSite:
    """The replica with `n_items` news items; `keep` reuses an already generated prefix."""
    items, quirks = first_pages(make_item, n_items, seed, per_day, keep, QUIRK_AT)
    return ProvincialSite(seed, per_day, items, quirks)


def list_path(column: Column, page: int = 1) -> str:
    return f"/col/col{column.id}/index.html?uid={column.uid}&pageNum={page}"
