"""`xinxi report`: the workbook, the 通报, each unit's statement; `xinxi report send` mails the statements."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click
from sqlite_utils import Database

from scoring import Period, Scoreboard, resolve_period
from scoring.periods import parse_date
from tracker import store
from tracker.cli.app import (
    AppContext,
    by_option,
    cli,
    common_options,
    default_user,
    shown_time,
    with_settings,
)
from tracker.cli.output import writing
from tracker.cli.score_cmd import period_options, unit_result, waiting_articles
from tracker.config import Settings
from tracker.ops.settings import load_ops
from tracker.scores import snapshots
from tracker.scores.scorer import Scorer, ScoringError, period_or_error


def _report_board(settings: Settings, chosen: Period,
                  live: bool) -> tuple[Database, Scorer, Scoreboard, list[dict[str, Any]]]:
    """The published snapshot of the period if there is one (unless --live), else scores from the data now;
    with the year's 五、7 rows frozen alongside or live."""
    db = store.open_db(settings.db_path)
    scorer = Scorer.load(settings)
    found = None if live else snapshots.published(db, chosen.label)
    row = None
    if found:
        row, board = found
        click.echo(f"使用 {shown_time(row['published_at'], settings.timezone)} 发布的快照 #{row['id']}（加 --live 按当前数据出表）。", err=True)
    else:
        board = scorer.score(db, chosen)
    return db, scorer, board, snapshots.assessment_rows(db, scorer, board, row)


def _pending_in(db: Database, chosen: Period) -> list[dict[str, Any]]:
    """Articles of the period still waiting for a person: the reports say they are drafts."""
    waiting = waiting_articles(db, chosen)
    if waiting:
        click.echo(f"注意：{chosen.title}尚有 {len(waiting)} 条信息待审核（xinxi review list），报表为草稿。", err=True)
    return waiting


def _written(path: Path) -> None:
    click.echo(f"已写入 {path}")


@cli.group("report", invoke_without_command=True)
@period_options
@click.option("--xlsx", "xlsx_path", type=click.Path(path_type=Path), default=None,
              help="写出 Excel 报表（排名、部室完成情况、逐月、明细、待审）；与 --unit 一起用时写出该单位的计分说明。")
@click.option("--docx", "docx_path", type=click.Path(path_type=Path), default=None,
              help="写出年终通报（公文格式，Word/WPS 可编辑，文字见 config/notice.toml）。")
