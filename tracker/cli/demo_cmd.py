"""`xinxi demo`: the whole job against the local replica."""

from __future__ import annotations

import sys

import click

from tracker.cli.app import cli


@cli.command()
@click.option("--articles", type=int, default=600, show_default=True, help="网站副本的文章数。")
@click.option("--seed", type=int, default=1, show_default=True, help="副本内容的随机种子。")
def demo(articles: int, seed: int) -> None:
    """演示：在本机启动网站副本，抓取、归属、计分并打印结果（数据库在 data/demo/）。

    例如：xinxi demo --articles 300
    """
    from tracker.demo.municipal import run_demo

    sys.exit(run_demo(articles=articles, seed=seed))
