"""Attributing many articles at once: worker processes decide exactly what this process would, and are used
only where they can help."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


# The comparison runs in a fresh interpreter: workers are forked only where no other thread runs, and the test
# process may hold threads of earlier tests (servers, pools).
COMPARE = """
import json, sys
from tracker import store
from tracker.attribution import review
from tracker.config import DEFAULT_CONFIG_DIR
from tracker.units import load_units
db, registry = store.open_db(sys.argv[1]), load_units(DEFAULT_CONFIG_DIR)
rows = lambda: [tuple(r) for r in db.execute(
    "SELECT site, article_id, unit_id, method, confidence, evidence, suggestions, needs_review, content_hash "
    "FROM attributions ORDER BY site, article_id").fetchall()]
out = {}
for workers in (0, 2):
    db.execute("DELETE FROM attributions")
    db.conn.commit()
    summary = review.attribute_all(db, registry, workers=workers)
    out[workers] = {"rows": rows(), "summary": summary.as_dict()}
again = review.attribute_all(db, registry, workers=2)
out["again"] = {"rows": rows(), "summary": again.as_dict()}
print(json.dumps(out, ensure_ascii=False))
"""


def test_workers_decide_exactly_what_one_process_decides(filled, db_path) -> None:
    filled.close()
    done = subprocess.run([sys.executable, "-c", COMPARE, str(db_path)], capture_output=True, text=True,
                          timeout=300, check=True)
    out = json.loads(done.stdout)
    alone, together, again = out["0"], out["2"], out["again"]
    assert len(alone["rows"]) == ARTICLES and together["rows"] == alone["rows"] and again["rows"] == alone["rows"]
    assert (alone["summary"]["workers"], together["summary"]["workers"]) == (0, 2)
    for key in ("total", "review", "automatic", "changed"):
        assert together["summary"][key] == alone["summary"][key]
    assert together["summary"]["changed"] == ARTICLES   # every row was new, both times
    assert again["summary"]["changed"] == 0


def test_no_worker_is_forked_beside_another_thread(filled) -> None:
    registry = load_units(DEFAULT_CONFIG_DIR)
    stop = threading.Event()
    beside = threading.Thread(target=stop.wait)
    beside.start()
    try:
        summary = review.attribute_all(filled, registry, workers=2)
    finally:
        stop.set()
        beside.join()
    assert summary.workers == 0 and summary.total == ARTICLES
    assert len(attributions(filled)) == ARTICLES


def test_a_decision_is_left_alone_by_the_workers(filled) -> None:
    registry = load_units(DEFAULT_CONFIG_DIR)
    review.attribute_all(filled, registry, workers=0)
    queued = store.review_queue(filled)[0]["id"]
    review.assign(filled, registry, f"czgh/{queued}", "武进区总工会", by="测试")
    summary = review.attribute_all(filled, registry)
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
    processors = min(len(os.sched_getaffinity(0)), attribute_batch.MAX_WORKERS, -(-many // 2000))
    assert attribute_batch.workers_for(db, many) == (processors if processors > 1 else 0)
    assert attribute_batch.workers_for(db, 10, wanted=3) == 3                 # asked for, whatever the count
    stop = threading.Event()
    beside = threading.Thread(target=stop.wait)
    beside.start()
    try:
        assert attribute_batch.workers_for(db, many) == 0               # another thread (a lock's heartbeat)
        assert attribute_batch.workers_for(db, many, wanted=2) == 0     # even when asked for
    finally:
        stop.set()
        beside.join()
