"""Who and where the replica's stories are about: the units of domain.md §3 and the people in bylines.

Official unit names here are the ones the replica's ground truth credits (`Article.expected_unit`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class District:
    """A 辖市、区总工会 and the base-level unions credited to it."""

    key: str
    union: str                      # official name credited, e.g. 金坛区总工会
    area: str                       # how stories name the area, e.g. 金坛区
    sources: tuple[str, ...]        # 来源 values the CMS shows for this union
    towns: tuple[str, ...]
    enterprises: tuple[str, ...]
    sectors: tuple[str, ...]        # district-level sector unions (教育工会 …)
    since: str = "2016-07-01"       # first date the replica writes stories credited to this union


DISTRICTS: tuple[District, ...] = (
    District(
        "liyang", "溧阳市总工会", "溧阳市", ("溧阳市总工会",),
        ("溧城街道", "古县街道", "昆仑街道", "埭头镇", "上黄镇", "戴埠镇", "天目湖镇", "别桥镇", "上兴镇",
         "竹箦镇", "南渡镇", "社渚镇"),
        ("溧阳天目精工有限公司", "溧阳市南山电力设备有限公司", "江苏上兴新材料有限公司"),
        ("溧阳市教育工会", "溧阳市卫生健康工会"),
    ),
    District(
        "jintan", "金坛区总工会", "金坛区", ("金坛区总工会",),
        ("金城镇", "儒林镇", "直溪镇", "朱林镇", "薛埠镇", "指前镇", "东城街道", "西城街道", "尧塘街道"),
        ("金坛华罗庚科技有限公司", "常州长荡湖食品有限公司", "金坛茅山纺织有限公司"),
        ("金坛区教育工会", "金坛区机关工会"),
    ),
    District(
        "wujin", "武进区总工会", "武进区", ("武进区总工会",),
        ("湖塘镇", "牛塘镇", "洛阳镇", "雪堰镇", "前黄镇", "礼嘉镇", "嘉泽镇", "湟里镇", "南夏墅街道",
         "西湖街道", "武进高新区", "西太湖科技产业园"),
        ("武进华东精密机械有限公司", "常州太湖光电科技有限公司", "江苏淹城电器有限公司"),
        ("武进区教育工会", "武进区交通运输工会"),
    ),
    District(
        "jingkai", "常州经开区总工会", "常州经开区", ("经开区总工会", "常州经开区总工会"),
        ("戚墅堰街道", "丁堰街道", "潞城街道", "遥观镇", "横林镇", "横山桥镇"),
        ("常州东方轨道装备有限公司", "横林地板制造有限公司", "遥观电机有限公司"),
        ("经开区教育工会",),
        since="2020-01-01",
    ),
    District(
        "xinbei", "新北区总工会", "新北区", ("新北区总工会",),
        ("三井街道", "河海街道", "龙虎塘街道", "新桥街道", "薛家镇", "罗溪镇", "西夏墅镇", "春江镇", "孟河镇",
         "奔牛镇"),
        ("常州新港机电有限公司", "常州滨江化工有限公司", "孟河汽配有限公司"),
        ("新北区教育工会", "新北区建设工会"),
    ),
    District(
        "tianning", "天宁区总工会", "天宁区", ("天宁区总工会",),
        ("雕庄街道", "青龙街道", "红梅街道", "天宁街道", "兰陵街道", "茶山街道", "郑陆镇"),
        ("常州红梅纺织有限公司", "天宁青龙电子有限公司", "郑陆农机装备有限公司"),
        ("天宁区教育工会",),
    ),
    District(
        "zhonglou", "钟楼区总工会", "钟楼区", ("钟楼区总工会",),
        ("南大街街道", "荷花池街道", "新闸街道", "五星街道", "永红街道", "北港街道", "西林街道", "邹区镇"),
        ("钟楼邹区灯具有限公司", "常州运河五金有限公司", "新闸物流有限公司"),
        ("钟楼区教育工会", "钟楼区商贸工会"),
    ),
)
DISTRICT_BY_KEY = {d.key: d for d in DISTRICTS}


@dataclass(frozen=True)
class Department:
    """A 市总机关部室 or 驻会产业工会, with the byline lines it closes its stories with."""

    name: str                        # official name credited
    topic: str                       # key into stories.TOPICS
    closings: tuple[str, ...]        # closing byline lines naming it, as printed
    column: str | None = None        # departmental column it runs, if any
    reform_source: str | None = None  # 来源 value after the 2024 reform


DEPARTMENTS: tuple[Department, ...] = (
    Department("办公室", "office", ("(市总工会办公室)",)),
    Department("组织部", "organization", ("(市总组织部)", "(市总工会组织部)")),
    Department("宣传教育部（企业工作部）", "culture", ("(市总宣传教育部)", "(常工宣)")),
    Department("民主管理部", "democracy", ("(市总民主管理部)", "（市总工会民主管理部）"), column="mzgl"),
    Department("保障工作部", "warmth", ("(市总工会保障工作部)", "(市总保障工作部)"), column="bzgz"),
    Department("经济技术部", "skills", ("(市总经济技术部)",), column="jjjs", reform_source="劳经部"),
    Department("劳动保护部", "safety", ("(市总劳动保护部)",)),
    Department("法律工作部", "legal", ("(市总法律工作部)",)),
    Department("女职工部", "women", ("市总女职工部", "(市总女职工部)"), column="ngz"),
    Department("产业工会办公室", "industry", ("(市总产业办)", "(产业办)")),
    Department("财务事业部", "finance", ("(市总财务事业部)",)),
    Department("机关党委", "party", ("(市总机关党委)",)),
)
DEPARTMENT_BY_NAME = {d.name: d for d in DEPARTMENTS}
DEPARTMENT_BY_COLUMN = {d.column: d for d in DEPARTMENTS if d.column}

# Bodies whose stories reach the site under the CMS default 来源 but that no unit is credited for.
OTHER_BODIES = ("江苏省工人常州疗养院", "常州公交集团", "常州市工人文化宫", "中车戚墅堰机车有限公司")
# Municipal sector unions that sign stories jointly with 产业办: no single unit is credited for those.
SECTOR_UNIONS = ("市粮食局工联会", "市建设工会", "市教育工会", "市交通运输工会")
# District-level departments with municipal-sounding names: they belong to their district.
DISTRICT_DEPARTMENTS = ("组织部", "民管部", "权益保障部", "女职工委员会", "经济工作部")
NEWSPAPERS = ("常州日报记者", "常州晚报记者", "江苏工人报")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛段雷侯龙史陶贺顾毛郝龚邵万钱严武戴莫孔汤"
)
GIVEN = "建国华明红伟芳丽军平强磊敏静洁勇燕杰涛斌霞娟峰超波辉鹏玲婷晓东文洪春梅雪琴云亮俊浩宇欣怡佳倩颖萍剑来茹"
MUNICIPAL_LEADERS = ("市总工会党组书记、常务副主席", "市总工会党组副书记、副主席", "市总工会副主席", "市总工会经审会主任")
# A GBK-only character (not in GB2312), used in one person's name on the GBK-encoded page.
GBK_ONLY_NAME = "王喆"


def person(rng: random.Random) -> str:
    """A plausible two- or three-character personal name."""
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given


def people(rng: random.Random, k: int) -> list[str]:
    """k distinct names."""
    names: list[str] = []
    while len(names) < k:
        name = person(rng)
        if name not in names:
            names.append(name)
    return names


def town_union(town: str) -> str:
    """The union of a town, street or park: 指前镇总工会, 尧塘街道总工会, 武进高新区总工会."""
    return f"{town}总工会"


def districts_on(date: str) -> tuple[District, ...]:
    """The district unions that stories dated `date` may be credited to."""
    return tuple(d for d in DISTRICTS if d.since <= date)
