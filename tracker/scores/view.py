"""Scores on screen and as data: rich tables, CSV and JSON rows, the explain list, differences."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlite_utils import Database

from scoring import Scoreboard, UnitDiff, UnitResult, fmt_points, year_period
from tracker.config import Settings
from tracker.reports import percent, write_xlsx
from tracker.scores import assessments
from tracker.scores.assessments import Assessment
from tracker.scores.scorer import Scorer
from tracker.text import plain_cell, shown, strip_controls


def _signed(value: float | int) -> str:
    text = fmt_points(value)
    return f"+{text}" if value > 0 else text


def result_rows(board: Scoreboard, results: Sequence[UnitResult]) -> list[dict[str, Any]]:
    """One plain dict per unit: the JSON form of `xinxi score`."""
    return [
        {
            "unit": r.unit.name,
            "unit_id": r.unit.id,
            "kind": r.unit.kind,
            "total": r.total,
            "target": r.target,
            "rank": r.rank,
            "completion": None if r.completion is None else round(r.completion, 4),
            "shortfall": r.shortfall,
            "status": r.status or None,
            "clauses": dict(r.clauses),
        }
        for r in results
    ]


def results_csv(board: Scoreboard, results: Sequence[UnitResult]) -> str:
    clauses = board.used_clauses()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["单位编号", "单位", "类别", "名次", "总分", "目标分值", "完成率", "差额", "完成情况",
                     *(c.name for c in clauses)])
    for r in results:
        writer.writerow([plain_cell(r.unit.id), plain_cell(r.unit.name), board.group_name(r.unit.kind), r.rank or "", fmt_points(r.total),
                         fmt_points(r.target), percent(r.completion), fmt_points(r.shortfall), r.status,
                         *(fmt_points(r.clauses.get(c.id)) for c in clauses)])
    return out.getvalue()


def short_name(name: str) -> str:
    """武进区总工会 → 武进区, 宣传教育部（企业工作部） → 宣传教育部: names that fit a terminal column."""
    short = re.sub(r"（[^）]*）|\([^)]*\)", "", name)
    return short.removesuffix("总工会") or short


def article_groups(board: Scoreboard) -> list[tuple[str, list[str]]]:
    """Used clauses grouped by their place in the method (五、1 …), in rules order: (article, clause ids)."""
    groups: dict[str, list[str]] = {}
    for c in board.used_clauses():
        groups.setdefault(c.article or c.name, []).append(c.id)
    return list(groups.items())


def clause_legend(board: Scoreboard) -> str:
    """What each grouped column holds, one line per article: 五、1＝中办国办全总办公厅采用、国家或全总领导批示"""
    return "\n".join(f"{article}＝{'、'.join(board.clause_name(cid) for cid in ids)}"
                     for article, ids in article_groups(board))


def ranking_table(board: Scoreboard, results: Sequence[UnitResult] | None = None, *, wide: bool = True) -> Table:
    """Ranked units (districts) with their points by clause; narrow: short names, clauses grouped by article."""
    rows = [r for r in (results if results is not None else board.results) if r.rank is not None]
    table = Table(title=f"{board.period.title}{board.group_name('district')}排名")
    table.add_column("名次", justify="right")
    table.add_column("单位", no_wrap=True)
    table.add_column("总分", justify="right", style="bold")
    if wide:
        clauses = board.used_clauses()
        for c in clauses:
            table.add_column(c.name, justify="right")
        for r in rows:
            table.add_row(str(r.rank), r.unit.name, fmt_points(r.total),
                          *(fmt_points(r.clauses.get(c.id)) for c in clauses))
        return table
    groups = article_groups(board)
    for article, _ in groups:
        table.add_column(article, justify="right", no_wrap=True)
    for r in rows:
        sums = [sum(r.clauses.get(cid, 0) for cid in ids) for _, ids in groups]
        table.add_row(str(r.rank), short_name(r.unit.name), fmt_points(r.total), *(fmt_points(v) for v in sums))
    return table


def department_table(board: Scoreboard, results: Sequence[UnitResult] | None = None,
                     assessment: Mapping[str, Assessment] | None = None, *, wide: bool = True) -> Table:
    """Units with a target: target, points, completion, shortfall, 达标/未达标; for a year, the 五、7
    proposal and the office's decision in their own columns. Narrow: short unit names."""
    rows = [r for r in (results if results is not None else board.results) if r.target is not None]
    table = Table(title=f"{board.period.title}{board.group_name('department')}目标完成情况")
    for header, justify in (("单位", "left"), ("目标分值", "right"), ("得分", "right"), ("完成率", "right"),
                            ("差额", "right"), ("完成情况", "center")):
        table.add_column(header, justify=justify, no_wrap=header == "单位")  # type: ignore[arg-type]
    if assessment:
        table.add_column("考核建议", justify="right")
        table.add_column("办公室决定", justify="right")
    for r in rows:
        status = f"[green]{r.status}[/]" if r.met else f"[red]{r.status}[/]"
        cells = [r.unit.name if wide else short_name(r.unit.name), fmt_points(r.target), fmt_points(r.total),
                 percent(r.completion), fmt_points(r.shortfall), status]
        if assessment:
            item = assessment.get(r.unit.id)
            cells += ["", ""] if item is None else [
                _signed(item.proposal.proposed) if item.proposal.proposed else "0",
                "" if item.applied is None else _signed(item.applied) + (" ⚠" if item.stale else "")]
        table.add_row(*cells)
    if assessment:
        table.caption = "考核建议与办公室决定：五、7 纳入文明部室考核的增减分，不计入信息工作得分（xinxi assess list）"
    return table


