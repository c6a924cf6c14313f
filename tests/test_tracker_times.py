"""Times in one form: stored as UTC ISO, shown in Beijing time in every human output, ISO with offset in JSON.

A time stored at 2024-12-31T20:00:00Z is already 2025-01-01 in Changzhou: an output that cut the stored text
would show the wrong day."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker import store
from tracker.config import Settings
from tracker.scores import assessments
from tracker.scores.scorer import Scorer
from tracker.times import shown_date, shown_time

LATE = "2024-12-31T20:00:00+00:00"
SHOWN = "2025-01-01 04:00"


def test_the_one_formatter() -> None:
    assert shown_time(LATE) == SHOWN and shown_time("2024-12-31T20:00:00Z") == SHOWN
    assert shown_time("2024-12-31T20:00:00") == SHOWN          # stored without offset: it was UTC
    assert shown_date(LATE) == "2025-01-01" and shown_time(LATE, "UTC") == "2024-12-31 20:00"
    assert shown_time(None) == "" and shown_time("不是时间") == "不是时间"


def entries(unit: str, kind: str, count: int) -> list[dict]:
    return [{"unit_id": unit, "kind": kind, "date": "2024-05-06", "title": f"{unit} 第{i + 1}条",
             "evidence": f"常办〔2024〕{i + 1}号", "note": None} for i in range(count)]


@pytest.fixture
def published_late(db, settings: Settings, xinxi) -> Scorer:
    """2024 published, and a department's 五、7 decided, both stored at 2024-12-31T20:00:00Z."""
    store.add_entries(db, [*entries("economy", "municipal.government", 12), *entries("legal", "municipal.government", 2)],
                      by="办公室")
    scorer = Scorer.load(settings)
    assessments.decide(db, scorer, "legal", 2024, -2, reason="酌减", by="王敏")
    xinxi("snapshot", "publish", "2024", "--by", "办公室")
    with db.conn:
        db.execute("UPDATE score_snapshots SET published_at = ?", [LATE])
        db.execute("UPDATE assessment_decisions SET decided_at = ?", [LATE])
    return scorer


def test_snapshot_list_and_diff_show_the_local_day(published_late: Scorer, xinxi) -> None:
    listed = xinxi("snapshot", "list").output
    assert SHOWN in listed and "2024-12-31" not in listed
    diff = xinxi("snapshot", "diff", "2024").output
    assert f"{SHOWN} 发布" in diff and "2024-12-31" not in diff


def test_a_reopened_snapshot_and_a_second_publication_name_the_local_time(db, published_late: Scorer, xinxi) -> None:
    refused = xinxi("snapshot", "publish", "2024", "--by", "办公室", ok=False)
    assert refused.exit_code != 0 and f"已于 {SHOWN} 发布" in str(refused.exception)   # main() prints it
    xinxi("snapshot", "reopen", "2024", "--reason", "复核", "--by", "办公室")
    with db.conn:
        db.execute("UPDATE score_snapshots SET reopened_at = ?", [LATE])
    diff = xinxi("snapshot", "diff", "2024").output
    assert f"已于 {SHOWN} 重新打开" in diff and "2024-12-31" not in diff
    again = xinxi("snapshot", "reopen", "2024", "--reason", "再次", "--by", "办公室", ok=False)
    assert f"已于 {SHOWN} 重新打开" in str(again.exception)


def test_the_report_notice_and_the_score_note_show_the_local_time(db, published_late: Scorer, xinxi,
                                                                   tmp_path: Path) -> None:
    report = xinxi("report", "--year", "2024", "--xlsx", str(tmp_path / "r.xlsx"))
    assert f"使用 {SHOWN} 发布的快照" in report.output and "2024-12-31" not in report.output
    store.add_entries(db, entries("legal", "municipal.government", 1), by="办公室")   # a change since publishing
    scored = xinxi("score", "--year", "2024").output
    assert f"已于 {SHOWN} 发布" in scored and "2024-12-31" not in scored


def test_assess_list_shows_the_decision_in_local_time_and_json_keeps_iso(published_late: Scorer, xinxi) -> None:
    csv_text = xinxi("assess", "list", "--year", "2024", "--format", "csv").output
    legal = next(line for line in csv_text.splitlines() if line.startswith("legal,"))
    assert legal.split(",")[13] == SHOWN
    table = xinxi("assess", "list", "--year", "2024").output
    assert "2025-01-01" in table and "2024-12-31" not in table
    rows = json.loads(xinxi("assess", "list", "--year", "2024", "--format", "json").output)
    assert next(r for r in rows if r["unit_id"] == "legal")["decided_at"] == LATE
