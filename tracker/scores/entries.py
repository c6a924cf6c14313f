"""Manual score entries: check one, import a whole sheet (all rows or none), write the blank template.

An entry is an adoption that no crawl can see (a 省总 通报, a leader's 批示, a training session), with
its evidence: a document number, a notice title or a URL.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from sqlite_utils import Database

from scoring import PeriodError, RuleBook, fmt_points, parse_date
from scoring.wording import quoted
from tracker.errors import XinxiError
from tracker.files import workbook
from tracker.scores.sheets import MAX_CELL_CHARS, read_table
from tracker.text import strip_controls
from tracker.units import Registry, Unit, UnknownUnit

# Field → (Chinese header, accepted aliases). The template writes the Chinese headers.
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "unit_id": ("单位", ("单位", "unit", "unit_id")),
    "kind": ("类别", ("类别", "kind", "条款")),
    "date": ("日期", ("日期", "date")),
    "title": ("标题", ("标题", "title")),
    "evidence": ("依据", ("依据", "evidence", "证据")),
    "note": ("备注", ("备注", "note")),
}
REQUIRED = ("unit_id", "kind", "date", "title", "evidence")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行 [{self.column}]：{self.message}"


class EntryError(XinxiError):
    """A manual entry that cannot be accepted; `errors` lists every problem found."""

    def __init__(self, message: str, errors: Sequence[RowError] = ()) -> None:
        self.errors = tuple(errors)
        super().__init__(message)


DUPLICATE_KEY = ("unit_id", "kind", "date", "title", "evidence")


class Seen:
    """Entries already stored or already read, indexed for the duplicate and once-a-year checks.

    Each check is a dictionary look-up, so a sheet of 20,000 rows is checked in one pass.
    """

    def __init__(self, stored: Iterable[Mapping[str, Any]] = ()) -> None:
        self._same: dict[tuple[Any, ...], str] = {}
        self._per_year: Counter[tuple[Any, Any, str]] = Counter()
        for entry in stored:
            self.add(entry, f"已有录入 #{entry['id']} ")

    def add(self, entry: Mapping[str, Any], where: str) -> None:
        self._same.setdefault(tuple(entry.get(k) for k in DUPLICATE_KEY), where)
        self._per_year[(entry.get("unit_id"), entry.get("kind"), str(entry.get("date") or "")[:4])] += 1

    def duplicate_of(self, entry: Mapping[str, Any]) -> str | None:
        """Where the same entry was seen first ("已有录入 #3 " or "第 5 行"), or None."""
        return self._same.get(tuple(entry.get(k) for k in DUPLICATE_KEY))

    def count(self, unit_id: str, kind: str, year: str) -> int:
        return self._per_year[(unit_id, kind, year)]


@dataclass(frozen=True)
class Checker:
    """What checking an entry needs: the rules, the units, today's date, entries already stored."""

    book: RuleBook
    registry: Registry
    today: date
    existing: Sequence[Mapping[str, Any]] = ()
    _units: dict[str, Unit | None] = field(default_factory=dict, compare=False, repr=False)

    def seen(self) -> Seen:
        """A fresh index of the stored entries, to check a batch of new ones against."""
        return Seen(self.existing)

    def unit(self, text: str) -> Unit | None:
        if text not in self._units:  # a sheet names the same few units thousands of times
            try:
                self._units[text] = self.registry.find(text)
            except UnknownUnit:
                self._units[text] = None
        return self._units[text]

    def check(self, raw: Mapping[str, Any], seen: Seen | None = None) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Normalise one entry; returns it with a list of (field, problem) pairs (empty when valid)."""
        seen = seen if seen is not None else self.seen()
        problems: list[tuple[str, str]] = []
        values = {k: _text(raw.get(k)) for k in COLUMNS}
        for name, value in values.items():
            if len(value) > MAX_CELL_CHARS:
                problems.append((name, f"内容过长（{len(value)} 字，最多 {MAX_CELL_CHARS} 字）"))
                values[name] = ""
        for name in REQUIRED:
            if not values[name] and not any(f == name for f, _ in problems):
                problems.append((name, "不能为空"))
        day = None
        if values["date"]:
            try:
                day = _as_date(raw.get("date"))
            except PeriodError as exc:
                problems.append(("date", str(exc)))
        if day and day > self.today:
            problems.append(("date", f"日期 {day} 晚于今天"))
        unit = self.unit(values["unit_id"]) if values["unit_id"] else None
        if values["unit_id"] and unit is None:
            problems.append(("unit_id", f"没有单位{quoted(values['unit_id'])}（写单位全称或编号，见模板“可选值”）"))
        elif unit and day and not unit.valid_on(day):
            since = f"{unit.valid_from} 起" if unit.valid_from else ""
            until = f"至 {unit.valid_to}" if unit.valid_to else ""
            problems.append(("unit_id", f"{unit.name}只存在于 {since}{until}，{day} 不在其中"))
        rules = self.book.for_date(day) if day else None
        if day and rules is None:
            problems.append(("date", f"{day} 没有生效的考评办法（最早 {self.book.versions[0].effective} 起）"))
        clause = rules.find_clause(values["kind"]) if rules and values["kind"] else None
        if rules and values["kind"]:
            if clause is None:
                problems.append(("kind", f"没有类别“{values['kind']}”；可选：{_manual_names(rules)}"))
            elif not clause.manual:
                problems.append(("kind", f"“{clause.name}”按抓取的文章自动计分，不能手工录入；"
                                         f"可选：{_manual_names(rules)}"))
            elif unit and not clause.allows(unit.kind):
                problems.append(("kind", f"“{clause.name}”只计给{rules.kind_names(clause.unit_kinds)}，"
                                         f"{unit.name}不能得此分"))
        if values["evidence"] and values["evidence"].lower().startswith(("http:", "https:", "www.")):
            parts = urlsplit(values["evidence"])
            if parts.scheme not in ("http", "https") or not parts.netloc:
                problems.append(("evidence", f"网址不完整：{quoted(values['evidence'])}"))
        elif values["evidence"] and len(values["evidence"]) < 2:
            problems.append(("evidence", "依据太短：写文号、通报标题或网址"))
        entry = {
            "unit_id": unit.id if unit else values["unit_id"],
            "kind": clause.id if clause else values["kind"],
            "date": day.isoformat() if day else values["date"],
            "title": values["title"],
            "evidence": values["evidence"],
            "note": values["note"] or None,
        }
        if not problems and clause is not None:
            problems.extend(self._duplicates(entry, clause.per_year_limit, seen))
        order = list(COLUMNS)
        return entry, sorted(problems, key=lambda p: order.index(p[0]))

    @staticmethod
    def _duplicates(entry: dict[str, Any], limit: int | None, seen: Seen) -> list[tuple[str, str]]:
        where = seen.duplicate_of(entry)
        if where is not None:
            return [("evidence", f"与{where}重复")]
        year = entry["date"][:4]
        if limit and seen.count(entry["unit_id"], entry["kind"], year) >= limit:
            return [("kind", f"此类每个单位每年只计 {limit} 次，{year} 年已录入")]
        return []


def _manual_names(rules: Any) -> str:
    return "、".join(c.name for c in rules.manual_clauses)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # Imported text is untrusted: control characters would break every report that shows it.
    return strip_controls(str(value)).strip()


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return parse_date(_text(value))


def check_one(checker: Checker, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check one entry from the command line; a problem raises EntryError naming the option."""
    entry, problems = checker.check(raw)
    if problems:
        options = {"unit_id": "--unit", "kind": "--kind", "date": "--date", "title": "--title",
                   "evidence": "--evidence", "note": "--note"}
        raise EntryError("；".join(f"{options[f]}：{m}" for f, m in problems))
    return entry


