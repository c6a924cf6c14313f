"""Where report files reach the disk: one function, so every report is written the same way."""

from __future__ import annotations

from pathlib import Path

from tracker import files


def write_bytes(path: Path, data: bytes) -> Path:
    """Write a finished file in one step (tracker.files): a half-written report never replaces a good one."""
    files.write_bytes(path, data)
    return path
