"""Attributing many articles at once: worker processes decide exactly what this process would, and are used
only where they can help."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest

from crawler.replica.generator import generate
from tracker import store
from tracker.attribution import batch as attribute_batch
from tracker.attribution import review
from tracker.config import DEFAULT_CONFIG_DIR
from tracker.units import load_units

ARTICLES = 4500   # three chunks, the last one short


@pytest.fixture(scope="module")
def articles() -> list[dict[str, Any]]:
    return [a.stored() for a in generate(ARTICLES, seed=5).articles]


@pytest.fixture
def filled(db, articles):
    store.save_batch(db, "czgh", None, articles)
    return db


def attributions(db) -> list[tuple]:
    return [tuple(r) for r in db.execute(
        "SELECT site, article_id, unit_id, method, confidence, evidence, suggestions, needs_review, content_hash "
        "FROM attributions ORDER BY site, article_id").fetchall()]


def test_workers_decide_exactly_what_one_process_decides(filled) -> None:
    registry = load_units(DEFAULT_CONFIG_DIR)
    alone = review.attribute_all(filled, registry, workers=0)
    by_one = attributions(filled)
    filled.execute("DELETE FROM attributions")
    filled.conn.commit()
    together = review.attribute_all(filled, registry, workers=2)
    assert attributions(filled) == by_one
    assert len(by_one) == ARTICLES
    assert (together.total, together.review, together.automatic) == (alone.total, alone.review, alone.automatic)
    assert together.changed == ARTICLES   # every row was new the second time, as the first
    again = review.attribute_all(filled, registry, workers=2)
    assert again.changed == 0 and attributions(filled) == by_one


def test_a_decision_is_left_alone_by_the_workers(filled) -> None:
    registry = load_units(DEFAULT_CONFIG_DIR)
    review.attribute_all(filled, registry, workers=0)
    queued = store.review_queue(filled)[0]["id"]
    review.assign(filled, registry, f"czgh/{queued}", "武进区总工会", by="测试")
    summary = review.attribute_all(filled, registry, workers=2)
    assert summary.kept == 1 and summary.total == ARTICLES - 1
    row = next(r for r in store.credited_articles(filled) if r["id"] == queued)
    assert row["unit_id"] == "wujin"


def test_chunks_keep_the_order_and_split_by_site() -> None:
    keys = [("czgh", i) for i in range(1, 4500)] + [("jsgh", 7), ("jsgh", 9)]
    work = attribute_batch.chunks(keys)
    assert [(site, len(ids)) for site, ids in work] == [("czgh", 2000), ("czgh", 2000), ("czgh", 499), ("jsgh", 2)]
    assert [k for site, ids in work for k in ((site, i) for i in ids)] == keys


def test_workers_only_where_they_help(db, tmp_path) -> None:
    many = attribute_batch.PARALLEL_FROM
    assert attribute_batch.workers_for(db, many - 1) == 0                    # a night's few articles
    assert attribute_batch.workers_for(store.open_db(":memory:"), many) == 0   # no file for workers to open
    expected = min(len(os.sched_getaffinity(0)), attribute_batch.MAX_WORKERS, -(-many // 2000))
    assert attribute_batch.workers_for(db, many) == expected
    stop = threading.Event()
    beside = threading.Thread(target=stop.wait)
    beside.start()
    try:
        assert attribute_batch.workers_for(db, many) == 0               # another thread (a lock's heartbeat)
    finally:
        stop.set()
        beside.join()
