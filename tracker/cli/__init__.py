"""The `xinxi` command: a thin skin over the tracker library.

Every command takes --config DIR, --db PATH and --base-url SITE=URL, before or after its name.
Command groups live in sibling modules and are registered at the bottom of this file.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from tracker.config import ConfigError, Settings, load_settings, parse_base_urls
from tracker.errors import XinxiError


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
        app = click.get_current_context().find_object(AppContext) or AppContext()
        return fn(*args, settings=app.settings(config_dir, db, base_urls), **kwargs)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@_common_options
@click.version_option(package_name="xinxi")
@click.pass_context
def cli(ctx: click.Context, config_dir: Path | None, db: Path | None, base_urls: tuple[str, ...]) -> None:
    """xinxi：常州市总工会信息采用统计。抓取网站、归属单位、按考评办法计分并出报表。"""
    app = ctx.ensure_object(AppContext)
    app.config_dir, app.db, app.base_urls = config_dir, db, base_urls


def main(argv: list[str] | None = None) -> None:
    """Entry point: domain errors become one line on stderr and exit status 2."""
    try:
        code = cli.main(args=argv, prog_name="xinxi", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("已取消。", err=True)
        sys.exit(130)
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
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
