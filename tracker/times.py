"""Times as the office reads them. Stored as UTC ISO text; every human output (tables, files, pages, messages)
shows local time (Asia/Shanghai unless config says otherwise) in one form; JSON keeps ISO with its offset."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Shanghai"


def _local(stamp: str, tz: str | dt.tzinfo) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if moment.tzinfo is None:   # stored before times carried their offset: they were UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz)


def shown_time(stamp: str | None, tz: str | dt.tzinfo = DEFAULT_TZ) -> str:
    """A stored UTC time as the office reads it: local, to the minute ('' for none; unreadable text as it is)."""
    if not stamp:
        return ""
    moment = _local(stamp, tz)
    return stamp if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def shown_date(stamp: str | None, tz: str | dt.tzinfo = DEFAULT_TZ) -> str:
    """The local calendar day of a stored UTC time, where a day is enough (a note, a count of days)."""
    if not stamp:
        return ""
    moment = _local(stamp, tz)
    return stamp[:10] if moment is None else moment.date().isoformat()


def zone_words(tz: str) -> str:
    """How a time zone is named beside a time: 北京时间 for China's, else its name (Europe/Berlin)."""
    return "北京时间" if tz in ("Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC") else tz
