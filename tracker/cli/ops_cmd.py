"""`xinxi schedule`, `status`, `backup`, `check`: run every night by itself and look after the database."""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich import box
from rich.console import Console
from rich.table import Table

from tracker import store
from tracker.cli.app import cli, shown_time, with_settings
from tracker.cli.params import COUNT
from tracker.config import Settings
from tracker.ops import maintenance as ops
from tracker.ops import runs
from tracker.ops.lock import utc_now
from tracker.ops.settings import load_ops
from tracker.text import shown
from tracker.times import zone_words

KINDS = {"crawl": "抓取", "recrawl": "重新抓取", "nightly": "夜间任务"}
TRIGGERS = {"manual": "手动", "schedule": "定时", "catchup": "补跑"}
STATUS = runs.STATUS_WORDS
LEVELS = {"error": "[red]故障[/]", "warning": "[yellow]提醒[/]"}


def _setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s：%(message)s", force=True)


def _local(stamp: str | datetime | None, tz: ZoneInfo) -> str:
    if not stamp:
        return "—"
    if isinstance(stamp, str):
        return shown_time(stamp, tz)
    return stamp.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _duration(run: dict[str, Any]) -> str:
    if not run.get("started_at") or not run.get("finished_at"):
        return "—"
    seconds = int((datetime.fromisoformat(run["finished_at"]) - datetime.fromisoformat(run["started_at"]))
                  .total_seconds())
    return f"{seconds // 60}分{seconds % 60}秒" if seconds >= 60 else f"{seconds}秒"


@cli.command()
@click.option("--once", is_flag=True, help="现在运行一次夜间任务，然后退出（退出码 0 表示成功）。")
@click.option("--if-missed", is_flag=True,
              help="与 --once 合用：只在错过了预定的运行时才补跑（供 cron 的 @reboot 使用）。")
@click.option("--from-cron", is_flag=True,
              help="与 --once 合用：这是 cron 按时启动的夜间运行，记为“定时”而不是“手动”。")
@with_settings
def schedule(settings: Settings, once: bool, if_missed: bool, from_cron: bool) -> None:
    """按 config/settings.toml 的 [schedule] 每晚自动运行：抓取、归属、计分、检查、提醒。

    在前台运行，供 systemd 或终端使用；日志写到标准错误。开机时若错过了预定的运行，会先补跑一次。

    例如：xinxi schedule --once
    """
    from tracker.ops import nightly  # the scheduler's libraries load only for this command
    from tracker.ops.schedule import plan_start

    ops_settings = load_ops(settings)
    _setup_logging()
    if (if_missed or from_cron) and not once:
        raise click.UsageError("--if-missed 和 --from-cron 只能与 --once 一起用")
    if if_missed:
        db = store.open_db(settings.db_path)
        try:
            plan = plan_start(ops_settings.schedule, nightly.last_success(db), utc_now())
        finally:
            db.close()
        click.echo(plan.reason)
        if not plan.catch_up:
            return
    if once:
        trigger = "catchup" if if_missed else "schedule" if from_cron else "manual"
        result = nightly.run_nightly(settings, ops_settings, trigger=trigger)
        click.echo(f"夜间运行 #{result.run_id}：{STATUS[result.status]}"
                   + (f"；{result.error}" if result.error else ""))
        for d in result.deliveries:
            click.echo(f"提醒 {d.channel}：{'已发送' if d.ok else '发送失败：' + (d.error or '')}")
        sys.exit(result.exit_code)
    nightly.serve(settings, ops_settings)
    logging.getLogger(__name__).info("调度程序已停止")


