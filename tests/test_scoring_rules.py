from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from scoring.rulebook import RuleBook, load_rulebook
from scoring.rules import RulesError, load_rules
from scoring.wording import quoted

RULES_DIR = Path(__file__).resolve().parent.parent / "config" / "rules"
RULES_2016 = RULES_DIR / "2016.toml"


def write_variant(tmp_path: Path, old: str, new: str, name: str = "2016.toml") -> Path:
    text = RULES_2016.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_the_2016_method_as_data() -> None:
    rules = load_rules(RULES_2016)
    assert rules.effective == date(2016, 7, 1)
    assert rules.document == "常工发〔2016〕45号"
    points = {c.id: c.points for c in rules.clauses}
    assert points == {
        "national.adoption": 20, "national.instruction": 30,
        "provincial.website": 3, "provincial.report": 5, "provincial.instruction": 10,
        "provincial.government": 10, "provincial.government_instruction": 20,
        "municipal.grassroots": 1, "municipal.department": 2, "municipal.union_news": 3,
        "municipal.experience": 2, "municipal.government": 5, "municipal.government_instruction": 10,
        "commission.submitted": 5, "commission.provincial": 10, "activity": 10, "bonus.provincial_top10": 30,
    }
    assert sorted(t for t in rules.targets.values()) == [30] * 3 + [60] * 10
    assert rules.targets["industry"] == 60 and rules.targets["party"] == 30
    assert [(g.kind, g.ranked) for g in rules.groups] == [("district", True), ("department", False)]
    assert rules.clause("activity").unit_kinds == ("district",)
    assert rules.clause("bonus.provincial_top10").per_year_limit == 1
    assert rules.by_category()["union_news"].id == "municipal.union_news"
    assert [c.id for c in rules.extras_for("municipal.grassroots")] == ["municipal.experience"]
    assert rules.find_clause("省总网站采用") is rules.find_clause("provincial.website")
    assert rules.several_columns == "highest"
    assert len(rules.digest) == 16


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("points = 20\n", 'points = "twenty"\n', "clauses[0].points"),
        ("points = 20\n", "points = -20\n", "clauses[0].points"),
        ("points = 20\n", "points = true\n", "clauses[0].points"),
        ('id = "national.instruction"', 'id = "national.adoption"', "clauses[1].id"),
        ('id = "national.adoption"', 'id = "National Adoption"', "clauses[0].id"),
        ('unit_kinds = ["district"]', 'unit_kinds = ["county"]', "clauses[15].unit_kinds[0]"),
        ('category = "department"', 'category = "grassroots"', "clauses[8].category"),
        ('extra_for = ["municipal.grassroots"', 'extra_for = ["municipal.nothing"', "clauses[10].extra_for[0]"),
        ('flag = "experience"', "", "clauses[10].flag"),
        ("effective = 2016-07-01", 'effective = "2016-07-01"', "rules.effective"),
        ('several_columns = "highest"', 'several_columns = "sum"', "policy.several_columns"),
        ("office = 60 ", "office = \"sixty\" ", "targets.office"),
        ("per_year_limit = 1", "per_year_limit = 0", "clauses[16].per_year_limit"),
        ("manual = true\n", "manual = true\nweight = 2\n", "clauses[0].weight"),
        ("ranked = true", 'ranked = "yes"', "groups.district.ranked"),
    ],
)
def test_a_bad_value_names_file_and_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    path = write_variant(tmp_path, old, new)
    with pytest.raises(RulesError) as exc:
        load_rules(path)
    assert exc.value.key == key
    assert str(path) in str(exc.value) and key in str(exc.value)


def test_a_clause_that_cannot_earn_anything_is_refused(tmp_path: Path) -> None:
    path = write_variant(tmp_path, 'text = "国家、全总领导批示的每条记30分"\npoints = 30\nmanual = true',
                         'text = "国家、全总领导批示的每条记30分"\npoints = 30')
    with pytest.raises(RulesError) as exc:
        load_rules(path)
    assert exc.value.key == "clauses[1]"


