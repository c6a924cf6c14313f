"""Scoring periods: a year (2024), a half (2024H1), a quarter (2024Q1), a month (2024-03) or a date range."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from scoring.wording import quoted

_YEAR = re.compile(r"^(\d{4})$")
_HALF = re.compile(r"^(\d{4})[Hh]([12])$")
_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


class PeriodError(ValueError):
    """A period or date that cannot be read."""


@dataclass(frozen=True, order=True)
class Period:
    """A closed range of days [start, end] and the label it was asked for by."""

    start: date
    end: date
    label: str

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise PeriodError(f"起始日期 {self.start} 晚于结束日期 {self.end}")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def is_full_year(self) -> bool:
        return self.start == date(self.start.year, 1, 1) and self.end == date(self.start.year, 12, 31)

    @property
    def title(self) -> str:
        """The period in Chinese, for headings: 2024年度, 2024年第一季度, 2024年3月…"""
        if self.is_full_year:
            return f"{self.start.year}年度"
        m = _QUARTER.match(self.label)
        if m:
            return f"{m[1]}年第{'一二三四'[int(m[2]) - 1]}季度"
        m = _HALF.match(self.label)
        if m:
            return f"{m[1]}年{'上下'[int(m[2]) - 1]}半年"
        m = _MONTH.match(self.label)
        if m:
            return f"{m[1]}年{int(m[2])}月"
        return f"{self.start.isoformat()}至{self.end.isoformat()}"

    def within(self, other: Period) -> bool:
        return other.start <= self.start and self.end <= other.end


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), str(year))


def parse_date(text: str) -> date:
    """An ISO date (2024-03-05); also 2024/3/5 and 2024年3月5日."""
    raw = text.strip()
    m = re.match(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$", raw)
    if not m:
        raise PeriodError(f"日期应写作 2024-03-05，实为 {quoted(text)}")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise PeriodError(f"没有这一天：{quoted(text)}") from None


def parse_period(text: str) -> Period:
    """Read 2024, 2024H1, 2024Q1 or 2024-03 into a Period."""
    raw = text.strip()
    if (m := re.match(r"^(\d{4})", raw)) and int(m[1]) == 0:
        raise PeriodError(f"没有 0 年：{quoted(text)}")
    if m := _YEAR.match(raw):
        return year_period(int(m[1]))
    if m := _HALF.match(raw):
        year, half = int(m[1]), int(m[2])
        return Period(date(year, 6 * half - 5, 1), date(year, 6 * half, 30 if half == 1 else 31),
                      f"{year}H{half}")
    if m := _QUARTER.match(raw):
        year, q = int(m[1]), int(m[2])
        last = 3 * q
        return Period(date(year, last - 2, 1), date(year, last, calendar.monthrange(year, last)[1]), f"{year}Q{q}")
    if m := _MONTH.match(raw):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise PeriodError(f"没有 {month} 月：{quoted(text)}")
        return Period(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]),
                      f"{year}-{month:02d}")
    raise PeriodError(f"期间应写作 2024、2024H1、2024Q1 或 2024-03，实为 {quoted(text)}")


def resolve_period(
    year: int | None = None,
    period: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Period:
    """Combine --year, --period and --from/--to into one Period; a period must lie within the year."""
    if period and (since or until):
        raise PeriodError("--period 与 --from/--to 只能用一种")
    whole = year_period(year) if year is not None else None
    if period:
        chosen = parse_period(period)
    elif since or until:
        if not whole and not (since and until):
            raise PeriodError("不给 --year 时，--from 与 --to 须同时给出")
        start = parse_date(since) if since else whole.start  # type: ignore[union-attr]
        end = parse_date(until) if until else whole.end  # type: ignore[union-attr]
        if start > end:
            raise PeriodError(f"--from {start} 晚于 --to {end}")
        chosen = Period(start, end, f"{start.isoformat()}~{end.isoformat()}")
    elif whole:
        return whole
    else:
        raise PeriodError("请给出 --year、--period 或 --from/--to")
    if whole and not chosen.within(whole):
        raise PeriodError(f"期间 {chosen.label} 不在 {year} 年之内")
    return chosen
