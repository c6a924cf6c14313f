"""A deterministic replica of the municipal site's content, with the ground truth of every article.

Article i depends only on (seed, i) and the pace (articles per day): a bigger replica keeps the first articles identical and adds newer
ones (higher ids, same or later dates), so growth is `generate(n + k, seed)` or `site.grow(k)`.
The first `QUIRK_MIN_ARTICLES` articles carry the quirks (`site.quirks` names their ids); the rest are
drawn at random with the proportions the real site shows.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from types import MappingProxyType
from typing import Any, Generic, Self, TypeVar

from crawler.replica.bylines import Byline, Force, sign
from crawler.replica.openings import make_shaped, shape_of
from crawler.replica.places import (
    DEPARTMENT_BY_COLUMN,
    DEPARTMENT_BY_NAME,
    DEPARTMENTS,
    DISTRICT_BY_KEY,
    GBK_ONLY_NAME,
    districts_on,
)
from crawler.replica.stories import (
    Draft,
    Extras,
    department_story,
    district_story,
    joint_story,
    municipal_story,
    other_story,
)


@dataclass(frozen=True)
class Column:
    key: str
    name: str
    code: str
    catid: int
    parent: str          # breadcrumb level above the column


COLUMNS: tuple[Column, ...] = (
    Column("jcdt", "基层动态", "KEBQLDDJ", 19922, "工会新闻"),
    Column("tpxw", "图片新闻", "KEBRLDDK", 19924, "工会新闻"),
    Column("ghyw", "工会要闻", "KEBLLDDH", 19920, "工会新闻"),
    Column("bzgz", "保障工作", "KEBSLDDA", 19931, "部门专栏"),
    Column("mzgl", "民主管理", "KEBTLDDB", 19932, "部门专栏"),
    Column("jjjs", "经济技术", "KEBULDDC", 19933, "部门专栏"),
    Column("ngz", "女职工", "KEBVLDDE", 19934, "部门专栏"),
    # The parent column holds articles of its own: breadcrumb 首页 >> 工会新闻 >> 内容.
    Column("ghxw", "工会新闻", "IKCALDCQ", 19919, ""),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
COLUMN_BY_CODE = {c.code: c for c in COLUMNS}
COLUMN_BY_CATID = {c.catid: c for c in COLUMNS}
COLUMN_WEIGHTS = {"jcdt": 55, "ghyw": 18, "tpxw": 12, "bzgz": 4, "mzgl": 4, "jjjs": 4, "ngz": 3}
KINDS = {
    "jcdt": {"district": 88, "other": 5, "municipal": 4, "department": 2, "joint": 1},
    "tpxw": {"district": 70, "municipal": 20, "department": 10},
    "ghyw": {"municipal": 45, "district": 30, "department": 20, "joint": 5},
}
DEPARTMENT_COLUMN_KINDS = {"department": 65, "district": 35}
# Share of 工会要闻 stories filed in the parent column 工会新闻 instead. Drawn from a stream of its own, so
# every article reads as it did before the parent column was added; only where it is listed changes.
PARENT_SHARE = 0.25

FIRST_ID = 9901
START = date(2016, 7, 1)
ARTICLES_PER_DAY = 6.0   # 20,000 articles reach mid-2025
PAGE_SIZE = 20


@dataclass(frozen=True)
class Article:
    """One article as served, and the truth a crawler should extract from it."""

    index: int
    id: int
    column_code: str                    # primary column: the code in its legacy URL
    column_keys: tuple[str, ...]        # every column listing it, primary first
    date: str                           # 发布日期, yyyy-mm-dd
    title: str
    subtitle: str | None                # without the leading ——
    source: str | None                  # exact 来源 value; None when absent or empty
    source_label: str | None            # 来源 | 信息来源; None when the page has no such field
    closing: tuple[str, ...]            # closing byline lines, exactly as shown (&nbsp; read as space)
    correspondents: tuple[str, ...]     # names written after 通讯员
    blocks: tuple[str | None, ...]      # story paragraphs in page order, None where an image stands
    expected_unit: str | None           # official unit to credit; None when no unit without a human
    experience: bool                    # an experience / summary piece (经验、做法、总结)
    layout: str                         # 长者模式 layout: new | old
    charset: str = "utf-8"              # utf-8 | gbk (declared gb2312)
    status: int = 200                   # 404 for the article whose page is gone
    shape: str | None = None            # the opening shape or trap it carries (openings.py), if any

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """Story paragraphs, without images and without the closing byline lines."""
        return tuple(b for b in self.blocks if b is not None)

    @property
    def image_count(self) -> int:
        return sum(1 for b in self.blocks if b is None)

    @property
    def body(self) -> str:
        """Every text line of the body, closing lines included, joined by newlines."""
        return "\n".join((*self.paragraphs, *self.closing))

    @property
    def legacy_path(self) -> str:
        return f"/html/czgh/{self.date[:4]}/{self.column_code}_{self.date[5:7]}{self.date[8:]}/{self.id}.html"

    def suitable_path(self, catid: int | None = None) -> str:
        catid = catid or COLUMN_BY_CODE[self.column_code].catid
        return f"/content/suitable/show?catid={catid}&id={self.id}"

    def link_in(self, key: str) -> str:
        """The path a column's list links this article by: legacy in its own column, 长者模式 elsewhere."""
        column = COLUMN_BY_KEY[key]
        return self.legacy_path if column.code == self.column_code else self.suitable_path(column.catid)

    def stored(self, origin: str = "http://127.0.0.1") -> dict[str, Any]:
        """The article as the crawler hands it to the store (`store.save_batch`), fetched by its legacy URL."""
        return {"id": self.id, "url": f"{origin}{self.legacy_path}", "legacy": True, "title": self.title,
                "subtitle": self.subtitle, "date": self.date, "source": self.source,
                "source_label": self.source_label, "closing_bylines": list(self.closing),
                "correspondents": list(self.correspondents), "body": self.body,
                "image_count": self.image_count, "column": self.column_keys[0]}

    def truth(self) -> dict[str, Any]:
        """The ground truth as plain JSON-able data."""
        return {
            "id": self.id, "index": self.index, "column_code": self.column_code,
            "column_keys": list(self.column_keys), "date": self.date, "title": self.title,
            "subtitle": self.subtitle, "source": self.source, "source_label": self.source_label,
            "closing_bylines": list(self.closing), "correspondents": list(self.correspondents),
            "paragraphs": list(self.paragraphs), "image_count": self.image_count, "body": self.body,
            "expected_unit": self.expected_unit, "experience": self.experience, "layout": self.layout,
            "charset": self.charset, "status": self.status, "legacy_path": self.legacy_path,
            "suitable_path": self.suitable_path(),
        }


