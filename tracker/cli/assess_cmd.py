"""`xinxi assess …`: clause 五、7, the departments' result handed to the 文明部室 assessment."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import click
from rich.table import Table

from scoring import fmt_points
from tracker import store
from tracker.cli.app import by_option, cli, default_user, shown_time, with_settings
from tracker.cli.output import console_for, emit, json_text, print_tables
from tracker.cli.params import YEAR
from tracker.config import Settings
from tracker.scores import assessments
from tracker.scores.assessments import Assessment
from tracker.scores.scorer import Scorer
from tracker.text import plain_cell, shown

year_option = click.option("--year", type=YEAR, required=True, help="年度，例如 2024。")


def assessment_table(items: list[Assessment], year: int, rule_text: str, tz: str) -> Table:
    table = Table(title=f"{year}年市总机关部室信息工作：纳入文明部室考核（五、7）", caption=rule_text)
    for header, justify in (("单位", "left"), ("目标", "right"), ("得分", "right"), ("差额", "right"),
                            ("完成情况", "center"), ("批示", "right"), ("建议扣减", "right"), ("建议加分", "right"),
                            ("建议", "right"), ("办公室决定", "right"), ("理由", "left"), ("决定人", "left")):
        table.add_column(header, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for item in items:
        p, d = item.proposal, item.decision
        decided = "" if d is None else fmt_points(d["points"]) + (" [yellow]⚠[/]" if item.stale else "")
        who = "" if d is None else f"{d['decided_by']} {shown_time(d['decided_at'], tz)}"
        status = f"[green]{p.status}[/]" if p.met else f"[red]{p.status}[/]"
        table.add_row(p.name, fmt_points(p.target), fmt_points(p.total), fmt_points(p.shortfall), status,
                      str(len(p.instructions)), fmt_points(-p.deduction) if p.deduction else "0",
                      fmt_points(p.addition), _signed(p.proposed), decided, "" if d is None else d["reason"], who)
    return table


def _signed(value: float | int) -> str:
    text = fmt_points(value)
    return f"+{text}" if value > 0 else text


def assessment_csv(items: list[Assessment], tz: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["单位编号", "单位", "目标分值", "得分", "差额", "完成情况", "批示条数", "建议扣减", "建议加分",
                     "建议合计", "办公室决定", "理由", "决定人", "决定时间", "决定后得分有变"])
    for item in items:
        row = item.to_dict()
        writer.writerow([row["unit_id"], row["unit"], fmt_points(row["target"]), fmt_points(row["total"]),
                         fmt_points(row["shortfall"]), row["status"], len(row["instructions"]),
                         fmt_points(row["deduction"]), fmt_points(row["addition"]), fmt_points(row["proposed"]),
                         fmt_points(row["decided"]), plain_cell(row["reason"] or ""), plain_cell(row["decided_by"] or ""),
                         shown_time(row["decided_at"], tz), "是" if row["stale"] else ""])
    return out.getvalue()


@cli.group("assess")
def assess_group() -> None:
    """五、7：部室信息工作纳入文明部室考核的建议扣减、加分与办公室的决定。

    例如：xinxi assess list --year 2024
    """


@assess_group.command("list")
@year_option
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "json")), default="table", show_default=True,
              help="输出格式。")
@click.option("--output", type=click.Path(path_type=Path), default=None, help="写入文件。")
@with_settings
def assess_list(settings: Settings, year: int, fmt: str, output: Path | None) -> None:
    """列出每个部室的目标、得分、批示，按规则建议的扣减与加分，以及办公室的决定。

    例如：xinxi assess list --year 2024
    """
    db = store.open_db(settings.db_path)
    scorer = Scorer.load(settings)
    rule = assessments.rule_for(scorer, year)
    items = assessments.assess(db, scorer, year)
    if fmt == "json":
        emit(json_text([i.to_dict() for i in items], 2), output)
        return
    if fmt == "csv":
        emit(assessment_csv(items, settings.timezone), output)
        return
    print_tables(output, assessment_table(items, year, f"规则：{rule.describe()}", settings.timezone),
                 *(f"[yellow]⚠ {item.proposal.name}：{shown(item.stale_note)}；请复核（xinxi assess set 或 clear）。[/]"
                   for item in items if item.stale))


@assess_group.command("set")
@click.argument("unit")
@year_option
@click.option("--points", type=float, required=True, help="办公室实际采用的增减分，例如 -1.5 或 0.5。")
@click.option("--reason", required=True, help="理由（记入历史）。")
@by_option
@with_settings
def assess_set(settings: Settings, unit: str, year: int, points: float, reason: str, by: str | None) -> None:
    """记录办公室对单位（部室编号或名称）某年度实际采用的增减分，可与建议不同。

    例如：xinxi assess set 经济技术部 --year 2024 --points -1 --reason "差额较小，酌减 1 分"
    """
    db = store.open_db(settings.db_path)
    item = assessments.decide(db, Scorer.load(settings), unit, year, points, reason=reason,
                              by=by or default_user())
    p = item.proposal
    click.echo(f"已记录：{p.name} {year} 年文明部室考核 {_signed(points)} 分（建议 {_signed(p.proposed)}）：{reason}")


@assess_group.command("clear")
@click.argument("unit")
@year_option
@click.option("--reason", required=True, help="撤销的理由（记入历史）。")
@by_option
@with_settings
def assess_clear(settings: Settings, unit: str, year: int, reason: str, by: str | None) -> None:
    """撤销办公室对单位某年度的决定（历史仍保留），回到只有建议的状态。

    例如：xinxi assess clear 经济技术部 --year 2024 --reason "得分更正后重新决定"
    """
    db = store.open_db(settings.db_path)
    item = assessments.clear(db, Scorer.load(settings), unit, year, reason=reason, by=by or default_user())
    click.echo(f"已撤销 {item.proposal.name} {year} 年的决定：{reason}")


@assess_group.command("history")
@click.argument("unit", required=False)
@year_option
@with_settings
def assess_history(settings: Settings, unit: str | None, year: int) -> None:
    """列出某年度所有决定的变动（谁、何时、改成多少、理由），可只看一个部室。

    例如：xinxi assess history --year 2024
    """
    db = store.open_db(settings.db_path)
    rows = assessments.history(db, Scorer.load(settings), year, unit)
    if not rows:
        click.echo(f"{year} 年还没有任何决定。")
        return
    table = Table(title=f"{year}年文明部室考核决定的历史")
    for header in ("时间", "单位", "操作", "分数", "理由", "操作人", "当时得分", "当时建议"):
        table.add_column(header, overflow="fold")
    for r in rows:
        table.add_row(shown_time(r["decided_at"], settings.timezone), r["unit"],
                      "决定" if r["action"] == "set" else "撤销",
                      "" if r["points"] is None else _signed(r["points"]), r["reason"], r["decided_by"],
                      fmt_points(r["basis_total"]), _signed(r["basis_proposed"]))
    console_for().print(table)