# --- reading a sheet -----------------------------------------------------------------------------


def _header_map(cells: Sequence[Any]) -> dict[int, str]:
    out = {}
    for i, cell in enumerate(cells):
        name = _text(cell).lower()
        for key, (_, aliases) in COLUMNS.items():
            if name in {a.lower() for a in aliases}:
                out[i] = key
    return out


def read_rows(path: Path) -> tuple[int, list[tuple[int, dict[str, Any]]], list[RowError]]:
    """Rows of an .xlsx or .csv as (row number, {field: value}); finds the header in the first rows."""
    try:
        table = read_table(path, sheet="录入")
    except XinxiError as exc:
        raise EntryError(str(exc)) from None
    found = [(i, h) for i, h in ((i, _header_map(c)) for i, c in enumerate(table[:10]))
             if "unit_id" in h.values() and "kind" in h.values()]
    if not found:
        raise EntryError(f"{path}：前 10 行中找不到表头（须有“单位”“类别”等列）")
    index, header = found[0]
    header_row = index + 1
    errors = [RowError(header_row, COLUMNS[f][0], "缺少此列") for f in REQUIRED if f not in header.values()]
    rows = []
    for offset, cells in enumerate(table[index + 1:], start=header_row + 1):
        if all(c is None or _text(c) == "" for c in cells):
            continue
        rows.append((offset, {key: cells[i] if i < len(cells) else None for i, key in header.items()}))
    return header_row, rows, errors


def check_file(checker: Checker, path: Path) -> list[dict[str, Any]]:
    """Every row checked; any problem anywhere raises EntryError listing each row and column."""
    return check_rows(checker, path, read_rows(path))