@dataclass(frozen=True)
class ArticleSpec:
    """What an article must look like: a quirk's fixed shape, or one drawn at random."""

    name: str
    column: str = "jcdt"
    kind: str = "district"
    district: str | None = None
    level: str | None = None
    author: str | None = None
    department: str | None = None
    extras: Extras = Extras()
    force: Force = Force()
    layout: str | None = None
    also: str | None = None
    charset: str = "utf-8"
    status: int = 200


QUIRKS: tuple[ArticleSpec, ...] = (
    ArticleSpec("normal", district="wujin", layout="new",
                force=Force(source="district", label="来源", closing="none", lead=False)),
    ArticleSpec("subtitle", district="xinbei", extras=Extras(subtitle=True),
                force=Force(source="district", label="来源", closing="none")),
    ArticleSpec("missing_source", district="tianning", layout="old",
                force=Force(source="missing", closing="none", lead=False)),
    ArticleSpec("bare_source_district", district="zhonglou",
                force=Force(source="bare", label="来源", closing="none", lead=False)),
    ArticleSpec("bare_source_no_unit", kind="other", author="江苏省工人常州疗养院",
                force=Force(source="bare", label="来源")),
    ArticleSpec("info_source_label", district="wujin",
                force=Force(source="district", label="信息来源", closing="none")),
    ArticleSpec("closing_unit", district="jintan", level="town", force=Force(source="missing", closing="unit")),
    ArticleSpec("closing_unit_fullwidth", district="jintan", level="town", force=Force(closing="unit_fullwidth")),
    ArticleSpec("closing_person", district="liyang",
                force=Force(source="missing", closing="person", lead=False)),
    ArticleSpec("closing_unit_person", district="jintan", level="town", force=Force(closing="unit_person")),
    ArticleSpec("closing_bare_line", column="ngz", kind="department", department="女职工部",
                force=Force(closing="department_bare_line")),
    ArticleSpec("closing_unclosed", district="jintan", level="district",
                force=Force(source="district", label="来源", closing="unclosed")),
    ArticleSpec("closing_two_units", column="ghyw", kind="joint", author="市粮食局工联会"),
    ArticleSpec("closing_two_lines", district="jintan", level="town", force=Force(closing="unit_then_person")),
    ArticleSpec("gbk", district="tianning", layout="new", charset="gbk",
                force=Force(source="district", label="来源", closing="correspondent", names=(GBK_ONLY_NAME,),
                            lead=False)),
    ArticleSpec("two_columns", district="xinbei", also="ghyw", force=Force(source="district", label="来源")),
    ArticleSpec("not_found", district="wujin", status=404),
    ArticleSpec("flaky", district="zhonglou"),
    ArticleSpec("slow", district="tianning"),
    ArticleSpec("old_jintan_name", district="jintan", force=Force(source="old_name", label="来源")),
    ArticleSpec("district_department", district="wujin", extras=Extras(district_department=True),
                force=Force(source="district", label="来源")),
    ArticleSpec("leader_in_district_story", district="zhonglou", extras=Extras(leader=True),
                force=Force(source="district", label="来源")),
    ArticleSpec("reporter", district="xinbei",
                force=Force(source="district", label="来源", closing="reporter", lead=False)),
    ArticleSpec("experience", district="wujin", extras=Extras(experience=True)),
    ArticleSpec("images", column="tpxw", district="liyang", extras=Extras(images=3)),
    ArticleSpec("parent_column", column="ghxw", district="wujin", force=Force(source="district", label="来源")),
)
QUIRK_AT = dict(enumerate(QUIRKS))
QUIRK_MIN_ARTICLES = len(QUIRKS)


