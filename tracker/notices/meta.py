"""A notice's identity read from its own text: title, 文号, issue date, issuer, and the period it reviews.

The period comes from the title or the text (2024年度, 2018年10月, 一季度), never from the day it was
issued: a year-end notice issued in January reviews the year before."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from tracker.notices.model import squash

DOC_NO = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*\d{1,4}\s*号")
CN_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
ISO_DATE = re.compile(r"((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})")
CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
             "〇": 0, "零": 0, "○": 0, "两": 2}
YEAR = r"((?:19|20)\d{2}|[一二三四五六七八九〇零○]{4})\s*年"
QUARTER = re.compile("(?:" + YEAR + r")?\s*(?:度)?\s*(?:第)?\s*([一二三四1-4])\s*季度")
HALF = re.compile("(?:" + YEAR + r")?\s*(上|下)半年")
MONTH = re.compile(YEAR + r"\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月(?!\s*\d{0,2}\s*日)(?:份)?")
YEAR_ONLY = re.compile(YEAR + r"\s*度?")
TITLE_LINE = re.compile(r"(关于.{4,80}的?通报|.{4,60}情况通报|.{2,60}通报)")
ISSUER_END = ("工会", "办公室", "委员会", "政府", "部", "厅", "局")


@dataclass(frozen=True)
class Period:
    label: str            # 2024 | 2024Q1 | 2024H1 | 2024-10
    start: date
    end: date
    words: str            # as written: 2024年度, 2018年10月


@dataclass(frozen=True)
class NoticeMeta:
    title: str
    doc_no: str | None
    date: date | None
    issuer: str | None
    period: Period | None


def cn_number(text: str) -> int | None:
    """1–99 written in digits or in Chinese (十, 十二, 二十, 二十三), or a 4-digit year in Chinese digits."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if len(text) == 4 and all(ch in CN_DIGITS for ch in text) and "十" not in text:
        return int("".join(str(CN_DIGITS[ch]) for ch in text))
    if not text or any(ch not in CN_DIGITS for ch in text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[ones] if ones else 0)
    return CN_DIGITS[text] if len(text) == 1 else None


def _date(y: str, m: str, d: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def issue_date(text: str) -> date | None:
    """The notice's date: the last full date written in Chinese (the signature's), else the last ISO one."""
    found = [d for d in (_date(*m.groups()) for m in CN_DATE.finditer(text)) if d]
    if not found:
        found = [d for d in (_date(*m.groups()) for m in ISO_DATE.finditer(text)) if d]
    return found[-1] if found else None


def _year(text: str | None, issued: date | None, month_end: int) -> int | None:
    if text:
        return cn_number(text)
    if issued is None:
        return None
    # A period without its year is the latest one that had ended by the day the notice was issued.
    return issued.year if issued.month > month_end or (issued.month == month_end and issued.day > 20) \
        else issued.year - 1


def find_period(text: str, issued: date | None = None) -> Period | None:
    """The reviewed period in `text` (title first, then body): quarter, half-year, month, or year."""
    text = squash(CN_DATE.sub("、", text))  # a full date is a day the notice was written, not a period
    if m := QUARTER.search(text):
        q = cn_number(m.group(2)) or 0
        year = _year(m.group(1), issued, q * 3)
        if year and 1 <= q <= 4:
            end_month = q * 3
            return Period(f"{year}Q{q}", date(year, end_month - 2, 1),
                          date(year, end_month, calendar.monthrange(year, end_month)[1]), m.group(0))
    if m := HALF.search(text):
        first = m.group(2) == "上"
        year = _year(m.group(1), issued, 6 if first else 12)
        if year:
            return Period(f"{year}H{1 if first else 2}", date(year, 1 if first else 7, 1),
                          date(year, 6, 30) if first else date(year, 12, 31), m.group(0))
    if m := MONTH.search(text):
        year, month = cn_number(m.group(1)), cn_number(m.group(2))
        if year and month and 1 <= month <= 12:
            return Period(f"{year}-{month:02d}", date(year, month, 1),
                          date(year, month, calendar.monthrange(year, month)[1]), m.group(0))
    if m := YEAR_ONLY.search(text):
        year = cn_number(m.group(1))
        if year:
            return Period(str(year), date(year, 1, 1), date(year, 12, 31), m.group(0))
    return None


def find_title(text: str) -> str | None:
    """The first line that reads like a notice's title (关于……的通报)."""
    for line in text.split("\n")[:15]:
        line = line.strip()
        if "通报" in line and 6 <= len(line) <= 80 and TITLE_LINE.search(line) and not line.startswith("现将"):
            return line
    return None


def find_issuer(text: str, issued: date | None) -> str | None:
    """The signature: the line just before the closing date, when it names a body."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    for i in range(len(lines) - 1, 0, -1):
        if CN_DATE.fullmatch(squash(lines[i])) or (issued and squash(lines[i]).endswith(
                f"{issued.year}年{issued.month}月{issued.day}日")):
            before = squash(CN_DATE.sub("", lines[i])) or squash(lines[i - 1])
            return before if before.endswith(ISSUER_END) and len(before) <= 30 else None
    return None


def read_meta(text: str, title: str | None = None, *, doc_no: str | None = None, issued: date | None = None,
              issuer: str | None = None) -> NoticeMeta:
    """What the notice says of itself; anything given by the caller (flags, the page) wins."""
    title = title or find_title(text) or ""
    issued = issued or issue_date(text)
    if doc_no is None:
        doc_no = next((m.group(0) for line in (title + "\n" + text[:800]).split("\n")
                       if (m := DOC_NO.search(squash(line)))), None)
    period = find_period(title, issued) or find_period(text[:600], issued)
    return NoticeMeta(title, doc_no, issued, issuer or find_issuer(text, issued), period)
