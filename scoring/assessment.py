"""Clause 五、7: what the departments' information work hands to the 文明部室 assessment.

A department that met its yearly target neither gains nor loses; one that fell short is proposed a
deduction by the shortfall; a leader's 批示 on one of its adopted items is proposed an addition. The
numbers come from the rules file; the office decides the figure it applies. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scoring.results import Line, Scoreboard, UnitResult
from scoring.rules import AssessmentRule, Points


def _round(value: float) -> Points:
    value = round(value, 2)
    return int(value) if float(value).is_integer() else value


@dataclass(frozen=True)
class Proposal:
    """One department's proposed adjustment for the year, with what it was computed from."""

    unit_id: str
    name: str
    target: Points
    total: Points
    shortfall: Points
    instructions: tuple[Line, ...]
    deduction: Points
    addition: Points

    @property
    def met(self) -> bool:
        return self.total >= self.target

    @property
    def status(self) -> str:
        return "达标" if self.met else "未达标"

    @property
    def proposed(self) -> Points:
        """The net proposal: addition less deduction (0 for a department on target with no 批示)."""
        return _round(self.addition - self.deduction)


def propose_one(result: UnitResult, rule: AssessmentRule) -> Proposal:
    """The proposal for one unit with a target."""
    if result.target is None:
        raise ValueError(f"{result.unit.id} has no target")
    shortfall = max(0, result.target - result.total)
    deduction = shortfall * rule.deduction_per_point
    if rule.deduction_cap is not None:
        deduction = min(deduction, rule.deduction_cap)
    wanted = set(rule.instruction_clauses)
    instructions = tuple(line for line in result.lines if line.clause_id in wanted)
    addition = len(instructions) * rule.addition_per_instruction
    if rule.addition_cap is not None:
        addition = min(addition, rule.addition_cap)
    return Proposal(
        unit_id=result.unit.id,
        name=result.unit.name,
        target=result.target,
        total=result.total,
        shortfall=_round(shortfall),
        instructions=instructions,
        deduction=_round(deduction),
        addition=_round(addition),
    )


def propose(board: Scoreboard, rule: AssessmentRule) -> tuple[Proposal, ...]:
    """A proposal for every unit of the scoreboard that has a target, in the board's order."""
    return tuple(propose_one(r, rule) for r in board.results if r.target is not None)


def proposals_by_unit(proposals: Sequence[Proposal]) -> dict[str, Proposal]:
    return {p.unit_id: p for p in proposals}