def day_of(index: int, per_day: float = ARTICLES_PER_DAY) -> date:
    """Publication date of article `index`: non-decreasing, weekends moved to a weekday."""
    day = START + timedelta(days=int(index / per_day))
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def _pick(rng: random.Random, weights: Mapping[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _extras(rng: random.Random, column: str, kind: str) -> Extras:
    district = kind == "district"
    return Extras(
        subtitle=district and rng.random() < 0.08,
        experience=kind in ("district", "department") and rng.random() < 0.06,
        leader=district and rng.random() < 0.04,
        district_department=district and rng.random() < 0.03,
        images=rng.randint(2, 4) if column == "tpxw" else int(rng.random() < 0.12),
    )


def _draft(rng: random.Random, day: date, spec: ArticleSpec) -> Draft:
    if spec.kind == "district":
        district = DISTRICT_BY_KEY[spec.district] if spec.district else rng.choice(districts_on(day.isoformat()))
        topic = DEPARTMENT_BY_COLUMN[spec.column].topic if spec.column in DEPARTMENT_BY_COLUMN else None
        return district_story(rng, day, district, topic, spec.extras, spec.level)
    if spec.kind == "department":
        if spec.department:
            department = DEPARTMENT_BY_NAME[spec.department]
        else:
            department = DEPARTMENT_BY_COLUMN.get(spec.column) or rng.choice(DEPARTMENTS)
        return department_story(rng, day, department, spec.extras)
    if spec.kind == "municipal":
        return municipal_story(rng, day, spec.extras)
    if spec.kind == "other":
        return other_story(rng, day, spec.author)
    return joint_story(rng, day, spec.author)


def _random_spec(rng: random.Random) -> ArticleSpec:
    """The shape of an ordinary article, drawn with the real site's proportions."""
    column = _pick(rng, COLUMN_WEIGHTS)
    kind = _pick(rng, KINDS.get(column, DEPARTMENT_COLUMN_KINDS))
    extras = _extras(rng, column, kind)
    # A municipal leader in a district story: the district's own 来源 says who sent it.
    force = Force(source="district") if extras.leader else Force()
    layout = "old" if rng.random() < 0.5 else "new"
    return ArticleSpec("", column, kind, extras=extras, force=force, layout=layout)


def make_article(seed: int, index: int, per_day: float = ARTICLES_PER_DAY) -> Article:
    """Article `index` of the replica with `seed`; depends on nothing else."""
    rng = random.Random(f"czgh-replica/{seed}/{index}")
    aid = FIRST_ID + 2 * index + rng.randrange(2)
    day = day_of(index, per_day)
    shape = shape_of(index, QUIRK_MIN_ARTICLES)
    if shape is not None:
        return _shaped_article(seed, index, aid, day, shape)
    spec = QUIRK_AT.get(index) or _random_spec(rng)
    layout = spec.layout or ("old" if rng.random() < 0.5 else "new")
    draft = _draft(rng, day, spec)
    byline: Byline = sign(rng, draft, day, layout, spec.force)
    blocks = list(draft.blocks)
    if byline.lead:
        blocks[0] = byline.lead + (blocks[0] or "")
    column = spec.column
    if index not in QUIRK_AT and column == "ghyw" and random.Random(f"czgh-replica/{seed}/{index}/parent").random() \
            < PARENT_SHARE:
        column = "ghxw"
    keys = (column, spec.also) if spec.also else (column,)
    return Article(
        index=index, id=aid, column_code=COLUMN_BY_KEY[column].code, column_keys=keys,
        date=day.isoformat(), title=draft.title, subtitle=draft.subtitle, source=byline.source,
        source_label=byline.label, closing=byline.closing, correspondents=byline.correspondents,
        blocks=tuple(blocks), expected_unit=byline.credit, experience=draft.experience, layout=layout,
        charset=spec.charset, status=spec.status,
    )


def _shaped_article(seed: int, index: int, aid: int, day: date, shape: str) -> Article:
    """An article of one of the opening shapes and traps (openings.py), drawn from its own stream."""
    shaped = make_shaped(random.Random(f"czgh-replica/{seed}/{index}/{shape}"), day, shape)
    return Article(
        index=index, id=aid, column_code=COLUMN_BY_KEY[shaped.column].code, column_keys=(shaped.column,),
        date=day.isoformat(), title=shaped.title, subtitle=shaped.subtitle, source=shaped.source,
        source_label=shaped.label, closing=shaped.closing, correspondents=(), blocks=shaped.paragraphs,
        expected_unit=shaped.credit, experience=False, layout=shaped.layout, shape=shape,
    )


P = TypeVar("P")


class GeneratedSite(Generic[P]):
    """What the content of either replica answers alike: its size, its pages by id, the page carrying a quirk,
    and itself grown by newer pages. A subclass (a frozen dataclass) names its pages and its generator."""

    seed: int
    per_day: float
    quirks: Mapping[str, int]

    @property
    def pages(self) -> tuple[P, ...]:
        raise NotImplementedError

    def regenerate(self, n: int, keep: tuple[P, ...]) -> Self:
        """The replica of the same seed with `n` pages, reusing `keep` as its first ones."""
        raise NotImplementedError

    @property
    def n(self) -> int:
        return len(self.pages)

    @cached_property
    def by_id(self) -> Mapping[int, P]:
        return MappingProxyType({p.id: p for p in self.pages})  # type: ignore[attr-defined]

    def quirk(self, name: str) -> P:
        """The page carrying a quirk; KeyError when the replica is too small to hold it."""
        return self.by_id[self.quirks[name]]

    def grow(self, k: int) -> Self:
        """The same replica with k newer pages."""
        return self.regenerate(self.n + k, self.pages)


def first_pages(make: Callable[[int, int, float], P], n: int, seed: int, per_day: float, keep: tuple[P, ...],
                quirk_at: Mapping[int, Any]) -> tuple[tuple[P, ...], Mapping[str, int]]:
    """`keep`'s first `n` pages and newly made ones up to `n`; and the id of the page at each quirk's index."""
    pages = keep[:n] + tuple(make(seed, i, per_day) for i in range(len(keep), n))
    quirks = {spec.name: pages[i].id for i, spec in quirk_at.items() if i < len(pages)}  # type: ignore[attr-defined]
    return pages, MappingProxyType(quirks)


@dataclass(frozen=True)
class ReplicaSite(GeneratedSite[Article]):
    """The replica's content: articles oldest first, and the ids carrying each quirk."""

    seed: int
    per_day: float
    articles: tuple[Article, ...]
    quirks: Mapping[str, int] = field(default_factory=dict)

    @property
    def pages(self) -> tuple[Article, ...]:
        return self.articles

    def regenerate(self, n: int, keep: tuple[Article, ...]) -> ReplicaSite:
        return generate(n, self.seed, self.per_day, keep=keep)

    def article(self, aid: int) -> Article | None:
        return self.by_id.get(aid)

    @cached_property
    def _listings(self) -> Mapping[str, tuple[Article, ...]]:
        lists: dict[str, list[Article]] = {c.key: [] for c in COLUMNS}
        for article in reversed(self.articles):
            for key in article.column_keys:
                lists[key].append(article)
        return MappingProxyType({k: tuple(v) for k, v in lists.items()})

    def listing(self, key: str) -> tuple[Article, ...]:
        """A column's articles as its list pages show them, newest first."""
        return self._listings[key]

    def page_count(self, key: str) -> int:
        return max(1, -(-len(self.listing(key)) // PAGE_SIZE))


def list_path(key: str, page: int = 1) -> str:
    """Path of a column's list page; page 1 is index.html."""
    code = COLUMN_BY_KEY[key].code
    return f"/html/czgh/{code}/index.html" if page == 1 else f"/html/czgh/{code}/index_{page}.html"


def generate(n_articles: int, seed: int = 1, per_day: float = ARTICLES_PER_DAY,
             keep: tuple[Article, ...] = ()) -> ReplicaSite:
    """The replica with `n_articles` articles; `keep` reuses an already generated prefix."""
    articles, quirks = first_pages(make_article, n_articles, seed, per_day, keep, QUIRK_AT)
    return ReplicaSite(seed, per_day, articles, quirks)
