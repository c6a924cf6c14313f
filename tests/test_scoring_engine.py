from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import (
    Adoption,
    PeriodError,
    RuleBook,
    Unit,
    compare,
    from_data,
    load_rulebook,
    load_rules,
    parse_period,
    resolve_period,
    score,
    to_data,
    year_period,
)

RULES_2016 = Path(__file__).resolve().parent.parent / "config" / "rules" / "2016.toml"
BOOK = RuleBook.of([load_rules(RULES_2016)])
UNITS = (
    Unit("liyang", "溧阳市总工会", "district", 0),
    Unit("jintan", "金坛区总工会", "district", 1),
    Unit("wujin", "武进区总工会", "district", 2),
    Unit("xinbei", "新北区总工会", "district", 3),
    Unit("protection", "保障工作部", "department", 10),
    Unit("finance", "财务事业部", "department", 20),
)
Y2024 = year_period(2024)
DAY = date(2024, 5, 6)


def entry(n: int, unit: str, clause: str, day: date = DAY) -> Adoption:
    return Adoption(f"entry/{n}", f"常总办〔2024〕{n}号", unit, day, f"信息{n}", clause_id=clause)


def article(n: int, unit: str, *categories: str, day: date = DAY, experience: bool = False) -> Adoption:
    flags = frozenset({"experience"}) if experience else frozenset()
    return Adoption(f"czgh/{n}", f"https://czgh.jscz.org.cn/html/czgh/2024/KEBQLDDJ_0506/{n}.html", unit, day,
                    f"文章{n}", categories=tuple(categories), flags=flags, flag_note="经验类：分类器")


# Each clause of 五、考评标准, with the points worked out by hand from the method's text.
CLAUSE_CASES = [
    ("五、1 中办国办全总办公厅采用 20", [entry(1, "wujin", "national.adoption")], "wujin",
     {"national.adoption": 20}),
    ("五、1 国家或全总领导批示 30", [entry(1, "wujin", "national.instruction")], "wujin",
     {"national.instruction": 30}),
    ("五、2 省总网站采用 3（手工）", [entry(1, "jintan", "provincial.website")], "jintan",
     {"provincial.website": 3}),
    ("五、2 省总网站采用 3（抓取）", [article(1, "jintan", "provincial")], "jintan", {"provincial.website": 3}),
    ("五、2 省总信息专报 5", [entry(1, "jintan", "provincial.report")], "jintan", {"provincial.report": 5}),
    ("五、2 省总领导批示 10", [entry(1, "protection", "provincial.instruction")], "protection",
     {"provincial.instruction": 10}),
    ("五、2 省委省政府办公厅采用 10", [entry(1, "liyang", "provincial.government")], "liyang",
     {"provincial.government": 10}),
    ("五、2 省委省政府领导批示 20", [entry(1, "liyang", "provincial.government_instruction")], "liyang",
     {"provincial.government_instruction": 20}),
    ("五、3 基层动态 1，两条 2", [article(1, "xinbei", "grassroots"), article(2, "xinbei", "grassroots")],
     "xinbei", {"municipal.grassroots": 2}),
    ("五、3 部门专栏 2", [article(1, "protection", "department")], "protection", {"municipal.department": 2}),
    ("五、3 工会新闻 3", [article(1, "xinbei", "union_news")], "xinbei", {"municipal.union_news": 3}),
    ("五、3 经验类基层动态 1+2", [article(1, "xinbei", "grassroots", experience=True)], "xinbei",
     {"municipal.grassroots": 1, "municipal.experience": 2}),
    ("五、3 经验类工会新闻 3+2", [article(1, "protection", "union_news", experience=True)], "protection",
     {"municipal.union_news": 3, "municipal.experience": 2}),
    ("五、3 市委市政府办公室采用 5", [entry(1, "finance", "municipal.government")], "finance",
     {"municipal.government": 5}),
    ("五、3 市委市政府领导批示 10", [entry(1, "finance", "municipal.government_instruction")], "finance",
     {"municipal.government_instruction": 10}),
    ("五、4 约稿报送 5", [entry(1, "protection", "commission.submitted")], "protection",
     {"commission.submitted": 5}),
    ("五、4 约稿报送并被省总采用 5+10",
     [entry(1, "protection", "commission.submitted"), entry(2, "protection", "commission.provincial")],
     "protection", {"commission.submitted": 5, "commission.provincial": 10}),
    ("五、5 信息活动两次 10×2", [entry(1, "wujin", "activity"), entry(2, "wujin", "activity")], "wujin",
     {"activity": 20}),
    ("五、5 信息活动不计给部室", [entry(1, "protection", "activity")], "protection", {}),
    ("五、6 省总通报前十，每年一次 30",
     [entry(1, "jintan", "bonus.provincial_top10"), entry(2, "jintan", "bonus.provincial_top10", date(2024, 12, 1))],
     "jintan", {"bonus.provincial_top10": 30}),
    ("五、6 前十加分不计给部室", [entry(1, "finance", "bonus.provincial_top10")], "finance", {}),
    ("不计分的栏目", [article(1, "xinbei", "none")], "xinbei", {}),
]


