"""Differences between two scoreboards: per unit, and per evidence line (for snapshots and what-if)."""

from __future__ import annotations

from dataclasses import dataclass

from scoring.results import Line, Points, Scoreboard


@dataclass(frozen=True)
class LineChange:
    """A line present on one side only (`before` or `after` is None), or with different points."""

    evidence_id: str
    clause_id: str
    before: Line | None
    after: Line | None

    @property
    def delta(self) -> Points:
        return (self.after.points if self.after else 0) - (self.before.points if self.before else 0)

    @property
    def line(self) -> Line:
        return self.after or self.before  # type: ignore[return-value]


@dataclass(frozen=True)
class UnitDiff:
    unit_id: str
    name: str
    before: Points
    after: Points
    rank_before: int | None
    rank_after: int | None
    changes: tuple[LineChange, ...]

    @property
    def delta(self) -> Points:
        return self.after - self.before

    @property
    def changed(self) -> bool:
        return bool(self.changes) or self.delta != 0 or self.rank_before != self.rank_after


def _keyed(lines: tuple[Line, ...]) -> dict[tuple[str, str], Line]:
    return {(line.evidence_id, line.clause_id): line for line in lines}


def compare(before: Scoreboard, after: Scoreboard) -> list[UnitDiff]:
    """One entry per unit on either side, in the order of `after` then units only in `before`."""
    old = {r.unit.id: r for r in before.results}
    new = {r.unit.id: r for r in after.results}
    order = [r.unit.id for r in after.results] + [uid for uid in old if uid not in new]
    out = []
    for uid in order:
        a, b = old.get(uid), new.get(uid)
        la, lb = _keyed(a.lines if a else ()), _keyed(b.lines if b else ())
        changes = []
        for key in sorted(la.keys() | lb.keys()):
            x, y = la.get(key), lb.get(key)
            if x is None or y is None or x.points != y.points:
                changes.append(LineChange(key[0], key[1], x, y))
        changes.sort(key=lambda c: (c.line.date, c.evidence_id, c.clause_id))
        name = (b or a).unit.name  # type: ignore[union-attr]
        out.append(UnitDiff(uid, name, a.total if a else 0, b.total if b else 0,
                            a.rank if a else None, b.rank if b else None, tuple(changes)))
    return out
