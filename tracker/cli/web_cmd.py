"""`xinxi web`: the pages for the office and the units, served by waitress."""

from __future__ import annotations

import click

from tracker.cli.app import cli, with_settings
from tracker.config import Settings

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def host_warning(host: str) -> str | None:
    """What to say when the pages are reachable from other machines than this one."""
    if host in LOCAL_HOSTS:
        return None
    return (f"注意：网页监听 {host}，办公网里的其他电脑也能打开登录页。请只在可信的内部网络这样做，"
            "为每个人建自己的账号（xinxi user add），最好经 https 反向代理访问。")


@cli.command("web")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听的地址。默认只有本机能打开；其他地址会让办公网里的电脑也能访问。")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="端口；0 表示任选一个空闲端口。")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True, help="同时处理的请求数。")
@click.option("--proxy", is_flag=True,
              help="在 https 反向代理之后运行：采信代理送来的 X-Forwarded-Proto 与 X-Forwarded-For（会话 Cookie 随之加 Secure）。")
@with_settings
def web_cmd(settings: Settings, host: str, port: int, threads: int, proxy: bool) -> None:
    """启动网页：审核队列、得分与明细、手工录入、报表与发布、运行状态。用浏览器打开显示的地址。

    例如：xinxi web --port 8000
    """
    from waitress.server import create_server

    from tracker.web import create_app

    warning = host_warning(host)
    if warning:
        click.echo(warning, err=True)
    app = create_app(settings, settings.db_path, behind_proxy=proxy)
    server = create_server(app, host=host, port=port, threads=threads, ident="xinxi")
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"网页已启动：http://{shown}:{server.effective_port}/  （按 Ctrl+C 停止）", nl=True)
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("已停止。")
    finally:
        server.close()