@pytest.mark.parametrize(("case", "items", "unit", "expected"), CLAUSE_CASES, ids=[c[0] for c in CLAUSE_CASES])
def test_each_clause(case: str, items: list[Adoption], unit: str, expected: dict[str, int]) -> None:
    board = score(items, BOOK, UNITS, Y2024)
    result = board.result(unit)
    assert dict(result.clauses) == expected
    assert result.total == sum(expected.values())
    others = [r.total for r in board.results if r.unit.id != unit]
    assert others == [0] * len(others)
    if result.total < sum(1 for _ in items):
        assert board.skipped  # anything that earned nothing says why


def test_the_yearly_bonus_counts_once_in_each_year() -> None:
    items = [entry(1, "jintan", "bonus.provincial_top10", date(2023, 12, 20)),
             entry(2, "jintan", "bonus.provincial_top10", date(2024, 12, 20)),
             entry(3, "jintan", "bonus.provincial_top10", date(2024, 12, 21))]
    period = resolve_period(since="2023-01-01", until="2024-12-31")
    board = score(items, BOOK, UNITS, period)
    assert board.result("jintan").total == 60
    assert [s.evidence_id for s in board.skipped] == ["entry/3"]
    assert "每年只计 1 次" in board.skipped[0].reason


def test_targets_completion_and_shortfall() -> None:
    items = [entry(i, "protection", "national.adoption") for i in range(3)]  # 60 of 60
    items += [entry(10, "finance", "municipal.government"), article(11, "finance", "union_news")]  # 8 of 30
    board = score(items, BOOK, UNITS, Y2024)
    protection, finance = board.result("protection"), board.result("finance")
    assert (protection.target, protection.total, protection.shortfall, protection.status) == (60, 60, 0, "达标")
    assert protection.completion == 1.0
    assert (finance.target, finance.total, finance.shortfall, finance.status) == (30, 8, 22, "未达标")
    assert finance.completion == pytest.approx(8 / 30)
    assert board.result("wujin").target is None and board.result("wujin").status == ""
    assert protection.rank is None and finance.rank is None


def test_an_article_in_two_columns_counts_once_at_its_highest_column() -> None:
    board = score([article(1, "xinbei", "grassroots", "union_news", "department")], BOOK, UNITS, Y2024)
    result = board.result("xinbei")
    assert dict(result.clauses) == {"municipal.union_news": 3}
    assert len(result.lines) == 1 and "多个栏目" in result.lines[0].note


def test_the_several_columns_policy_is_data(tmp_path: Path) -> None:
    text = RULES_2016.read_text(encoding="utf-8").replace('several_columns = "highest"', 'several_columns = "each"')
    (tmp_path / "each.toml").write_text(text, encoding="utf-8")
    book = load_rulebook(tmp_path)
    board = score([article(1, "xinbei", "grassroots", "union_news")], book, UNITS, Y2024)
    assert dict(board.result("xinbei").clauses) == {"municipal.grassroots": 1, "municipal.union_news": 3}


def test_a_period_spanning_two_versions_scores_each_item_by_its_date(tmp_path: Path) -> None:
    later = RULES_2016.read_text(encoding="utf-8").replace('id = "2016"', 'id = "2025"', 1)
    later = later.replace("effective = 2016-07-01", "effective = 2025-01-01", 1)
    later = later.replace("points = 1\ncategory = \"grassroots\"", "points = 2\ncategory = \"grassroots\"", 1)
    later = later.replace("finance = 30", "finance = 40", 1)
    (tmp_path / "2016.toml").write_text(RULES_2016.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "2025.toml").write_text(later, encoding="utf-8")
    book = load_rulebook(tmp_path)
    items = [article(1, "finance", "grassroots", day=date(2024, 12, 31)),
             article(2, "finance", "grassroots", day=date(2025, 1, 1))]
    board = score(items, book, UNITS, resolve_period(since="2024-07-01", until="2025-06-30"))
    result = board.result("finance")
    assert [(line.evidence_id, line.points, line.rules_id) for line in result.lines] == [
        ("czgh/1", 1, "2016"), ("czgh/2", 2, "2025")]
    assert result.total == 3 and result.target == 40
    assert [rid for rid, _ in board.rules] == ["2016", "2025"]


def test_items_before_the_method_took_effect_earn_nothing() -> None:
    items = [entry(1, "wujin", "national.adoption", date(2016, 6, 30)),
             entry(2, "wujin", "national.adoption", date(2016, 7, 1))]
    board = score(items, BOOK, UNITS, year_period(2016))
    assert board.result("wujin").total == 20
    assert [(s.evidence_id, s.reason) for s in board.skipped] == [("entry/1", "该日期没有生效的考评办法")]


def test_items_outside_the_period_and_unknown_units() -> None:
    items = [entry(1, "wujin", "national.adoption", date(2023, 12, 31)), entry(2, "qishuyan", "activity")]
    board = score(items, BOOK, UNITS, Y2024)
    assert sum(r.total for r in board.results) == 0
    assert [s.evidence_id for s in board.skipped] == ["entry/2"]


