"""What a fetched page must be to become a record: the checks page objects and the spider share.

They mirror the store's CHECK constraints (tracker/store/schema/articles.py), so an invalid page becomes a recorded
failure here, before the database would refuse it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lxml import etree

from tracker.store.schema.articles import MAX_ARTICLE_ID

# Deeper markup than this is no article template: it is refused before the page objects' recursive walk.
MAX_DEPTH = 300
FIRST_DATE, LAST_DATE = dt.date(1990, 1, 1), dt.date(2100, 12, 31)


class PageRefused(Exception):
    """A fetched page that cannot become a record; `reason` says why in words."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


# An element `MAX_DEPTH` levels below the root, asked of libxml2 in one compiled query: walking the tree in
# Python to count its depth cost as much as reading the page.
_DEEPER = etree.XPath("boolean(" + "/".join(["*"] * MAX_DEPTH) + ")")


def too_deep(root: Any) -> bool:
    """Whether elements under `root` nest more than MAX_DEPTH deep (`root` itself being level 1)."""
    return bool(_DEEPER(root))


def calendar_date(year: int, month: int, day: int) -> str | None:
    """yyyy-mm-dd when the calendar has this day between 1990 and 2100, else None."""
    try:
        day_ = dt.date(year, month, day)
    except ValueError:
        return None
    return day_.isoformat() if FIRST_DATE <= day_ <= LAST_DATE else None


def is_parse_failure(item: dict[str, Any]) -> str | None:
    """Why an extracted article cannot be stored, or None when it is complete enough."""
    if item.get("id") is not None and not 1 <= item["id"] <= MAX_ARTICLE_ID:
        return f"编号 {item['id']} 超出范围（应在 1 到 {MAX_ARTICLE_ID} 之间）"
    if not item.get("date") and item.get("date_text"):
        missing = "标题、" if not item.get("title") else ""
        bad = f"发布日期 {item['date_text']} 不是日历上的日期，或不在 1990 至 2100 年之间"
        return f"未能读出{missing.rstrip('、')}；{bad}" if missing else bad
    missing = [name for name, key in (("标题", "title"), ("发布日期", "date")) if not item.get(key)]
    return f"未能读出{'、'.join(missing)}" if missing else None
