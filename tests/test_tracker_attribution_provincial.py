"""Provincial items: Changzhou units credited, other cities recorded and kept out of the queue, zero wrong."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from crawler.replica.hanweb.generator import ELSEWHERE, generate
from tracker import store
from tracker.attribution import review
from tracker.attribution.engine import ArticleFacts, compile_engine
from tracker.attribution.gazetteer import load_gazetteer
from tracker.attribution.provincial import ELSEWHERE as METHOD
from tracker.attribution.provincial import attribute_provincial, opening_sentence, title_lead
from tracker.config import DEFAULT_CONFIG_DIR, ConfigError
from tracker.units import load_units

REGISTRY = load_units(DEFAULT_CONFIG_DIR)
GAZETTEER = load_gazetteer(DEFAULT_CONFIG_DIR)
NAMES = {u.id: u.name for u in REGISTRY}
# Share of the replica's Changzhou unit items credited without a person. It may only go up.
CREDIT_FLOOR = 0.9


def facts(title: str, source: str | None = None, closing: tuple[str, ...] = (), body: str = "",
          correspondents: tuple[str, ...] = ()) -> ArticleFacts:
    return ArticleFacts("jsgh", 1, date(2024, 9, 5), title, None, source, closing, correspondents, body)


def outcome(result) -> str:
    if result.unit_id:
        return NAMES[result.unit_id]
    return "外市" if result.method == METHOD and not result.needs_review else "审核"


@pytest.fixture(scope="module")
def engine():
    return compile_engine(REGISTRY)


@pytest.mark.parametrize(("case", "expected"), [
    # the title leads with the full unit name
    (facts("常州市金坛区总工会:立足“三大工程” 深化服务职工"), "金坛区总工会"),
    (facts("常州市金坛区总工会三举措拓展“工会服务”普惠圈", source="江苏省总工会"), "金坛区总工会"),
    (facts("溧阳市总工会举办职工健步走活动"), "溧阳市总工会"),
    (facts("徐州市总工会到常州考察交流工会工作(附图)", body="本网讯  6月30日，徐州市总工会考察组到常州市金坛区总工会交流。"),
     "外市"),
    (facts("镇江市总工会“夏送清凉、共筑安康”到一线(附图)"), "外市"),
    (facts("苏州市吴中区总工会开展 “吴中工匠”评选活动。"), "外市"),
    (facts("江阴市总工会举办劳模先进事迹报告会"), "外市"),
    (facts("南京市鼓楼区总工会开展送温暖活动"), "外市"),
    (facts("省总工会召开全省工会宣传工作会议", source="江苏省总工会"), "外市"),
    # no unit in the title: the signature line, the source, the opening decide
    (facts("推进厂务公开民主管理工作", closing=("(谢天白  通讯员 严江)", "钟楼区总工会", "2016/4/11")), "钟楼区总工会"),
    (facts("推进厂务公开民主管理工作", closing=("(朱明  通讯员 张碧柳)", "吴中区总工会", "2016/4/11")), "外市"),
    (facts("开展“职工书屋”读书分享会", source="镇江市总工会"), "外市"),
    (facts("开展“职工书屋”读书分享会", source="常州市武进区总工会"), "武进区总工会"),
    (facts("开展“职工书屋”读书分享会", body="本网讯  7月2日，盐城市大丰区总工会在职工书屋举办读书分享会。"), "外市"),
    (facts("开展“职工书屋”读书分享会", body="本网讯  7月2日，常州市新北区总工会在职工书屋举办读书分享会。"),
     "新北区总工会"),
    # a department of the municipal union, by its closing byline
    (facts("常州市总工会开展安全生产月宣传活动", closing=("(常州市总工会劳动保护部)",)), "劳动保护部"),
    # Changzhou, but no unit: a person decides
    (facts("常州工会设立职工法律援助工作站", source="常州市总工会", body="我市近日设立职工法律援助工作站。"), "审核"),
    (facts("常州市总工会表彰职工技能大赛获奖选手"), "审核"),
    # signs of two cities, or of none: a person decides
    (facts("常州市武进区总工会与无锡市锡山区总工会签订合作协议", source="无锡市锡山区总工会"), "审核"),
    (facts("推进厂务公开民主管理工作", body="本网讯  近日，有关单位召开会议。"), "审核"),
])
def test_provincial_cases(engine, case: ArticleFacts, expected: str) -> None:
    assert outcome(attribute_provincial(case, engine, GAZETTEER)) == expected


def test_a_taught_correspondent_points_to_changzhou(engine) -> None:
    case = facts("推进厂务公开民主管理工作", closing=("(通讯员 严江)",), correspondents=("严江",))
    assert outcome(attribute_provincial(case, engine, GAZETTEER)) == "审核"
    taught = compile_engine(REGISTRY, [("严江", "tianning")])
    assert outcome(attribute_provincial(case, taught, GAZETTEER)) == "天宁区总工会"


def test_title_lead_and_opening() -> None:
    assert title_lead("常州市金坛区总工会:立足“三大工程”") == "常州市金坛区总工会"
    assert title_lead("夏送清凉到一线，市总工会慰问高温下的职工和户外劳动者们") is None
    assert opening_sentence("本网讯  （通讯员 严江）7月1日，天宁区总工会举办培训。第二句。") == "7月1日，天宁区总工会举办培训"


def test_zero_wrong_over_the_replica_ground_truth(engine) -> None:
    site = generate(3000, seed=7)
    tally: Counter[tuple[str, str]] = Counter()
    for item in site.items:
        body = "\n".join((*item.paragraphs, *item.closing))
        case = ArticleFacts("jsgh", item.id, date.fromisoformat(item.date), item.title, None, item.source,
                            item.closing, item.correspondents, body)
        result = attribute_provincial(case, engine, GAZETTEER)
        got = outcome(result)
        if item.scope == ELSEWHERE:
            assert got == "外市", (item.title, result.evidence)
            tally[("elsewhere", "ok")] += 1
        elif item.expected_unit is None:
            assert got == "审核", (item.title, result.evidence)
        else:
            assert got in (item.expected_unit, "审核"), (item.title, got, item.expected_unit, result.evidence)
            tally[("unit", "ok" if got == item.expected_unit else "queued")] += 1
    assert tally[("elsewhere", "ok")] > 0.85 * site.n
    credited = tally[("unit", "ok")] / (tally[("unit", "ok")] + tally[("unit", "queued")])
    assert credited >= CREDIT_FLOOR


def test_other_city_items_are_stored_as_such_and_never_queued(db) -> None:
    site = generate(400, seed=3)
    articles = [{"id": i.id, "url": f"https://www.jsgh.org{i.path}", "title": i.title, "date": i.date,
                 "source": i.source, "closing_bylines": list(i.closing), "correspondents": list(i.correspondents),
                 "body": "\n".join((*i.paragraphs, *i.closing)), "column": "jsgh_news", "legacy": True}
                for i in site.items if i.status == 200]
    store.save_batch(db, "jsgh", None, articles)
    summary = review.attribute_pending(db, REGISTRY)
    queued = {row["id"] for row in store.review_queue(db)}
    truth = {i.id: i for i in site.items}
    elsewhere = {a["id"] for a in articles if truth[a["id"]].scope == ELSEWHERE}
    assert elsewhere and not queued & elsewhere
    assert summary.automatic[METHOD] == len(elsewhere)
    credited = {r["id"]: r["unit_id"] for r in store.credited_articles(db) if r["unit_id"]}
    assert credited and all(NAMES[u] == truth[i].expected_unit for i, u in credited.items())
    assert all(truth[i].scope != ELSEWHERE for i in queued)


def test_municipal_items_are_read_as_before(db) -> None:
    wrapped = review.engine_for(db, REGISTRY)
    case = ArticleFacts("czgh", 1, date(2022, 5, 10), "徐州市总工会到常州考察", None, "金坛区总工会", (), (), "")
    assert wrapped.attribute(case) == compile_engine(REGISTRY).attribute(case)


def test_gazetteer_errors_name_file_and_key(tmp_path: Path) -> None:
    shutil.copy(DEFAULT_CONFIG_DIR / "jiangsu.toml", tmp_path / "jiangsu.toml")
    path = tmp_path / "jiangsu.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('short = "南京"', 'short = "南京"\nshorts = ["宁"]'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"jiangsu\.toml 键 cities\[0\]\.shorts：未知的键"):
        load_gazetteer(tmp_path)
    path.write_text(text.replace('home = "常州市"', 'home = "常州"'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"键 provincial\.home"):
        load_gazetteer(tmp_path)
