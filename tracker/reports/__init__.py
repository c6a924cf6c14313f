"""Reports for people: the 通报 (a 公文 in Word), the printable workbook, each unit's statement, sending.

All are built from a Scoreboard only, so a published snapshot prints exactly as it was frozen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from scoring import RuleBook, Scoreboard
from tracker.config import DEFAULT_CONFIG_DIR
from tracker.reports.template import NoticeTemplate, load_notice_template
from tracker.reports.wording import notice_text, percent

# openpyxl and python-docx load only when a workbook or a notice is written (commands start faster).


def write_xlsx(board: Scoreboard, path: Path, *, pending: Sequence[Mapping[str, Any]] | None = None,
               assessment: Sequence[Mapping[str, Any]] | None = None) -> Path:
    """The printable workbook (see workbook.py); `assessment` adds the year's 五、7 columns."""
    from tracker.reports.workbook import write_xlsx as write

    return write(board, path, pending=pending, assessment=assessment)


def write_docx(board: Scoreboard, path: Path, *, today: date, document: str = "",
               template: NoticeTemplate | None = None, counted_from: date | None = None, number: str = "",
               assessment: Sequence[Mapping[str, Any]] | None = None) -> Path:
    """The 通报 for this board, dated `today`, in the office's words (config/notice.toml)."""
    from tracker.reports.notice import write_notice

    tpl = template or load_notice_template(DEFAULT_CONFIG_DIR)
    text = notice_text(board, tpl, dated=today, document=document, counted_from=counted_from, number=number,
                       assessment=assessment)
    return write_notice(text, path)


def write_office_notice(board: Scoreboard, path: Path, *, config_dir: Path, book: RuleBook, today: date,
                        number: str = "", assessment: Sequence[Mapping[str, Any]] | None = None) -> Path:
    """The 通报 as the office sends it: its own wording (config_dir/notice.toml), the method's 文号, and
    the day the method took effect when the period began before it (2016: only July to December)."""
    segments = book.segments(board.period.start, board.period.end)
    rules = book.latest_for(board.period.start, board.period.end)
    return write_docx(board, path, today=today, document=rules.document, template=load_notice_template(config_dir),
                      counted_from=segments[0][0] if segments else None, number=number, assessment=assessment)


__all__ = ["percent", "write_docx", "write_office_notice", "write_xlsx"]
