"""`xinxi replica serve`: the local replica of the municipal site, for the demo, tests and benchmarks."""

from __future__ import annotations

import subprocess
import sys

import click

from tracker.cli import cli


@cli.group()
def replica() -> None:
    """常州市总工会网站的本地副本（只在 127.0.0.1 上），供演示、测试与基准测试使用。"""


@replica.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="监听端口；0 表示由系统分配。")
@click.option("--articles", type=click.IntRange(min=0), default=500, show_default=True, help="文章数。")
@click.option("--seed", type=int, default=1, show_default=True, help="随机种子：种子和文章数相同，网站内容逐字节相同。")
@click.option("--slow-seconds", type=click.FloatRange(min=0), default=2.0, show_default=True,
              help="那个慢页面的延迟秒数。")
def replica_serve(port: int, articles: int, seed: int, slow_seconds: float) -> None:
    """在 127.0.0.1 上提供网站副本，直到按 Ctrl+C。

    第一行输出 REPLICA http://127.0.0.1:端口；抓取时用 --base-url czgh=http://127.0.0.1:端口 指向它。
    副本在单独的进程中运行（Twisted 的 reactor 不能在同一进程中重启）。
    """
    argv = [sys.executable, "-m", "crawler.replica", "serve", "--port", str(port), "--articles", str(articles),
            "--seed", str(seed), "--slow-seconds", str(slow_seconds), "--stop-on-eof"]
    # The replica stops by itself when this process ends, however it ends: its stdin pipe closes.
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE)
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        proc.wait()
        code = 130
    sys.exit(code)
