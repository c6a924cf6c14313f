"""Suggestions learned from reviewers' past decisions (issue 9, point 4): ranked beside the rules, never a credit."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from tracker import store
from tracker.attribution import review
from tracker.attribution.engine import ArticleFacts, compile_engine
from tracker.attribution.suggestions import MIN_DECIDED, features, learn, merge
from tracker.config import DEFAULT_CONFIG_DIR
from tracker.units import load_units

REGISTRY = load_units(DEFAULT_CONFIG_DIR)


def decided(unit: str, title: str, closing: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"unit_id": unit, "title": title, "subtitle": None, "source": "总工会", "closing_bylines": list(closing),
            "correspondents": []}


SAFETY = ["市总工会开展安全生产月宣传活动", "全市“安康杯”竞赛推进会召开", "市总工会开展夏季送清凉活动",
          "安全生产知识竞赛举行", "职业病防治知识进企业"]
WOMEN = ["女职工健康知识讲座举行", "市总工会开展“三八”节系列活动", "女职工权益维护宣传进企业", "“爱心托管班”开班"]
ROWS = [decided("safety", t) for t in SAFETY] + [decided("women", t) for t in WOMEN]


def queued(title: str, closing: tuple[str, ...] = (), source: str | None = "总工会") -> ArticleFacts:
    return ArticleFacts("czgh", 1, date(2023, 6, 1), title, None, source, closing, (), "活动现场气氛热烈。")


def test_the_words_a_units_decided_articles_share_rank_it_first() -> None:
    learned = learn(ROWS)
    (top, *_) = learned.rank("市总工会开展安全生产宣传", None, "总工会", ())
    assert (top.unit_id, top.articles) == ("safety", len(SAFETY))
    assert "安全生产" in top.words
    assert learned.rank("女职工健康讲座", None, None, ())[0].unit_id == "women"


def test_nothing_learned_from_too_few_decisions() -> None:
    assert not learn([])
    assert not learn(ROWS[:MIN_DECIDED - 1])
    assert learn(ROWS).rank("天气晴朗", None, None, ()) == []       # sharing nothing: no suggestion


def test_articles_marked_not_creditable_teach_which_words_say_nothing() -> None:
    rows = [decided("safety", f"市总工会{t}") for t in ("安康杯竞赛", "送清凉", "安全月")] + [
        decided("women", t) for t in ("女职工讲座", "三八节活动", "托管班开班")]
    ignored = [decided(None, f"市总工会召开第{i}次会议") for i in range(6)]   # type: ignore[arg-type]
    assert [m.unit_id for m in learn(rows).rank("市总工会召开会议", None, None, ())] == ["safety"]
    with_ignored = learn(rows + ignored)
    assert with_ignored.rank("市总工会召开会议", None, None, ()) == []
    assert set(with_ignored.decided) == {"safety", "women"}


def test_learning_is_a_pure_function_of_the_rows() -> None:
    assert learn(ROWS) == learn(list(ROWS)) and learn(ROWS) == learn(reversed(ROWS))


def test_byline_parts_are_words_too() -> None:
    rows = [decided("industry", f"职工活动{i}", ("(市粮食集团工会  张三)",)) for i in range(3)]
    assert "署名:市粮食集团工会" in features("标题", None, None, ["(市粮食集团工会  张三)"])
    top = learn(rows + ROWS).rank("一篇新的文章", None, None, ["(市粮食集团工会)"])[0]
    assert top.unit_id == "industry" and "署名“市粮食集团工会”" in top.words


def test_merge_keeps_the_rules_and_adds_the_reason() -> None:
    learned = learn(ROWS)
    matches = learned.rank("市总工会开展安全生产宣传", None, None, ())
    merged = merge([("women", 1.0, "正文“女职工”")], matches, {"safety": "劳动保护部", "women": "女职工部"}, 0.5)
    assert {u for u, _, _ in merged} == {"safety", "women"}
    assert abs(sum(s for _, s, _ in merged) - 1.0) < 0.02
    why = dict((u, e) for u, _, e in merged)
    assert why["women"].startswith("正文“女职工”")
    assert why["safety"].startswith(f"与人工归属劳动保护部的 {len(SAFETY)} 篇文章用词相近（")
    assert merge([("women", 1.0, "x")], [], {}, 0.5) == [("women", 1.0, "x")]


def test_learned_suggestions_rank_but_never_credit() -> None:
    plain, taught = compile_engine(REGISTRY), compile_engine(REGISTRY, learned=learn(ROWS))
    article = queued("市总工会开展安全生产月宣传活动")
    before, after = plain.attribute(article), taught.attribute(article)
    assert before.needs_review and before.suggestions == ()                    # topic alone: no rule suggests
    assert after.needs_review and after.unit_id is None and after.confidence == 0.0
    assert after.suggestions[0].unit_id == "safety" and "与人工归属劳动保护部的 5 篇文章用词相近" in after.suggestions[0].evidence
    decided_article = queued("市总工会开展安全生产月宣传活动", ("(市总女职工部)",))
    assert taught.attribute(decided_article) == plain.attribute(decided_article)  # the rules decide alone


def test_a_unit_not_yet_founded_is_not_suggested() -> None:
    rows = [decided("jingkai", f"经开区职工书画展第{i}场") for i in range(4)]
    engine = compile_engine(REGISTRY, learned=learn(rows + ROWS))
    early = ArticleFacts("czgh", 1, date(2018, 5, 1), "职工书画展开幕", None, None, (), (), "")
    late = ArticleFacts("czgh", 1, date(2022, 5, 1), "职工书画展开幕", None, None, (), (), "")
    assert [s.unit_id for s in engine.attribute(early).suggestions] == []
    assert [s.unit_id for s in engine.attribute(late).suggestions] == ["jingkai"]


# --- in the store: what `attribute` stores, and when queued articles learn -------------------------


def stored_article(aid: int, title: str, day: str = "2023-06-01") -> dict[str, Any]:
    return {"id": aid, "url": f"http://127.0.0.1/html/czgh/{day[:4]}/KEBLLDDH_{day[5:7]}{day[8:]}/{aid}.html",
            "title": title, "subtitle": None, "date": day, "source": "总工会", "source_label": "来源",
            "closing_bylines": [], "correspondents": [], "body": "活动现场气氛热烈。", "image_count": 0,
            "column": "ghyw"}


@pytest.fixture
def topical(db):
    """Topic-only stories (no byline names a unit): all wait for a person."""
    titles = [*SAFETY, *WOMEN, "市总工会举办安全生产培训", "女职工健康讲座走进企业"]
    store.save_batch(db, "czgh", None, [stored_article(200 + i, t) for i, t in enumerate(titles)])
    return db


def queued_suggestions(db, aid: int) -> list[list[Any]]:
    return next(r["suggestions"] for r in store.review_queue(db) if r["id"] == aid)


def test_attribute_stores_learned_suggestions_after_decisions(topical, xinxi) -> None:
    first = review.attribute_pending(topical, REGISTRY)
    assert first.refreshed == 0 and store.review_queue_size(topical) == 11
    assert queued_suggestions(topical, 209) == []
    for i, unit in [*((i, "劳动保护部") for i in range(5)), *((5 + i, "女职工部") for i in range(4))]:
        review.assign(topical, REGISTRY, str(200 + i), unit, by="王芳")
    again = review.attribute_pending(topical, REGISTRY)
    assert again.total == 0 and again.refreshed == 2                           # the two still queued
    (top, *_) = queued_suggestions(topical, 209)
    assert top[0] == "safety" and "与人工归属劳动保护部的 5 篇文章用词相近" in top[2]
    assert queued_suggestions(topical, 210)[0][0] == "women"
    listed = json.loads(xinxi("review", "list", "--json").output)
    assert [r["suggestions"][0]["unit"] for r in listed] == ["劳动保护部", "女职工部"]
    assert "用词相近" in xinxi("review", "show", "209").output
    assert store.review_queue_size(topical) == 2                               # suggestions only: nothing credited


def test_nothing_is_refreshed_without_new_decisions(topical) -> None:
    review.attribute_pending(topical, REGISTRY)
    assert store.stale_queue_keys(topical) == []
    review.ignore(topical, "200", by="王芳", reason="测试")
    assert (("czgh", 209) in store.stale_queue_keys(topical)) and ("czgh", 200) not in store.stale_queue_keys(topical)
