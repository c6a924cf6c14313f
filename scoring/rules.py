"""Load and validate a scoring method (config/rules/*.toml) into frozen dataclasses.

A rules file is the method as data: every clause with its points, who may earn it, whether it is
entered by hand or read off a crawled column, and the yearly targets. Several files make a
`RuleBook` (rulebook.py).
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from scoring.wording import quoted

Points = int | float

SEVERAL_COLUMNS = ("highest", "each")
CLAUSE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
UNIT_ID = re.compile(r"^[a-z][a-z0-9_-]*$")


class RulesError(ValueError):
    """A rules file is unreadable or holds a bad value; the message names the file and the key."""

    def __init__(self, path: Path | str, key: str | None, message: str) -> None:
        self.path = Path(path)
        self.key = key
        self.message = message
        where = f"{self.path}" + (f" 键 {key}" if key else "")
        super().__init__(f"考评办法错误：{where}：{message}")


@dataclass(frozen=True)
class Clause:
    """One scoring clause: an item that matches it earns `points`."""

    id: str
    name: str
    article: str
    points: Points
    text: str = ""
    manual: bool = False
    category: str | None = None
    unit_kinds: tuple[str, ...] = ()
    per_year_limit: int | None = None
    extra_for: tuple[str, ...] = ()
    flag: str | None = None

    @property
    def is_extra(self) -> bool:
        """An extra clause adds points on top of another clause's item (经验类 +2)."""
        return bool(self.extra_for)

    def allows(self, unit_kind: str) -> bool:
        return not self.unit_kinds or unit_kind in self.unit_kinds


@dataclass(frozen=True)
class AssessmentRule:
    """How a proposal is computed (rules file, section [assessment])."""

    article: str
    text: str
    deduction_per_point: Points
    deduction_cap: Points | None
    addition_per_instruction: Points
    addition_cap: Points | None
    instruction_clauses: tuple[str, ...]
    basis: str = ""

    def describe(self) -> str:
        """The rule in one Chinese sentence, for tables and the 通报."""
        cut = f"未完成目标的，每差 1 分扣 {_plain(self.deduction_per_point)} 分"
        if self.deduction_cap is not None:
            cut += f"，最多扣 {_plain(self.deduction_cap)} 分"
        add = f"采用信息获领导批示的，每条加 {_plain(self.addition_per_instruction)} 分"
        if self.addition_cap is not None:
            add += f"，最多加 {_plain(self.addition_cap)} 分"
        return f"完成目标的不加分也不扣分；{cut}；{add}。"


def _plain(value: Points) -> str:
    value = round(float(value), 4)
    return str(int(value)) if value.is_integer() else str(value)


@dataclass(frozen=True)
class Group:
    kind: str
    name: str
    ranked: bool


@dataclass(frozen=True)
class Rules:
    """One version of the method, in force from `effective`."""

    id: str
    title: str
    document: str
    effective: date
    clauses: tuple[Clause, ...]
    groups: tuple[Group, ...]
    targets: Mapping[str, Points]
    several_columns: str = "highest"
    assessment: AssessmentRule | None = None
    path: Path | None = None
    digest: str = ""

    def clause(self, clause_id: str) -> Clause:
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise KeyError(clause_id)

    def find_clause(self, text: str) -> Clause | None:
        """The clause named by id or by its Chinese name."""
        text = text.strip()
        for clause in self.clauses:
            if text in (clause.id, clause.name):
                return clause
        return None

    @property
    def manual_clauses(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.manual)

    def by_category(self) -> dict[str, Clause]:
        return {c.category: c for c in self.clauses if c.category}

    def extras_for(self, clause_id: str) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if clause_id in c.extra_for)

    def kind_names(self, kinds: Iterable[str]) -> str:
        """Unit kinds in words: 各辖市、区总工会."""
        return "、".join(g.name if (g := self.group(k)) else k for k in kinds)

    def group(self, kind: str) -> Group | None:
        for group in self.groups:
            if group.kind == kind:
                return group
        return None


# How a TOML value's type reads in an error message.
_KIND_NAMES: dict[type, str] = {int: "数字", float: "数字", str: "文字（加引号）", bool: "true 或 false",
                                list: "列表 [...]", dict: "表", date: "日期（例如 2024-01-01）"}


