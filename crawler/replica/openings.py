"""Stories a clerk credits from their opening alone, and the look-alikes a clerk would not credit (issue 15).

Every such story is on a page with no 来源 (the older 长者模式 layout) or the CMS default 总工会, and most have
no closing byline. Shapes that should be credited:
- `title_area`: the title (or subtitle) names one district without 总工会 after it;
- `opening_town`: the first sentence names one town or street of one district and nothing else;
- `joint_nonunit`: a joint byline names one unit beside a body that is not a unit (a 工联会, a firm, a bureau);
- `topic_only`: a department's story with no byline at all (the topic hints, nothing says; a person decides).
Traps, credited to nobody without a person: a municipal leader's visit, a municipal campaign naming several
districts, a story by another body, the city as a whole (我市), a town named only far down the body or only in
a quote, a joint byline naming two units, a joint byline beside a body nobody knows.

Article i of the replica carries a shape when `shape_of(i)` says so; its text depends only on (seed, i).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from crawler.replica.places import DEPARTMENTS, District, districts_on, person
from crawler.replica.stories import department_story

CREDITED = ("title_area", "opening_town", "joint_nonunit", "topic_only")
TRAPS = ("leader_visit", "campaign", "other_body", "city_wide", "town_far_down", "town_in_quote",
         "joint_two_units", "joint_unknown")
SHAPES = CREDITED + TRAPS
EVERY, OFFSET = 20, 7       # article i carries a shape when i % EVERY == OFFSET (past the quirks)

VENUES = ("职工文化中心", "文体活动中心", "会展中心", "职工之家", "城市规划馆", "图书馆报告厅")
AREA_TITLES = (
    "{area}职工书画摄影作品展在{venue}开展",
    "{area}第{m}届职工运动会开幕",
    "{area}“最美劳动者”故事分享会举行",
    "{area}百名工匠进校园活动启动",
    "{area}首批职工“健康小屋”投入使用",
    "{area}{n}名一线职工参加夏季健步行",
)
SLOGANS = ("笔墨丹青颂劳动", "匠心逐梦 技能报国", "家门口的“职工驿站”", "暖心服务送到一线", "小课堂里的大收获",
           "夏日清凉进工地", "读书分享润心田", "奋斗的汗水最动人")
SUBTITLES = ("——{area}举办职工书画摄影作品展", "——{area}开展户外劳动者关爱行动", "——{area}举行职工读书分享会")
AREA_LEADS = (
    "{when}，这项由工会牵头组织的活动在{venue}举行，吸引了{n}余名职工参与。",
    "{when}，活动在{venue}拉开帷幕，辖区各基层工会选派的{m}支队伍参加。",
    "{when}，展览在{venue}正式对外开放，共展出职工作品{n}余件。",
)
TOWN_LEADS = (
    "{when}，{town}联合辖区企业开展职工技能比武，{n}名职工同台竞技。",
    "{when}，{town}为坚守一线的户外劳动者送去防暑降温物品{m}箱。",
    "{when}，{town}新建成的职工驿站正式开放，可为外卖骑手和环卫工人提供歇脚、饮水和充电服务。",
    "日前，{town}举办职工读书分享会，{m}名职工畅谈阅读体会。",
    "{when}，{town}组织{n}名新就业形态劳动者参加免费健康体检。",
)
NEUTRAL = (
    "现场安排了专业人员讲解示范，职工们边看边学，不时提出问题。",
    "不少职工表示，这样的活动贴近需求，希望今后多组织几次。",
    "据介绍，今年以来类似活动已开展{m}场，服务职工{n}人次。",
    "活动结束后，工作人员还收集了职工的意见建议，作为下一步改进服务的依据。",
    "参加活动的职工来自制造、物流、商贸等多个行业。",
    "组织方事先做了周密安排，确保活动安全有序进行。",
)
ENDINGS = ("下一步，将继续把服务做细做实，让职工有更多获得感。", "大家纷纷表示，这份关心让人心里暖暖的。")
QUIET_LEADS = (
    "{when}，一场别开生面的职工技能展示活动在这里举行。来自多个行业的职工代表现场展示了绝活。",
    "{when}，一批新的职工服务点悄然亮相。这些服务点面积不大，却样样俱全。",
)
FAR_DOWN = (
    "据了解，这样的服务点在{town}已建成{m}个。",
    "此前，{town}的几家企业也曾举办过类似活动，反响良好。",
)
QUOTE_LEADS = (
    "{when}，职工演讲比赛决赛落下帷幕，选手{person}以“我在{town}的十年”为题的演讲赢得评委好评。",
    "“{town}的变化，我们一线职工看得最清楚。”{when}，在职工座谈会上，老职工{person}这样说。",
)
LEADER_TITLES = ("市总工会领导到{target}调研基层工会建设", "市总工会负责同志赴{target}走访慰问一线职工",
                 "常州市总工会到{target}调研职工服务阵地")
LEADER_LEADS = (
    "{when}，常州市总工会副主席{person}带领相关部室负责同志到{target}调研，实地察看了职工服务阵地建设情况。",
    "{when}，市总工会党组书记{person}一行来到{target}，走访慰问坚守岗位的一线职工。",
    "{when}，市总工会经审会主任{person}带队深入{target}，了解基层工会经费使用情况。",
)
CAMPAIGN_TITLES = ("全市职工技能竞赛启动仪式举行", "{a1}、{a2}两地工会联合举办职工篮球邀请赛",
                   "全市“安康杯”竞赛现场推进会召开")
CAMPAIGN_LEADS = (
    "{when}，全市职工技能竞赛启动仪式在{t1}举行，{a2}、{a3}等地的{m}支代表队参加首场比赛。",
    "{when}，由{a1}和{a2}工会共同发起的职工篮球邀请赛开赛，{m}支球队报名参赛。",
    "{when}，全市“安康杯”竞赛现场推进会在{t1}召开，与会人员还观摩了{t2}的班组安全建设。",
)
OTHER_BODIES = ("江苏省工人常州疗养院", "常州市工人文化宫", "常州公交集团", "常州通用自来水有限公司", "常州投资集团")
OTHER_TITLES = ("{body}赴{town}开展送健康进企业活动", "{body}走进{town}慰问一线职工")
OTHER_LEADS = (
    "{when}，{body}组织医护人员走进{town}，为{n}名环卫工人提供免费体检。",
    "{when}，{body}在{town}举办开放日活动，邀请{m}名职工代表参观交流。",
)
CITY_TITLES = ("我市{n}名职工通过技能等级认定", "我市新就业形态劳动者入会人数突破{k}万", "我市职工疗休养工作全面启动")
CITY_LEADS = (
    "{when}，我市今年第{m}批职工技能等级认定结果公布，{town}的{m2}名职工榜上有名。",
    "今年以来，我市持续推进新就业形态劳动者入会工作，{area}等地建起了一批服务站点。",
    "{when}，我市首批职工疗休养团出发，其中来自{town}的一线职工有{m2}人。",
)
# Bodies that sign beside a unit but are none: a municipal sector union, a firm, a bureau.
NON_UNITS = ("市粮食局工联会", "市建设工会", "市教育工会", "市交通运输工会", "常州投资集团", "常州市供电公司", "市人社局")
# Bodies nobody has told the engine about: beside a unit they leave the byline in doubt.
UNKNOWN_BODIES = ("市职工技协", "常州市书法家协会", "市慈善总会", "市红十字会")
# (byline text, unit credited) of the departments that sign joint stories.
JOINT_UNITS = (("产业办", "产业工会办公室"), ("市总产业办", "产业工会办公室"), ("市总劳动保护部", "劳动保护部"),
               ("市总女职工部", "女职工部"), ("市总法律工作部", "法律工作部"), ("市总经济技术部", "经济技术部"))
JOINT_TITLES = ("{body}开展夏季送清凉活动", "{body}举办职工技能比武", "{body}开展普法宣传进企业活动",
                "{body}为女职工举办健康讲座", "{body}召开工作推进会")


@dataclass(frozen=True)
class Shaped:
    """A shaped story as the page shows it, and the unit it should be credited to."""

    column: str
    title: str
    subtitle: str | None
    paragraphs: tuple[str, ...]
    source: str | None
    label: str | None
    closing: tuple[str, ...]
    layout: str
    credit: str | None


def shape_of(index: int, first: int) -> str | None:
    """The shape article `index` carries, if any; the first `first` articles (the quirks) carry none."""
    if index < first or index % EVERY != OFFSET:
        return None
    return SHAPES[(index // EVERY) % len(SHAPES)]


def _values(rng: random.Random, day: date) -> dict[str, object]:
    event = day - timedelta(days=rng.randrange(4))
    return {"when": "近日" if rng.random() < 0.25 else f"{event.month}月{event.day}日", "person": person(rng),
            "n": rng.randrange(3, 40) * 10, "m": rng.randrange(3, 20), "m2": rng.randrange(2, 12),
            "k": rng.randrange(2, 9), "venue": rng.choice(VENUES)}


def _filler(rng: random.Random, values: dict[str, object], k: int = 2) -> list[str]:
    return [p.format(**values) for p in (*rng.sample(NEUTRAL, k), rng.choice(ENDINGS))]


def _no_source(rng: random.Random) -> tuple[str | None, str | None, str]:
    """(source, label, layout): no 来源 on the older 长者模式 layout, or the CMS default."""
    if rng.random() < 0.5:
        return None, None, "old"
    return "总工会", "来源", rng.choice(("old", "new"))


def _district(rng: random.Random, day: date) -> District:
    return rng.choice(districts_on(day.isoformat()))


def _two_districts(rng: random.Random, day: date, k: int) -> list[District]:
    return rng.sample(districts_on(day.isoformat()), k)


def make_shaped(rng: random.Random, day: date, shape: str) -> Shaped:
    """The story of one shape, dated `day`."""
    values = _values(rng, day)
    source, label, layout = _no_source(rng)
    closing: tuple[str, ...] = ()
    subtitle: str | None = None
    credit: str | None = None
    column = "jcdt"
    if shape == "title_area":
        d = _district(rng, day)
        values["area"] = d.area
        if rng.random() < 0.3:
            title, subtitle = rng.choice(SLOGANS), rng.choice(SUBTITLES).format(**values).removeprefix("——")
        else:
            title = rng.choice(AREA_TITLES).format(**values)
        paragraphs = [rng.choice(AREA_LEADS).format(**values), *_filler(rng, values)]
        credit = d.union
    elif shape == "opening_town":
        d = _district(rng, day)
        values["town"] = rng.choice(d.towns)
        title = rng.choice(SLOGANS)
        paragraphs = [rng.choice(TOWN_LEADS).format(**values), *_filler(rng, values)]
        credit = d.union
    elif shape in ("joint_nonunit", "joint_two_units", "joint_unknown"):
        text, unit = rng.choice(JOINT_UNITS)
        values["body"] = rng.choice(UNKNOWN_BODIES if shape == "joint_unknown" else NON_UNITS)
        if shape == "joint_nonunit":
            closing, credit = (f"({values['body']}、{text})",), unit
        elif shape == "joint_unknown":
            closing = (f"({values['body']}、{text})",)
        else:
            other = rng.choice([t for t, u in JOINT_UNITS if u != unit] + [d.union for d in districts_on(day.isoformat())])
            closing = (f"({other}、{text})" if rng.random() < 0.5 else f"({text}、{other})",)
        title = rng.choice(JOINT_TITLES).format(**values)
        paragraphs = [f"{values['when']}，{values['body']}联合有关部门组织开展活动，{values['n']}名职工参加。",
                      *_filler(rng, values)]
        column = "ghyw"
    elif shape == "topic_only":
        department = rng.choice(DEPARTMENTS)
        draft = department_story(rng, day, department)
        title, paragraphs, credit = draft.title, [p for p in draft.blocks if p], department.name
        column = department.column or "ghyw"
    elif shape == "leader_visit":
        d = _district(rng, day)
        short = "经开区" if d.key == "jingkai" else d.area.removesuffix("区").removesuffix("市")
        values["target"] = rng.choice((d.area, rng.choice(d.towns), short))
        title = rng.choice(LEADER_TITLES).format(**values)
        paragraphs = [rng.choice(LEADER_LEADS).format(**values), *_filler(rng, values)]
        column = "ghyw"
    elif shape == "campaign":
        d1, d2, d3 = _two_districts(rng, day, 3)
        values |= {"a1": d1.area, "a2": d2.area, "a3": d3.area, "t1": rng.choice(d1.towns), "t2": rng.choice(d2.towns)}
        lead = rng.randrange(len(CAMPAIGN_LEADS))
        title = CAMPAIGN_TITLES[lead].format(**values)
        paragraphs = [CAMPAIGN_LEADS[lead].format(**values), *_filler(rng, values)]
        column = "ghyw"
    elif shape == "other_body":
        d = _district(rng, day)
        values |= {"body": rng.choice(OTHER_BODIES), "town": rng.choice(d.towns)}
        title = rng.choice(OTHER_TITLES).format(**values)
        paragraphs = [rng.choice(OTHER_LEADS).format(**values), *_filler(rng, values)]
    elif shape == "city_wide":
        d = _district(rng, day)
        values |= {"town": rng.choice(d.towns), "area": d.area}
        title = rng.choice(CITY_TITLES).format(**values)
        paragraphs = [rng.choice(CITY_LEADS).format(**values), *_filler(rng, values)]
        column = "ghyw"
    elif shape == "town_far_down":
        values["town"] = rng.choice(_district(rng, day).towns)
        title = rng.choice(SLOGANS)
        paragraphs = [rng.choice(QUIET_LEADS).format(**values), *_filler(rng, values, 1),
                      rng.choice(FAR_DOWN).format(**values), rng.choice(ENDINGS)]
    elif shape == "town_in_quote":
        values["town"] = rng.choice(_district(rng, day).towns)
        title = rng.choice(SLOGANS)
        paragraphs = [rng.choice(QUOTE_LEADS).format(**values), *_filler(rng, values)]
    else:
        raise ValueError(f"no story shape {shape!r}")
    return Shaped(column, title, subtitle, tuple(paragraphs), source, label, closing, layout, credit)

