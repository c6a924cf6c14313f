"""Clause 五、7: proposals from the rule, the office's decisions, their history and staleness."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scoring import year_period
from scoring.assessment import propose
from scoring.rules import RulesError, load_rules
from tracker import store
from tracker.config import DEFAULT_CONFIG_DIR, Settings
from tracker.scores import assessments
from tracker.scores.assessments import AssessmentError
from tracker.scores.scorer import Scorer


def entries(unit: str, kind: str, count: int, day: str = "2024-05-06") -> list[dict]:
    return [{"unit_id": unit, "kind": kind, "date": day, "title": f"{unit} {kind} 第{i + 1}条",
             "evidence": f"常办〔2024〕{i + 1}号", "note": None} for i in range(count)]


@pytest.fixture
def year_2024(db, settings: Settings) -> Scorer:
    """economy exactly on 60; protection 58 (a little short); legal 10 (far short); women 20 with two 批示."""
    store.add_entries(db, [
        *entries("economy", "municipal.government", 12),                 # 12 × 5 = 60
        *entries("protection", "municipal.government", 11),              # 55
        *entries("protection", "provincial.website", 1),                 # + 3 = 58
        *entries("legal", "municipal.government", 2),                    # 10
        *entries("women", "municipal.government_instruction", 1),        # 10, a 批示 by 市委/市政府 leaders
        *entries("women", "provincial.instruction", 1),                  # 10, a 批示 by 省总 leaders
        *entries("women", "national.instruction", 1, "2024-07-01"),      # 30, but not a 批示 that 五、7 names
    ], by="办公室")
    return Scorer.load(settings)


def by_unit(db, scorer: Scorer) -> dict[str, assessments.Assessment]:
    return {a.proposal.unit_id: a for a in assessments.assess(db, scorer, 2024)}


def test_the_2016_rule_reads_from_the_rules_file() -> None:
    rule = load_rules(DEFAULT_CONFIG_DIR / "rules" / "2016.toml").assessment
    assert rule is not None and rule.article == "五、7" and "文明部室" in rule.text
    assert (rule.deduction_per_point, rule.deduction_cap, rule.addition_per_instruction, rule.addition_cap) == (
        0.1, 3, 0.5, 2)
    assert rule.instruction_clauses == ("municipal.government_instruction", "provincial.instruction")
    assert rule.describe() == ("完成目标的不加分也不扣分；未完成目标的，每差 1 分扣 0.1 分，最多扣 3 分；"
                               "采用信息获领导批示的，每条加 0.5 分，最多加 2 分。")


def test_proposals_as_computed_by_hand(db, year_2024: Scorer) -> None:
    got = by_unit(db, year_2024)
    rows = {uid: (a.proposal.total, a.proposal.shortfall, len(a.proposal.instructions), a.proposal.deduction,
                  a.proposal.addition, a.proposal.proposed, a.proposal.status)
            for uid, a in got.items() if uid in ("economy", "protection", "legal", "women")}
    assert rows == {
        "economy": (60, 0, 0, 0, 0, 0, "达标"),             # on target: neither added nor deducted
        "protection": (58, 2, 0, 0.2, 0, -0.2, "未达标"),    # 2 short × 0.1
        "legal": (10, 50, 0, 3, 0, -3, "未达标"),            # 50 × 0.1 = 5, capped at 3
        "women": (50, 10, 2, 1, 1, 0, "未达标"),             # 10 short → -1; two 批示 × 0.5 → +1
    }
    assert [line.evidence_id for line in got["women"].proposal.instructions] == ["entry/27", "entry/28"]  # after 26 others
    # Every department with a target has a proposal, districts none.
    assert set(got) == set(year_2024.rules_for(year_period(2024)).targets)
    assert all(a.decision is None and a.applied is None for a in got.values())


def test_a_decision_differing_from_the_proposal_survives_and_is_flagged_when_the_score_moves(
        db, year_2024: Scorer, xinxi) -> None:
    item = assessments.decide(db, year_2024, "法律工作部", 2024, -2, reason="年中人员调整，酌减 2 分", by="王敏")
    assert item.applied == -2 and item.proposal.proposed == -3 and not item.stale

    # Recomputing scores and attribution changes nothing of the decision.
    xinxi("score", "--year", "2024")
    xinxi("attribute", "--all")
    again = by_unit(db, year_2024)["legal"]
    assert again.applied == -2 and again.decision["reason"] == "年中人员调整，酌减 2 分" and not again.stale
    assert again.decision["decided_by"] == "王敏"

    # A new entry narrows the shortfall: the decision stays, marked for another look.
    store.add_entries(db, entries("legal", "municipal.government", 4), by="办公室")
    moved = by_unit(db, year_2024)["legal"]
    assert moved.applied == -2 and moved.stale
    assert moved.proposal.total == 30 and "决定时 10 分" in moved.stale_note and "现在 30 分" in moved.stale_note
    listed = xinxi("assess", "list", "--year", "2024").stdout
    assert "法律工作部" in listed and "决定后得分有变" in listed

    rows = json.loads(xinxi("assess", "list", "--year", "2024", "--format", "json").stdout)
    legal = next(r for r in rows if r["unit_id"] == "legal")
    assert (legal["decided"], legal["proposed"], legal["stale"], legal["total"]) == (-2, -3, True, 30)


def test_set_clear_and_history_through_the_cli(db, year_2024: Scorer, xinxi) -> None:
    out = xinxi("assess", "set", "经济技术部", "--year", "2024", "--points", "0.5", "--reason", "专题工作突出",
                "--by", "王敏").stdout
    assert "经济技术部" in out and "+0.5" in out and "建议 0" in out
    xinxi("assess", "set", "economy", "--year", "2024", "--points", "1", "--reason", "复核后改为 1 分", "--by", "李强")
    assert "已撤销" in xinxi("assess", "clear", "economy", "--year", "2024", "--reason", "按建议执行",
                          "--by", "王敏").stdout
    assert by_unit(db, year_2024)["economy"].decision is None
    history = store.assessment_history(db, 2024, "economy")
    assert [(r["action"], r["points"], r["decided_by"]) for r in history] == [
        ("set", 0.5, "王敏"), ("set", 1.0, "李强"), ("clear", None, "王敏")]
    shown = xinxi("assess", "history", "--year", "2024").stdout
    assert "专题工作突出" in shown and "复核后改为 1 分" in shown and "撤销" in shown

    csv_out = xinxi("assess", "list", "--year", "2024", "--format", "csv").stdout
    assert csv_out.splitlines()[0].startswith("单位编号,单位,目标分值,得分,差额")


@pytest.mark.parametrize(("args", "said"), [
    (["set", "武进区总工会", "--points", "1", "--reason", "x"], "没有目标分值"),
    (["set", "economy", "--points", "1", "--reason", "  "], "理由"),
    (["set", "economy", "--points", "nan", "--reason", "x"], "之间"),
    (["set", "economy", "--points", "1000", "--reason", "x"], "之间"),
    (["clear", "economy", "--reason", "x"], "还没有办公室决定"),
    (["set", "不存在的部", "--points", "1", "--reason", "x"], "不存在的部"),
])
def test_refusals_are_one_line(year_2024: Scorer, db_path: Path, args: list[str], said: str,
                               capsys: pytest.CaptureFixture[str]) -> None:
    from tracker.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--db", str(db_path), "assess", *args, "--year", "2024"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("错误：") and said in err[0]


def test_a_published_snapshot_freezes_proposals_and_decisions(db, year_2024: Scorer, xinxi) -> None:
    assessments.decide(db, year_2024, "legal", 2024, -2, reason="酌减", by="王敏")
    xinxi("snapshot", "publish", "2024", "--by", "办公室")
    frozen = json.loads(store.latest_snapshot(db, "2024")["data"])["assessment"]
    assert next(r for r in frozen if r["unit_id"] == "legal")["decided"] == -2
    assert "没有变化" in xinxi("snapshot", "diff", "2024").stdout

    assessments.decide(db, year_2024, "legal", 2024, -1, reason="复核", by="王敏")
    diff = xinxi("snapshot", "diff", "2024").stdout
    assert "法律工作部" in diff and "办公室决定 -2 → -1" in diff


def test_a_rules_file_without_the_section_is_refused_clearly(tmp_path: Path, db, settings: Settings) -> None:
    text = (DEFAULT_CONFIG_DIR / "rules" / "2016.toml").read_text(encoding="utf-8")
    bare = tmp_path / "bare.toml"
    bare.write_text(text.split("[assessment]")[0], encoding="utf-8")
    scorer = Scorer.load(settings, bare)
    with pytest.raises(AssessmentError, match=r"\[assessment\]"):
        assessments.assess(db, scorer, 2024)


@pytest.mark.parametrize(("old", "new", "key"), [
    ('instruction_clauses = ["municipal.government_instruction", "provincial.instruction"]',
     'instruction_clauses = ["no.such"]', "assessment.instruction_clauses[0]"),
    ("deduction_per_point = 0.1", "deduction_per_point = -0.1", "assessment.deduction_per_point"),
    ("addition_cap = 2", "addition_cap = 2\nbonus = 1", "assessment.bonus"),
])
def test_bad_assessment_settings_name_file_and_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    text = (DEFAULT_CONFIG_DIR / "rules" / "2016.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "2016.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    assert caught.value.key == key and str(path) in str(caught.value)


def test_engine_proposal_is_pure(db, year_2024: Scorer) -> None:
    board = year_2024.score(db, year_period(2024))
    rule = year_2024.rules_for(year_period(2024)).assessment
    assert propose(board, rule) == propose(board, rule)
    assert [p.unit_id for p in propose(board, rule)] == [r.unit.id for r in board.results if r.target is not None]


def test_the_departments_table_shows_proposal_and_decision_in_their_own_columns(db, year_2024: Scorer,
                                                                                 xinxi) -> None:
    assessments.decide(db, year_2024, "legal", 2024, -2, reason="酌减", by="王敏")
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
            for line in xinxi("score", "--year", "2024").stdout.splitlines()
            if line.startswith("│") and "部" in line.split("│")[1]}
    # 目标分值, 得分, 完成率, 差额, 完成情况, 考核建议, 办公室决定: the points stay the information-work points.
    assert rows["法律工作部"] == ["60", "10", "16.7%", "50", "未达标", "-3", "-2"]
    assert rows["经济技术部"] == ["60", "60", "100.0%", "0", "达标", "0", ""]
    quarter = xinxi("score", "--period", "2024Q2").stdout
    assert "考核建议" not in quarter   # 五、7 is a yearly result


def test_the_workbook_and_the_notice_carry_proposal_and_decision_in_their_own_columns(
        db, year_2024: Scorer, xinxi, tmp_path: Path) -> None:
    from docx import Document
    from openpyxl import load_workbook

    assessments.decide(db, year_2024, "legal", 2024, -2, reason="酌减", by="王敏")
    xlsx, docx = tmp_path / "报表.xlsx", tmp_path / "通报.docx"
    xinxi("report", "--year", "2024", "--xlsx", str(xlsx), "--docx", str(docx))

    sheet = load_workbook(xlsx)["部室完成情况"]
    header = [c.value for c in sheet[2]]
    assert header[:8] == ["单位", "目标分值", "得分", "完成率", "差额", "完成情况", "五、7 考核建议", "办公室决定"]
    rows = {r[0]: r[1:8] for r in sheet.iter_rows(min_row=3, values_only=True) if r[0]}
    assert rows["法律工作部"] == (60, 10, pytest.approx(0.1667, abs=1e-4), 50, "未达标", -3, -2)
    assert rows["经济技术部"] == (60, 60, 1, 0, "达标", 0, None)   # undecided: a blank, not 0
    assert sheet.cell(3, 7).number_format == "+0.0;-0.0;0"

    table = next(t for t in Document(docx).tables if t.rows[0].cells[0].text == "单位"
                 and "考核建议" in [c.text for c in t.rows[0].cells])
    cells = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert cells["法律工作部"][2] == "10" and cells["法律工作部"][-2:] == ["-3", "-2"]
    assert cells["女职工部"][-2:] == ["0", ""]


def test_a_published_report_prints_the_frozen_decision(db, year_2024: Scorer, xinxi, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    assessments.decide(db, year_2024, "legal", 2024, -2, reason="酌减", by="王敏")
    xinxi("snapshot", "publish", "2024", "--force", "--reason", "测试", "--by", "办公室")
    assessments.decide(db, year_2024, "legal", 2024, -1, reason="复核", by="王敏")
    xlsx = tmp_path / "发布.xlsx"
    xinxi("report", "--year", "2024", "--xlsx", str(xlsx))
    rows = {r[0]: r[6:8] for r in load_workbook(xlsx)["部室完成情况"].iter_rows(min_row=3, values_only=True)}
    assert rows["法律工作部"] == (-3, -2)
    xinxi("report", "--year", "2024", "--live", "--xlsx", str(xlsx))
    rows = {r[0]: r[6:8] for r in load_workbook(xlsx)["部室完成情况"].iter_rows(min_row=3, values_only=True)}
    assert rows["法律工作部"] == (-3, -1)


def test_the_ranking_page_shows_the_columns(db, year_2024: Scorer, settings: Settings, db_path: Path) -> None:
    import re

    from tracker import users
    from tracker.units import load_units
    from tracker.web import create_app

    assessments.decide(db, year_2024, "legal", 2024, -2, reason="酌减", by="王敏")
    users.add_user(db, load_units(settings.config_dir), "clerk", "office", "office-pass-1", by="test")
    client = create_app(settings, db_path, {"LOGIN_DELAY_SECONDS": 0.05}).test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"name": "clerk", "password": "office-pass-1", "csrf_token": csrf})
    html = client.get("/scores?year=2024").get_data(as_text=True)
    departments = html.split('id="departments"')[1].split("</table>")[0]
    assert "考核建议" in departments and "办公室决定" in departments
    legal = departments.split("法律工作部")[1].split("</tr>")[0]
    assert legal.endswith("<td>-3</td><td>-2</td>")
