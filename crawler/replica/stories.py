"""Drafts of stories: headline, optional subtitle and body, plus who wrote them. Bylines come later.

A draft's `credit` is the unit its text clearly belongs to (None when the text alone cannot say);
`bylines.py` decides what the page shows and whether that credit stands.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from crawler.replica.places import (
    DISTRICT_DEPARTMENTS,
    MUNICIPAL_LEADERS,
    OTHER_BODIES,
    SECTOR_UNIONS,
    Department,
    District,
    person,
    town_union,
)
from crawler.replica.topics import (
    CAPTIONS,
    DISTRICT_TOPICS,
    MUNICIPAL_DETAILS,
    MUNICIPAL_LEADS,
    MUNICIPAL_TITLES,
    OTHER_DETAILS,
    OTHER_LEADS,
    OTHER_TITLES,
    TOPICS,
    Topic,
)

MUNICIPAL_FIRMS = ("常州城建集团", "常州投资集团", "常州市供电公司", "常州通用自来水有限公司")
IMAGE = None  # a body block that is an image


@dataclass
class Draft:
    kind: str                          # district | department | municipal | other | joint
    title: str
    subtitle: str | None
    blocks: list[str | None]           # paragraphs, None where an image stands
    credit: str | None
    experience: bool = False
    district: District | None = None
    town: str | None = None
    level: str | None = None           # town | district | firm | sector
    department: Department | None = None
    author: str | None = None          # the body named as writing or running it


@dataclass(frozen=True)
class Extras:
    """Optional features a story may carry; quirks force some of them."""

    subtitle: bool = False
    experience: bool = False
    leader: bool = False               # a municipal leader attends a district event
    district_department: bool = False  # a district-level 组织部 / 民管部 … is named
    images: int = 0


def _values(rng: random.Random, day: date, actor: str, place: str, firm: str) -> dict[str, object]:
    event = day - timedelta(days=rng.randrange(4))
    when = "近日" if rng.random() < 0.2 else f"{event.month}月{event.day}日"
    return {
        "when": when, "actor": actor, "place": place, "firm": firm, "person": person(rng),
        "n": rng.randrange(3, 40) * 10, "m": rng.randrange(3, 30), "m2": rng.randrange(2, 12),
        "k": rng.randrange(5, 300), "k2": rng.randrange(2, 60), "year": event.year,
    }


def _body(rng: random.Random, topic: Topic, values: dict[str, object], experience: bool) -> tuple[list[str], str]:
    """Paragraphs, and the headline phrase that goes with the lead."""
    details = rng.sample(topic.details, k=min(len(topic.details), rng.choice((2, 2, 3))))
    lead = rng.randrange(len(topic.leads))
    if experience:
        opening = "近年来，{actor}坚持以职工需求为导向，创新工作方法，各项工作取得了明显成效。主要做法如下。"
        points = [f"{order}是{d}" for order, d in zip("一二三", details, strict=False)]
        paragraphs = [opening, *points, rng.choice(topic.endings)]
    else:
        paragraphs = [topic.leads[lead], *details, rng.choice(topic.endings)]
    return [p.format(**values) for p in paragraphs], topic.titles[lead]


def with_images(rng: random.Random, paragraphs: list[str], images: int) -> list[str | None]:
    """The paragraphs with images (each followed by its caption) after the first one."""
    if images <= 0:
        return list(paragraphs)
    blocks: list[str | None] = [paragraphs[0]]
    for caption in rng.sample(CAPTIONS, k=min(images, len(CAPTIONS))):
        blocks += [IMAGE, caption]
    blocks += paragraphs[1:]
    return blocks


def district_story(rng: random.Random, day: date, district: District, topic_key: str | None = None,
                   extras: Extras = Extras(), level: str | None = None) -> Draft:
    """A story by a district union or one of the base-level unions credited to it."""
    topic = TOPICS[topic_key or rng.choice(DISTRICT_TOPICS)]
    town = rng.choice(district.towns)
    firm = rng.choice(district.enterprises)
    level = level or rng.choices(("town", "district", "firm", "sector"), (55, 25, 15, 5))[0]
    if level == "town":
        actor, place = town_union(town), town
        head = rng.choice((town, actor, f"{district.area}{actor}"))
    elif level == "district":
        actor, place = district.union, district.area
        head = rng.choice((district.union, district.area))
    elif level == "firm":
        actor, place = f"{town}{firm}工会", town
        head = f"{firm}工会"
    else:
        actor, place = rng.choice(district.sectors), district.area
        head = actor
    values = _values(rng, day, actor, place, firm)
    paragraphs, phrase = _body(rng, topic, values, extras.experience)
    subtitle = None
    if extras.experience:
        lesson = rng.choice(topic.lessons)
        title = f"{actor}{values['year']}年上半年工作总结" if rng.random() < 0.25 else f"{head}：{lesson}"
    elif extras.subtitle:
        title = rng.choice(topic.slogans)
        subtitle = f"{actor if level == 'district' else district.area + actor}{phrase}"
    else:
        title = f"{head}{phrase}"
    if extras.leader:
        paragraphs[0] += f"{rng.choice(MUNICIPAL_LEADERS[2:])}{person(rng)}出席活动并讲话。"
    if extras.district_department:
        unit = f"{district.union}{rng.choice(DISTRICT_DEPARTMENTS)}"
        paragraphs.insert(1, f"{unit}有关负责同志参加活动，并对下一步工作提出了要求。")
    return Draft("district", title, subtitle, with_images(rng, paragraphs, extras.images), district.union,
                 extras.experience, district, town, level, author=actor)


def department_story(rng: random.Random, day: date, department: Department, extras: Extras = Extras()) -> Draft:
    """A story by a 市总 department; its credit stands only if a byline names the department."""
    topic = TOPICS[department.topic]
    actor = "市总工会"
    values = _values(rng, day, actor, "全市", rng.choice(MUNICIPAL_FIRMS))
    paragraphs, phrase = _body(rng, topic, values, extras.experience)
    title = f"市总工会：{rng.choice(topic.lessons)}" if extras.experience else f"市总工会{phrase}"
    return Draft("department", title, None, with_images(rng, paragraphs, extras.images), department.name,
                 extras.experience, department=department)


def municipal_story(rng: random.Random, day: date, extras: Extras = Extras()) -> Draft:
    """Municipal leadership news: nobody is credited without a human."""
    values = _values(rng, day, "市总工会", "全市", rng.choice(MUNICIPAL_FIRMS))
    values |= {"leader": rng.choice(MUNICIPAL_LEADERS), "lname": person(rng)}
    lead = rng.randrange(len(MUNICIPAL_LEADS))
    paragraphs = [MUNICIPAL_LEADS[lead], *rng.sample(MUNICIPAL_DETAILS, k=2),
                  "大家表示，将以更加务实的作风推动工会工作再上新台阶。"]
    paragraphs = [p.format(**values) for p in paragraphs]
    title = MUNICIPAL_TITLES[lead].format(**values)
    return Draft("municipal", title, None, with_images(rng, paragraphs, extras.images), None)


def other_story(rng: random.Random, day: date, body: str | None = None) -> Draft:
    """A story written by another body (疗养院, an enterprise): no unit is credited without a human."""
    body = body or rng.choice(OTHER_BODIES)
    values = _values(rng, day, body, "全市", body) | {"body": body}
    title = rng.choice(OTHER_TITLES[body])
    experience = "经验" in title or "实践" in title
    paragraphs = [rng.choice(OTHER_LEADS), *rng.sample(OTHER_DETAILS, k=2),
                  "下一步，将继续用心用情做好职工服务工作。"]
    return Draft("other", title, None, [p.format(**values) for p in paragraphs], None, experience, author=body)


def joint_story(rng: random.Random, day: date, sector: str | None = None) -> Draft:
    """A story a municipal sector union signs with 产业办: 产业办 is the one unit named, and is credited."""
    sector = sector or rng.choice(SECTOR_UNIONS)
    topic = TOPICS[rng.choice(("skills", "safety", "warmth"))]
    values = _values(rng, day, sector, "全市", rng.choice(MUNICIPAL_FIRMS))
    paragraphs, phrase = _body(rng, topic, values, False)
    return Draft("joint", f"{sector}{phrase}", None, list(paragraphs), "产业工会办公室", author=sector)
