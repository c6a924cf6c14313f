"""The story's opening read as a clerk does (issue 15): the shapes that decide, the traps that stay in review."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.replica.generator import generate
from crawler.replica.openings import CREDITED, SHAPES, TRAPS
from tracker.attribution.engine import ArticleFacts, compile_engine
from tracker.attribution.opening import first_sentences
from tracker.config import DEFAULT_CONFIG_DIR
from tracker.units import Registry, load_units

REGISTRY = load_units(DEFAULT_CONFIG_DIR)
ENGINE = compile_engine(REGISTRY)


def story(title: str = "", body: str = "", source: str | None = None, closing: tuple[str, ...] = (),
          subtitle: str | None = None, day: str = "2022-05-10") -> ArticleFacts:
    return ArticleFacts("czgh", 1, date.fromisoformat(day), title, subtitle, source, closing, (), body)


NEUTRAL = "现场气氛热烈，职工们纷纷点赞。下一步将继续做好服务。"

# (case, article, unit credited or None for review)
SHAPE_CASES = [
    # the title names one district, without 总工会 after it
    ("title: district art show", story("天宁区职工书画展在职工文化中心开幕", "近日，展览开幕。" + NEUTRAL), "tianning"),
    ("title: games, bare 来源", story("溧阳市第五届职工运动会开幕", "日前，运动会开幕。" + NEUTRAL, "总工会"), "liyang"),
    ("title: the 2016 name 金坛市", story("金坛市百名工匠进校园活动启动", NEUTRAL, day="2016-10-11"), "jintan"),
    ("subtitle names the district", story("笔墨丹青颂劳动", NEUTRAL, subtitle="新北区举办职工书画摄影作品展"), "xinbei"),
    ("title: 经开区 after its union was set up", story("常州经开区职工健步行活动举行", NEUTRAL, day="2021-04-02"),
     "jingkai"),
    # the opening names one town or street of one district
    ("opening: 横林镇 in 2022", story("夏日清凉进工地", "日前，横林镇为户外劳动者送去清凉。" + NEUTRAL), "jingkai"),
    ("opening: 横林镇 in 2018 was 武进", story("夏日清凉进工地", "日前，横林镇为户外劳动者送去清凉。" + NEUTRAL,
                                           day="2018-07-02"), "wujin"),
    ("opening: a street, bare 来源", story("家门口的职工驿站", "近日，红梅街道新建的职工驿站开放。" + NEUTRAL, "总工会"),
     "tianning"),
    ("opening: 奔牛镇 after 2015", story("读书分享润心田", "6月3日，奔牛镇举办职工读书分享会。" + NEUTRAL), "xinbei"),
    ("opening: second sentence", story("小课堂里的大收获", "近日，一场培训开课。邹区镇组织职工参加。" + NEUTRAL), "zhonglou"),
    ("opening: the town and its district", story("技能比武亮绝活", "近日，钟楼区五星街道举办技能比武。" + NEUTRAL),
     "zhonglou"),
    ("a municipal department's headline beats the district it visits",
     story("市总劳动保护部到新北区检查安全生产", NEUTRAL), "safety"),
    ("opening: the district's own 市委 is no municipal actor",
     story("溧阳市职工运动会开幕", "近日，溧阳市委有关领导出席开幕式。" + NEUTRAL), "liyang"),
    # joint bylines: one unit beside known non-units
    ("joint: 工联会 and 产业办", story("市粮食局工联会开展送清凉", NEUTRAL, "总工会", ("(市粮食局工联会、产业办)",)), "industry"),
    ("joint: firm and department", story("开展技能比武", NEUTRAL, None, ("(常州市供电公司、市总劳动保护部)",)), "safety"),
    ("joint: bureau first", story("普法宣传进企业", NEUTRAL, None, ("（市人社局、市总法律工作部）",)), "legal"),
    ("joint: sector union", story("开展送温暖", NEUTRAL, None, ("(市建设工会、产业办)",)), "industry"),
    ("joint: group and 工联会 and 产业办", story("开展送清凉", NEUTRAL, None, ("(常州投资集团、市粮食局工联会、产业办)",)),
     "industry"),
]
TRAP_CASES = [
    ("a municipal leader visits 钟楼", story("市总工会领导到钟楼调研", "日前，常州市总工会副主席张小军带领相关部室到钟楼调研。"
                                          + NEUTRAL), None),
    ("a municipal leader visits a town", story("暖心服务送到一线", "近日，市总工会党组书记王平一行来到横林镇走访一线职工。"
                                            + NEUTRAL), None),
    ("the municipal federation in the title", story("常州市总工会到天宁区调研职工服务阵地", NEUTRAL), None),
    ("a municipal campaign lists districts", story("全市职工技能竞赛启动", "近日，启动仪式在湖塘镇举行，新北区、天宁区等地代表队参赛。"),
     None),
    ("two districts in the title", story("武进区、新北区两地工会联合举办篮球赛", NEUTRAL), None),
    ("a district and a short name of another", story("天宁区职工书画展开幕", "近日，钟楼的职工也前来观展。" + NEUTRAL), None),
    ("a story by the 疗养院", story("江苏省工人常州疗养院赴郑陆镇开展送健康活动", NEUTRAL), None),
    ("a story by a firm", story("职工技能比武", "近日，常州公交集团在湖塘镇举办驾驶员技能比武。" + NEUTRAL), None),
    ("a firm in the title", story("某某电子有限公司走进红梅街道慰问职工", NEUTRAL), None),
    ("the city as a whole", story("我市职工疗休养工作启动", "近日，我市首批疗休养团出发，其中有竹箦镇的职工。" + NEUTRAL), None),
    ("全市 in the opening", story("技能等级认定结果公布", "日前，全市第三批认定结果公布，薛家镇的5名职工榜上有名。"), None),
    ("a town far down the body", story("笔墨丹青颂劳动", "近日，一场职工书画展开幕。展出作品百余件。参观者络绎不绝。"
                                    "据了解，这样的展览在横林镇已办了三届。"), None),
    ("a town union only far down the body", story("笔墨丹青颂劳动", "近日，一场职工书画展开幕。展出作品百余件。\n"
                                            "参观者络绎不绝。\n据了解，横林镇总工会已连续三年举办此类展览。"), None),
    ("a town only in a quote", story("奋斗的汗水最动人", "近日，选手王平以“我在薛埠镇的十年”为题演讲。" + NEUTRAL), None),
    ("a town only in a quote, title", story("“湖塘镇是我的家”演讲比赛落幕", NEUTRAL), None),
    ("a street before it belonged to any unit", story("夏日清凉进工地", "近日，戚墅堰街道送清凉。", day="2014-06-02"), None),
    ("经开区 before its union was set up", story("常州经开区职工健步行活动举行", NEUTRAL, day="2018-04-02"), None),
    ("a short town name only", story("夏日清凉进工地", "近日，横林的户外劳动者收到清凉物品。" + NEUTRAL), None),
    ("topic alone: safety", story("市总工会开展安全生产月宣传活动", "近日，安全生产月宣传活动启动。" + NEUTRAL, "总工会"), None),
    ("joint: two units", story("开展送清凉", NEUTRAL, None, ("(产业办、市总法律工作部)",)), None),
    ("joint: a district and a department", story("开展送清凉", NEUTRAL, None, ("(钟楼区总工会、市总女职工部)",)), None),
    ("joint: an unknown body", story("开展义诊", NEUTRAL, None, ("(市红十字会、产业办)",)), None),
    ("joint: a firm named after a district", story("开展义诊", NEUTRAL, None, ("(溧阳天目精工有限公司、产业办)",)), None),
    ("a 工联会 alone", story("开展义诊", NEUTRAL, None, ("(市粮食局工联会)",)), None),
]


@pytest.mark.parametrize(("case", "article", "unit"), SHAPE_CASES + TRAP_CASES,
                         ids=[c[0] for c in SHAPE_CASES + TRAP_CASES])
def test_opening_shapes_and_traps(case: str, article: ArticleFacts, unit: str | None) -> None:
    result = ENGINE.attribute(article)
    assert (result.unit_id, result.needs_review) == (unit, unit is None), result.evidence
    assert result.evidence


@pytest.mark.parametrize(("article", "words"), [
    (SHAPE_CASES[0][1], "标题“天宁区”"),
    (SHAPE_CASES[5][1], "正文开头“横林镇”"),
    (SHAPE_CASES[3][1], "副标题“新北区”"),
])
def test_the_evidence_says_which_words_decided(article: ArticleFacts, words: str) -> None:
    result = ENGINE.attribute(article)
    assert words in result.evidence and "开头只提到一个辖市、区" in result.evidence


def test_a_trap_says_why_it_waits_and_still_suggests_the_place() -> None:
    result = ENGINE.attribute(TRAP_CASES[0][1])
    assert "市总工会或市里是主角" in result.evidence
    assert result.suggestions and result.suggestions[0].unit_id == "zhonglou"


def test_a_joint_byline_names_the_non_unit_in_its_evidence() -> None:
    result = ENGINE.attribute(SHAPE_CASES[13][1])
    assert result.method == "closing" and "市粮食局工联会不是考评单位" in result.evidence


def test_the_opening_is_the_first_two_sentences() -> None:
    assert first_sentences("一。二！三？四") == "一。二！"
    assert first_sentences("没有句号") == "没有句号"
    assert first_sentences(None) == ""


# --- a second district anywhere in the opening never credits anyone automatically -------------------

def _district_names(registry: Registry, day: date, short: bool) -> dict[str, list[str]]:
    """unit id → ways a story names that district: its names, towns and streets, a union of a town (and the
    short names when `short`)."""
    out: dict[str, list[str]] = {}
    for unit in registry:
        if unit.kind == "district" and unit.valid_on(day):
            out[unit.id] = [*unit.areas, unit.name, *(unit.short_areas if short else ())]
    for place in registry.places:
        if place.valid_on(day) and place.district in out:
            out[place.district] += [place.name, f"{place.name}总工会", *([place.short] if short and place.short else [])]
    return out


DAY = date(2022, 5, 10)
FULL_NAMES = _district_names(REGISTRY, DAY, short=False)
NAMES = _district_names(REGISTRY, DAY, short=True)
OPENINGS = [  # (title, body) with {x}: one district named in full
    ("{x}职工书画展开幕", "近日，展览在职工文化中心开幕。展出作品百余件。"),
    ("家门口的职工驿站", "近日，{x}新建的职工驿站开放。骑手可以歇脚。"),
    ("技能比武亮绝活", "近日，{x}举办职工技能比武。百名职工参赛。"),
    ("{x}开展送清凉活动", "日前，活动走进一线。职工们很高兴。"),
]


def _cut_points(text: str, end: int) -> list[int]:
    """Positions up to `end` that do not split a name the engine knows."""
    inside = {i for hit in ENGINE.vocabulary.scan(text) for i in range(hit.start + 1, hit.end)}
    return [i for i in range(end + 1) if i not in inside]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_second_district_in_the_opening_never_credits(data: st.DataObject) -> None:
    first, second = data.draw(st.lists(st.sampled_from(sorted(NAMES)), min_size=2, max_size=2, unique=True))
    title, body = data.draw(st.sampled_from(OPENINGS))
    x = data.draw(st.sampled_from(FULL_NAMES[first]))
    title, body = title.format(x=x), body.format(x=x)
    alone = story(title, body + NEUTRAL, data.draw(st.sampled_from([None, "总工会"])), day=DAY.isoformat())
    assert ENGINE.attribute(alone).unit_id == first                  # one district: the opening decides
    other = data.draw(st.sampled_from(NAMES[second]))
    opening = first_sentences(body)
    part = data.draw(st.sampled_from(["title", "subtitle", "body"]))
    if part == "body":
        at = data.draw(st.sampled_from(_cut_points(opening, len(opening) - 1)))   # before its last 。
        body = opening[:at] + other + opening[at:] + body[len(opening):]
        article = story(title, body + NEUTRAL, alone.source, day=DAY.isoformat())
    elif part == "title":
        at = data.draw(st.sampled_from(_cut_points(title, len(title))))
        article = story(title[:at] + other + title[at:], body + NEUTRAL, alone.source, day=DAY.isoformat())
    else:
        article = story(title, body + NEUTRAL, alone.source, subtitle=f"{other}职工参加", day=DAY.isoformat())
    result = ENGINE.attribute(article)
    assert result.needs_review and result.unit_id is None, (article, result.evidence)


# --- the replica's shapes and traps --------------------------------------------------------------------

def test_the_replica_holds_at_least_ten_of_each_shape_and_trap() -> None:
    site = generate(3000, seed=5)
    counts: dict[str, list[int]] = {shape: [0, 0] for shape in SHAPES}
    for a in site.articles:
        if a.shape is None:
            continue
        result = ENGINE.attribute(ArticleFacts("czgh", a.id, date.fromisoformat(a.date), a.title, a.subtitle,
                                               a.source, a.closing, a.correspondents, a.body))
        expected = REGISTRY.find(a.expected_unit).id if a.expected_unit else None
        assert result.needs_review or result.unit_id == expected, (a.shape, a.title, result.evidence)
        counts[a.shape][0] += 1
        counts[a.shape][1] += not result.needs_review
    assert all(n >= 10 for n, _ in counts.values()), counts
    assert {s: d for s, (n, d) in counts.items() if s in CREDITED} == {
        s: counts[s][0] for s in CREDITED if s != "topic_only"} | {"topic_only": 0}   # topic alone never decides
    assert {s: counts[s][1] for s in TRAPS} == dict.fromkeys(TRAPS, 0)
