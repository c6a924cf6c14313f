"""Several versions of the method as one book: each rules file is in force from its `effective` date until
the next file's, and a date is scored by the version in force then."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from scoring.rules import Rules, RulesError, load_rules
from scoring.wording import quoted


@dataclass(frozen=True)
class RuleBook:
    """Versions of the method ordered by effective date; a date is scored by the version in force."""

    versions: tuple[Rules, ...]
    fixed: bool = False

    def __post_init__(self) -> None:
        if not self.versions:
            raise ValueError("RuleBook needs at least one Rules")

    @classmethod
    def of(cls, versions: Iterable[Rules]) -> RuleBook:
        ordered = sorted(versions, key=lambda r: r.effective)
        for before, after in zip(ordered, ordered[1:], strict=False):
            if before.effective == after.effective:
                raise RulesError(after.path or "?", "rules.effective",
                                 f"生效日期 {after.effective} 与 {before.path} 相同")
            if before.id == after.id:
                raise RulesError(after.path or "?", "rules.id", f"编号{quoted(after.id)}与 {before.path} 相同")
        return cls(tuple(ordered))

    @classmethod
    def only(cls, rules: Rules) -> RuleBook:
        """One version applied to every date, whatever its effective date (for what-if scoring)."""
        return cls((rules,), fixed=True)

    def for_date(self, day: date) -> Rules | None:
        """The version in force on `day`, or None before the first one."""
        if self.fixed:
            return self.versions[0]
        i = bisect.bisect_right([r.effective for r in self.versions], day)
        return self.versions[i - 1] if i else None

    def segments(self, start: date, end: date) -> list[tuple[date, date, Rules]]:
        """(first day, last day, rules) spans covering [start, end] where some version is in force."""
        if self.fixed:
            return [(start, end, self.versions[0])]
        out = []
        for i, rules in enumerate(self.versions):
            nxt = self.versions[i + 1].effective - timedelta(days=1) if i + 1 < len(self.versions) else end
            lo, hi = max(start, rules.effective), min(end, nxt)
            if lo <= hi:
                out.append((lo, hi, rules))
        return out

    def latest_for(self, start: date, end: date) -> Rules:
        """The version that sets targets and groups for a period: the one in force at its end."""
        return self.for_date(end) or self.versions[0]


def load_rulebook(paths: Path | str | Sequence[Path | str]) -> RuleBook:
    """Load every *.toml in a directory (or the files given) into a RuleBook."""
    if isinstance(paths, (str, Path)) and Path(paths).is_dir():
        files = sorted(Path(paths).glob("*.toml"))
        if not files:
            raise RulesError(paths, None, "目录中没有考评办法文件（*.toml）")
    elif isinstance(paths, (str, Path)):
        files = [Path(paths)]
    else:
        files = [Path(p) for p in paths]
    return RuleBook.of(load_rules(f) for f in files)