@cli.command()
@click.option("--limit", type=COUNT, default=10, show_default=True, help="显示最近多少次运行。")
@with_settings
def status(settings: Settings, limit: int) -> None:
    """最近的运行、未解决的提醒、待审核数量、下次运行时间。

    例如：xinxi status --limit 5
    """
    ops_settings = load_ops(settings)
    tz = ops_settings.schedule.tz
    db = store.open_db(settings.db_path)
    try:
        st = ops.status(db, ops_settings, utc_now(), limit=limit)
    finally:
        db.close()
    console = Console()
    if st.scheduler:
        console.print(f"调度程序：运行中（主机 {st.scheduler.host}，进程 {st.scheduler.pid}，"
                      f"自 {_local(st.scheduler.acquired_at, tz)} 起）")
    else:
        console.print("调度程序：[yellow]没有在运行[/]（用 xinxi schedule 或 systemd 启动）")
    console.print(f"下次运行：{_local(st.next_run, tz)}（{zone_words(ops_settings.schedule.timezone)}）")
    console.print(f"上次成功的夜间运行：{_local(st.last_success, tz) if st.last_success else '还没有'}")
    if st.lock is None:
        console.print("运行锁：空闲")
    else:
        note = f"；[red]已失效：{st.lock_stale}，下次运行会自动接管[/]" if st.lock_stale else ""
        console.print(f"运行锁：{st.lock.holder} 持有（主机 {st.lock.host}，进程 {st.lock.pid}，"
                      f"自 {_local(st.lock.acquired_at, tz)} 起）{note}")
    console.print(f"待人工审核：{st.review_queue} 篇")

    table = Table(title="最近的运行", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True, show_edge=False)
    for header in ("#", "运行", "开始", "用时", "结果", "新文章", "更新", "解析失败", "出错"):
        table.add_column(header, justify="right" if header in ("#", "新文章", "更新", "解析失败", "出错") else "left",
                         no_wrap=True)
    for run in st.runs:
        result = STATUS.get(run["status"], run["status"])
        if run["status"] in runs.STOPPED:
            result = f"[red]{result}[/]"
        elif run["status"] == "limited":
            result = f"[yellow]{result}[/]"
        what = KINDS.get(run["kind"], run["kind"]) + (f" {run['site']}" if run["site"] else "")
        table.add_row(str(run["id"]), f"{what}·{TRIGGERS.get(run['trigger'], run['trigger'])}",
                      _local(run["started_at"], tz)[5:], _duration(run), result,
                      str(run["new"]), str(run["updated"]), str(run["parse_failures"]), str(run["errors"]))
    console.print(table if st.runs else "最近的运行：还没有")
    for run in st.runs:
        if run.get("error") and run["status"] != "ok":
            console.print(f"运行 #{run['id']} 的错误：{shown(run['error'])}")
        if run.get("bounds"):
            console.print(f"运行 #{run['id']} 达到上限或需注意：{shown(run['bounds'])}")

    if not st.warnings:
        console.print("未解决的提醒：没有")
        return
    console.print(f"未解决的提醒（{len(st.warnings)} 条）：")
    for w in st.warnings:
        console.print(f"  {LEVELS.get(w['level'], w['level'])} 自 {_local(w['first_seen_at'], tz)}：{shown(w['message'])}")


@cli.command()
@click.argument("path")
@click.option("--force", is_flag=True, help="目标文件已存在时覆盖。")
@with_settings
def backup(settings: Settings, path: str, force: bool) -> None:
    """把数据库备份到一个文件或文件夹。用 SQLite 在线备份，抓取进行中也可以安全运行。

    路径以 / 结尾（例如 备份/）表示文件夹：不存在时自动新建，备份文件按日期命名。

    例如：xinxi backup 备份/
    """
    # The text as typed, not a Path: a trailing slash is how a folder that does not exist yet is meant.
    result = ops.backup(settings.db_path, path, overwrite=force, now=datetime.now(settings.tz))
    if result.created_folder is not None:
        click.echo(f"已新建文件夹 {result.created_folder}")
    click.echo(f"已备份到 {result.path}（{result.size / 1024 / 1024:.1f} MB，完整性检查通过）")
    if result.notice_files:
        click.echo(f"通报原件 {result.notice_files} 个在 {result.path.parent / 'notice_files'}（本次新复制 "
                   f"{result.notice_files_new} 个）；恢复时把它和数据库放在同一个文件夹里")


@cli.command()
@with_settings
def check(settings: Settings) -> None:
    """检查数据库：完整性（PRAGMA integrity_check）与表结构是否齐全。不修改数据库。

    例如：xinxi check --db data/demo/xinxi.db
    """
    report = ops.check(settings.db_path)
    click.echo(f"数据库：{settings.db_path}")
    click.echo("完整性：" + ("正常" if report.integrity == ("ok",) else "；".join(report.integrity[:20])))
    if report.newer_migrations:
        click.echo("数据库由更新版本的 xinxi 升级过，本程序不认识这些结构更新：" + "、".join(report.newer_migrations)
                   + "（请升级 xinxi；在此之前本程序的任何命令都不会使用这个数据库）")
    if report.pending_migrations:
        click.echo("未应用的结构更新：" + "、".join(report.pending_migrations)
                   + "（运行任何 xinxi 命令都会自动应用）")
    if report.missing_tables:
        click.echo("缺少的表：" + "、".join(report.missing_tables))
    if report.invalid_count:
        click.echo(f"不合格的记录：{report.invalid_count} 条（" + "；".join(report.invalid_rows) + "）")
    if report.missing_columns:
        click.echo("缺少的列：" + "、".join(report.missing_columns))
    click.echo("结论：正常" if report.ok else "结论：有问题，请先用 xinxi backup 备份，再联系维护人员")
    sys.exit(0 if report.ok else 1)