class _Table:
    """Typed reads from one TOML table; every error names the file and the dotted key."""

    def __init__(self, path: Path, data: Mapping[str, Any], prefix: str = "") -> None:
        self.path, self.data, self.prefix = path, data, prefix

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def error(self, name: str | None, message: str) -> RulesError:
        return RulesError(self.path, self.key(name) if name else self.prefix or None, message)

    def only(self, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for name in self.data:
            if name not in allowed:
                raise self.error(name, f"未知的键；可用：{'、'.join(sorted(allowed))}")

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if name not in self.data:
            if default is ...:
                raise self.error(name, "缺少此项")
            return default
        value = self.data[name]
        if isinstance(value, bool) and kind is not bool:
            raise self.error(name, f"应为数字或文字，实为 {quoted(value)}")
        if not isinstance(value, kind):
            kinds = (kind,) if isinstance(kind, type) else kind
            names = "或".join(dict.fromkeys(_KIND_NAMES.get(k, k.__name__) for k in kinds))
            raise self.error(name, f"应为{names}，实为 {quoted(value)}")
        return value

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.get(name, list, [])
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item:
                raise self.error(f"{name}[{i}]", f"应为非空文字，实为 {quoted(item)}")
        return tuple(value)

    def sub(self, name: str, *, required: bool = False) -> _Table:
        value = self.get(name, dict, ... if required else {})
        return _Table(self.path, value, self.key(name))


def _points(table: _Table, name: str) -> Points:
    value = table.get(name, (int, float))
    if not math.isfinite(value):
        raise table.error(name, f"分值应为有限的数字，实为 {quoted(value)}")
    if value < 0:
        raise table.error(name, f"分值不能为负，实为 {quoted(value)}")
    return value


def _clause(table: _Table, kinds: set[str]) -> Clause:
    table.only(("id", "name", "article", "text", "points", "manual", "category", "unit_kinds",
                "per_year_limit", "extra_for", "flag"))
    cid = table.get("id", str)
    if not CLAUSE_ID.match(cid):
        raise table.error("id", f"条款编号只能用小写字母、数字、下划线和点，实为 {quoted(cid)}")
    unit_kinds = table.strings("unit_kinds")
    for i, kind in enumerate(unit_kinds):
        if kind not in kinds:
            raise table.error(f"unit_kinds[{i}]", f"未知单位类别{quoted(kind)}；可选：{'、'.join(sorted(kinds))}")
    limit = table.get("per_year_limit", int, None)
    if limit is not None and limit < 1:
        raise table.error("per_year_limit", f"应为正整数，实为 {quoted(limit)}")
    clause = Clause(
        id=cid,
        name=table.get("name", str),
        article=table.get("article", str),
        text=table.get("text", str, ""),
        points=_points(table, "points"),
        manual=table.get("manual", bool, False),
        category=table.get("category", str, None),
        unit_kinds=unit_kinds,
        per_year_limit=limit,
        extra_for=table.strings("extra_for"),
        flag=table.get("flag", str, None),
    )
    if clause.is_extra:
        if not clause.flag:
            raise table.error("flag", "附加分条款（extra_for）须写明依据的标记，例如 flag = \"experience\"")
        if clause.manual or clause.category:
            raise table.error("extra_for", "附加分条款不能同时是手工录入或栏目类别条款")
    elif clause.flag:
        raise table.error("flag", "只有附加分条款（extra_for）才用 flag")
    if not clause.manual and not clause.category and not clause.is_extra:
        raise table.error(None, f"条款 {cid} 既不是手工录入（manual）也没有栏目类别（category），无从计分")
    return clause


def _assessment(top: _Table, clause_ids: set[str]) -> AssessmentRule | None:
    """五、7 as numbers (section [assessment]); None when the file has no such section."""
    if "assessment" not in top.data:
        return None
    table = top.sub("assessment", required=True)
    table.only(("article", "text", "basis", "deduction_per_point", "deduction_cap", "addition_per_instruction",
                "addition_cap", "instruction_clauses"))
    clauses = table.strings("instruction_clauses")
    for i, cid in enumerate(clauses):
        if cid not in clause_ids:
            raise table.error(f"instruction_clauses[{i}]", f"没有条款{quoted(cid)}")
    return AssessmentRule(
        article=table.get("article", str),
        text=table.get("text", str, ""),
        deduction_per_point=_points(table, "deduction_per_point"),
        deduction_cap=_points(table, "deduction_cap") if "deduction_cap" in table.data else None,
        addition_per_instruction=_points(table, "addition_per_instruction"),
        addition_cap=_points(table, "addition_cap") if "addition_cap" in table.data else None,
        instruction_clauses=clauses,
        basis=table.get("basis", str, ""),
    )


def _check_clauses(top: _Table, clauses: Sequence[Clause]) -> None:
    ids: dict[str, int] = {}
    names: dict[str, int] = {}
    categories: dict[str, str] = {}
    for i, clause in enumerate(clauses):
        key = f"clauses[{i}]"
        if clause.id in ids:
            raise top.error(f"{key}.id", f"条款编号{quoted(clause.id)}与 clauses[{ids[clause.id]}] 重复")
        if clause.name in names:
            raise top.error(f"{key}.name", f"条款名称{quoted(clause.name)}与 clauses[{names[clause.name]}] 重复")
        if clause.category:
            if clause.category in categories:
                raise top.error(f"{key}.category", f"栏目类别{quoted(clause.category)}已用于条款 {categories[clause.category]}")
            categories[clause.category] = clause.id
        ids[clause.id] = i
        names[clause.name] = i
    by_id = {c.id: c for c in clauses}
    for i, clause in enumerate(clauses):
        for j, target in enumerate(clause.extra_for):
            if target not in by_id:
                raise top.error(f"clauses[{i}].extra_for[{j}]", f"没有条款{quoted(target)}")
            if by_id[target].is_extra:
                raise top.error(f"clauses[{i}].extra_for[{j}]", f"条款{quoted(target)}本身是附加分条款")


def parse_rules(data: Mapping[str, Any], path: Path | str, digest: str = "") -> Rules:
    """Validate parsed TOML into `Rules`; a bad value raises RulesError naming file and key."""
    path = Path(path)
    top = _Table(path, data)
    top.only(("rules", "policy", "groups", "targets", "clauses", "assessment"))
    head = top.sub("rules", required=True)
    head.only(("id", "title", "document", "effective"))
    effective = head.get("effective", date)
    if not isinstance(effective, date) or hasattr(effective, "hour"):
        raise head.error("effective", f"应为日期，例如 2016-07-01，实为 {quoted(effective)}")

    policy = top.sub("policy")
    policy.only(("several_columns",))
    several = policy.get("several_columns", str, "highest")
    if several not in SEVERAL_COLUMNS:
        raise policy.error("several_columns", f"应为 {' 或 '.join(SEVERAL_COLUMNS)}，实为 {quoted(several)}")

    groups_table = top.sub("groups", required=True)
    groups = []
    for kind in groups_table.data:
        g = groups_table.sub(kind, required=True)
        g.only(("name", "ranked"))
        groups.append(Group(kind=kind, name=g.get("name", str), ranked=g.get("ranked", bool, False)))
    if not groups:
        raise groups_table.error(None, "至少要有一类单位")
    kinds = {g.kind for g in groups}

    targets_table = top.sub("targets")
    targets: dict[str, Points] = {}
    for unit_id in targets_table.data:
        if not UNIT_ID.match(unit_id):
            raise targets_table.error(unit_id, "单位编号只能用小写字母、数字、下划线和连字符")
        targets[unit_id] = _points(targets_table, unit_id)

    raw_clauses = top.get("clauses", list)
    if not raw_clauses:
        raise top.error("clauses", "至少要有一个条款")
    clauses = []
    for i, raw in enumerate(raw_clauses):
        if not isinstance(raw, dict):
            raise top.error(f"clauses[{i}]", "应为表 [[clauses]]")
        clauses.append(_clause(_Table(path, raw, f"clauses[{i}]"), kinds))
    _check_clauses(top, clauses)
    assessment = _assessment(top, {c.id for c in clauses})

    return Rules(
        id=head.get("id", str),
        title=head.get("title", str),
        document=head.get("document", str, ""),
        effective=effective,
        clauses=tuple(clauses),
        groups=tuple(groups),
        targets=targets,
        several_columns=several,
        assessment=assessment,
        path=path,
        digest=digest,
    )


def load_rules(path: Path | str) -> Rules:
    """Read and validate one rules file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RulesError(path, None, "文件不存在") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise RulesError(path, None, "文件不是 UTF-8 编码") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(path, None, f"TOML 语法错误（{exc}）") from None
    return parse_rules(data, path, hashlib.sha256(raw).hexdigest()[:16])
