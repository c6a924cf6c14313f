"""Clause 五、7 at the edge: each department's proposal from the rules, and the office's recorded decision.

The proposal is recomputed from the live scores every time; a decision is the figure the office applies,
kept with the figures it was made on, so a later change of score marks it for another look.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from scoring import Scoreboard, fmt_points, year_period
from scoring.assessment import Proposal, propose
from scoring.rules import AssessmentRule
from tracker import store
from tracker.scores.scorer import Scorer, ScoringError

# The office's figure is an adjustment in the 文明部室 assessment: a few points either way.
MAX_ADJUSTMENT = 100


class AssessmentError(ScoringError):
    """An assessment request that cannot be met (no rule, not a department, bad figure)."""


@dataclass(frozen=True)
class Assessment:
    """One department's year: the rule's proposal and the office's decision in force, if any."""

    proposal: Proposal
    decision: dict[str, Any] | None = None

    @property
    def applied(self) -> float | None:
        """The figure the office applies, or None while it has not decided."""
        return None if self.decision is None else self.decision["points"]

    @property
    def stale(self) -> bool:
        """The score or the 批示 behind the decision changed after it was made."""
        if self.decision is None:
            return False
        d, p = self.decision, self.proposal
        return (not math.isclose(d["basis_total"], p.total) or d["basis_instructions"] != len(p.instructions)
                or not math.isclose(d["basis_proposed"], p.proposed))

    @property
    def stale_note(self) -> str:
        if not self.stale:
            return ""
        d = self.decision or {}
        return (f"决定后得分有变：决定时 {fmt_points(d['basis_total'])} 分、批示 {d['basis_instructions']} 条、"
                f"建议 {fmt_points(d['basis_proposed'])}，现在 {fmt_points(self.proposal.total)} 分、"
                f"批示 {len(self.proposal.instructions)} 条、建议 {fmt_points(self.proposal.proposed)}")

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (`assess list --format json`, snapshots)."""
        p, d = self.proposal, self.decision
        return {
            "unit_id": p.unit_id,
            "unit": p.name,
            "target": p.target,
            "total": p.total,
            "shortfall": p.shortfall,
            "status": p.status,
            "instructions": [line.evidence_id for line in p.instructions],
            "deduction": p.deduction,
            "addition": p.addition,
            "proposed": p.proposed,
            "decided": None if d is None else d["points"],
            "reason": None if d is None else d["reason"],
            "decided_by": None if d is None else d["decided_by"],
            "decided_at": None if d is None else d["decided_at"],
            "stale": self.stale,
        }


def rule_for(scorer: Scorer, year: int) -> AssessmentRule:
    """The 五、7 rule of the method in force for the year."""
    rules = scorer.rules_for(year_period(year))
    if rules.assessment is None:
        raise AssessmentError(f"{rules.path or rules.id} 没有 [assessment] 一节：五、7 的扣减与加分办法未设定")
    return rules.assessment


def assess(db: Database, scorer: Scorer, year: int, board: Scoreboard | None = None) -> list[Assessment]:
    """Every department's proposal for the year with the decision in force."""
    rule = rule_for(scorer, year)
    board = board or scorer.score(db, year_period(year))
    decisions = store.active_assessments(db, year)
    return [Assessment(p, decisions.get(p.unit_id)) for p in propose(board, rule)]


def _one(db: Database, scorer: Scorer, unit_text: str, year: int) -> Assessment:
    unit_id = scorer.unit_id(unit_text)
    for item in assess(db, scorer, year):
        if item.proposal.unit_id == unit_id:
            return item
    raise AssessmentError(f"{scorer.registry.name_of(unit_id)}在 {year} 年没有目标分值，不参加文明部室考核"
                          "（只有市总机关部室、驻会产业工会参加）")


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentError("请写明理由（--reason）")
    return reason


def decide(db: Database, scorer: Scorer, unit_text: str, year: int, points: float, *, reason: str,
           by: str) -> Assessment:
    """Record the figure the office applies to a department's year (it may differ from the proposal)."""
    if not math.isfinite(points) or abs(points) > MAX_ADJUSTMENT:
        raise AssessmentError(f"分数应在 -{MAX_ADJUSTMENT} 到 {MAX_ADJUSTMENT} 之间，实为 {points}")
    reason = _reason(reason)
    item = _one(db, scorer, unit_text, year)
    p = item.proposal
    store.add_assessment_decision(db, unit_id=p.unit_id, year=year, action="set", points=points, reason=reason,
                                  by=by, basis=(p.total, len(p.instructions), p.proposed))
    return _one(db, scorer, p.unit_id, year)


def clear(db: Database, scorer: Scorer, unit_text: str, year: int, *, reason: str, by: str) -> Assessment:
    """Withdraw the decision in force; the history keeps it."""
    reason = _reason(reason)
    item = _one(db, scorer, unit_text, year)
    if item.decision is None:
        raise AssessmentError(f"{item.proposal.name} {year} 年还没有办公室决定")
    p = item.proposal
    store.add_assessment_decision(db, unit_id=p.unit_id, year=year, action="clear", points=None, reason=reason,
                                  by=by, basis=(p.total, len(p.instructions), p.proposed))
    return _one(db, scorer, p.unit_id, year)


def history(db: Database, scorer: Scorer, year: int, unit_text: str | None = None) -> list[dict[str, Any]]:
    """Every decision of the year, oldest first, each with the unit's name."""
    unit_id = scorer.unit_id(unit_text) if unit_text else None
    rows = store.assessment_history(db, year, unit_id)
    for row in rows:
        row["unit"] = scorer.registry.name_of(row["unit_id"]) or row["unit_id"]
    return rows


def for_board(db: Database, scorer: Scorer, board: Scoreboard) -> dict[str, Assessment]:
    """五、7 per department for a scoreboard of a whole year; nothing for a shorter period or without a rule."""
    period, year = board.period, year_period(board.period.start.year)
    if (period.start, period.end) != (year.start, year.end) or scorer.rules_for(period).assessment is None:
        return {}
    return {a.proposal.unit_id: a for a in assess(db, scorer, period.start.year, board)}


def frozen_rows(db: Database, scorer: Scorer, board: Scoreboard) -> list[dict[str, Any]]:
    """What a snapshot of `board` freezes of 五、7: the year's rows, or nothing for a shorter period."""
    return [a.to_dict() for a in for_board(db, scorer, board).values()]


def changes(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(unit name, what changed) between two lists of `Assessment.to_dict()` rows (snapshot diff)."""
    old = {r["unit_id"]: r for r in before}
    out = []
    for row in after:
        prev = old.get(row["unit_id"])
        if prev is None:
            continue
        said = []
        for key, label in (("proposed", "建议"), ("decided", "办公室决定")):
            if prev.get(key) != row.get(key):
                said.append(f"{label} {_shown(prev.get(key))} → {_shown(row.get(key))}")
        if said:
            out.append((row["unit"], "；".join(said)))
    return out


def _shown(value: Any) -> str:
    return "未定" if value is None else fmt_points(value)
