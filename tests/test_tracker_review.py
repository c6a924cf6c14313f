"""Attribution over the store and the review queue: every command on a temp SQLite file, decisions that last."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tracker import store
from tracker.attribution import review
from tracker.config import DEFAULT_CONFIG_DIR
from tracker.errors import NotFound
from tracker.units import UnknownUnit, load_units

ARTICLES = [
    # id, date, title, 来源, closing bylines, body
    (101, "2023-06-01", "指前镇开展职工技能竞赛", None, ["(常州市金坛区指前镇总工会)"], "近日，指前镇总工会举办技能竞赛。"),
    (102, "2023-06-02", "罗溪镇总工会送清凉", "总工会", [], "6月1日，罗溪镇总工会开展送清凉活动。"),
    (103, "2019-09-18", "疗养院举办职工健康体检活动", "总工会", [], "近日，江苏省工人常州疗养院迎来一批职工。"),
    # a 工联会 beside one unit: that unit is credited (issue 15)
    (104, "2022-04-01", "全市粮食系统职工技能比武", "总工会", ["(市粮食局工联会、产业办)"], "比武在市粮食局举行。"),
    (105, "2021-03-01", "粮食系统工会开展送温暖", None, ["(市粮食局工联会)"], "近日，慰问困难职工。"),
    (106, "2024-01-18", "劳动和经济工作培训", "劳经部", [], "全国总工会劳动和经济工作部举办培训。"),
    (107, "2022-08-01", "粮食系统女职工技能比武", "总工会", ["(产业办、市总女职工部)"], "比武在市粮食局举行。"),
]


def article(aid: int, day: str, title: str, source: str | None, closing: list[str], body: str,
            column: str = "jcdt") -> dict[str, Any]:
    return {"id": aid, "url": f"http://127.0.0.1/html/czgh/{day[:4]}/KEBQLDDJ_{day[5:7]}{day[8:]}/{aid}.html",
            "title": title, "subtitle": None, "date": day, "source": source, "source_label": "来源" if source else None,
            "closing_bylines": closing, "correspondents": [], "body": body, "image_count": 0, "column": column}


@pytest.fixture
def registry():
    return load_units(DEFAULT_CONFIG_DIR)


@pytest.fixture
def stored(db) -> Any:
    store.save_batch(db, "czgh", None, [article(*a) for a in ARTICLES])
    return db


def effective(db, aid: int) -> tuple[str | None, str | None]:
    row = next(r for r in store.credited_articles(db) if r["id"] == aid)
    return row["unit_id"], row["method_key"]


def test_pending_attribution_then_nothing_left(stored, registry) -> None:
    summary = review.attribute_pending(stored, registry)
    assert (summary.total, summary.review, dict(summary.automatic)) == (7, 3, {"closing": 2, "gazetteer": 1,
                                                                              "source": 1})
    assert review.attribute_pending(stored, registry).total == 0
    assert store.review_queue_size(stored) == 3
    assert [r["id"] for r in store.review_queue(stored)] == [103, 105, 107]   # oldest first


def test_credited_articles_shape(stored, registry) -> None:
    review.attribute_pending(stored, registry)
    rows = {r["id"]: r for r in store.credited_articles(stored, since="2023-01-01")}
    assert set(rows) == {101, 102, 106}
    assert rows[101] == {
        "site": "czgh", "id": 101, "url": "http://127.0.0.1/html/czgh/2023/KEBQLDDJ_0601/101.html",
        "date": "2023-06-01", "title": "指前镇开展职工技能竞赛", "subtitle": None, "columns": ["jcdt"],
        "unit_id": "jintan", "method": "结尾署名", "method_key": "closing",
        "unit_name": None, "decided_by": None, "waiting": False}   # unit names come once config is synced
    assert (rows[102]["unit_id"], rows[106]["unit_id"]) == ("xinbei", "economy")
    assert [r["id"] for r in store.credited_articles(stored, until="2021-12-31")] == [103, 105]


def test_a_recrawl_with_changed_content_is_attributed_again(stored, registry) -> None:
    review.attribute_pending(stored, registry)
    changed = article(102, "2023-06-02", "罗溪镇总工会送清凉", "新北区总工会", [], "6月1日，罗溪镇总工会开展送清凉活动。")
    store.save_batch(stored, "czgh", None, [changed])
    summary = review.attribute_pending(stored, registry)
    assert summary.total == 1 and effective(stored, 102) == ("xinbei", "source")


def test_a_decision_survives_recrawl_and_reattribution(stored, registry) -> None:
    review.attribute_pending(stored, registry)
    site, aid, unit = review.assign(stored, registry, "103", "保障工作部", by="王芳", note="疗养院稿件由保障部报送")
    assert (site, aid, unit.id) == ("czgh", 103, "protection")
    assert effective(stored, 103) == ("protection", "reviewer")
    # a recrawl re-saves the article, even with a changed body
    store.save_batch(stored, "czgh", None, [article(*ARTICLES[2][:5], "近日，疗养院迎来职工。（修改）")])
    assert review.attribute_pending(stored, registry).total == 0
    summary = review.attribute_all(stored, registry)
    assert summary.kept == 1 and summary.total == 6
    assert effective(stored, 103) == ("protection", "reviewer")
    assert store.review_queue_size(stored) == 2


def test_undo_restores_the_engine_result_and_keeps_the_record(stored, registry) -> None:
    review.attribute_pending(stored, registry)
    review.assign(stored, registry, "czgh/101", "武进区总工会", by="王芳")
    review.assign(stored, registry, "czgh/101", "jintan", by="李强", note="复核")
    assert effective(stored, 101) == ("jintan", "reviewer")
    _, _, result = review.undo(stored, registry, "101", by="李强", reason="自动结果正确")
    assert result.unit_id == "jintan" and effective(stored, 101) == ("jintan", "closing")
    history = store.decision_history(stored, "czgh", 101)
    assert [(d["unit_id"], d["decided_by"], d["undo_reason"]) for d in history] == [
        ("wujin", "王芳", "被新的决定取代"), ("jintan", "李强", "自动结果正确")]
    assert all(d["undone_at"] for d in history)
    with pytest.raises(NotFound):
        review.undo(stored, registry, "101", by="李强")


def test_ignore_needs_a_reason_and_credits_nobody(stored, registry) -> None:
    review.attribute_pending(stored, registry)
    with pytest.raises(review.ReviewError):
        review.ignore(stored, "103", by="王芳", reason=" ")
    review.ignore(stored, "103", by="王芳", reason="疗养院自己的稿件")
    assert effective(stored, 103) == (None, "reviewer")
    assert store.review_queue_size(stored) == 2
    counts = store.attribution_counts(stored)
    assert counts == {"automatic": {"closing": 2, "gazetteer": 1, "source": 1}, "review": 2, "assigned": 0,
                      "ignored": 1, "unattributed": 0, "total": 7}


def test_a_taught_alias_reattributes_queued_articles(stored, registry) -> None:
    review.attribute_pending(stored, registry)
    taught = review.teach_alias(stored, registry, "(市粮食局工联会)", "产业办", by="王芳", note="粮食系统归产业办")
    assert (taught.unit.id, taught.matched, taught.decided) == ("industry", 1, 1)
    assert effective(stored, 104) == ("industry", "closing") and effective(stored, 105) == ("industry", "alias")
    with pytest.raises(review.ReviewError, match="已教过"):
        review.teach_alias(stored, registry, "市粮食局工联会", "industry", by="王芳")
    with pytest.raises(review.ReviewError, match="已是金坛区总工会"):
        review.teach_alias(stored, registry, "金坛市总工会", "wujin", by="王芳")
    with pytest.raises(review.ReviewError, match="默认"):
        review.teach_alias(stored, registry, "总工会", "office", by="王芳")
    with pytest.raises(review.ReviewError, match="空格"):
        review.teach_alias(stored, registry, "金坛区尧塘街道总工会  沈剑", "jintan", by="王芳")
    summary = review.forget_alias(stored, registry, "市粮食局工联会", by="李强", reason="教错了")
    assert summary.total == 7 and effective(stored, 105) == (None, None)
    assert effective(stored, 104) == ("industry", "closing")


def test_article_references(stored, registry) -> None:
    store.save_batch(stored, "other", None, [article(101, "2023-06-01", "同号文章", None, [], "正文。")])
    with pytest.raises(review.ReviewError, match="czgh/101、other/101"):
        review.resolve_article(stored, "101")
    assert review.resolve_article(stored, "other/101") == ("other", 101)
    with pytest.raises(review.ReviewError, match="网站/数字"):
        review.resolve_article(stored, "abc")
    with pytest.raises(NotFound):
        review.resolve_article(stored, "czgh/999")
    with pytest.raises(UnknownUnit, match="金坛区总工会"):
        review.assign(stored, registry, "czgh/101", "金坛区总", by="王芳")


def test_attribution_fields_for_scripts(stored, registry) -> None:
    review.attribute_pending(stored, registry)
    review.ignore(stored, "103", by="王芳", reason="他人稿件")
    names = {u.id: u.name for u in registry}
    fields = store.attribution_fields(stored, "czgh", [101, 103, 107], names)
    assert fields == {101: {"unit": "金坛区总工会", "attribution": "closing", "review": False},
                      103: {"unit": None, "attribution": "reviewer", "review": False},
                      107: {"unit": None, "attribution": None, "review": True}}


def test_summary_text(stored, registry) -> None:
    review.attribute_pending(stored, registry)
    text = review.summary_text(store.attribution_counts(stored))
    assert text == "自动归属 4 篇（结尾署名 2，来源 1，地名 1），待人工审核 3 篇。"


# --- the commands ---------------------------------------------------------------------------------


def test_attribute_command(stored, xinxi) -> None:
    out = xinxi("attribute").output
    assert "本次处理 7 篇" in out and "待人工审核 3 篇" in out
    data = json.loads(xinxi("attribute", "--all", "--json").output)
    assert data["run"]["total"] == 7 and data["store"]["review"] == 3
    assert json.loads(xinxi("attribute", "--since", "2023-01-01", "--json").output)["run"]["total"] == 3
    assert xinxi("attribute", "--all", "--since", "2023-01-01", ok=False).exit_code != 0


def test_review_list_and_show(stored, xinxi) -> None:
    xinxi("attribute")
    rows = json.loads(xinxi("review", "list", "--json").output)
    assert [r["id"] for r in rows] == [103, 105, 107]
    joint = rows[2]
    assert joint["closing_bylines"] == ["(产业办、市总女职工部)"] and "不止一个单位" in joint["evidence"]
    assert joint["suggestions"][0]["unit_id"] == "industry" and joint["suggestions"][0]["unit"] == "产业工会办公室"
    table = xinxi("review", "list").output
    assert "czgh/107" in table and "产业工会办公室" in table
    shown = xinxi("review", "show", "107").output
    assert "待人工审核" in shown and "(产业办、市总女职工部)" in shown and "建议 产业工会办公室" in shown
    data = json.loads(xinxi("review", "show", "czgh/101", "--json").output)
    assert (data["unit"], data["attribution"], data["review"]) == ("金坛区总工会", "closing", False)
    assert data["engine"]["evidence"].startswith("结尾署名")


def test_review_decisions_by_command(stored, xinxi, db_path) -> None:
    xinxi("attribute")
    out = xinxi("review", "assign", "103", "保障工作部", "--note", "部门报送", "--by", "王芳").output
    assert "已将 czgh/103 归属 保障工作部（protection）" in out
    assert "已标记 czgh/107 不计分" in xinxi("review", "ignore", "107", "--reason", "联合稿件", "--by", "王芳").output
    assert xinxi("review", "ignore", "105", ok=False).exit_code != 0          # --reason is required
    xinxi("attribute", "--all")
    shown = json.loads(xinxi("review", "show", "103", "--json").output)
    assert shown["unit"] == "保障工作部" and shown["decisions"][0]["decided_by"] == "王芳"
    assert shown["decisions"][0]["note"] == "部门报送"
    assert "现在：待人工审核" in xinxi("review", "undo", "107", "--reason", "再看看", "--by", "李强").output
    assert [r["id"] for r in json.loads(xinxi("review", "list", "--json").output)] == [105, 107]
    history = xinxi("review", "show", "107").output
    assert "李强 撤销：再看看" in history


def test_review_alias_commands(stored, xinxi) -> None:
    xinxi("attribute")
    out = xinxi("review", "alias", "市粮食局工联会", "产业办", "--by", "王芳").output
    assert "待审文章中有 1 篇含此文字，其中 1 篇已自动归属" in out
    rows = json.loads(xinxi("review", "aliases", "--json").output)
    assert [(r["text"], r["unit_id"], r["created_by"]) for r in rows] == [("市粮食局工联会", "industry", "王芳")]
    assert "市粮食局工联会" in xinxi("review", "aliases").output
    assert "已撤销别名" in xinxi("review", "unalias", "市粮食局工联会", "--reason", "教错了").output
    assert json.loads(xinxi("review", "aliases", "--json").output) == []
    assert len(json.loads(xinxi("review", "aliases", "--all", "--json").output)) == 1


def test_articles_json_carries_the_credit(stored, xinxi) -> None:
    before = {r["id"]: r for r in json.loads(xinxi("articles", "--json").output)}
    assert (before[101]["unit"], before[101]["attribution"], before[101]["review"]) == (None, None, False)
    xinxi("attribute")
    xinxi("review", "ignore", "103", "--reason", "他人稿件")
    rows = {r["id"]: r for r in json.loads(xinxi("articles", "--json").output)}
    assert {aid: (r["unit"], r["attribution"], r["review"]) for aid, r in rows.items()} == {
        101: ("金坛区总工会", "closing", False), 102: ("新北区总工会", "gazetteer", False),
        103: (None, "reviewer", False), 104: ("产业工会办公室", "closing", False), 105: (None, None, True),
        106: ("经济技术部", "source", False), 107: (None, None, True)}
    assert rows[101]["closing_bylines"] == ["(常州市金坛区指前镇总工会)"]   # the existing keys stay


def test_an_unknown_unit_is_a_clear_error(stored, xinxi) -> None:
    xinxi("attribute")
    result = xinxi("review", "assign", "103", "宣传部", ok=False)
    assert result.exit_code != 0
    assert "没有单位“宣传部”" in str(result.exception) and "宣传教育部（企业工作部）（publicity）" in str(result.exception)


def test_every_command_has_help(xinxi) -> None:
    for args in (("attribute",), ("review",), *(("review", c) for c in (
            "list", "show", "assign", "ignore", "undo", "alias", "aliases", "unalias"))):
        assert xinxi(*args, "--help").output.strip()


def test_a_unit_that_did_not_exist_on_the_article_date_cannot_be_assigned(stored, registry, xinxi) -> None:
    review.attribute_pending(stored, registry)
    # 常州经开区总工会 counts from 2020-01-01 (config/units.toml); article 103 is from 2019.
    result = xinxi("review", "assign", "103", "经开区总工会", ok=False)
    assert result.exit_code != 0
    assert "常州经开区总工会自 2020-01-01 起才是考评单位，文章日期 2019-09-18 不在其中" in str(result.exception)
    assert store.decision_history(stored, "czgh", 103) == []
    assert "已将 czgh/101 归属 常州经开区总工会" in xinxi("review", "assign", "101", "经开区总工会").output


def test_a_reporter_byline_cannot_be_taught_as_a_unit(stored, registry) -> None:
    review.attribute_pending(stored, registry)
    with pytest.raises(review.ReviewError, match="含报社或网站名“常州日报”"):
        review.teach_alias(stored, registry, "常州日报记者", "office", by="王芳")
    assert store.taught_aliases(stored) == []


def test_review_list_pages_through_the_queue(db, xinxi) -> None:
    import json

    from tracker import store as st

    st.save_batch(db, "czgh", None, [
        {"id": i, "url": f"http://x/{i}.html", "title": f"标题{i}", "date": f"2024-01-{i:02d}", "column": "jcdt"}
        for i in range(1, 8)])
    st.save_attributions(db, [{"site": "czgh", "article_id": i, "unit_id": None, "method": None, "confidence": 0.0,
                               "evidence": "", "suggestions": "[]", "needs_review": 1} for i in range(1, 8)])

    def ids(*args: str) -> list[int]:
        return [r["id"] for r in json.loads(xinxi("review", "list", "--json", *args).output)]

    assert ids("--limit", "3") == [1, 2, 3]
    assert ids("--limit", "3", "--page", "3") == [7]
    assert ids("--limit", "3", "--page", "4") == []
    assert ids("--all") == list(range(1, 8))
    assert len(ids()) == 7  # under one default page
    shown = xinxi("review", "list", "--limit", "3", "--page", "2").output
    assert "czgh/4" in shown and "czgh/3" not in shown and "czgh/7" not in shown
    assert "显示第 4–6 篇，共 7 篇；下一页：xinxi review list --page 3" in shown
    assert "第 9 页没有文章" in xinxi("review", "list", "--limit", "3", "--page", "9").output
    assert xinxi("review", "list", "--all", "--page", "2", ok=False).exit_code == 2