def check_rows(checker: Checker, path: Path,
               sheet: tuple[int, list[tuple[int, dict[str, Any]]], list[RowError]]) -> list[dict[str, Any]]:
    """The rows `read_rows` gave, checked against the stored entries and each other (all or none)."""
    _, rows, errors = sheet
    errors = list(errors)
    seen = checker.seen()
    entries = []
    repeated = 0
    for number, raw in rows:
        entry, problems = checker.check(raw, seen)
        errors.extend(RowError(number, COLUMNS[f][0], m) for f, m in problems)
        repeated += any(m.startswith("与已有录入") for _, m in problems)
        seen.add(entry, f"第 {number} 行")
        entries.append(entry)
    if not rows and not errors:
        raise EntryError(f"{path}：没有可导入的行")
    if errors and repeated == len(rows) == len(errors):
        raise EntryError(f"{path}：这 {len(rows)} 行都已录入过（可能已导入过这个文件），未重复导入", errors)
    if errors:
        raise EntryError(f"{path}：{len(errors)} 处错误，未导入任何记录", errors)
    return entries


@contextmanager
def exclusive(db: Database, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the database's write lock for the block, committing at its end (rolling back on error).

    Reading the stored entries, checking new ones against them and storing them happen under one lock,
    so two imports of the same sheet at once cannot both pass the duplicate check: the second waits for
    the first and then finds its rows already stored. `on_wait` is called once if the lock is busy.
    """
    conn = db.conn
    timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    try:
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            if on_wait is not None:
                on_wait()
            conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")
            conn.execute("BEGIN IMMEDIATE")  # still busy after the timeout: "database is locked", one line
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


# --- the blank template --------------------------------------------------------------------------


def write_template(path: Path, book: RuleBook, units: Iterable[Unit], today: date) -> None:
    """An Excel workbook to fill in: 录入 (the rows), 填写说明 (what each column takes), 可选值 (lists)."""
    with workbook(path) as wb:
        _fill_template(wb, book, units, today)


def _fill_template(wb: Workbook, book: RuleBook, units: Iterable[Unit], today: date) -> None:
    rules = book.for_date(today) or book.versions[-1]
    units = list(units)
    ws = wb.active
    ws.title = "录入"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    headers = [COLUMNS[f][0] for f in COLUMNS]
    ws.append(headers)
    for i, width in enumerate((22, 24, 12, 48, 40, 24), start=1):
        cell = ws.cell(row=1, column=i)
        cell.font, cell.fill = bold, fill
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = "A2"
    ws.column_dimensions["C"].number_format = "yyyy-mm-dd"

    lists = wb.create_sheet("可选值")
    lists.append(["单位", "编号", "类别", "条款", "分值"])
    manual = rules.manual_clauses
    for i in range(max(len(units), len(manual))):
        u = units[i] if i < len(units) else None
        c = manual[i] if i < len(manual) else None
        lists.append([u.name if u else None, u.id if u else None, c.name if c else None,
                      c.article if c else None, fmt_points(c.points) if c else None])
    for col, width in zip("ABCDE", (22, 14, 24, 10, 8), strict=True):
        lists.column_dimensions[col].width = width
    unit_list = DataValidation(type="list", formula1=f"=可选值!$A$2:$A${len(units) + 1}", allow_blank=True)
    kind_list = DataValidation(type="list", formula1=f"=可选值!$C$2:$C${len(manual) + 1}", allow_blank=True)
    for dv, col in ((unit_list, "A"), (kind_list, "B")):
        dv.error, dv.errorTitle = "请从下拉列表中选择", "无效的值"
        ws.add_data_validation(dv)
        dv.add(f"{col}2:{col}501")

    help_ = wb.create_sheet("填写说明")
    lines = [
        f"手工录入信息采用（{rules.title}，{rules.document}）",
        "每行一条，在“录入”表中填写；整表检查无误才会导入，有错时一条也不导入，并列出出错的行与列。",
        "单位：单位全称或编号（见“可选值”）。基层工会的信息工作活动记在其所属辖市、区总工会。",
        "类别：下列条款之一（写简称或编号）。",
        "日期：采用、批示或活动的日期，例如 2024-03-05。",
        "标题：信息标题或活动名称。",
        "依据：文号、通报标题或网址，例如“苏工办〔2024〕12号”或省总网站文章地址。",
        "备注：可不填。",
        "",
    ]
    for text in lines:
        help_.append([text])
    help_.append(["类别（简称）", "编号", "条款", "每条分值", "原文"])
    for c in manual:
        help_.append([c.name, c.id, c.article, fmt_points(c.points), c.text])
    help_.column_dimensions["A"].width = 28
    help_.column_dimensions["B"].width = 34
    help_.column_dimensions["E"].width = 80
    help_["A1"].font = Font(bold=True, size=13)
    help_.cell(row=len(lines) + 1, column=1).font = bold
    for row in help_.iter_rows(min_row=len(lines) + 2):
        row[4].alignment = Alignment(wrap_text=True)