def test_districts_are_ranked_and_ties_share_a_rank() -> None:
    items = [entry(1, "jintan", "provincial.instruction"), entry(2, "wujin", "provincial.instruction"),
             entry(3, "liyang", "commission.submitted")]
    board = score(items, BOOK, UNITS, Y2024)
    ranks = [(r.unit.id, r.total, r.rank) for r in board.of_kind("district")]
    assert ranks == [("jintan", 10, 1), ("wujin", 10, 1), ("liyang", 5, 3), ("xinbei", 0, 4)]


def test_all_zero_districts_share_first_place() -> None:
    board = score([], BOOK, UNITS, Y2024)
    assert {r.rank for r in board.of_kind("district")} == {1}


unit_ids = st.sampled_from([u.id for u in UNITS] + ["ghost"])
clause_ids = st.sampled_from([c.id for c in BOOK.versions[0].clauses] + ["no.such"])
categories = st.lists(st.sampled_from(["grassroots", "department", "union_news", "provincial", "none"]),
                      max_size=3).map(tuple)
days = st.integers(min_value=0, max_value=800).map(lambda n: date(2023, 6, 1) + timedelta(days=n))


@st.composite
def adoptions(draw: st.DrawFn) -> list[Adoption]:
    out = []
    for n in range(draw(st.integers(min_value=0, max_value=40))):
        manual = draw(st.booleans())
        out.append(Adoption(
            f"{'entry' if manual else 'czgh'}/{n}", f"ev{n}", draw(unit_ids), draw(days), f"t{n}",
            clause_id=draw(clause_ids) if manual else None,
            categories=() if manual else draw(categories),
            flags=frozenset({"experience"}) if draw(st.booleans()) else frozenset(),
        ))
    return out


@settings(max_examples=150, deadline=None)
@given(adoptions())
def test_every_total_is_the_sum_of_its_explained_lines(items: list[Adoption]) -> None:
    board = score(items, BOOK, UNITS, Y2024)
    known = {i.evidence_id: i for i in items}
    for result in board.results:
        assert result.total == sum(line.points for line in result.lines)
        assert result.total == sum(result.clauses.values())
        for line in result.lines:
            source = known[line.evidence_id]  # each line names exactly one evidence
            assert source.unit_id == result.unit.id and source.evidence == line.evidence
            assert Y2024.start <= line.date <= Y2024.end
    # No item earns more than its best base clause plus its extras (counted once).
    per_item: dict[str, int] = {}
    for line in (line for r in board.results for line in r.lines):
        per_item[line.evidence_id] = per_item.get(line.evidence_id, 0) + 1
    assert all(n <= 2 for n in per_item.values())
    assert from_data(to_data(board)) == board


def test_compare_lists_changed_lines_per_unit() -> None:
    before = score([entry(1, "wujin", "activity"), entry(2, "jintan", "activity")], BOOK, UNITS, Y2024)
    after = score([entry(1, "wujin", "activity"), entry(3, "jintan", "national.adoption")], BOOK, UNITS, Y2024)
    diffs = {d.unit_id: d for d in compare(before, after)}
    wujin = diffs["wujin"]
    assert (wujin.changes, wujin.delta, wujin.rank_before, wujin.rank_after) == ((), 0, 1, 2)
    assert wujin.changed  # same points, lower place
    assert not diffs["liyang"].changed
    jintan = diffs["jintan"]
    assert (jintan.before, jintan.after, jintan.delta) == (10, 20, 10)
    assert [(c.evidence_id, c.delta) for c in jintan.changes] == [("entry/2", -10), ("entry/3", 20)]
    assert (jintan.rank_before, jintan.rank_after) == (1, 1)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("2024q4", date(2024, 10, 1), date(2024, 12, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2023-2", date(2023, 2, 1), date(2023, 2, 28)),
        ("2024H2", date(2024, 7, 1), date(2024, 12, 31)),
    ],
)
def test_periods(text: str, start: date, end: date) -> None:
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"period": "2024Q5"}, "期间应写作"),
        ({"period": "2024-13"}, "没有 13 月"),
        ({"year": 2024, "period": "2023Q1"}, "不在 2024 年之内"),
        ({"since": "2024-03-01"}, "须同时给出"),
        ({"since": "2024-03-01", "until": "2024-02-01"}, "晚于"),
        ({"since": "2024-02-30", "until": "2024-03-01"}, "没有这一天"),
        ({}, "请给出"),
    ],
)
def test_bad_periods(kwargs: dict, message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        resolve_period(**kwargs)


def test_period_titles() -> None:
    assert year_period(2024).title == "2024年度"
    assert parse_period("2024Q2").title == "2024年第二季度"
    assert parse_period("2024-03").title == "2024年3月"
    assert resolve_period(2024, since="2024-03-01").title == "2024-03-01至2024-12-31"


def test_the_same_evidence_twice_scores_once() -> None:
    twice = [entry(1, "wujin", "national.adoption"), entry(1, "wujin", "national.adoption")]
    board = score(twice, BOOK, UNITS, Y2024)
    assert board.result("wujin").total == 20
    assert [s.reason for s in board.skipped] == ["同一依据重复出现，只计一次"]
