"""The `xinxi` command: a thin skin over the tracker library.

Every command takes --config DIR, --db PATH and --base-url SITE=URL, before or after its name.
Command groups live in sibling modules and are registered at the bottom of this file.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from tracker.config import ConfigError, Settings, load_settings, parse_base_urls
from tracker.errors import XinxiError


# Commands that may start a new database (or look at one that is missing and say so themselves).
CREATES_DB = {"crawl", "recrawl", "demo", "schedule", "config", "replica", "check", "backup", "entry"}


def shown_time(stamp: str | None, tz: str = "Asia/Shanghai") -> str:
    """A stored UTC time as the office reads it: local, to the minute."""
    if not stamp:
        return ""
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


class AppContext:
    """What the group-level options resolved to; commands may override each part."""

    def __init__(self) -> None:
        self.config_dir: Path | None = None
        self.db: Path | None = None
        self.base_urls: tuple[str, ...] = ()

    def settings(self, config_dir: Path | None = None, db: Path | None = None,
                 base_urls: tuple[str, ...] = ()) -> Settings:
        return load_settings(
            config_dir or self.config_dir,
            db=db or self.db,
            base_urls=parse_base_urls(list(self.base_urls) + list(base_urls)),
        )


def _common_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--base-url", "base_urls", multiple=True, metavar="SITE=URL",
                      help="把某个网站指向另一个地址，例如 czgh=http://127.0.0.1:8000（可重复）。")(fn)
    fn = click.option("--db", "db", type=click.Path(path_type=Path), default=None,
                      help="SQLite 数据库文件（默认见 config/settings.toml）。")(fn)
    fn = click.option("--config", "config_dir", type=click.Path(path_type=Path, file_okay=False),
                      default=None, help="配置目录（默认 config/）。")(fn)
    return fn


def with_settings(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add the common options to a command and pass it the resolved `settings`."""

    @_common_options
    @functools.wraps(fn)
    def wrapper(*args: Any, config_dir: Path | None, db: Path | None, base_urls: tuple[str, ...],
                **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        app = ctx.find_object(AppContext) or AppContext()
        settings = app.settings(config_dir, db, base_urls)
        top = ctx.command_path.split()[1] if len(ctx.command_path.split()) > 1 else ""
        if top not in CREATES_DB and not settings.db_path.exists():
            # A mistyped --db would otherwise open a new, empty database and look like "nothing found".
            raise XinxiError(f"数据库 {settings.db_path} 不存在（检查 --db，或先运行 xinxi crawl）")
        return fn(*args, settings=settings, **kwargs)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@_common_options
@click.version_option(package_name="xinxi")
@click.pass_context
def cli(ctx: click.Context, config_dir: Path | None, db: Path | None, base_urls: tuple[str, ...]) -> None:
    """xinxi：常州市总工会信息采用统计。抓取网站、归属单位、按考评办法计分并出报表。"""
    app = ctx.ensure_object(AppContext)
    app.config_dir, app.db, app.base_urls = config_dir, db, base_urls


CLICK_PHRASES = (
    (r"'(.*)' is not a valid integer( range)?\.?", r"“\1”不是整数"),
    (r"'(.*)' is not a valid float( range)?\.?", r"“\1”不是数字"),
    (r"'(.*)' is not one of (.*)\.", r"“\1”不是可选值之一：\2"),
    (r"'(.*)' is not a valid choice\. Choose from:?(.*)", r"“\1”不是可选值之一：\2"),
    (r"(?:File|Directory|Path) '(.*)' does not exist\.", r"“\1”不存在"),
    (r"(?:File|Directory|Path) '(.*)' is a directory\.", r"“\1”是目录，不是文件"),
    (r"(?:File|Directory|Path) '(.*)' is a file\.", r"“\1”是文件，不是目录"),
)


def click_message(exc: click.exceptions.ClickException) -> str:
    """Click's own complaints, in the users' language."""
    if isinstance(exc, click.exceptions.MissingParameter):
        hint = exc.param.get_error_hint(exc.ctx) if exc.param is not None and exc.ctx is not None else "参数"
        return f"缺少 {hint}"
    if isinstance(exc, click.exceptions.NoSuchOption):
        return f"没有选项 {exc.option_name}"
    message = exc.format_message() if not isinstance(exc, click.exceptions.BadParameter) else exc.message
    for pattern, replacement in CLICK_PHRASES:
        message = re.sub(pattern, replacement, message)
    if isinstance(exc, click.exceptions.BadParameter):
        hint = exc.param.get_error_hint(exc.ctx) if exc.param is not None and exc.ctx is not None else "参数"
        return f"{hint} 的值无效：{message}"
    if message.startswith("No such command"):
        return message.replace("No such command", "没有命令").rstrip(".")
    if message.startswith("Got unexpected extra argument"):
        return "多余的参数：" + message.split("(", 1)[-1].rstrip(")")
    return message


def main(argv: list[str] | None = None) -> None:
    """Entry point: domain errors become one line on stderr and exit status 2."""
    try:
        code = cli.main(args=argv, prog_name="xinxi", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("已取消。", err=True)
        sys.exit(130)
    except click.exceptions.ClickException as exc:
        click.echo(f"错误：{click_message(exc)}", err=True)
        if isinstance(exc, click.exceptions.UsageError) and exc.ctx is not None:
            click.echo(f"用 {exc.ctx.command_path} --help 查看用法。", err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:
        # The last net for disk trouble (a full disk, a file open elsewhere): one line, no traceback.
        where = f"：{exc.filename}" if exc.filename else ""
        click.echo(f"错误：{exc.strerror or exc}{where}", err=True)
        sys.exit(2)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except (ConfigError, XinxiError) as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    # With standalone_mode off, click hands back the code of ctx.exit(n) instead of exiting.
    sys.exit(code if isinstance(code, int) else 0)


# Command modules register themselves on `cli` when imported.
from tracker.cli import config_cmd  # noqa: E402,F401
from tracker.cli import crawl_cmd  # noqa: E402,F401
from tracker.cli import demo_cmd  # noqa: E402,F401
from tracker.cli import ops_cmd  # noqa: E402,F401
from tracker.cli import score_cmd  # noqa: E402,F401
from tracker.cli import replica_cmd  # noqa: E402,F401
from tracker.cli import review_cmd  # noqa: E402,F401
