from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from scoring import parse_period, year_period
from tracker import store
from tracker.config import DEFAULT_CONFIG_DIR, ConfigError, Settings, load_settings
from tracker.scores.scorer import Scorer, load_keywords, load_rulebook

BASE = "https://czgh.jscz.org.cn/html/czgh"


def art(aid: int, unit: str, columns: list[str], day: str = "2024-05-06", title: str = "一则消息",
        subtitle: str | None = None) -> dict:
    return {"site": "czgh", "id": aid, "url": f"{BASE}/{day[:4]}/KEBQLDDJ_{day[5:7]}{day[8:]}/{aid}.html",
            "date": day, "title": title, "subtitle": subtitle, "columns": columns, "unit_id": unit,
            "method": "source_field"}


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    return target


def test_columns_decide_the_clause_and_an_article_in_two_columns_counts_once(
        db, settings: Settings, credited: list[dict]) -> None:
    credited += [
        art(1, "wujin", ["jcdt"]),                  # 基层动态 1
        art(2, "wujin", ["jcdt", "ghyw"]),          # 基层动态 + 工会要闻: once, at 3
        art(3, "protection", ["bzgz"]),             # 保障工作 (部门专栏) 2
        art(4, "xinbei", ["tpxw"]),                 # 图片新闻 1
        art(5, "xinbei", ["gone"]),                 # a column no longer configured: nothing, with a reason
        art(6, None, ["ghyw"]),                     # not credited to anyone: ignored
        art(7, "wujin", ["jcdt"], day="2023-12-31"),  # outside the year
    ]
    board = Scorer.load(settings).score(db, year_period(2024))
    assert dict(board.result("wujin").clauses) == {"municipal.grassroots": 1, "municipal.union_news": 3}
    assert board.result("protection").total == 2
    assert board.result("xinbei").total == 1
    assert [(s.evidence_id, "未配置栏目gone" in s.reason) for s in board.skipped] == [("czgh/5", True)]
    line = next(line for line in board.result("wujin").lines if line.evidence_id == "czgh/2")
    assert line.evidence == f"{BASE}/2024/KEBQLDDJ_0506/2.html" and "多个栏目" in line.note


def test_experience_pieces_by_classifier_and_reviewer(db, settings: Settings, credited: list[dict]) -> None:
    credited += [
        art(1, "wujin", ["jcdt"], title="武进区总工会“三个一”工作法见实效"),
        art(2, "wujin", ["ghyw"], title="一次普通的走访", subtitle="——湖塘镇总工会的探索与做法"),
        art(3, "wujin", ["jcdt"], title="全区工会信息工作经验交流会召开"),   # event news: vetoed
        art(4, "wujin", ["jcdt"], title="新春送温暖"),
    ]
    scorer = Scorer.load(settings)
    board = scorer.score(db, year_period(2024))
    extra = {line.evidence_id: line.note for line in board.result("wujin").lines
             if line.clause_id == "municipal.experience"}
    assert set(extra) == {"czgh/1", "czgh/2"}
    assert "分类器" in extra["czgh/1"] and "工作法" in extra["czgh/1"]
    assert board.result("wujin").total == (1 + 2) + (3 + 2) + 1 + 1

    store.set_experience_flag(db, "czgh", 1, False, source="reviewer", by="王敏", reason="只是活动消息")
    store.set_experience_flag(db, "czgh", 4, True, source="reviewer", by="王敏", reason="年度总结")
    board = scorer.score(db, year_period(2024))
    extra = {line.evidence_id: line.note for line in board.result("wujin").lines
             if line.clause_id == "municipal.experience"}
    assert set(extra) == {"czgh/2", "czgh/4"}
    assert "审核人" in extra["czgh/4"] and "王敏" in extra["czgh/4"] and "年度总结" in extra["czgh/4"]
    assert store.experience_flags(db)[("czgh", 1)]["source"] == "reviewer"


