"""One output option for every listing: `--format` (table, json, csv, xlsx as fits), `--output FILE`, `--json`.

A command decorated with `output_options(...)` receives `out`, an `Output`, and hands it its records (dicts
with the same keys as its JSON) and a function drawing the terminal table; files are written whole through
tracker.files, so an interrupted write leaves the old file as it was.
"""

from __future__ import annotations

import csv
import errno
import functools
import io
import itertools
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from tracker import files
from tracker.scores.scorer import ScoringError
from tracker.text import clean_tree, plain_cell


def console_for() -> Console:
    """A console for tables: the terminal's width, or wide enough not to fold names when piped."""
    return Console(width=None if sys.stdout.isatty() else 200)


def print_tables(output: Path | None, *tables: Any) -> None:
    """Tables (or lines) on the terminal, or rendered as plain text into the file `output` (written whole)."""
    buffer = io.StringIO()
    console = console_for() if output is None else Console(file=buffer, width=200)
    for table in tables:
        console.print(table)
    if output is not None:
        emit(buffer.getvalue(), output)


def writing(write: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a file writer; a file that cannot be written becomes one clear line instead of a traceback."""
    try:
        return write(*args, **kwargs)
    except OSError as exc:
        name = exc.filename or (args[-1] if args else "")
        if isinstance(exc, PermissionError):
            why = "没有写入权限，或者文件正在 Excel、WPS 中打开（关闭后再试）"
        elif isinstance(exc, IsADirectoryError):
            why = "这是一个文件夹，请写出文件名，例如 报表.xlsx"
        elif isinstance(exc, (FileNotFoundError, NotADirectoryError, FileExistsError)):
            why = "所在的文件夹不存在或不是文件夹"
        elif exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            why = "磁盘空间不足（原有的文件未被改动）"
        else:
            why = exc.strerror or str(exc)
        raise ScoringError(f"无法写入 {name}：{why}") from None


def json_text(value: Any, indent: int = 1) -> str:
    """JSON for a terminal or a file: stored text is scraped text, so control characters (ESC, the C1 block)
    are dropped rather than escaped into a terminal that might act on them."""
    return json.dumps(clean_tree(value), ensure_ascii=False, indent=indent)


def _write_text(text: str, output: Path) -> None:
    files.write_text(output, text, encoding="utf-8-sig" if output.suffix.lower() == ".csv" else "utf-8")


def emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        writing(_write_text, text, output)
        click.echo(f"已写入 {output}", err=True)


def _cell(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def csv_text(records: list[dict[str, Any]], fields: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(fields)
    for r in records:
        writer.writerow([plain_cell(_cell(r.get(f))) if isinstance(_cell(r.get(f)), str) else _cell(r.get(f))
                         for f in fields])
    return buffer.getvalue()


def _write_xlsx(records: list[dict[str, Any]], fields: list[str], path: Path) -> None:
    with files.workbook(path) as wb:
        sheet = wb.active
        sheet.append(fields)
        for r in records:
            sheet.append([plain_cell(v) if isinstance(v := _cell(r.get(f)), str) else v for f in fields])


@dataclass(frozen=True)
class Output:
    fmt: str
    path: Path | None

    @property
    def table(self) -> bool:
        return self.fmt == "table"

    def data(self, records: Any, fields: list[str] | None = None) -> None:
        """Records (or, for json, any JSON value) in the chosen format, on the terminal or into the file."""
        if self.fmt == "json":
            emit(json_text(records), self.path)
            return
        rows = records if isinstance(records, list) else [records]
        keys = list(rows[0]) if rows else list(fields or [])  # the header stays when nothing is listed
        if self.fmt == "csv":
            emit(csv_text(rows, keys), self.path)
        elif self.fmt == "xlsx":
            assert self.path is not None  # checked when the options were read
            writing(_write_xlsx, rows, keys, self.path)
            click.echo(f"已写入 {self.path}", err=True)

    def stream(self, rows: Iterator[dict[str, Any]], shape: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
               fields: Sequence[str] = (), page: int = 500) -> None:
        """Rows shaped a page at a time: output starts at once and the whole listing never sits in memory."""
        pages = (shape(chunk) for chunk in iter(lambda: list(itertools.islice(rows, page)), []))
        if self.fmt == "xlsx":
            self.data([r for p in pages for r in p], list(fields))
        elif self.path is None:
            _stream(self.fmt, pages, fields, lambda text: click.echo(text, nl=False))
        else:
            writing(self._stream_to_file, pages, fields, self.path)
            click.echo(f"已写入 {self.path}", err=True)

    def _stream_to_file(self, pages: Iterator[list[dict[str, Any]]], fields: Sequence[str], path: Path) -> None:
        encoding = "utf-8-sig" if self.fmt == "csv" else "utf-8"
        with files.atomic_open(path, encoding=encoding, newline="") as fh:
            _stream(self.fmt, pages, fields, fh.write)

    def tables(self, *tables: Any) -> None:
        print_tables(self.path, *tables)


def _stream(fmt: str, pages: Iterator[list[dict[str, Any]]], fields: Sequence[str], write: Callable[[str], Any]) -> None:
    """A JSON array (laid out as json.dumps(indent=1) would) or a CSV table, written a page at a time."""
    first = True
    for shaped in pages:
        if fmt == "json":
            write(("[\n" if first else ",\n") + json_text(shaped)[2:-2])
        else:
            keys = list(shaped[0]) if shaped else list(fields)
            write(csv_text(shaped, keys) if first else csv_text(shaped, keys).split("\n", 1)[1])
        first = False
    if fmt == "json":
        write("[]\n" if first else "\n]\n")
    elif first:
        write(csv_text([], list(fields)))


def _default(ctx: click.Context, name: str) -> bool:
    return ctx.get_parameter_source(name) in (None, click.core.ParameterSource.DEFAULT)


def _format_of(output: Path, choices: Sequence[str]) -> str:
    """The format a file's name asks for, when --format was not given: 名单.csv is CSV, 表.txt a table as text."""
    suffix = output.suffix.lower().lstrip(".")
    if suffix in choices and suffix != "table":
        return suffix
    if suffix in ("", "txt"):
        return "table"
    known = "、".join(f".{c}" for c in choices if c != "table")
    raise click.UsageError(f"--output {output}：不认识 .{suffix} 文件；请写成 {known} 或 .txt（表格文字），"
                           "或用 --format 指明格式")


def output_options(*formats: str, json_flag: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add --format (the first of `formats` by default), --output and, where it existed, --json."""
    choices = ("table", *formats)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, fmt: str, output: Path | None, as_json: bool = False, **kwargs: Any) -> Any:
            if as_json:
                fmt = "json"
            elif output is not None and _default(click.get_current_context(), "fmt"):
                fmt = _format_of(output, choices)
            if fmt == "xlsx" and output is None:
                raise click.UsageError("--format xlsx 须配 --output 文件名.xlsx")
            return fn(*args, out=Output(fmt, output), **kwargs)

        if json_flag:
            wrapper = click.option("--json", "as_json", is_flag=True, help="即 --format json。")(wrapper)
        wrapper = click.option("--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
                               metavar="文件", help="写入这个文件（整体写入，不留半个文件）。")(wrapper)
        wrapper = click.option("--format", "fmt", type=click.Choice(choices), default="table", show_default=True,
                               help="输出格式" + ("；xlsx 须配 --output。" if "xlsx" in choices else "。"))(wrapper)
        return wrapper

    return decorate
