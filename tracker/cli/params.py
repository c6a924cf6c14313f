"""Parameter types shared by the commands: numbers are range-checked where they enter, naming the option.

SQLite stores integers in 64 bits; an id past that would fail deep in the driver with a traceback, so
ids, counts and years are refused here with one line that names the option and the allowed range.
"""

from __future__ import annotations

import re
from typing import Any

import click

from scoring.wording import quoted

SQLITE_MAX_INT = 2**63 - 1
YEAR_MIN, YEAR_MAX = 1900, 2100


class OutOfRange(click.BadParameter):
    """A number the command cannot use; told in one line, without the usage hint."""


def _number(text: str) -> int | None:
    """The integer written in `text` (`#12` and `-3` too), or None when it is not one."""
    text = text.strip().lstrip("#")
    digits = text.removeprefix("-")
    return int(text) if digits.isascii() and digits.isdigit() else None


class BadValue(click.BadParameter):
    """A value the option cannot take, quoted back with what is wrong and the right form; told in one line."""

    def __init__(self, message: str, value: str, param_hint: str | None = None) -> None:
        super().__init__(message, param_hint=param_hint)
        self.value = value


def check_base_urls(_ctx: click.Context, _param: click.Parameter, pairs: tuple[str, ...]) -> tuple[str, ...]:
    """Check each --base-url SITE=URL as it is parsed, so a mistake is blamed on the option."""
    for pair in pairs:
        site, sep, url = (part.strip() for part in pair.partition("="))
        if not sep or not site or not url:
            raise BadValue("应写成 网站=地址，例如 czgh=http://127.0.0.1:8000", pair)
        _scheme, has_scheme, rest = url.partition("://")
        if not has_scheme:
            raise BadValue(f"缺少 http:// 或 https://，应写成 {site}=http://{url}", pair)
        if not re.match(r"https?://[^/\s]+", url):   # as tracker.config.parse_base_urls will require
            raise BadValue(f"地址只能以 http:// 或 https:// 开头，应写成 {site}=http://{rest.strip('/') or '127.0.0.1:8000'}",
                           pair)
    return pairs


class RecordId(click.ParamType):
    """A stored record's number (entry #12): a positive integer SQLite can hold; `#12` is accepted."""

    name = "编号"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number: int | None = value
        else:
            number = _number(str(value))
            if number is None:
                self.fail(f"录入编号应为数字（见 xinxi entry list 的“编号”列），实为 {quoted(value)}", param, ctx)
        if not 1 <= number <= SQLITE_MAX_INT:
            raise OutOfRange(f"编号应在 1 到 {SQLITE_MAX_INT} 之间，实为 {value}", ctx, param)
        return number


class ArticleRef(click.ParamType):
    """An article as `编号` or `网站/编号`; the number is range-checked, the text handed on as written."""

    name = "文章"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        number = _number(text.strip().rpartition("/")[2])
        if number is not None and not 1 <= number <= SQLITE_MAX_INT:
            raise OutOfRange(f"文章编号应在 1 到 {SQLITE_MAX_INT} 之间，实为 {text}", ctx, param)
        return text


class Count(click.ParamType):
    """How many rows to show: a positive integer."""

    name = "数量"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        number = value if isinstance(value, int) and not isinstance(value, bool) else _number(str(value))
        if number is None:
            self.fail(f"“{value}”不是整数", param, ctx)
        if not 1 <= number <= SQLITE_MAX_INT:
            raise OutOfRange(f"应为 1 到 {SQLITE_MAX_INT} 之间的整数，实为 {value}", ctx, param)
        return number


class Year(click.ParamType):
    """A calendar year the method can be applied to."""

    name = "年度"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        number = value if isinstance(value, int) and not isinstance(value, bool) else _number(str(value))
        if number is None:
            self.fail(f"“{value}”不是整数", param, ctx)
        if not YEAR_MIN <= number <= YEAR_MAX:
            raise OutOfRange(f"年度应在 {YEAR_MIN} 到 {YEAR_MAX} 之间，实为 {value}", ctx, param)
        return number


RECORD_ID = RecordId()
ARTICLE = ArticleRef()
COUNT = Count()
YEAR = Year()
