"""`xinxi user …`: accounts for the web pages."""

from __future__ import annotations

import sys

import click
from rich.table import Table

from tracker import store, users
from tracker.cli.app import by_option, cli, default_user, shown_time, with_settings
from tracker.cli.output import console_for
from tracker.config import Settings
from tracker.errors import XinxiError
from tracker.units import load_units


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    # Hidden input needs a terminal; without one getpass warns in English and echoes anyway.
    terminal = sys.stdin.isatty()
    try:
        return click.prompt("密码", hide_input=terminal, confirmation_prompt="再输一遍", prompt_suffix="：")
    except click.exceptions.Abort:
        if terminal:
            raise
        raise XinxiError("没有读到密码（标准输入不是终端）：在终端里运行，或加 --password-stdin 从标准输入送入密码") from None


@cli.group("user")
def user_group() -> None:
    """网页的账号：办公室（可审核、录入、发布）与单位（只看排名和本单位明细）。

    例如：xinxi user list
    """


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(tuple(users.ROLES)), required=True,
              help="office：办公室，什么都能做；unit：单位，只能查看排名和本单位的明细。")
@click.option("--unit", default=None, help="单位账号所属的单位（编号、全称或别名）。")
@click.option("--password-stdin", "from_stdin", is_flag=True, help="从标准输入读一行作为密码（不提示）。")
@by_option
@with_settings
def user_add(settings: Settings, name: str, role: str, unit: str | None, from_stdin: bool, by: str | None) -> None:
    """新建账号。不加 --password-stdin 时提示输入两遍密码。

    例如：xinxi user add wujin --role unit --unit 武进区总工会
    """
    registry = load_units(settings.config_dir)
    password = _password(from_stdin)
    db = store.open_db(settings.db_path)
    try:
        user = users.add_user(db, registry, name, role, password, unit=unit, by=by or default_user())
    finally:
        db.close()
    what = users.ROLES[role] + (f"：{registry.name_of(user.unit_id)}" if user.unit_id else "")
    click.echo(f"已建账号 {user.name}（{what}）。")


@user_group.command("passwd")
@click.argument("name")
@click.option("--password-stdin", "from_stdin", is_flag=True, help="从标准输入读一行作为新密码。")
@with_settings
def user_passwd(settings: Settings, name: str, from_stdin: bool) -> None:
    """修改账号的密码。

    例如：xinxi user passwd wujin
    """
    password = _password(from_stdin)
    db = store.open_db(settings.db_path)
    try:
        users.set_password(db, name, password)
    finally:
        db.close()
    click.echo(f"已修改 {name} 的密码。")


@user_group.command("list")
@with_settings
def user_list(settings: Settings) -> None:
    """列出全部账号。

    例如：xinxi user list
    """
    registry = load_units(settings.config_dir)
    db = store.open_db(settings.db_path)
    try:
        rows = users.list_users(db)
    finally:
        db.close()
    table = Table(title=f"账号（{len(rows)} 个）")
    for header in ("用户名", "角色", "单位", "建立", "上次登录", "状态"):
        table.add_column(header)
    for r in rows:
        state = f"已停用（{shown_time(r['disabled_at'], settings.timezone)}）" if r["disabled_at"] else "有效"
        if r["failed_logins"]:
            state += f"，连续登录失败 {r['failed_logins']} 次"
        table.add_row(r["name"], users.ROLES.get(r["role"], r["role"]), registry.name_of(r["unit_id"]) or "",
                      f"{shown_time(r['created_at'], settings.timezone)} {r['created_by'] or ''}",
                      shown_time(r["last_login_at"], settings.timezone), state)
    console_for().print(table)


@user_group.command("disable")
@click.argument("name")
@by_option
@with_settings
def user_disable(settings: Settings, name: str, by: str | None) -> None:
    """停用账号：不能再登录，已登录的页面在下一次操作时退出。

    例如：xinxi user disable wujin
    """
    db = store.open_db(settings.db_path)
    try:
        users.disable_user(db, name, by=by or default_user(), tz=settings.timezone)
    finally:
        db.close()
    click.echo(f"已停用 {name}。")
