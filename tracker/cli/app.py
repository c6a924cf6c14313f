"""The `xinxi` group itself: its options, how a command gets its settings, and how errors end a command.

Every command takes --config DIR, --db PATH and --base-url SITE=URL, before or after its name. The
commands live in sibling modules, each registering its own on `cli` when tracker.cli imports it.
"""

from __future__ import annotations

import functools
import getpass
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from tracker.cli.chinese import XinxiCommand, XinxiSubGroup
from tracker.cli.params import BadValue, OutOfRange, check_base_urls
from tracker.config import ConfigError, Settings, load_settings, parse_base_urls
from tracker.errors import XinxiError
from tracker.ops.settings import load_ops
from tracker.times import shown_time as shown_time  # the commands format times through this one name

# Commands that may start a new database (or look at one that is missing and say so themselves).
CREATES_DB = {"crawl", "recrawl", "demo", "schedule", "config", "replica", "check", "backup", "entry"}


class AppContext:
    """What the group-level options resolved to; commands may override each part."""

    def __init__(self) -> None:
        self.config_dir: Path | None = None
        self.db: Path | None = None
        self.base_urls: tuple[str, ...] = ()

    def settings(self, config_dir: Path | None = None, db: Path | None = None,
                 base_urls: tuple[str, ...] = ()) -> Settings:
        pairs = list(self.base_urls) + list(base_urls)
        config_dir, db = config_dir or self.config_dir, db or self.db
        try:
            settings = load_settings(config_dir, db=db, base_urls=parse_base_urls(pairs))
        except ConfigError as exc:
            if exc.path != Path("--base-url"):
                raise
            # A site the config does not have: blamed on the option as its other mistakes are.
            known = load_settings(config_dir, db=db).sites
            wrong = [p for p in pairs if p.partition("=")[0].strip() not in known]
            if not wrong:
                raise
            site = wrong[0].partition("=")[0].strip()
            raise BadValue(f"没有网站 {site}，可选：{'、'.join(known)}", wrong[0], "--base-url") from None
        load_ops(settings)  # every table of settings.toml is checked by every command, not only by schedule
        return settings


def common_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--base-url", "base_urls", multiple=True, metavar="网站=地址", callback=check_base_urls,
                      help="把某个网站指向另一个地址，例如 czgh=http://127.0.0.1:8000（可重复）。")(fn)
    fn = click.option("--db", "db", type=click.Path(path_type=Path), default=None,
                      help="SQLite 数据库文件（默认见 config/settings.toml）。")(fn)
    fn = click.option("--config", "config_dir", type=click.Path(path_type=Path, file_okay=False),
                      default=None, help="配置目录（默认 config/）。")(fn)
    return fn


class DatabaseProblem(XinxiError):
    """The database file cannot be used as asked: not SQLite, a folder, read-only, locked, disk full."""


# SQLite's complaints, most specific first, as (text in the error, what the office reads).
SQLITE_TROUBLE = (
    ("file is not a database", "不是 xinxi 的数据库（不是 SQLite 文件），请检查 --db"),
    ("malformed", "已损坏（运行 xinxi check 查看；先用 xinxi backup 备份）"),
    ("readonly", "是只读的，无法写入（检查文件及所在文件夹的写入权限）"),
    ("locked", "被另一个程序占用，等待超时（稍后再试；xinxi status 可查看正在运行的任务）"),
    ("busy", "被另一个程序占用，等待超时（稍后再试；xinxi status 可查看正在运行的任务）"),
    ("full", "无法写入：磁盘已满（腾出空间后再试；已存的数据不受影响）"),
    ("disk i/o", "读写时磁盘出错（检查磁盘和文件权限）"),
    ("unable to open", "无法打开（检查路径和权限）"),
)


def database_problem(exc: sqlite3.Error, path: Path) -> DatabaseProblem:
    """One line naming the database and what is wrong with it, the driver's words kept for the engineer."""
    text = str(exc)
    if path.is_dir():
        return DatabaseProblem(f"数据库 {path} 是一个文件夹，不是数据库文件（检查 --db）")
    words = next((w for needle, w in SQLITE_TROUBLE if needle in text.lower()), None)
    return DatabaseProblem(f"数据库 {path} {words}［{text}］" if words else f"数据库 {path} 出错：{text}")


DEMO_DB = Path("data/demo/xinxi.db")


def demo_hint(missing: Path) -> str:
    """After `make demo` the other commands still read data/xinxi.db: say how to keep using the demo's."""
    if not DEMO_DB.exists() or missing.resolve() == DEMO_DB.resolve():
        return ""
    return f"；要接着用演示的数据：export XINXI_DB={DEMO_DB}，或加 --db {DEMO_DB}"


