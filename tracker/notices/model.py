"""What a notice reads as, whatever its format: prose plus tables of text cells, in one common form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tracker.errors import XinxiError


class NoticeError(XinxiError):
    """A notice file that cannot be read as what it claims to be; the message names the file."""


@dataclass(frozen=True)
class Table:
    """One table: rows of text cells (merged cells repeated across their span), where it was found."""

    name: str                              # 表1, 工作表“汇总”, 第2页表1
    caption: str                           # the line just before it (its heading), or ""
    rows: tuple[tuple[str, ...], ...]
    offset: int = 0                        # source rows above rows[0] (a sheet's title rows): row numbers match the file


@dataclass(frozen=True)
class Document:
    """One file of a notice as read: its prose, its tables, and whether a person must type it in."""

    filename: str
    kind: str                              # html | docx | xlsx | xls | doc | pdf | image
    text: str = ""
    tables: tuple[Table, ...] = ()
    title: str | None = None               # a title the format itself carries (HTML meta, <title>)
    needs_typing: str | None = None        # why it cannot be read (a scan, an image), in words
    links: tuple[tuple[str, str], ...] = field(default=())  # (link text, href) of attachments on a page


def cell_text(value: object) -> str:
    """A cell's value as text: whole numbers without “.0”, whitespace runs folded, None as ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat") and not isinstance(value, str):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return " ".join(str(value).split())


_WRAPPED = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s*\n\s*(?=[\u3000-\u9fff\uff00-\uffef])")


def unwrap(text: str | None) -> str:
    """Cell text whose lines were wrapped to fit a column: Chinese joins without a space."""
    return cell_text(_WRAPPED.sub("", text)) if text else ""


def squash(text: str) -> str:
    """`text` without any whitespace: how cells and names are compared."""
    return "".join(text.split())
