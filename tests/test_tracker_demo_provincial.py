"""The demo's notice step confirms a whole notice as `notice confirm --all-proposed` does."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from tracker import store
from tracker.demo.provincial import confirm_one_notice
from tracker.notices import import_file, load_context
from tracker.store import notices as records

SAMPLES = Path(__file__).parents[1] / "crawler" / "replica" / "notices"


def test_the_demo_confirms_the_year_end_notice(db, settings) -> None:
    import_file(db, load_context(settings, db), SAMPLES / "annual-ranking.html", by="张敏")
    out = io.StringIO()
    year = confirm_one_notice(db, settings, Console(file=out, width=200))
    assert year == 2024   # the year the notice reviews, not the day it was issued (2025-01-15)
    assert records.list_proposals(db, status="proposed") == []
    assert len(records.list_proposals(db, status="confirmed")) == 3
    entries = store.list_entries(db)
    assert [(e["kind"], e["created_by"]) for e in entries] == [("bonus.provincial_top10", "演示")] * 3
    assert "的 3 条建议" in out.getvalue() and "生成 3 条计分记录。" in out.getvalue()