@click.option("--unit", "unit_text", default=None, metavar="单位", help="只出这个单位的计分说明（编号或全称），须与 --xlsx 一起用。")
@click.option("--all-units", "units_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              metavar="文件夹", help="给每个单位各写一份计分说明到这个文件夹。")
@click.option("--date", "dated", default=None, metavar="日期", help="通报的成文日期，例如 2026-12-03（默认今天）。")
@click.option("--number", default="", metavar="序号", help="通报发文字号中的序号（默认留空白待填）。")
@click.option("--live", is_flag=True, help="即使已发布，也按当前数据重新计分（默认用已发布的快照）。")
@common_options
@click.pass_context
def report_cmd(ctx: click.Context, config_dir: Path | None, db: Path | None, base_urls: tuple[str, ...],
               **options: Any) -> None:
    """出报表：Excel 工作簿、年终通报、各单位的计分说明；report send 把说明发给各单位。

    例如：xinxi report --year 2024 --xlsx 信息考评-2024.xlsx
    """
    if ctx.invoked_subcommand:
        # `xinxi report --db X send …`: the common options reach the subcommand through the app context.
        app = ctx.ensure_object(AppContext)
        app.config_dir, app.db = config_dir or app.config_dir, db or app.db
        app.base_urls = app.base_urls + base_urls
        return
    with_settings(_report)(config_dir=config_dir, db=db, base_urls=base_urls, **options)


def _report(settings: Settings, year: int | None, period: str | None, since: str | None, until: str | None,
            xlsx_path: Path | None, docx_path: Path | None, unit_text: str | None, units_dir: Path | None,
            dated: str | None, number: str, live: bool) -> None:
    # The writers' libraries (openpyxl, python-docx) load only when a report is written.
    from tracker.reports import write_office_notice, write_xlsx
    from tracker.reports.statement import evidence_columns, file_name, write_statement

    if unit_text and not xlsx_path:
        raise ScoringError("--unit 须与 --xlsx 一起使用：xinxi report --year 2024 --unit 武进区总工会 --xlsx 武进.xlsx")
    if not xlsx_path and not docx_path and not units_dir:
        raise ScoringError("请给出 --xlsx 文件、--docx 文件或 --all-units 文件夹")
    chosen = period_or_error(resolve_period, year, period, since, until)
    day = period_or_error(parse_date, dated) if dated else date.today()
    db, scorer, board, assessment = _report_board(settings, chosen, live)
    pending = _pending_in(db, chosen)
    columns = evidence_columns(db, settings, chosen) if unit_text or units_dir else {}
    if xlsx_path and unit_text:
        unit_id = unit_result(scorer, board, unit_text).unit.id
        _written(writing(write_statement, board, unit_id, xlsx_path, columns=columns, pending=len(pending)))
    elif xlsx_path:
        _written(writing(write_xlsx, board, xlsx_path, pending=pending, assessment=assessment))
    if units_dir:
        for result in board.results:
            writing(write_statement, board, result.unit.id, units_dir / file_name(board, result),
                    columns=columns, pending=len(pending))
        click.echo(f"已写入 {len(board.results)} 份计分说明到 {units_dir}")
    if docx_path:
        _written(writing(write_office_notice, board, docx_path, config_dir=settings.config_dir, book=scorer.book,
                         today=day, number=number, assessment=assessment))


@report_cmd.command("send")
@period_options
@click.option("--unit", "unit_text", default=None, metavar="单位", help="只发给这个单位（编号或全称）。")
@click.option("--dry-run", is_flag=True, help="只列出谁会收到什么，不发送。")
@click.option("--again", is_flag=True, help="这一期已经发过时，仍然再发一次。")
@click.option("--live", is_flag=True, help="即使已发布，也按当前数据重新计分（默认用已发布的快照）。")
@by_option
@with_settings
def report_send(settings: Settings, year: int | None, period: str | None, since: str | None, until: str | None,
                unit_text: str | None, dry_run: bool, again: bool, live: bool, by: str | None) -> None:
    """把每个单位自己的计分说明发到它在 config/units.toml 中的邮箱（邮件服务器见 settings.toml [alerts.email]）。

    例如：xinxi report send --year 2024 --dry-run
    """
    from tracker.reports.sending import earlier, load_mail_template, prepare, send
    from tracker.reports.statement import evidence_columns

    chosen = period_or_error(resolve_period, year, period, since, until)
    db, scorer, board, assessment = _report_board(settings, chosen, live)
    tpl = load_mail_template(settings.config_dir)
    unit_id = unit_result(scorer, board, unit_text).unit.id if unit_text else None
    pending = _pending_in(db, chosen)
    outgoing = prepare(board, scorer.registry, tpl, unit_id=unit_id, columns=evidence_columns(db, settings, chosen),
                       pending=len(pending))
    before = {row["unit_id"]: row for row in earlier(db, chosen.label, outgoing)}
    if dry_run:
        for item in outgoing:
            to = item.address or "（没有邮箱，不发送）"
            sent = before.get(item.unit_id)
            note = f"  ［{shown_time(sent['sent_at'], settings.timezone)} 已发过］" if sent else ""
            click.echo(f"{item.unit}  →  {to}  附件 {item.file_name}（{len(item.data) // 1024 + 1} KB）{note}")
        click.echo(f"共 {sum(1 for o in outgoing if o.address)} 个单位会收到邮件（试运行，未发送）。")
        return
    if before and not again:
        names = "、".join(o.unit for o in outgoing if o.unit_id in before)
        raise ScoringError(f"{chosen.title}的计分说明已发给 {names}；确需再发一次请加 --again")
    channel = load_ops(settings).alerts.email
    if channel is None:
        raise ScoringError("没有配置邮件服务器：在 config/settings.toml 的 [alerts.email] 中填写")
    results = send(db, channel, tpl, outgoing, period=chosen.label, by=by or default_user())
    for r in results:
        word = {"sent": "已发送", "failed": f"发送失败：{r.error}", "no_address": "没有邮箱，未发送"}[r.result]
        click.echo(f"{r.unit}  {r.address or ''}  {word}")
    failed = [r for r in results if r.result == "failed"]
    sent = sum(r.result == "sent" for r in results)
    if failed:
        raise ScoringError(f"已发送 {sent} 个单位，{len(failed)} 个单位发送失败（已记录，改正后用 --unit 和 --again 重发）")
    click.echo(f"已发送 {sent} 个单位。")
