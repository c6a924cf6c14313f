"""`xinxi replica serve`: the local replica of the municipal site, for the demo, tests and benchmarks."""

from __future__ import annotations

import subprocess
import sys

import click

from tracker.cli.app import cli


@cli.group()
def replica() -> None:
    """常州市总工会网站和江苏工会网的本地副本（只在 127.0.0.1 上），供演示、测试与基准测试使用。

    例如：xinxi replica serve --port 8000
    """


@replica.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="监听端口；0 表示由系统分配。")
@click.option("--articles", type=click.IntRange(min=0), default=500, show_default=True, metavar="篇数",
              help="市总网站副本上有多少篇文章。")
@click.option("--seed", type=int, default=1, show_default=True, metavar="数字",
              help="换一个数字就换一批文章；数字和篇数都相同时，网站内容完全相同。")
@click.option("--slow-seconds", type=click.FloatRange(min=0), default=2.0, show_default=True, metavar="秒",
              help="副本里有一篇文章故意打开得慢（检验抓取的超时处理），它要等这么多秒。")
@click.option("--provincial-port", type=click.IntRange(0, 65535), default=8001, show_default=True,
              help="江苏工会网副本的监听端口；0 表示由系统分配。")
@click.option("--provincial-articles", type=click.IntRange(min=0), default=2000, show_default=True, metavar="篇数",
              help="江苏工会网副本的稿件数（约九成来自其他设区市）。")
@click.option("--no-provincial", is_flag=True, help="只提供市总网站副本。")
def replica_serve(port: int, articles: int, seed: int, slow_seconds: float, provincial_port: int,
                  provincial_articles: int, no_provincial: bool) -> None:
    """在 127.0.0.1 上提供网站副本（市总网站与江苏工会网各一个端口），直到按 Ctrl+C。

    每个副本输出一行 REPLICA http://127.0.0.1:端口 及网站名；抓取时用 --base-url czgh=http://127.0.0.1:端口、
    --base-url jsgh=http://127.0.0.1:端口（jsghfw 同）指向它们。

    例如：xinxi replica serve --port 8000，再在另一个窗口运行 xinxi crawl --base-url czgh=http://127.0.0.1:8000
    """
    argvs = [[sys.executable, "-m", "crawler.replica", "serve", "--port", str(port), "--articles", str(articles),
              "--seed", str(seed), "--slow-seconds", str(slow_seconds), "--stop-on-eof"]]
    if not no_provincial:
        argvs.append([sys.executable, "-m", "crawler.replica.hanweb", "serve", "--port", str(provincial_port),
                      "--articles", str(provincial_articles), "--seed", str(seed), "--stop-on-eof"])
    # Each replica stops by itself when this process ends, however it ends: its stdin pipe closes.
    procs = [subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for argv in argvs]
    for label, proc in zip(("czgh（市总网站）", "jsgh / jsghfw（江苏工会网）"), procs, strict=False):
        line = proc.stdout.readline().strip() if proc.stdout else ""
        click.echo(f"{line}  {label}" if line else f"{label} 副本没有启动")
    try:
        code = max(proc.wait() for proc in procs)
    except KeyboardInterrupt:
        for proc in procs:
            proc.wait()
        code = 130
    sys.exit(code)
