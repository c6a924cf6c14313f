"""`xinxi score`, `xinxi report`, `xinxi snapshot …`: scores under the method, reports, frozen results.

The entry and flag commands live in entry_cmd and are registered from here.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from sqlite_utils import Database

from scoring import Period, Scoreboard, UnitResult, compare, fmt_points, resolve_period
from tracker import store
from tracker.cli.app import by_option, cli, default_user, shown_time, with_settings
from tracker.cli.output import console_for, emit, json_text, print_tables, writing
from tracker.cli.params import YEAR
from tracker.config import Settings
from tracker.scores import assessments, snapshots
from tracker.scores.scorer import Scorer, ScoringError, period_or_error
from tracker.scores.view import (
    clause_legend,
    department_table,
    diff_csv,
    diff_rows,
    diff_table,
    explain_csv,
    explain_rows,
    explain_table,
    line_changes_table,
    ranking_table,
    result_rows,
    results_csv,
)
from tracker.text import shown

FORMATS = ("table", "csv", "json", "xlsx")


def period_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--to", "until", default=None, metavar="日期", help="截止日期，例如 2024-06-30。")(fn)
    fn = click.option("--from", "since", default=None, metavar="日期", help="起始日期，例如 2024-01-01。")(fn)
    fn = click.option("--period", default=None, metavar="期间", help="期间：2024Q1（季度）、2024H1（半年）或 2024-03（月）。")(fn)
    fn = click.option("--year", type=YEAR, default=None, help="年度，例如 2024。")(fn)
    return fn


@cli.command("score")
@period_options
@click.option("--unit", "unit_text", default=None, metavar="单位", help="只显示一个单位（编号或全称）。")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="输出格式；xlsx 须配 --output。")
@click.option("--output", type=click.Path(path_type=Path), default=None, metavar="文件", help="写入这个文件。")
@click.option("--explain", "explain_unit", default=None, metavar="单位", help="列出该单位每一分的条款与依据。")
@click.option("--rules", "rules_file", type=click.Path(path_type=Path), default=None,
              help="按另一份考评办法文件计分（例如修订草案），不看其生效日期。")
@click.option("--diff", "show_diff", is_flag=True, help="与 --rules 一起用：列出每个单位与现行办法相比的差额。")
@click.option("--skipped", "show_skipped", is_flag=True, help="列出已归属但未计分的信息及原因。")
@click.option("--wide", is_flag=True, help="表格显示单位全称和每一个条款（默认用简称、按条目合并，适合 100 列的窗口）。")
@with_settings
def score_cmd(settings: Settings, year: int | None, period: str | None, since: str | None, until: str | None,
              unit_text: str | None, fmt: str, output: Path | None, explain_unit: str | None,
              rules_file: Path | None, show_diff: bool, show_skipped: bool, wide: bool) -> None:
    """按考评办法给每个单位计分：总分与各条款得分，部室的目标完成情况，辖市、区的排名。

    例如：xinxi score --year 2024 --format xlsx --output 得分-2024.xlsx
    """
    chosen = period_or_error(resolve_period, year, period, since, until)
    if show_diff and not rules_file:
        raise ScoringError("--diff 须与 --rules 一起使用")
    if rules_file is not None and not rules_file.is_file():
        raise ScoringError(f"找不到考评办法文件 {rules_file}")
    if fmt == "xlsx" and output is None:
        raise ScoringError("--format xlsx 须给出 --output 文件")
    db = store.open_db(settings.db_path)
    scorer = Scorer.load(settings, rules_file)
    board = scorer.score(db, chosen)
    console = console_for()
    if rules_file:
        click.echo(f"按 {rules_file} 计分（假设情景，不影响现行结果）。", err=True)
    if show_diff:
        current = Scorer.load(settings).score(db, chosen)
        diffs = compare(current, board)
        if unit_text:
            wanted = scorer.unit_id(unit_text)
            diffs = [d for d in diffs if d.unit_id == wanted]
        if fmt == "json":
            emit(json_text(diff_rows(diffs), 2), output)
        elif fmt == "csv":
            emit(diff_csv(diffs), output)
        elif fmt == "xlsx":
            raise ScoringError("--diff 只支持 table、csv、json 格式")
        else:
            print_tables(output, diff_table(diffs, f"{chosen.title}：{rules_file} 与现行办法相比", "现行办法", "草案"))
        return
    if explain_unit:
        result = unit_result(scorer, board, explain_unit)
        if fmt == "json":
            emit(json_text(explain_rows(board, result), 2), output)
        elif fmt == "csv":
            emit(explain_csv(board, result), output)
        elif fmt == "xlsx":
            from tracker.reports.statement import evidence_columns, write_statement  # openpyxl, only here

            writing(write_statement, board, result.unit.id, output, columns=evidence_columns(db, settings, chosen),
                    pending=_pending_count(db, chosen))
            click.echo(f"已写入 {output}（{result.unit.name}的计分说明）", err=True)
        else:
            print_tables(output, explain_table(board, result))
        return
    results = list(board.results)
    if unit_text:
        results = [unit_result(scorer, board, unit_text)]
    if fmt == "json":
        emit(json_text(result_rows(board, results), 2), output)
    elif fmt == "csv":
        emit(results_csv(board, results), output)
    elif fmt == "xlsx":
        from tracker.reports import write_xlsx  # openpyxl loads only when a workbook is written

        writing(write_xlsx, board, output, pending=waiting_articles(db, chosen),
                assessment=snapshots.assessment_rows(db, scorer, board))
        click.echo(f"已写入 {output}", err=True)
    else:
        waiting = _pending_count(db, chosen)
        buffer = io.StringIO()
        out = console if output is None else Console(file=buffer, width=200)
        with paged(out, output is None):
            if any(r.rank is not None for r in results):
                out.print(ranking_table(board, results, wide=wide))
                if not wide and board.used_clauses():
                    out.print(clause_legend(board), style="dim", highlight=False)
            if any(r.target is not None for r in results):
                out.print(department_table(board, results, assessments.for_board(db, scorer, board), wide=wide))
            if waiting:
                out.print(f"注意：{chosen.title}尚有 {waiting} 条信息待审核（xinxi review list），以上得分是草稿，"
                          f"审核后可能变动。", style="yellow")
            _note_snapshot(db, board, out, settings.timezone)
        if output is not None:
            emit(buffer.getvalue(), output)
    if show_skipped:
        _print_skipped(board, console, scorer)
    elif board.skipped and fmt == "table":
        console.print(f"另有 {len(board.skipped)} 条已归属的信息未计分（加 --skipped 查看原因）。", style="dim")


@contextlib.contextmanager
def paged(console: Console, on_screen: bool) -> Iterator[None]:
    """On a terminal, long tables go through `less` (it quits at once when they fit one screen)."""
    if not (on_screen and sys.stdout.isatty() and sys.stdin.isatty()):
        yield
        return
    os.environ.setdefault("PAGER", "less")
    os.environ.setdefault("LESS", "-FRX")
    with console.pager(styles=True):
        yield


def waiting_articles(db: Database, chosen: Period) -> list[dict[str, Any]]:
    """Articles of the period still waiting for a person."""
    return snapshots.waiting_articles(db, chosen)


def _pending_count(db: Database, chosen: Period) -> int:
    return snapshots.waiting_in(db, chosen)


def unit_result(scorer: Scorer, board: Scoreboard, text: str) -> UnitResult:
    unit_id = scorer.unit_id(text)
    try:
        return board.result(unit_id)
    except KeyError:
        raise ScoringError(f"{scorer.registry.name_of(unit_id)}在 {board.period.title} 尚未设立或已撤销") from None


def _print_skipped(board: Scoreboard, console: Console, scorer: Scorer) -> None:
    table = Table(title=f"未计分的信息（{len(board.skipped)} 条）")
    for header in ("日期", "单位", "标题", "证据编号", "原因"):
        table.add_column(header, overflow="fold")
    for s in board.skipped:
        table.add_row(s.date.isoformat(), scorer.registry.name_of(s.unit_id) or "", shown(s.title),
                      shown(s.evidence_id), shown(s.reason))
    console.print(table)


def _note_snapshot(db: Database, board: Scoreboard, console: Console, tz: str) -> None:
    found = snapshots.published(db, board.period.label)
    if found is None:
        return
    row, frozen = found
    changed = [d for d in compare(frozen, board) if d.changed]
    if changed:
        console.print(f"注意：{board.period.label} 已于 {shown_time(row['published_at'], tz)} 发布，之后有 {len(changed)} 个单位的"
                      f"得分变动（xinxi snapshot diff {board.period.label}）。", style="yellow")


@cli.group("snapshot")
def snapshot_group() -> None:
    """发布（冻结）某期考评结果，查看发布后的变动，重新打开。

    例如：xinxi snapshot publish 2024
    """


@snapshot_group.command("publish")
@click.argument("period")
@click.option("--force", is_flag=True, help="尚有待审文章时照样发布（须同时写 --reason）。")
@click.option("--reason", default=None, help="照样发布的理由（记入快照）。")
@by_option
@with_settings
def snapshot_publish(settings: Settings, period: str, force: bool, reason: str | None, by: str | None) -> None:
    """冻结一期（2024、2024Q1、2024-03）的考评结果。该期尚有待审文章时拒绝发布，除非 --force --reason。

    例如：xinxi snapshot publish 2024Q1
    """
    chosen = snapshots.snapshot_period(period)
    db = store.open_db(settings.db_path)
    scorer = Scorer.load(settings)
    board = scorer.score(db, chosen)
    sid = snapshots.publish(db, board, by=by or default_user(),
                            assessment=assessments.frozen_rows(db, scorer, board), force=force, reason=reason,
                            tz=settings.timezone)
    total = sum(r.total for r in board.results)
    click.echo(f"已发布 {chosen.label}（快照 #{sid}）：{len(board.results)} 个单位，合计 {fmt_points(total)} 分。")
    waiting = store.latest_snapshot(db, chosen.label) or {}
    if waiting.get("waiting"):
        click.echo(f"发布时尚有 {waiting['waiting']} 篇待审；理由已记录：{waiting['override_reason']}")


@snapshot_group.command("diff")
@click.argument("period")
@with_settings
def snapshot_diff(settings: Settings, period: str) -> None:
    """列出该期发布以后，文章、录入、改判或考评办法的变动带来的得分变化。

    例如：xinxi snapshot diff 2024
    """
    chosen = snapshots.snapshot_period(period)
    db = store.open_db(settings.db_path)
    result = snapshots.diff(db, Scorer.load(settings), chosen.label)
    row = result.snapshot
    state = "已发布" if row["status"] == "published" else f"已于 {shown_time(row['reopened_at'], settings.timezone)} 重新打开"
    click.echo(f"快照 #{row['id']}：{shown_time(row['published_at'], settings.timezone)} 发布，{state}。")
    if result.rules_changed:
        click.echo(f"考评办法有变：发布时 {result.frozen.rules}，现在 {result.live.rules}。")
    changed = result.changed
    for name, what in result.assessment:
        click.echo(f"文明部室考核（五、7）{name}：{what}")
    if not changed:
        if not result.assessment:
            click.echo("与发布时相比没有变化。")
        return
    console = console_for()
    console.print(diff_table(changed, f"{chosen.title}：现在与发布时相比", "发布时", "现在"))
    console.print(line_changes_table(result.live, changed))


@snapshot_group.command("reopen")
@click.argument("period")
@click.option("--reason", required=True, help="重新打开的理由（记入快照）。")
@by_option
@with_settings
def snapshot_reopen(settings: Settings, period: str, reason: str, by: str | None) -> None:
    """重新打开已发布的一期，之后可再次发布。

    例如：xinxi snapshot reopen 2024Q1 --reason "补录了省总专报采用"
    """
    chosen = snapshots.snapshot_period(period)
    db = store.open_db(settings.db_path)
    row = snapshots.reopen(db, chosen.label, reason=reason, by=by or default_user(), tz=settings.timezone)
    click.echo(f"已重新打开 {chosen.label}（快照 #{row['id']}）：{reason}")


@snapshot_group.command("list")
@with_settings
def snapshot_list(settings: Settings) -> None:
    """列出所有快照。

    例如：xinxi snapshot list
    """
    db = store.open_db(settings.db_path)
    rows = store.list_snapshots(db)
    if not rows:
        click.echo("还没有发布过任何快照。")
    for row in rows:
        state = "已发布" if row["status"] == "published" else f"已重新打开（{row['reopen_reason']}）"
        click.echo(f"#{row['id']}  {row['period']}  {shown_time(row['published_at'], settings.timezone)}  {row['published_by']}  {state}")


