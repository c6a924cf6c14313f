"""Untrusted text made safe: scraped pages and imported files pass through here before they are stored,
printed or written to a file."""

from __future__ import annotations

import re
from typing import Any

from rich.markup import escape

# C0 controls except tab and newline, DEL, and the C1 block: ESC, BEL and NUL among them. A carriage
# return becomes a newline first so that Windows line ends survive as line ends.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Lone surrogates cannot be encoded as UTF-8 and would fail the first write of the text.
_SURROGATES = re.compile("[\ud800-\udfff]")
# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def strip_controls(text: str) -> str:
    """`text` without control characters (tab and newline are kept; CR LF and CR become newline)."""
    if not text or text.isprintable():  # the usual case, checked in C; tab and newline are not printable
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _SURROGATES.sub("", _CONTROLS.sub("", text))


def clean_or_none(text: str | None) -> str | None:
    """`strip_controls` for an optional field."""
    return None if text is None else strip_controls(text)


def plain_cell(value: object) -> object:
    """A value for a CSV or spreadsheet cell: text that would start a formula is led by an apostrophe."""
    if isinstance(value, str):
        value = strip_controls(value)
        if value.startswith(_FORMULA_START):
            return "'" + value
    return value


def clean_tree(value: Any) -> Any:
    """`strip_controls` on every string inside lists, tuples and dicts (keys too): JSON and snapshots."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, dict):
        return {clean_tree(k): clean_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_tree(v) for v in value]
    return value


def shown(value: object) -> str:
    """Stored text for a terminal table or line: no control characters, and square brackets in it are
    printed as written instead of being read as colour markup (a title with "[/b]" would stop the table)."""
    if value is None:
        return ""
    return escape(strip_controls(str(value)))
