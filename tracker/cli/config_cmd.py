"""`xinxi config show`: the resolved configuration."""

from __future__ import annotations

import json

import click

from tracker.cli import cli, with_settings
from tracker.config import Settings, settings_as_dict


@cli.group()
def config() -> None:
    """查看配置。"""


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@with_settings
def config_show(settings: Settings, as_json: bool) -> None:
    """显示合并命令行、环境变量与配置文件之后实际生效的配置。"""
    data = settings_as_dict(settings)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"配置目录：{data['config_dir']}")
    click.echo(f"数据库：{data['db_path']}")
    click.echo(f"时区：{data['timezone']}")
    for site in settings.sites.values():
        click.echo(f"网站 {site.key}（{site.name}）：{site.base_url}")
        for col in site.columns:
            click.echo(f"  - {col.key} {col.name} → {col.category}  {col.list_url}")
