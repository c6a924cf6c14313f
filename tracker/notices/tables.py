"""Reading a notice table's shape: its header rows, what each column holds, and its data rows."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.notices.config import NoticeRules
from tracker.notices.model import Table, squash

NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
TOTAL_WORDS = ("合计", "总计", "小计", "全省", "全市", "总数")
MAX_HEADER_SCAN = 8


@dataclass(frozen=True)
class Column:
    index: int
    label: str                  # header text, levels joined by “/”: 采用情况/省总网站
    role: str | None            # unit | title | outlet | issue | date | rank | None
    outlet: tuple[str, str] | None  # (outlet word, clause id) when the label names an outlet
    counts: bool                # the column may hold a count of adoptions


@dataclass(frozen=True)
class Shape:
    kind: str                   # items | counts | ranking
    header_end: int             # index of the first data row
    columns: tuple[Column, ...]

    def role(self, role: str) -> Column | None:
        return next((c for c in self.columns if c.role == role), None)


def _is_header_row(row: tuple[str, ...], rules: NoticeRules) -> bool:
    filled = [c for c in row if c]
    return len(set(filled)) >= 2 and any(rules.role(c) == "unit" for c in filled)


def _continues_header(row: tuple[str, ...], unit_col: int, header: tuple[str, ...]) -> bool:
    """A row under the header that is still header: no numbers, the unit cell empty or the same."""
    if any(NUMBER.match(squash(c)) for c in row):
        return False
    cell = row[unit_col] if unit_col < len(row) else ""
    return not cell or cell == header[unit_col]


def shape(table: Table, rules: NoticeRules) -> Shape | None:
    """The table's shape, or None when it holds no unit column (not a table this reads)."""
    rows = table.rows
    start = next((i for i, row in enumerate(rows[:MAX_HEADER_SCAN]) if _is_header_row(row, rules)), None)
    if start is None:
        return None
    header = rows[start]
    unit_col = next(i for i, c in enumerate(header) if rules.role(c) == "unit")
    end = start + 1
    while end < len(rows) and end - start < 3 and _continues_header(rows[end], unit_col, header):
        end += 1
    width = max(len(r) for r in rows)
    columns = []
    for i in range(width):
        levels: list[str] = []
        for row in rows[start:end]:
            cell = squash(row[i]) if i < len(row) else ""
            if cell and cell not in levels:
                levels.append(cell)
        label = "/".join(levels)
        leaf = levels[-1] if levels else ""
        role = rules.role(leaf) or (rules.role(levels[0]) if levels else None)
        outlet = rules.outlet_clause(label) if label else None
        counts = bool(outlet) and not any(w in leaf for w in rules.not_counts)
        columns.append(Column(i, label, role, outlet, counts))
    if not any(c.role == "unit" for c in columns):
        return None
    roles = {c.role for c in columns}
    if "title" in roles:
        kind = "items"
    elif "rank" in roles:
        kind = "ranking"
    elif any(c.counts for c in columns):
        kind = "counts"
    else:
        return None
    return Shape(kind, end, tuple(columns))


def data_rows(table: Table, found: Shape) -> list[tuple[int, tuple[str, ...]]]:
    """(row number counted from 1 over the whole table, cells) of each row that names a unit."""
    unit = found.role("unit")
    assert unit is not None  # shape() returns None without a unit column
    out = []
    for number, row in enumerate(table.rows[found.header_end:], start=table.offset + found.header_end + 1):
        cell = squash(row[unit.index]) if unit.index < len(row) else ""
        if not cell or NUMBER.match(cell) or any(cell.startswith(w) for w in TOTAL_WORDS):
            continue
        if len({c for c in row if c}) == 1 and len(row) > 1:
            continue  # a group heading spanning the row: 一、县（市、区）总工会
        out.append((number, row))
    return out


def row_text(row: tuple[str, ...]) -> str:
    """A row as one line of text, cells joined by “ | ”."""
    return " | ".join(row)


def count_of(text: str) -> int:
    """A count cell: whole numbers only (an empty cell, a dash or words are 0)."""
    text = squash(text)
    return int(float(text)) if NUMBER.match(text) and float(text).is_integer() else 0
