"""`xinxi config show`: the resolved configuration."""

from __future__ import annotations

import click

from tracker.cli.app import cli, with_settings
from tracker.cli.output import Output, output_options
from tracker.config import Settings, settings_as_dict


@cli.group()
def config() -> None:
    """查看配置。

    例如：xinxi config show
    """


@config.command("show")
@output_options("json")
@with_settings
def config_show(settings: Settings, out: Output) -> None:
    """显示合并命令行、环境变量与配置文件之后实际生效的配置。

    例如：xinxi config show --base-url czgh=http://127.0.0.1:8000 --json
    """
    data = settings_as_dict(settings)
    if not out.table:
        out.data(data)
        return
    click.echo(f"配置目录：{data['config_dir']}")
    click.echo(f"数据库：{data['db_path']}")
    click.echo(f"时区：{data['timezone']}")
    for site in settings.sites.values():
        click.echo(f"网站 {site.key}（{site.name}）：{site.base_url}")
        for col in site.columns:
            click.echo(f"  - {col.key} {col.name} → {col.category}  {col.list_url}")
