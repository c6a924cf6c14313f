"""Scoreboards kept between requests until the database changes.

Scoring a year reads every credited article; the ranking, the statements and the reports of one period
all need the same scoreboard. A watcher connection that never writes asks SQLite's `PRAGMA data_version`,
which changes whenever any other connection (a request, a crawl, the command line) commits: then the
stored boards are stale and the next request scores again. One request scores a period at a time; the
others asking for it meanwhile wait and share the result.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path

from sqlite_utils import Database

from scoring import Period, Scoreboard
from tracker.scores import Scorer

KEEP = 24  # periods kept at once (a year, its quarters and months)


class BoardCache:
    def __init__(self, db_path: Path | str, scorer: Scorer) -> None:
        self.scorer = scorer
        self._watch = sqlite3.connect(str(db_path), check_same_thread=False)
        self._watch_lock = threading.Lock()
        self._lock = threading.Lock()
        self._boards: OrderedDict[tuple[str, str, str], tuple[int, Scoreboard]] = OrderedDict()
        self._period_locks: dict[tuple[str, str, str], threading.Lock] = {}

    def version(self) -> int:
        with self._watch_lock:
            return int(self._watch.execute("PRAGMA data_version").fetchone()[0])

    def board(self, db: Database, period: Period) -> Scoreboard:
        """The period's scoreboard, scored again only when something was committed since."""
        key = (period.label, period.start.isoformat(), period.end.isoformat())
        with self._lock:
            period_lock = self._period_locks.setdefault(key, threading.Lock())
        with period_lock:
            version = self.version()  # read before scoring: a commit during scoring makes the next call score again
            with self._lock:
                hit = self._boards.get(key)
            if hit is not None and hit[0] == version:
                return hit[1]
            board = self.scorer.score(db, period)
            with self._lock:
                self._boards[key] = (version, board)
                self._boards.move_to_end(key)
                while len(self._boards) > KEEP:
                    self._boards.popitem(last=False)
            return board