def with_settings(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add the common options to a command and pass it the resolved `settings`.

    Database trouble of any command (sqlite3 errors) becomes one line naming the file.
    """

    @common_options
    @functools.wraps(fn)
    def wrapper(*args: Any, config_dir: Path | None, db: Path | None, base_urls: tuple[str, ...],
                **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        app = ctx.find_object(AppContext) or AppContext()
        settings = app.settings(config_dir, db, base_urls)
        top = ctx.command_path.split()[1] if len(ctx.command_path.split()) > 1 else ""
        if settings.db_path.is_dir():
            raise DatabaseProblem(f"数据库 {settings.db_path} 是一个文件夹，不是数据库文件（检查 --db）")
        if top not in CREATES_DB and not settings.db_path.exists():
            # A mistyped --db would otherwise open a new, empty database and look like "nothing found".
            raise XinxiError(f"数据库 {settings.db_path} 不存在（检查 --db，或先运行 xinxi crawl）{demo_hint(settings.db_path)}")
        try:
            return fn(*args, settings=settings, **kwargs)
        except sqlite3.Error as exc:
            raise database_problem(exc, settings.db_path) from None
        except OverflowError as exc:  # a number past SQLite's 64 bits that no option check caught
            raise XinxiError(f"数字超出范围（最大 {2**63 - 1}）：{exc}") from None

    return wrapper


class XinxiGroup(XinxiSubGroup):
    """The top group: click's own complaints are told in Chinese, in one line, also under CliRunner."""

    command_class = XinxiCommand
    group_class = XinxiSubGroup

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            click.echo("已取消。", err=True)
            sys.exit(130)
        except click.exceptions.ClickException as exc:
            click.echo(f"错误：{click_message(exc)}", err=True)
            if isinstance(exc, click.exceptions.UsageError) and not isinstance(exc, (OutOfRange, BadValue)) \
                    and exc.ctx is not None:
                click.echo(f"用 {exc.ctx.command_path} --help 查看用法。", err=True)
            sys.exit(exc.exit_code)
        # With standalone_mode off, click hands back the code of ctx.exit(n) instead of exiting.
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=XinxiGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@common_options
@click.version_option(package_name="xinxi")
@click.pass_context
def cli(ctx: click.Context, config_dir: Path | None, db: Path | None, base_urls: tuple[str, ...]) -> None:
    """xinxi：常州市总工会信息采用统计。抓取网站、归属单位、按考评办法计分并出报表。

    例如：xinxi --db data/demo/xinxi.db status
    """
    app = ctx.ensure_object(AppContext)
    app.config_dir, app.db, app.base_urls = config_dir, db, base_urls


def param_hint(exc: click.exceptions.BadParameter) -> str:
    """The option or argument a refusal is about, as typed (--port) or as its help names it (文章)."""
    if isinstance(exc.param_hint, str):
        return exc.param_hint
    if exc.param is None or exc.ctx is None:
        return "参数"
    if isinstance(exc.param, click.Option):
        return " / ".join(exc.param.opts)
    return exc.param.make_metavar(exc.ctx).removesuffix("...").strip("[]")   # [录入编号], 文件... as 录入编号, 文件


def click_message(exc: click.exceptions.ClickException) -> str:
    """Click's own complaint, already Chinese (see tracker.cli.chinese), with the option named."""
    if isinstance(exc, click.exceptions.MissingParameter):
        return f"缺少{'参数' if isinstance(exc.param, click.Argument) else '选项'} {param_hint(exc)}"
    if isinstance(exc, (click.exceptions.NoSuchOption, click.exceptions.NoSuchCommand)):
        maybe = f"（是不是要用 {'、'.join(sorted(exc.possibilities))}？）" if exc.possibilities else ""
        return f"{exc.message}{maybe}"
    if isinstance(exc, BadValue):
        return f'{param_hint(exc)} 的值 "{exc.value}" 不对：{exc.message}'
    if isinstance(exc, click.exceptions.BadParameter):
        return f"{param_hint(exc)} 的值无效：{exc.message}"
    return exc.format_message()


def _stop_on_sigterm(signum: int, _frame: Any) -> None:
    # SIGTERM takes the same way out as Ctrl-C: runs are closed as interrupted and the lock released.
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> None:
    """Entry point: domain errors become one line on stderr and exit status 2."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        cli.main(args=argv, prog_name="xinxi")
    except OSError as exc:
        # The last net for disk trouble (a full disk, a file open elsewhere): one line, no traceback.
        where = f"：{exc.filename}" if exc.filename else ""
        click.echo(f"错误：{exc.strerror or exc}{where}", err=True)
        sys.exit(2)
    except (ConfigError, XinxiError) as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    except sqlite3.Error as exc:  # the last net, for a command that does not open the database itself
        click.echo(f"错误：数据库出错：{exc}", err=True)
        sys.exit(2)


def default_user() -> str:
    """Who is acting: XINXI_USER, or the login name."""
    return os.environ.get("XINXI_USER") or getpass.getuser()


def by_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--by", default=None, help="操作人（默认取环境变量 XINXI_USER 或登录名）。")(fn)
