"""The scoring rules engine: rules as data, adoptions in, traceable points out. Imports nothing of ours."""

from scoring.diff import LineChange, UnitDiff, compare
from scoring.engine import Adoption, score
from scoring.periods import Period, PeriodError, parse_date, parse_period, resolve_period, year_period
from scoring.results import (
    ClauseInfo,
    Line,
    Scoreboard,
    Skipped,
    Unit,
    UnitResult,
    fmt_points,
    from_data,
    to_data,
)
from scoring.rulebook import RuleBook, load_rulebook
from scoring.rules import Clause, Group, Rules, RulesError, load_rules, parse_rules

__all__ = [
    "Adoption", "Clause", "ClauseInfo", "Group", "Line", "LineChange", "Period", "PeriodError", "RuleBook",
    "Rules", "RulesError", "Scoreboard", "Skipped", "Unit", "UnitDiff", "UnitResult", "compare", "fmt_points",
    "from_data", "load_rulebook", "load_rules", "parse_date", "parse_period", "parse_rules", "resolve_period",
    "score", "to_data", "year_period",
]