def test_manual_entries_are_scored_with_their_evidence(db, settings: Settings, credited: list[dict]) -> None:
    store.add_entries(db, [
        {"unit_id": "jintan", "kind": "provincial.report", "date": "2024-03-05", "title": "金坛区职工技能提升",
         "evidence": "苏工信〔2024〕7期", "note": None},
        {"unit_id": "jintan", "kind": "activity", "date": "2024-04-01", "title": "信息员培训", "evidence": "金工发〔2024〕3号",
         "note": "全区 40 人"},
    ], by="test")
    board = Scorer.load(settings).score(db, year_period(2024))
    result = board.result("jintan")
    assert result.total == 15
    assert [(line.evidence_id, line.evidence, line.points) for line in result.lines] == [
        ("entry/1", "苏工信〔2024〕7期", 5), ("entry/2", "金工发〔2024〕3号", 10)]
    assert result.lines[1].note == "手工录入：全区 40 人"


def test_units_outside_their_validity_are_left_out(db, settings: Settings, credited: list[dict]) -> None:
    from tracker.units import load_units

    registry = load_units(settings.config_dir)
    jingkai = registry.unit("jingkai")
    assert jingkai.valid_from is not None
    credited.append(art(1, "jingkai", ["jcdt"], day=jingkai.valid_from.isoformat()))
    scorer = Scorer.load(settings)
    after = scorer.score(db, year_period(jingkai.valid_from.year))
    assert after.result("jingkai").total == 1
    before = scorer.score(db, year_period(jingkai.valid_from.year - 1))
    assert "jingkai" not in {r.unit.id for r in before.results}
    assert len(after.results) == len(before.results) + 1 == len(registry)


def test_the_rules_targets_agree_with_units_toml(settings: Settings) -> None:
    from tracker.units import load_units

    rules = load_rulebook(settings).versions[0]
    assert {u.id: u.target for u in load_units(settings.config_dir) if u.target} == dict(rules.targets)


def test_a_target_for_an_unknown_unit_names_file_and_key(config_dir: Path) -> None:
    path = config_dir / "rules" / "2016.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("party = 30", "qishuyan = 30"), encoding="utf-8")
    settings = load_settings(config_dir, env={})
    with pytest.raises(ConfigError) as exc:
        load_rulebook(settings)
    assert exc.value.key == "targets.qishuyan" and str(path) in str(exc.value)


def test_a_rules_error_becomes_a_config_error(config_dir: Path) -> None:
    path = config_dir / "rules" / "2016.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("points = 20\n", "points = \"x\"\n", 1), "utf-8")
    with pytest.raises(ConfigError) as exc:
        load_rulebook(load_settings(config_dir, env={}))
    assert exc.value.key == "clauses[0].points"


