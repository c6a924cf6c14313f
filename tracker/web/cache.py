"""Values derived from the database, kept between requests until the database changes.

Scoring a year reads every credited article; the ranking, the statements and the reports of one period
all need the same scoreboard, and every page of the review queue needs the same ordered list of queued
articles. A watcher connection that never writes asks SQLite's `PRAGMA data_version`, which changes
whenever any other connection (a request, a crawl, the command line) commits: then every stored value is
stale and the next request computes it again. One request computes a value at a time; others asking for
it meanwhile wait and share the result.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
KEEP = 64  # values kept at once: periods' scoreboards, filtered queues


class VersionCache:
    def __init__(self, db_path: Path | str) -> None:
        self._watch = sqlite3.connect(str(db_path), check_same_thread=False)
        self._watch_lock = threading.Lock()
        self._lock = threading.Lock()
        self._values: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self._key_locks: dict[Hashable, threading.Lock] = {}

    def version(self) -> int:
        with self._watch_lock:
            return int(self._watch.execute("PRAGMA data_version").fetchone()[0])

    def value(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The stored value for `key`, computed again only when something was committed since."""
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            version = self.version()  # read before computing: a commit meanwhile makes the next call compute again
            with self._lock:
                hit = self._values.get(key)
            if hit is not None and hit[0] == version:
                return hit[1]
            value = compute()
            with self._lock:
                self._values[key] = (version, value)
                self._values.move_to_end(key)
                while len(self._values) > KEEP:
                    old, _ = self._values.popitem(last=False)
                    self._key_locks.pop(old, None)
            return value
