"""The rules engine: adoptions in, per-unit results out, every point on one evidence line.

Pure: no I/O, no config reads. Each item is scored by the rules version in force on its own date;
targets and ranking groups come from the version in force at the end of the period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from scoring.periods import Period
from scoring.results import ClauseInfo, Line, Scoreboard, Skipped, Unit, UnitResult
from scoring.rulebook import RuleBook
from scoring.rules import Clause, Points, Rules


@dataclass(frozen=True, slots=True)
class Adoption:
    """One adopted piece of information credited to a unit.

    A manual entry names its clause (`clause_id`); a crawled article instead carries the scoring
    categories of the columns it was listed in, and the rules pick the clause.
    """

    evidence_id: str
    evidence: str
    unit_id: str
    date: date
    title: str = ""
    clause_id: str | None = None
    categories: tuple[str, ...] = ()
    flags: frozenset[str] = frozenset()
    note: str = ""
    flag_note: str = ""


@dataclass
class _Prepared:
    """A rules version turned into lookups for the hot loop."""

    rules: Rules
    start: date
    end: date
    clauses: dict[str, Clause] = field(default_factory=dict)
    by_category: dict[str, Clause] = field(default_factory=dict)
    extras: dict[str, tuple[Clause, ...]] = field(default_factory=dict)
    order: dict[str, int] = field(default_factory=dict)
    cache: dict[tuple[str | None, tuple[str, ...]], list[Clause] | str] = field(default_factory=dict)

    @classmethod
    def of(cls, start: date, end: date, rules: Rules) -> _Prepared:
        prep = cls(rules, start, end)
        prep.clauses = {c.id: c for c in rules.clauses}
        prep.by_category = rules.by_category()
        prep.extras = {c.id: rules.extras_for(c.id) for c in rules.clauses}
        prep.order = {c.id: i for i, c in enumerate(rules.clauses)}
        return prep

    def base_clauses(self, item: Adoption) -> list[Clause] | str:
        """The clause(s) an item earns under these rules, or why it earns none (memoised per shape)."""
        key = (item.clause_id, item.categories)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self._base_clauses(item.clause_id, item.categories)
        return found

    def _base_clauses(self, clause_id: str | None, categories: tuple[str, ...]) -> list[Clause] | str:
        if clause_id is not None:
            clause = self.clauses.get(clause_id)
            if clause is None:
                return f"考评办法 {self.rules.id} 中没有条款 {clause_id}"
            if clause.is_extra:
                return f"条款 {clause.id} 是附加分，不能单独计分"
            return [clause]
        found = {self.by_category[c].id: self.by_category[c] for c in categories if c in self.by_category}
        if not found:
            return f"所在栏目不计分（类别：{'、'.join(categories) or '无'}）"
        if len(found) == 1 or self.rules.several_columns == "each":
            return sorted(found.values(), key=lambda c: self.order[c.id])
        # "highest": one award at the best-paying category; ties go to the earlier clause.
        return [max(found.values(), key=lambda c: (c.points, -self.order[c.id]))]


def _base_note(item: Adoption, clause: Clause, rules: Rules) -> str:
    if item.clause_id is None and len(set(item.categories)) > 1 and rules.several_columns == "highest":
        several = f"列于多个栏目，按最高的“{clause.name}”计一次"
        return f"{several}；{item.note}" if item.note else several
    return item.note


def _rank(results: list[UnitResult]) -> dict[str, int]:
    """Competition ranking: equal totals share a rank, the next rank skips (1, 2, 2, 4)."""
    ordered = sorted(results, key=lambda r: (-r.total, r.unit.order, r.unit.id))
    ranks: dict[str, int] = {}
    prev: Points | None = None
    rank = 0
    for i, result in enumerate(ordered, start=1):
        if prev is None or result.total != prev:
            rank = i
            prev = result.total
        ranks[result.unit.id] = rank
    return ranks


def _clause_infos(preps: Sequence[_Prepared], fallback: Rules) -> tuple[ClauseInfo, ...]:
    seen: dict[str, ClauseInfo] = {}
    for rules in [p.rules for p in preps] or [fallback]:
        for clause in rules.clauses:
            # A later version's name wins; the order is first appearance.
            seen[clause.id] = ClauseInfo(clause.id, clause.name, clause.article)
    return tuple(seen.values())


def score(items: Iterable[Adoption], book: RuleBook, units: Sequence[Unit], period: Period) -> Scoreboard:
    """Score every unit over the period; a unit's total is the sum of its lines."""
    preps = [_Prepared.of(lo, hi, rules) for lo, hi, rules in book.segments(period.start, period.end)]
    unit_by_id = {u.id: u for u in units}
    lines: dict[str, list[Line]] = {u.id: [] for u in units}
    skipped: list[Skipped] = []
    limited: list[tuple[date, str, Adoption, Clause, _Prepared]] = []
    start, end = period.start, period.end
    cur = preps[0] if preps else None
    seen: set[str] = set()

    for item in items:
        day = item.date
        if day < start or day > end:
            continue
        if item.evidence_id in seen:
            skipped.append(Skipped(item.evidence_id, item.unit_id, day, item.title, "同一依据重复出现，只计一次"))
            continue
        seen.add(item.evidence_id)
        if cur is None or not cur.start <= day <= cur.end:
            cur = next((p for p in preps if p.start <= day <= p.end), None)
            if cur is None:
                skipped.append(Skipped(item.evidence_id, item.unit_id, day, item.title, "该日期没有生效的考评办法"))
                continue
        unit = unit_by_id.get(item.unit_id)
        if unit is None:
            skipped.append(Skipped(item.evidence_id, item.unit_id, day, item.title, f"未知单位 {item.unit_id}"))
            continue
        found = cur.base_clauses(item)
        if isinstance(found, str):
            skipped.append(Skipped(item.evidence_id, item.unit_id, day, item.title, found))
            continue
        bucket = lines[unit.id]
        for clause in found:
            if not clause.allows(unit.kind):
                skipped.append(Skipped(item.evidence_id, unit.id, day, item.title,
                                       f"条款“{clause.name}”只计给{cur.rules.kind_names(clause.unit_kinds)}"))
                continue
            if clause.per_year_limit is not None:
                limited.append((day, item.evidence_id, item, clause, cur))
                continue
            bucket.append(Line(unit.id, clause.id, clause.points, item.evidence_id, item.evidence, day,
                               item.title, cur.rules.id, _base_note(item, clause, cur.rules)))
            for extra in cur.extras[clause.id]:
                if extra.flag in item.flags and extra.allows(unit.kind):
                    bucket.append(Line(unit.id, extra.id, extra.points, item.evidence_id, item.evidence, day,
                                       item.title, cur.rules.id, item.flag_note))

    # Clauses limited per year go to the earliest items; the rest are listed as skipped.
    used: dict[tuple[str, str, int], int] = defaultdict(int)
    for day, eid, item, clause, prep in sorted(limited, key=lambda t: (t[0], t[1])):
        key = (item.unit_id, clause.id, day.year)
        if used[key] >= (clause.per_year_limit or 0):
            skipped.append(Skipped(eid, item.unit_id, day, item.title,
                                   f"条款“{clause.name}”每年只计 {clause.per_year_limit} 次"))
            continue
        used[key] += 1
        lines[item.unit_id].append(Line(item.unit_id, clause.id, clause.points, eid, item.evidence, day,
                                        item.title, prep.rules.id, item.note))

    target_rules = book.latest_for(start, end)
    results = _results(units, lines, target_rules, preps)
    ranked = {g.kind for g in target_rules.groups if g.ranked}
    ranks: dict[str, int] = {}
    for kind in ranked:
        ranks.update(_rank([r for r in results if r.unit.kind == kind]))
    group_order = {g.kind: i for i, g in enumerate(target_rules.groups)}
    final = [
        UnitResult(r.unit, r.total, r.clauses, r.target, ranks.get(r.unit.id), r.lines) for r in results
    ]
    final.sort(key=lambda r: (group_order.get(r.unit.kind, len(group_order)), r.rank or 0, r.unit.order, r.unit.id))
    return Scoreboard(
        period=period,
        results=tuple(final),
        clauses=_clause_infos(preps, target_rules),
        groups=target_rules.groups,
        rules=tuple((p.rules.id, p.rules.digest) for p in preps),
        skipped=tuple(sorted(skipped, key=lambda s: (s.date, s.evidence_id))),
    )


def _results(units: Sequence[Unit], lines: dict[str, list[Line]], target_rules: Rules,
             preps: Sequence[_Prepared]) -> list[UnitResult]:
    order: dict[str, int] = {}
    for prep in reversed(preps):
        order.update(prep.order)
    out = []
    for unit in units:
        unit_lines = sorted(lines[unit.id], key=lambda line: (line.date, line.evidence_id))
        per_clause: dict[str, Points] = {}
        total: Points = 0
        for line in unit_lines:
            per_clause[line.clause_id] = per_clause.get(line.clause_id, 0) + line.points
            total += line.points
        clauses = {cid: per_clause[cid] for cid in sorted(per_clause, key=lambda c: order.get(c, len(order)))}
        out.append(UnitResult(unit, total, clauses, target_rules.targets.get(unit.id), None, tuple(unit_lines)))
    return out
