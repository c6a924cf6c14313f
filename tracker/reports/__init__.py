"""Reports for people: the 通报 (a 公文 in Word), the printable workbook, each unit's statement, sending.

All are built from a Scoreboard only, so a published snapshot prints exactly as it was frozen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from scoring import Scoreboard
from tracker.config import DEFAULT_CONFIG_DIR
from tracker.reports.template import NoticeTemplate, load_notice_template
from tracker.reports.wording import notice_text, percent

# openpyxl and python-docx load only when a workbook or a notice is written (commands start faster).


def write_xlsx(board: Scoreboard, path: Path, *, pending: Sequence[Mapping[str, Any]] | None = None) -> Path:
    """The printable workbook (see workbook.py)."""
    from tracker.reports.workbook import write_xlsx as write

    return write(board, path, pending=pending)


def write_docx(board: Scoreboard, path: Path, *, today: date, document: str = "",
               template: NoticeTemplate | None = None, counted_from: date | None = None, number: str = "") -> Path:
    """The 通报 for this board, dated `today`, in the office's words (config/notice.toml)."""
    from tracker.reports.notice import write_notice

    tpl = template or load_notice_template(DEFAULT_CONFIG_DIR)
    text = notice_text(board, tpl, dated=today, document=document, counted_from=counted_from, number=number)
    return write_notice(text, path)


__all__ = ["percent", "write_docx", "write_xlsx"]
