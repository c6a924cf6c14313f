"""How a value someone wrote (in a file, a cell or an option) is quoted in a message: text between Chinese
quotation marks, as the messages quote every name, with what a terminal would act on made visible; a
number or a truth value as TOML spells it. Long text is cut, so a message stays one readable line."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

LONGEST = 80
# C0 and C1 controls, DEL, lone surrogates, and the marks that reorder a line when it is printed.
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def quoted(value: Any) -> str:
    """`value` as a message shows it: “文字”, 5, 2.5, true, 2020-01-01, [“a”, “b”], 空 for nothing at all."""
    if value is None:
        return "空"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(quoted(item) for item in value[:10]) + (", …]" if len(value) > 10 else "]")
    text = str(value)
    if len(text) > LONGEST:
        text = text[:LONGEST] + "…"
    return "“" + _HIDDEN.sub(lambda m: f"\\u{ord(m[0]):04x}", text) + "”"
