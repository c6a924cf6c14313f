"""Files written whole or not at all: reports, exports, templates and backups.

Each is written to a temporary file beside its target, flushed to disk and renamed over the target, so
a failure, a full disk or a kill during the write leaves the previous file as it was. A temporary file
left by a killed writer carries its process id and is removed by the next write of the same target.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from zipfile import ZIP_DEFLATED, ZipFile

from lxml import etree
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from tracker.ops.lock import pid_alive

TEMP_SUFFIX = ".xinxi-tmp"


def temp_path(target: Path) -> Path:
    """The temporary name a write of `target` uses in this process (hidden, beside the target)."""
    return target.with_name(f".{target.name}.{os.getpid()}{TEMP_SUFFIX}")


def _remove_orphans(target: Path) -> None:
    """Temporary files of `target` whose writer is dead (killed mid-write) are removed."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(\d+){re.escape(TEMP_SUFFIX)}")
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            found = pattern.fullmatch(entry.name)
            if found and int(found.group(1)) != os.getpid() and not pid_alive(int(found.group(1))):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _check_target(target: Path) -> None:
    """Refuse what a rename would only refuse after all the work: a folder, a read-only file."""
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
    if target.exists() and not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(target))


def _sync_dir(folder: Path) -> None:
    """Make the rename itself durable (a directory entry is data too)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # some filesystems do not let a folder be opened; the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def commit(temp: Path, target: Path) -> None:
    """Flush `temp` to disk and rename it over `target` (keeping the target's permission bits)."""
    fd = os.open(temp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    with contextlib.suppress(OSError):
        os.chmod(temp, target.stat().st_mode & 0o7777)
    os.replace(temp, target)
    _sync_dir(target.parent)


@contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """A temporary path to write instead of `target`; it replaces `target` when the block succeeds.

    On any error (a full disk included) the temporary file is removed and `target` is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _check_target(target)
    _remove_orphans(target)
    temp = temp_path(target)
    # Created now, empty and with the usual permissions, so an unwritable folder fails before any work.
    os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666))
    try:
        yield temp
        commit(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


@contextmanager
def atomic_open(target: Path | str, *, encoding: str = "utf-8", newline: str | None = None) -> Iterator[IO[str]]:
    """A text file to write instead of `target`; it replaces `target` when the block succeeds."""
    with atomic_path(target) as temp, temp.open("w", encoding=encoding, newline=newline) as fh:
        yield fh


def write_text(target: Path | str, text: str, *, encoding: str = "utf-8") -> None:
    """Write the whole of `text` to `target`, or leave `target` as it was."""
    with atomic_open(target, encoding=encoding) as fh:
        fh.write(text)


def write_bytes(target: Path | str, data: bytes) -> None:
    """Write the whole of `data` to `target`, or leave `target` as it was."""
    with atomic_path(target) as temp:
        temp.write_bytes(data)


@contextmanager
def workbook(target: Path | str, *, write_only: bool = False) -> Iterator[Workbook]:
    """An openpyxl workbook to fill in the block, saved to `target` whole at its end, or not at all."""
    with atomic_path(target) as temp:
        wb = Workbook(write_only=write_only)
        with _guarded(wb, target):
            yield wb
            _save(wb, temp)


def workbook_bytes(fill: Callable[[Workbook], None], target: Path | str = "") -> bytes:
    """A new write-only workbook filled by `fill` and saved into memory, with the same handling of a
    full disk as `workbook` (`target` names the file in the message)."""
    wb = Workbook(write_only=True)
    buffer = io.BytesIO()
    with _guarded(wb, target):
        fill(wb)
        _save(wb, buffer)
    return buffer.getvalue()


@contextmanager
def _guarded(wb: Workbook, target: Path | str) -> Iterator[None]:
    """A write-only workbook streams its rows to temporary files of openpyxl's; when one cannot be
    written (a full disk) the error becomes an OSError and the half-written sheets are closed here,
    so that nothing prints a traceback when they are collected later."""
    try:
        yield
    except etree.SerialisationError as exc:
        _abandon(wb)
        full = any(code in str(exc) for code in ("ENOSPC", "EFBIG", "EDQUOT"))
        raise OSError(errno.ENOSPC if full else errno.EIO, f"写临时文件失败（{exc}）", str(target)) from None
    except BaseException:
        _abandon(wb)
        raise


def _save(wb: Workbook, path: Path | IO[bytes]) -> None:
    # openpyxl's own save leaves its zip file open when a write fails, and the zip file's clean-up
    # then prints a traceback; here the zip file is closed whatever happens.
    with ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        wb.properties.modified = datetime.now(UTC).replace(tzinfo=None)
        if wb.write_only and not wb.worksheets:
            wb.create_sheet()
        ExcelWriter(wb, archive).write_data()


def _abandon(wb: Workbook) -> None:
    """Close the row streams of a write-only workbook that will not be saved, ignoring their errors."""
    for ws in wb.worksheets:
        for stream in (getattr(ws, "_rows", None), getattr(getattr(ws, "_writer", None), "xf", None)):
            if stream is not None:
                with contextlib.suppress(Exception):
                    stream.close()
