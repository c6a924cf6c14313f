"""Running the engine over many stored articles: in this process, or in worker processes when there are many.

The engine is a pure function of an article's stored fields, so chunks of articles can be read and decided
side by side. The workers only read (each its own connection to the same file, which WAL allows beside a
writer); this process alone writes the results, one transaction per chunk, in the order the chunks were
given, so a run's outcome is the same whichever way it went.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from sqlite_utils import Database

from tracker import store
from tracker.attribution.engine import ArticleFacts, Attribution, Engine
from tracker.attribution.provincial import SiteEngine
from tracker.ops.runs import die_with_parent

CHUNK = 2000           # articles read, decided and written together
PARALLEL_FROM = 8000   # fewer articles than this are done here: starting workers would cost more than it saves
MAX_WORKERS = 8

# One decided article: its `attributions` row as `store.save_attributions` takes it (site, article_id, unit_id,
# method, confidence, evidence, suggestions as JSON, needs_review, content_hash), then the (unit, waiting for
# review) it replaces.
Decided = tuple[dict[str, Any], tuple[str | None, bool]]


def as_row(site: str, aid: int, result: Attribution, content_hash: str | None) -> dict[str, Any]:
    suggestions = json.dumps([list(s) for s in result.suggestions], ensure_ascii=False) if result.suggestions else "[]"
    return {
        "site": site, "article_id": aid, "unit_id": result.unit_id, "method": result.method,
        "confidence": result.confidence, "evidence": result.evidence, "suggestions": suggestions,
        "needs_review": int(result.needs_review), "content_hash": content_hash,
    }


def decide(db: Database, engine: Engine | SiteEngine, site: str, ids: Sequence[int]) -> list[Decided]:
    """Read the articles of one chunk and run the engine over them."""
    out = []
    for raw in store.attribution_inputs(db, site, ids):
        result = engine.attribute(ArticleFacts.from_row(raw))
        out.append((as_row(site, raw["id"], result, raw["content_hash"]), (raw["old_unit"], bool(raw["old_review"]))))
    return out


def chunks(keys: Sequence[tuple[str, int]]) -> list[tuple[str, list[int]]]:
    by_site: dict[str, list[int]] = {}
    for site, aid in keys:
        by_site.setdefault(site, []).append(aid)
    return [(site, ids[start:start + CHUNK]) for site, ids in by_site.items() for start in range(0, len(ids), CHUNK)]


def workers_for(db: Database, count: int, wanted: int | None = None) -> int:
    """How many worker processes to use for `count` articles (0: this process alone).

    `wanted` None chooses: workers only for many articles, one per processor. Whatever is wanted, there are
    none when the database is no file others can open, or when another thread runs in this process (the
    nightly job's lock heartbeat, the web server): a forked child would inherit that thread's locks
    half-held and could wait on them for ever.
    """
    if threading.active_count() > 1 or not db_file(db) or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    if wanted is not None:
        return wanted if wanted > 1 else 0
    if count < PARALLEL_FROM:
        return 0
    processors = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    found = min(processors, MAX_WORKERS, -(-count // CHUNK))
    return found if found > 1 else 0


def db_file(db: Database) -> str:
    """The file behind the connection ('' for an in-memory or temporary database)."""
    return next((r[2] for r in db.execute("PRAGMA database_list").fetchall() if r[1] == "main"), "") or ""


def decided_chunks(db: Database, engine: Engine | SiteEngine, keys: Sequence[tuple[str, int]],
                   workers: int = 0) -> Iterator[list[Decided]]:
    """Each chunk's decisions, in order: here, or by `workers` processes (as `workers_for` allows)."""
    work = chunks(keys)
    if workers <= 1:
        for site, ids in work:
            yield decide(db, engine, site, ids)
        return
    # A pool that loses a worker (killed, out of memory) says so (BrokenProcessPool) instead of waiting.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_start_worker, initargs=(engine, db_file(db)))
    try:
        yield from pool.map(_decide_in_worker, work)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)   # on Ctrl-C only the chunks under way are finished


# --- inside a worker process ---------------------------------------------------------------------------

_worker: dict[str, Any] = {}


def _start_worker(engine: Engine | SiteEngine, path: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle; it ends the pool
    die_with_parent()
    connection = sqlite3.connect(path, timeout=30)
    connection.execute("PRAGMA query_only = 1")
    _worker.update(engine=engine, db=Database(connection))


def _decide_in_worker(chunk: tuple[str, list[int]]) -> list[Decided]:
    site, ids = chunk
    return decide(_worker["db"], _worker["engine"], site, ids)

