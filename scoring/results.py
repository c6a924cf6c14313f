"""What scoring produces: per-unit results, each point on its own evidence line, and their plain-data form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from scoring.periods import Period
from scoring.rules import Group, Points


def fmt_points(value: Points | None) -> str:
    """Points as people write them: 3, 2.5; empty for None."""
    if value is None:
        return ""
    if isinstance(value, float):
        value = round(value, 4)
        if value.is_integer():
            return str(int(value))
    return str(value)


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit that can earn points; `order` is its place in lists."""

    id: str
    name: str
    kind: str
    order: int = 0


@dataclass(frozen=True, slots=True)
class Line:
    """One award of points, tied to exactly one piece of evidence."""

    unit_id: str
    clause_id: str
    points: Points
    evidence_id: str
    evidence: str
    date: date
    title: str
    rules_id: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Skipped:
    """An item in the period that earned nothing, and why."""

    evidence_id: str
    unit_id: str
    date: date
    title: str
    reason: str


@dataclass(frozen=True)
class ClauseInfo:
    id: str
    name: str
    article: str


@dataclass(frozen=True)
class UnitResult:
    unit: Unit
    total: Points
    clauses: Mapping[str, Points]
    target: Points | None
    rank: int | None
    lines: tuple[Line, ...] = ()

    @property
    def completion(self) -> float | None:
        """Points over target (1.0 = met); None without a target."""
        return None if not self.target else self.total / self.target

    @property
    def shortfall(self) -> Points | None:
        return None if self.target is None else max(0, self.target - self.total)

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.total >= self.target

    @property
    def status(self) -> str:
        return "" if self.met is None else ("达标" if self.met else "未达标")


@dataclass(frozen=True)
class Scoreboard:
    period: Period
    results: tuple[UnitResult, ...]
    clauses: tuple[ClauseInfo, ...]
    groups: tuple[Group, ...]
    rules: tuple[tuple[str, str], ...] = ()
    skipped: tuple[Skipped, ...] = ()
    _index: dict[str, UnitResult] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({r.unit.id: r for r in self.results})

    def result(self, unit_id: str) -> UnitResult:
        return self._index[unit_id]

    def of_kind(self, kind: str) -> list[UnitResult]:
        return [r for r in self.results if r.unit.kind == kind]

    def group_name(self, kind: str) -> str:
        for group in self.groups:
            if group.kind == kind:
                return group.name
        return kind

    @property
    def ranked_kinds(self) -> tuple[str, ...]:
        return tuple(g.kind for g in self.groups if g.ranked)

    def clause_info(self, clause_id: str) -> ClauseInfo:
        for info in self.clauses:
            if info.id == clause_id:
                return info
        return ClauseInfo(clause_id, clause_id, "")

    def clause_name(self, clause_id: str) -> str:
        return self.clause_info(clause_id).name

    def clause_label(self, clause_id: str) -> str:
        """The clause with its place in the method: 五、3 市总网站工会新闻."""
        info = self.clause_info(clause_id)
        return f"{info.article} {info.name}".strip()

    def used_clauses(self) -> list[ClauseInfo]:
        """Clauses that earned any unit any points, in rules order."""
        used = {cid for r in self.results for cid in r.clauses}
        return [c for c in self.clauses if c.id in used]


# --- plain data (JSON) form, for snapshots -------------------------------------------------------


def _line_dict(line: Line) -> list[Any]:
    return [line.clause_id, line.points, line.evidence_id, line.evidence, line.date.isoformat(), line.title,
            line.rules_id, line.note]


def to_data(board: Scoreboard) -> dict[str, Any]:
    """The scoreboard as JSON-able data; `from_data` reads it back unchanged."""
    return {
        "period": {"start": board.period.start.isoformat(), "end": board.period.end.isoformat(),
                   "label": board.period.label},
        "clauses": [[c.id, c.name, c.article] for c in board.clauses],
        "groups": [[g.kind, g.name, g.ranked] for g in board.groups],
        "rules": [list(r) for r in board.rules],
        "results": [
            {
                "unit": [r.unit.id, r.unit.name, r.unit.kind, r.unit.order],
                "total": r.total,
                "clauses": dict(r.clauses),
                "target": r.target,
                "rank": r.rank,
                "lines": [_line_dict(line) for line in r.lines],
            }
            for r in board.results
        ],
        "skipped": [[s.evidence_id, s.unit_id, s.date.isoformat(), s.title, s.reason] for s in board.skipped],
    }


def from_data(data: Mapping[str, Any]) -> Scoreboard:
    """Rebuild a scoreboard from `to_data` output."""
    p = data["period"]
    results = []
    for r in data["results"]:
        uid, name, kind, order = r["unit"]
        lines = tuple(
            Line(uid, cid, pts, eid, ev, date.fromisoformat(d), title, rid, note)
            for cid, pts, eid, ev, d, title, rid, note in r["lines"]
        )
        results.append(UnitResult(Unit(uid, name, kind, order), r["total"], dict(r["clauses"]), r["target"],
                                  r["rank"], lines))
    return Scoreboard(
        period=Period(date.fromisoformat(p["start"]), date.fromisoformat(p["end"]), p["label"]),
        results=tuple(results),
        clauses=tuple(ClauseInfo(*c) for c in data["clauses"]),
        groups=tuple(Group(*g) for g in data["groups"]),
        rules=tuple(tuple(r) for r in data["rules"]),  # type: ignore[misc]
        skipped=tuple(Skipped(e, u, date.fromisoformat(d), t, why) for e, u, d, t, why in data["skipped"]),
    )