def test_experience_keywords_are_config(config_dir: Path) -> None:
    path = config_dir / "experience.toml"
    assert "做法" in load_keywords(load_settings(config_dir, env={})).include
    path.write_text("[experience]\ninclude = []\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_keywords(load_settings(config_dir, env={}))
    assert exc.value.key == "experience.include"


# --- the command line ------------------------------------------------------------------------------


@pytest.fixture
def scored(xinxi, credited: list[dict]) -> list[dict]:
    credited += [art(1, "wujin", ["ghyw"]), art(2, "jintan", ["ghyw"]), art(3, "liyang", ["jcdt"]),
                 art(4, "protection", ["bzgz"], day="2024-02-10"), art(5, "finance", ["ghyw"], day="2024-08-01")]
    xinxi("entry", "add", "--unit", "保障工作部", "--kind", "中办国办全总办公厅采用", "--date", "2024-06-01",
          "--title", "保障工作经验", "--evidence", "全总办公厅《工会信息》2024年第12期", "--by", "测试")
    xinxi("entry", "add", "--unit", "wujin", "--kind", "bonus.provincial_top10", "--date", "2024-12-20",
          "--title", "省总年终通报第七名", "--evidence", "苏工办〔2024〕88号", "--by", "测试")
    return credited


def test_score_json_has_the_agreed_keys(xinxi, scored: list[dict]) -> None:
    rows = json.loads(xinxi("score", "--year", "2024", "--format", "json").stdout)
    by_unit = {r["unit"]: r for r in rows}
    wujin, protection = by_unit["武进区总工会"], by_unit["保障工作部"]
    assert (wujin["total"], wujin["target"], wujin["rank"]) == (33, None, 1)
    assert wujin["clauses"] == {"municipal.union_news": 3, "bonus.provincial_top10": 30}
    assert (protection["total"], protection["target"], protection["rank"], protection["status"]) == (22, 60, None, "未达标")
    assert protection["shortfall"] == 38
    assert by_unit["金坛区总工会"]["rank"] == 2 and by_unit["溧阳市总工会"]["rank"] == 3
    zero_ranks = {r["rank"] for r in rows if r["kind"] == "district" and r["total"] == 0}
    assert len(zero_ranks) == 1  # the districts with nothing share one place


def test_score_periods_units_and_formats(xinxi, scored: list[dict], tmp_path: Path) -> None:
    q1 = json.loads(xinxi("score", "--year", "2024", "--period", "2024Q1", "--format", "json").stdout)
    assert [r["unit_id"] for r in q1 if r["total"]] == ["protection"]
    one = json.loads(xinxi("score", "--from", "2024-08-01", "--to", "2024-08-31", "--unit", "finance",
                           "--format", "json").stdout)
    assert [(r["unit_id"], r["total"]) for r in one] == [("finance", 3)]
    month = json.loads(xinxi("score", "--period", "2024-02", "--unit", "保障工作部", "--format", "json").stdout)
    assert month[0]["total"] == 2
    text = xinxi("score", "--year", "2024", "--format", "csv").stdout
    assert text.splitlines()[0].startswith("单位编号,单位,类别,名次,总分")
    assert "wujin,武进区总工会,各辖市、区总工会,1,33" in text
    table = xinxi("score", "--year", "2024").stdout
    assert "武进区" in table and "未达标" in table and "排名" in table   # short names by default (--wide: full)
    out = tmp_path / "score.xlsx"
    xinxi("score", "--year", "2024", "--format", "xlsx", "--output", str(out))
    assert load_workbook(out).sheetnames == ["排名", "部室完成情况", "逐月", "明细", "待审"]
    bad = xinxi("score", "--year", "2024", "--period", "2023Q1", ok=False)
    assert bad.exit_code != 0 and "不在 2024 年之内" in str(bad.exception)
    bad = xinxi("score", "--year", "2024", "--unit", "戚墅堰区总工会", ok=False)
    assert "没有单位" in str(bad.exception)
    gone = xinxi("score", "--year", "2018", "--unit", "经开区总工会", ok=False)
    assert "尚未设立" in str(gone.exception)


def test_explain_lists_every_point_with_its_evidence(xinxi, scored: list[dict]) -> None:
    lines = json.loads(xinxi("score", "--explain", "保障工作部", "--year", "2024", "--format", "json").stdout)
    assert [(x["clause_id"], x["points"], x["evidence_id"]) for x in lines] == [
        ("municipal.department", 2, "czgh/4"), ("national.adoption", 20, "entry/1")]
    assert lines[1]["evidence"] == "全总办公厅《工会信息》2024年第12期"
    total = json.loads(xinxi("score", "--year", "2024", "--unit", "protection", "--format", "json").stdout)[0]["total"]
    assert sum(x["points"] for x in lines) == total
    table = xinxi("score", "--explain", "protection", "--year", "2024").stdout
    assert "合计 22 分" in table and "录入#1" in table and "czgh.jscz.org.cn" in table
    csv_text = xinxi("score", "--explain", "protection", "--year", "2024", "--format", "csv").stdout
    assert len(csv_text.strip().splitlines()) == 3


def test_what_if_rules_print_the_difference(xinxi, scored: list[dict], tmp_path: Path) -> None:
    draft = tmp_path / "draft.toml"
    text = (DEFAULT_CONFIG_DIR / "rules" / "2016.toml").read_text(encoding="utf-8")
    draft.write_text(text.replace('id = "2016"', 'id = "draft"', 1).replace(
        "points = 3\ncategory = \"union_news\"", "points = 4\ncategory = \"union_news\""), encoding="utf-8")
    rows = json.loads(xinxi("score", "--year", "2024", "--rules", str(draft), "--format", "json").stdout)
    assert {r["unit_id"]: r["total"] for r in rows}["wujin"] == 34
    out = xinxi("score", "--year", "2024", "--rules", str(draft), "--diff").stdout
    assert "现行办法" in out and "草案" in out and "+1" in out
    assert "--diff 须与 --rules" in str(xinxi("score", "--year", "2024", "--diff", ok=False).exception)


def test_skipped_items_are_listed(xinxi, credited: list[dict]) -> None:
    credited.append(art(9, "wujin", ["gone"]))
    out = xinxi("score", "--year", "2024", "--skipped").stdout
    assert "未计分" in out and "czgh/9" in out


def test_snapshot_publish_diff_reopen(xinxi, scored: list[dict], db) -> None:
    assert "已发布 2024" in xinxi("snapshot", "publish", "2024", "--by", "办公室").stdout
    again = xinxi("snapshot", "publish", "2024", ok=False)
    assert "已于" in str(again.exception) and "reopen" in str(again.exception)
    assert "没有变化" in xinxi("snapshot", "diff", "2024").stdout

    scored.append(art(10, "liyang", ["ghyw"], day="2024-11-11"))  # a late article
    xinxi("entry", "remove", "2", "--reason", "通报名次有误", "--by", "办公室")
    diff = xinxi("snapshot", "diff", "2024").stdout
    assert "溧阳市总工会" in diff and "+3" in diff and "-30" in diff and "czgh/10" in diff and "entry/2" in diff
    note = xinxi("score", "--year", "2024").stdout
    assert "已于" in note and "snapshot diff 2024" in note

    assert "更正名次" in xinxi("snapshot", "reopen", "2024", "--reason", "更正名次").stdout
    assert "已重新打开" in xinxi("snapshot", "list").stdout
    assert "已发布 2024" in xinxi("snapshot", "publish", "2024").stdout
    assert "没有变化" in xinxi("snapshot", "diff", "2024").stdout
    assert "没有发布过" in str(xinxi("snapshot", "diff", "2023", ok=False).exception)
    assert "期间应写作" in str(xinxi("snapshot", "publish", "24Q1", ok=False).exception)


def test_frozen_figures_survive_a_rules_change(db, settings: Settings, credited: list[dict]) -> None:
    from tracker.scores import snapshots

    credited.append(art(1, "wujin", ["ghyw"]))
    board = Scorer.load(settings).score(db, parse_period("2024Q2"))
    snapshots.publish(db, board, by="t")
    row, frozen = snapshots.published(db, "2024Q2")
    assert frozen == board and json.loads(row["rules"]) == [["2016", board.rules[0][1]]]


def test_scores_from_stored_articles_attributions_and_review_decisions(db, settings: Settings) -> None:
    """The real path: articles and listings in the store, the attribution engine's rows, a reviewer's call."""
    articles = [
        {"id": 101, "url": f"{BASE}/2024/KEBQLDDJ_0301/101.html", "title": "指前镇工会的新做法", "date": "2024-03-01",
         "column": "jcdt", "source": "金坛区总工会"},
        {"id": 102, "url": f"{BASE}/2024/KEBLLDDH_0302/102.html", "title": "职工运动会开幕", "date": "2024-03-02",
         "column": "ghyw", "source": "总工会"},
        {"id": 103, "url": f"{BASE}/2024/KEBQLDDJ_0303/103.html", "title": "送清凉", "date": "2024-03-03",
         "column": "jcdt", "source": "总工会"},
    ]
    store.save_batch(db, "czgh", None, articles, listings=[(101, "ghyw")])
    store.save_attributions(db, [
        {"site": "czgh", "article_id": 101, "unit_id": "jintan", "method": "source", "confidence": 1.0,
         "needs_review": 0},
        {"site": "czgh", "article_id": 102, "unit_id": "wujin", "method": "alias", "confidence": 0.6,
         "needs_review": 1},
        {"site": "czgh", "article_id": 103, "unit_id": None, "method": None, "confidence": 0.0, "needs_review": 1},
    ])
    store.add_decision(db, "czgh", 103, action="assign", unit_id="tianning", note=None, by="王敏")
    board = Scorer.load(settings).score(db, year_period(2024))
    # 101: listed in 基层动态 and 工会要闻 → once at 3, plus 2 for 做法; 102 waits in the queue; 103 by a reviewer.
    assert dict(board.result("jintan").clauses) == {"municipal.union_news": 3, "municipal.experience": 2}
    assert board.result("wujin").total == 0
    tianning = board.result("tianning")
    assert tianning.total == 1 and "人工" in tianning.lines[0].note
    assert tianning.lines[0].evidence == f"{BASE}/2024/KEBQLDDJ_0303/103.html"


def test_a_period_before_the_method_took_effect_is_refused(xinxi, scored: list[dict], tmp_path: Path) -> None:
    for args in (("score", "--year", "2015"), ("snapshot", "publish", "2015"),
                 ("report", "--year", "2015", "--xlsx", str(tmp_path / "r.xlsx"))):
        result = xinxi(*args, ok=False)
        assert result.exit_code != 0, args
        assert "2015年度没有生效的考评办法：常工发〔2016〕45号自 2016-07-01 起实行" in str(result.exception)
    assert not (tmp_path / "r.xlsx").exists()
    assert "还没有发布过" in xinxi("snapshot", "list").stdout
    # A period that reaches into the method's time is scored as before.
    assert json.loads(xinxi("score", "--from", "2016-01-01", "--to", "2016-07-31", "--format", "json").stdout)


def test_what_if_difference_as_data_for_one_unit(xinxi, scored: list[dict], tmp_path: Path) -> None:
    draft = tmp_path / "draft.toml"
    text = (DEFAULT_CONFIG_DIR / "rules" / "2016.toml").read_text(encoding="utf-8")
    draft.write_text(text.replace("points = 3\ncategory = \"union_news\"", "points = 4\ncategory = \"union_news\""),
                     encoding="utf-8")
    rows = json.loads(xinxi("score", "--year", "2024", "--rules", str(draft), "--diff", "--format", "json").stdout)
    wujin = next(r for r in rows if r["unit_id"] == "wujin")
    assert wujin == {"unit": "武进区总工会", "unit_id": "wujin", "before": 33, "after": 34, "delta": 1,
                     "rank_before": 1, "rank_after": 1}
    one = json.loads(xinxi("score", "--year", "2024", "--rules", str(draft), "--diff", "--unit", "金坛",
                           "--format", "json").stdout)
    assert [(r["unit_id"], r["before"], r["after"]) for r in one] == [("jintan", 3, 4)]
    csv_text = xinxi("score", "--year", "2024", "--rules", str(draft), "--diff", "--format", "csv").stdout
    assert csv_text.splitlines()[0] == "单位编号,单位,现行办法,草案,变化,现行名次,草案名次"
    assert "wujin,武进区总工会,33,34,1,1,1" in csv_text
    table = xinxi("score", "--year", "2024", "--rules", str(draft), "--diff", "--unit", "wujin").stdout
    assert "武进区总工会" in table and "金坛区总工会" not in table
    missing = xinxi("score", "--year", "2024", "--rules", str(tmp_path / "没有.toml"), ok=False)
    assert missing.exit_code != 0 and "找不到考评办法文件" in str(missing.exception)


def test_an_output_file_that_cannot_be_written_is_a_plain_message(xinxi, scored: list[dict], tmp_path: Path) -> None:
    blocker = tmp_path / "不是文件夹.txt"
    blocker.write_text("x", encoding="utf-8")
    for args in (("score", "--year", "2024", "--format", "csv", "--output", str(blocker / "s.csv")),
                 ("score", "--year", "2024", "--output", str(blocker / "s.txt")),
                 ("score", "--year", "2024", "--format", "xlsx", "--output", str(blocker / "s.xlsx")),
                 ("report", "--year", "2024", "--docx", str(blocker / "r.docx")),
                 ("entry", "template", str(blocker / "t.xlsx"))):
        result = xinxi(*args, ok=False)
        assert result.exit_code != 0, args
        assert "无法写入" in str(result.exception) and "文件夹不存在" in str(result.exception), args
    folder = xinxi("score", "--year", "2024", "--format", "xlsx", "--output", str(tmp_path), ok=False)
    assert "这是一个文件夹" in str(folder.exception)


def test_skipped_items_name_the_unit(xinxi, credited: list[dict]) -> None:
    credited.append(art(9, "wujin", ["gone"]))
    out = xinxi("score", "--year", "2024", "--skipped").stdout
    assert "武进区总工会" in out


def test_editing_the_rules_marks_the_stored_lines_stale_until_the_year_is_scored_again(
        xinxi, db_path: Path, config_dir: Path, credited: list[dict]) -> None:
    credited += [art(1, "wujin", ["jcdt"]), art(2, "wujin", ["tpxw"], day="2024-07-01"), art(3, "xinbei", ["jcdt"])]

    def totals() -> dict[str, tuple[float, int]]:
        db = store.open_db(db_path)
        try:
            return {r["unit_id"]: (r["points"], r["current"]) for r in db.query(
                "SELECT unit_id, points, current FROM unit_totals WHERE year = 2024 "
                "AND clause_id = 'municipal.grassroots'")}
        finally:
            db.close()

    def current_lines() -> set[int]:
        db = store.open_db(db_path)
        try:
            return {r["current"] for r in db.query("SELECT current FROM adoptions WHERE year = 2024")}
        finally:
            db.close()

    config = ["--config", str(config_dir)]
    xinxi(*config, "score", "--year", "2024", "--format", "json")
    assert totals() == {"wujin": (2.0, 1), "xinbei": (1.0, 1)} and current_lines() == {1}

    rules = config_dir / "rules" / "2016.toml"
    text = rules.read_text(encoding="utf-8")
    marker = 'category = "grassroots"'
    assert text.count(marker) == 1
    before, after = text.split(marker)
    rules.write_text(before[:before.rindex("points = 1")] + "points = 2\n" + marker + after, encoding="utf-8")
    xinxi(*config, "articles", "--limit", "1")       # any command that reads the config tells the database
    assert totals() == {"wujin": (2.0, 0), "xinbei": (1.0, 0)} and current_lines() == {0}

    xinxi(*config, "score", "--year", "2024", "--format", "json")
    assert totals() == {"wujin": (4.0, 1), "xinbei": (2.0, 1)} and current_lines() == {1}

    keywords = config_dir / "experience.toml"         # the experience keywords decide points too
    keywords.write_text(keywords.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    xinxi(*config, "score", "--year", "2023", "--format", "json")   # another year: 2024 is not rewritten
    assert {c for _, c in totals().values()} == {0}
    xinxi(*config, "score", "--year", "2024", "--format", "json")
    assert {c for _, c in totals().values()} == {1}


def test_a_scorer_loaded_before_a_rules_edit_records_its_lines_as_stale(
        db, db_path: Path, config_dir: Path, credited: list[dict]) -> None:
    """A long-running web server scores with the rules it read at start: after an edit its lines are not current."""
    credited += [art(1, "wujin", ["jcdt"])]
    settings = load_settings(config_dir, db=db_path, env={})
    running = Scorer.load(settings)
    running.score(db, year_period(2024))
    assert {r["current"] for r in db.query("SELECT current FROM adoptions WHERE year = 2024")} == {1}
    rules = config_dir / "rules" / "2016.toml"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n# 修订说明\n", encoding="utf-8")
    running.score(db, year_period(2024))
    assert {r["current"] for r in db.query("SELECT current FROM adoptions WHERE year = 2024")} == {0}
    Scorer.load(settings).score(db, year_period(2024))
    assert {r["current"] for r in db.query("SELECT current FROM adoptions WHERE year = 2024")} == {1}
