"""Two connections writing the same file: a transaction that reads before it writes waits its turn instead
of failing with "database is locked" when the other connection writes in between."""

from __future__ import annotations

import threading
from pathlib import Path

from tracker import store


def test_a_transaction_that_reads_first_is_not_broken_by_another_writer(db_path: Path) -> None:
    crawl = store.open_db(db_path)
    read_done, errors = threading.Event(), []

    def decision() -> None:
        office = store.open_db(db_path)
        read_done.wait(5)
        try:
            run_id = store.start_run(office, "backup")   # a write on another connection, mid-transaction
            store.finish_run(office, run_id, "ok")
        except Exception as exc:  # noqa: BLE001 - the failure this test is about, reported below
            errors.append(exc)
        finally:
            office.close()

    other = threading.Thread(target=decision)
    other.start()
    try:
        with crawl.atomic():
            before = crawl.execute("SELECT count(*) FROM runs").fetchone()[0]
            read_done.set()
            other.join(0.5)                      # the other writer has tried (and waits for this one)
            crawl.execute("INSERT INTO runs (kind, trigger, started_at, status, host, pid) "
                          "VALUES ('crawl', 'manual', '2025-01-01T00:00:00+00:00', 'running', 'h', 1)")
    finally:
        other.join(10)
    assert errors == []
    assert crawl.execute("SELECT count(*) FROM runs").fetchone()[0] == before + 2
    crawl.close()
