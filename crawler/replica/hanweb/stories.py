"""What the provincial replica's items say: title, opening, body, bylines, for any union in Jiangsu.

Stories reuse the municipal replica's topics (crawler/replica/topics.py); what is provincial here is who
speaks: the full unit name in front of the title, 本网讯 at the opening, a reporter and a 通讯员 at the end,
and now and then a signature line with the sender's name and a date.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from crawler.replica.places import people, person
from crawler.replica.stories import with_images
from crawler.replica.topics import DISTRICT_TOPICS, TOPICS

IMAGE = None  # a body block that is an image
REPORTERS = ("谢天白", "朱明", "顾雯", "陈曦", "许晴")   # the provincial site's own reporters
PROVINCE_TITLES = (
    "省总工会召开{year}年全省工会宣传工作会议",
    "省总工会开展“工会进万家”主题宣传活动",
    "全省工会系统“夏送清凉”活动全面启动",
    "省总工会举办全省工会新闻宣传骨干培训班",
)
PROVINCE_LEADS = (
    "{when}，省总工会召开{year}年全省工会宣传工作会议，总结去年工作，部署今年任务。",
    "{when}，省总工会在南京举行主题宣传活动启动仪式，各设区市总工会负责同志参加。",
    "{when}，全省工会系统“夏送清凉”活动启动，各地工会将深入一线慰问高温下坚守岗位的职工。",
    "为提升全省工会新闻宣传队伍能力，{when}，省总工会举办新闻宣传骨干培训班，{n}名学员参加。",
)
PROVINCE_DETAILS = (
    "会议要求，全省各级工会要讲好劳动故事，传播好工会声音。",
    "活动期间，各地工会将组织开展形式多样的职工服务活动。",
    "各设区市总工会负责同志作交流发言。",
)


@dataclass(frozen=True)
class Speaker:
    """Who an item is by, as the page can name them."""

    full: str                    # 常州市金坛区总工会, 徐州市总工会, 江阴市总工会
    short: str                   # 金坛区总工会: a signature line
    place: str                   # 金坛区, 徐州市
    towns: tuple[str, ...] = ()


@dataclass
class Story:
    title: str
    blocks: list[str | None]     # paragraphs, None where an image stands; the first opens with 本网讯
    closing: list[str]           # closing byline line(s), signature line and its date, as printed
    correspondents: list[str]
    images: int = 0


def when(rng: random.Random, day: date) -> str:
    event = day - timedelta(days=rng.randrange(4))
    return "近日" if rng.random() < 0.2 else f"{event.month}月{event.day}日"


def _values(rng: random.Random, day: date, actor: str, place: str) -> dict[str, object]:
    return {
        "when": when(rng, day), "actor": actor, "place": place, "firm": f"{place}一家企业", "person": person(rng),
        "n": rng.randrange(3, 40) * 10, "m": rng.randrange(3, 30), "m2": rng.randrange(2, 12),
        "k": rng.randrange(5, 300), "k2": rng.randrange(2, 60), "year": day.year,
    }


def union_story(rng: random.Random, day: date, speaker: Speaker, images: int, topic_key: str | None = None,
                prefix: str | None = None) -> Story:
    """An item by a city or county union: its full name leads the title, 本网讯 opens the body."""
    topic = TOPICS[topic_key or rng.choice(DISTRICT_TOPICS)]
    lead = rng.randrange(len(topic.leads))
    values = _values(rng, day, speaker.full, speaker.place)
    details = rng.sample(topic.details, k=2)
    paragraphs = [p.format(**values) for p in (topic.leads[lead], *details, rng.choice(topic.endings))]
    head = speaker.full if prefix is None else prefix
    title = f"{head}{topic.titles[lead]}" + ("(附图)" if images else "")
    return Story(title, with_images(rng, paragraphs, images), [], [], images)


def province_story(rng: random.Random, day: date) -> Story:
    """The provincial union's own news: no city's union sent it."""
    i = rng.randrange(len(PROVINCE_TITLES))
    values = _values(rng, day, "省总工会", "全省")
    paragraphs = [PROVINCE_LEADS[i].format(**values), *rng.sample(PROVINCE_DETAILS, k=2)]
    return Story(PROVINCE_TITLES[i].format(**values), list(paragraphs), [], [])


def open_with_bwx(story: Story) -> None:
    """本网讯 and two spaces in front of the first paragraph, the way the site writes it."""
    first = story.blocks[0]
    story.blocks[0] = f"本网讯  {first}"


def sign(rng: random.Random, story: Story, form: str, speaker: Speaker | None, day: date) -> None:
    """Append the closing byline in one of the forms seen on the site."""
    reporter = rng.choice(REPORTERS)
    names = people(rng, 2)
    if form == "reporter_correspondent":
        story.closing.append(f"({reporter}  通讯员 {names[0]})")
        story.correspondents.append(names[0])
    elif form == "correspondent":
        story.closing.append(f"(通讯员 {' '.join(names)})")
        story.correspondents += names
    elif form == "correspondent_unopened":
        story.closing.append(f"通讯员 {names[0]})")
        story.correspondents.append(names[0])
    elif form == "unit_person" and speaker is not None:
        story.closing.append(f"({speaker.short}  {names[0]})")
    elif form == "signature" and speaker is not None:
        story.closing += [f"({reporter}  通讯员 {names[0]})", speaker.short, f"{day.year}/{day.month}/{day.day}"]
        story.correspondents.append(names[0])
    elif form == "signature_only" and speaker is not None:
        story.closing += [speaker.short, f"{day.year}/{day.month}/{day.day}"]