def explain_rows(board: Scoreboard, result: UnitResult) -> list[dict[str, Any]]:
    return [
        {
            "date": line.date.isoformat(),
            "clause_id": line.clause_id,
            "clause": board.clause_name(line.clause_id),
            "article": board.clause_info(line.clause_id).article,
            "points": line.points,
            "title": strip_controls(line.title),
            "evidence_id": strip_controls(line.evidence_id),
            "evidence": strip_controls(line.evidence),
            "rules": line.rules_id,
            "note": strip_controls(line.note),
        }
        for line in result.lines
    ]


def explain_table(board: Scoreboard, result: UnitResult) -> Table:
    table = Table(title=f"{result.unit.name} {board.period.title}计分明细：合计 {fmt_points(result.total)} 分，"
                        f"{len(result.lines)} 条依据")
    for header in ("日期", "条款", "分值", "标题", "依据", "说明"):
        table.add_column(header, justify="right" if header == "分值" else "left", overflow="fold")
    for line in result.lines:
        manual = line.evidence_id.startswith("entry/")
        evidence = f"录入#{line.evidence_id.removeprefix('entry/')}：{line.evidence}" if manual else line.evidence
        table.add_row(line.date.isoformat(), board.clause_label(line.clause_id), fmt_points(line.points),
                      shown(line.title), shown(evidence), shown(line.note))
    return table


def explain_csv(board: Scoreboard, result: UnitResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["日期", "条款编号", "条款", "分值", "标题", "证据编号", "依据", "考评办法", "说明"])
    for row in explain_rows(board, result):
        writer.writerow([row["date"], row["clause_id"], row["clause"], fmt_points(row["points"]),
                         plain_cell(row["title"]), plain_cell(row["evidence_id"]), plain_cell(row["evidence"]),
                         row["rules"], plain_cell(row["note"])])
    return out.getvalue()


def _rank_change(d: UnitDiff) -> str:
    """“3” when the place is unchanged, “3→2” when it moved, empty for units that are not ranked."""
    if d.rank_before == d.rank_after:
        return str(d.rank_after) if d.rank_after is not None else ""
    return f"{d.rank_before or '-'}→{d.rank_after or '-'}"


def diff_table(diffs: Sequence[UnitDiff], title: str, before: str, after: str) -> Table:
    table = Table(title=title)
    for header in ("单位", before, after, "变化", "名次"):
        table.add_column(header, justify="left" if header == "单位" else "right")
    for d in diffs:
        table.add_row(d.name, fmt_points(d.before), fmt_points(d.after), _signed(d.delta) if d.delta else "0",
                      _rank_change(d))
    return table


def diff_rows(diffs: Sequence[UnitDiff]) -> list[dict[str, Any]]:
    """One plain dict per unit: the JSON form of `xinxi score --rules FILE --diff`."""
    return [
        {"unit": d.name, "unit_id": d.unit_id, "before": d.before, "after": d.after, "delta": d.delta,
         "rank_before": d.rank_before, "rank_after": d.rank_after}
        for d in diffs
    ]


def diff_csv(diffs: Sequence[UnitDiff]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["单位编号", "单位", "现行办法", "草案", "变化", "现行名次", "草案名次"])
    for d in diffs:
        writer.writerow([plain_cell(d.unit_id), plain_cell(d.name), fmt_points(d.before), fmt_points(d.after), fmt_points(d.delta),
                         d.rank_before or "", d.rank_after or ""])
    return out.getvalue()


def line_changes_table(board: Scoreboard, diffs: Sequence[UnitDiff]) -> Table:
    table = Table(title="变动的计分依据")
    for header in ("单位", "日期", "条款", "变化", "标题", "证据编号"):
        table.add_column(header, overflow="fold")
    for d in diffs:
        for change in d.changes:
            line = change.line
            table.add_row(d.name, line.date.isoformat(), board.clause_name(line.clause_id), _signed(change.delta),
                          shown(line.title), shown(change.evidence_id))
    return table


def show_scores(settings: Settings, db: Database, year: int, *, xlsx: Path | None = None,
                console: Console | None = None) -> Scoreboard:
    """Print the year's district ranking and the departments' completion; write the xlsx if asked."""
    console = console or Console()
    scorer = Scorer.load(settings)
    board = scorer.score(db, year_period(year))
    console.print(ranking_table(board))
    console.print(department_table(board, assessment=assessments.for_board(db, scorer, board)))
    if board.skipped:
        console.print(f"另有 {len(board.skipped)} 条已归属的信息未计分（xinxi score --year {year} --skipped 查看原因）。")
    if xlsx is not None:
        write_xlsx(board, xlsx)
        console.print(f"报表已写入 {xlsx}")
    return board