def test_syntax_error_and_missing_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[rules\n", encoding="utf-8")
    with pytest.raises(RulesError, match="TOML 语法错误") as exc:
        load_rules(broken)
    assert str(broken) in str(exc.value)
    with pytest.raises(RulesError, match="文件不存在"):
        load_rules(tmp_path / "nope.toml")


def two_versions(tmp_path: Path) -> RuleBook:
    later = RULES_2016.read_text(encoding="utf-8").replace('id = "2016"', 'id = "2025"', 1)
    later = later.replace("effective = 2016-07-01", "effective = 2025-01-01", 1)
    (tmp_path / "2025.toml").write_text(later, encoding="utf-8")
    (tmp_path / "2016.toml").write_text(RULES_2016.read_text(encoding="utf-8"), encoding="utf-8")
    return load_rulebook(tmp_path)


def test_the_version_in_force_is_chosen_by_date(tmp_path: Path) -> None:
    book = two_versions(tmp_path)
    assert [r.id for r in book.versions] == ["2016", "2025"]
    assert book.for_date(date(2016, 6, 30)) is None
    assert book.for_date(date(2016, 7, 1)).id == "2016"
    assert book.for_date(date(2024, 12, 31)).id == "2016"
    assert book.for_date(date(2025, 1, 1)).id == "2025"
    spans = book.segments(date(2024, 7, 1), date(2025, 6, 30))
    assert [(lo, hi, r.id) for lo, hi, r in spans] == [
        (date(2024, 7, 1), date(2024, 12, 31), "2016"),
        (date(2025, 1, 1), date(2025, 6, 30), "2025"),
    ]
    assert book.segments(date(2015, 1, 1), date(2015, 12, 31)) == []
    assert book.latest_for(date(2024, 7, 1), date(2025, 6, 30)).id == "2025"
    fixed = RuleBook.only(book.versions[1])
    assert fixed.for_date(date(2016, 1, 1)).id == "2025"


def test_two_versions_with_one_effective_date_are_refused(tmp_path: Path) -> None:
    twin = RULES_2016.read_text(encoding="utf-8").replace('id = "2016"', 'id = "2016b"', 1)
    (tmp_path / "a.toml").write_text(RULES_2016.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "b.toml").write_text(twin, encoding="utf-8")
    with pytest.raises(RulesError) as exc:
        load_rulebook(tmp_path)
    assert exc.value.key == "rules.effective"


def test_an_empty_rules_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="没有考评办法文件"):
        load_rulebook(tmp_path)


def test_the_scoring_package_imports_nothing_of_ours() -> None:
    import ast

    package = Path(__file__).resolve().parent.parent / "scoring"
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in {"tracker", "crawler"}, f"{path.name} imports {name}"


def test_a_wrong_type_is_named_in_words(tmp_path: Path) -> None:
    text = RULES_2016.read_text(encoding="utf-8").replace("points = 20\n", 'points = "二十"\n', 1)
    (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
    with pytest.raises(RulesError, match="应为数字，实为 “二十”") as info:
        load_rules(tmp_path / "bad.toml")
    assert "int/float" not in str(info.value) and info.value.key == "clauses[0].points"


@pytest.mark.parametrize(("value", "shown"), [
    ("二十", "“二十”"), (5, "5"), (2.5, "2.5"), (float("inf"), "inf"), (True, "true"), (None, "空"),
    (["a", 1], "[“a”, 1]"), (date(2020, 1, 1), "2020-01-01"),
    # What a terminal would act on is shown, not obeyed; a long value is cut.
    ("单位\x1b[2J\u202e名", "“单位\\u001b[2J\\u202e名”"), ("长" * 100, "“" + "长" * 80 + "…”"),
])
def test_a_value_in_a_message_is_quoted_as_written(value: object, shown: str) -> None:
    assert quoted(value) == shown
