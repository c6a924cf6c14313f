"""Published results: freeze a period's scoreboard, compare the live one against it, reopen with a reason."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from scoring import Period, Scoreboard, UnitDiff, compare, from_data, parse_period, to_data
from tracker import store
from tracker.errors import NotFound, XinxiError
from tracker.scores import assessments
from tracker.scores.scorer import Scorer, period_or_error
from tracker.text import clean_tree
from tracker.times import DEFAULT_TZ, shown_time


class SnapshotError(XinxiError):
    """A snapshot action that does not fit the snapshot's state."""


def snapshot_period(label: str) -> Period:
    """The period a snapshot label names: 2024, 2024H1, 2024Q1 or 2024-03."""
    return period_or_error(parse_period, label)


def _waiting_filter(period: Period) -> store.QueueFilter:
    return store.QueueFilter(since=period.start.isoformat(), until=period.end.isoformat())


def waiting_in(db: Database, period: Period) -> int:
    """Articles dated in the period that still wait for a reviewer."""
    return store.queue_count(db, _waiting_filter(period))


def waiting_articles(db: Database, period: Period) -> list[dict[str, Any]]:
    """The articles of the period still waiting for a reviewer, oldest first (a draft report lists them)."""
    return store.queue_rows(db, store.queue_keys(db, _waiting_filter(period)))


def publish(db: Database, board: Scoreboard, *, by: str, assessment: list[dict[str, Any]] | None = None,
            force: bool = False, reason: str | None = None, tz: str = DEFAULT_TZ) -> int:
    """Freeze the scoreboard (and the year's 五、7 rows) under its period label; refused while a published
    one stands.

    Also refused while articles of the period wait for review, unless `force` with a reason, which is
    stored with the snapshot beside the number of articles that were waiting.
    """
    label = board.period.label
    latest = store.latest_snapshot(db, label)
    if latest and latest["status"] == "published":
        raise SnapshotError(f"{label} 已于 {shown_time(latest['published_at'], tz)} 发布（快照 #{latest['id']}）；"
                            f"如需改动，先运行 xinxi snapshot reopen {label} --reason …")
    waiting = waiting_in(db, board.period)
    note = (reason or "").strip() or None
    if waiting and not force:
        raise SnapshotError(f"{label} 尚有 {waiting} 篇文章待人工审核，结果还不完整；请先审核"
                            "（xinxi review list），或确认照样发布：加 --force --reason 说明理由")
    if waiting and note is None:
        raise SnapshotError(f"{label} 尚有 {waiting} 篇待审：照样发布须写明理由（--reason）")
    return store.insert_snapshot(
        db, period=label, start=board.period.start.isoformat(), end=board.period.end.isoformat(),
        rules=json.dumps([list(r) for r in board.rules]),
        # Frozen without control characters, so a title stored dirty cannot break the year's report.
        data=json.dumps(clean_tree({**to_data(board), "assessment": assessment or []}), ensure_ascii=False,
                        separators=(",", ":")), by=by, waiting=waiting, override_reason=note if waiting else None,
    )


def latest(db: Database, label: str) -> tuple[dict[str, Any], Scoreboard] | None:
    """The newest snapshot of the period and its frozen scoreboard, or None."""
    row = store.latest_snapshot(db, label)
    if row is None:
        return None
    return row, from_data(json.loads(row["data"]))


def published(db: Database, label: str) -> tuple[dict[str, Any], Scoreboard] | None:
    """The period's standing published snapshot (not a reopened one), or None."""
    found = latest(db, label)
    return found if found and found[0]["status"] == "published" else None


def assessment_rows(db: Database, scorer: Scorer, board: Scoreboard,
                    snapshot: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The year's 五、7 rows to show beside `board`: frozen with the snapshot it came from, else live."""
    if snapshot is not None:
        return list(json.loads(snapshot["data"]).get("assessment") or [])
    return assessments.frozen_rows(db, scorer, board)


def reopen(db: Database, label: str, *, reason: str, by: str, tz: str = DEFAULT_TZ) -> dict[str, Any]:
    """Mark the published snapshot reopened; the frozen figures stay for comparison."""
    if not reason.strip():
        raise SnapshotError("重新打开须写明理由（--reason）")
    row = store.latest_snapshot(db, label)
    if row is None:
        raise NotFound(f"{label} 没有发布过")
    if row["status"] != "published":
        raise SnapshotError(f"{label} 的快照 #{row['id']} 已于 {shown_time(row['reopened_at'], tz)} 重新打开")
    store.reopen_snapshot(db, row["id"], reason=reason.strip(), by=by)
    return store.latest_snapshot(db, label) or row


@dataclass(frozen=True)
class SnapshotDiff:
    snapshot: dict[str, Any]
    frozen: Scoreboard
    live: Scoreboard
    units: tuple[UnitDiff, ...]
    assessment: tuple[tuple[str, str], ...] = ()

    @property
    def rules_changed(self) -> bool:
        return tuple(map(tuple, self.frozen.rules)) != tuple(map(tuple, self.live.rules))

    @property
    def changed(self) -> list[UnitDiff]:
        return [d for d in self.units if d.changed]


def diff(db: Database, scorer: Scorer, label: str) -> SnapshotDiff:
    """What changed since the period was published: articles, entries, flags or rules."""
    found = latest(db, label)
    if found is None:
        raise NotFound(f"{label} 没有发布过；先运行 xinxi snapshot publish {label}")
    row, frozen = found
    live = scorer.score(db, frozen.period)
    before = json.loads(row["data"]).get("assessment") or []
    after = assessments.frozen_rows(db, scorer, live) if before else []
    return SnapshotDiff(row, frozen, live, tuple(compare(frozen, live)),
                        tuple(assessments.changes(before, after)))
