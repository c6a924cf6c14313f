"""Scores: the district ranking, the departments' completion, month by month, and each unit's statement."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from flask import Blueprint, abort, render_template
from markupsafe import Markup

from scoring import Period, Scoreboard, UnitResult
from tracker import store
from tracker.reports.wording import assessment_cells
from tracker.scores import snapshots
from tracker.web.common import (
    PARTS,
    busiest_year,
    cached,
    chosen_period,
    column_names,
    get_db,
    login_required,
    period_args,
    scoreboard,
    scorer,
    user,
    waiting,
)

bp = Blueprint("scores", __name__, url_prefix="/scores")
CHART_W, CHART_H, CHART_PAD = 640, 220, 36


def months_of(period: Period) -> list[tuple[int, int]]:
    out, day = [], date(period.start.year, period.start.month, 1)
    while day <= period.end:
        out.append((day.year, day.month))
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return out


def monthly(board: Scoreboard, months: list[tuple[int, int]]) -> dict[str, list[float]]:
    """Unit id → points earned in each month of the period (the lines of the period's own result)."""
    index = {m: i for i, m in enumerate(months)}
    out: dict[str, list[float]] = {}
    for result in board.results:
        row = [0.0] * len(months)
        for line in result.lines:
            i = index.get((line.date.year, line.date.month))
            if i is not None:
                row[i] += float(line.points)
        out[result.unit.id] = row
    return out


def chart(results: list[UnitResult], per_month: dict[str, list[float]], months: list[tuple[int, int]]) -> dict[str, Any]:
    """Cumulative points per unit as SVG polylines (drawn by the template: no script, no library)."""
    series = []
    top = 1.0
    for r in results:
        total, points = 0.0, []
        for value in per_month.get(r.unit.id, []):
            total += value
            points.append(total)
        top = max(top, total)
        series.append((r.unit.name, points))
    step = (CHART_W - 2 * CHART_PAD) / max(1, len(months) - 1)
    scale = (CHART_H - 2 * CHART_PAD) / top
    lines = []
    for i, (name, points) in enumerate(series):
        coords = " ".join(f"{CHART_PAD + j * step:.1f},{CHART_H - CHART_PAD - v * scale:.1f}" for j, v in enumerate(points))
        end = (CHART_PAD + (len(points) - 1) * step, CHART_H - CHART_PAD - (points[-1] if points else 0) * scale)
        lines.append({"name": name, "coords": coords, "css": f"s{i % 10}", "end": end})
    ticks = [(CHART_PAD + j * step, f"{m}月") for j, (_, m) in enumerate(months)]
    grid = [(CHART_H - CHART_PAD - top * k / 4 * scale, f"{top * k / 4:g}") for k in range(5)]
    return {"w": CHART_W, "h": CHART_H, "pad": CHART_PAD, "lines": lines, "ticks": ticks, "grid": grid}


@bp.route("")
@login_required
def ranking() -> Any:
    current = user()
    assert current is not None
    period = chosen_period(busiest_year)
    board = scoreboard(period)

    def body() -> Markup:
        months = months_of(period)
        per_month = monthly(board, months)
        ranked = sorted((r for r in board.results if r.rank is not None), key=lambda r: r.rank or 0)
        targets = [r for r in board.results if r.target is not None]
        adjust = assessment_cells(snapshots.assessment_rows(get_db(), scorer(), board))
        return Markup(render_template(
            "scores/_ranking_body.html", board=board, args=period_args(period), ranked=ranked, targets=targets,
            adjust=adjust,
            clauses=board.used_clauses(), months=months, per_month=per_month, chart=chart(ranked, per_month, months)))

    # The tables are the same for everyone of a role until the data change: rendered once, kept.
    html = cached(("ranking", period.label, period.start, period.end, current.is_office, current.unit_id), body)
    return render_template(
        "scores/ranking.html", board=board, period=period, parts=PARTS, args=period_args(period), body=html,
        waiting=waiting(period), published=snapshots.published(get_db(), period.label),
    )


def _statement_body(board: Scoreboard, result: UnitResult, period: Period) -> Markup:
    db = get_db()
    names = column_names()
    wanted: dict[str, list[int]] = defaultdict(list)
    for line in result.lines:
        site, _, number = line.evidence_id.partition("/")
        if site != "entry" and number.isdigit():
            wanted[site].append(int(number))
    articles = {f"{site}/{aid}": {"url": url, "columns": "、".join(names.get(c, c) for c in columns)}
                for site, ids in wanted.items() for aid, (url, columns) in store.article_links(db, site, ids).items()}
    by_clause: dict[str, list[Any]] = defaultdict(list)
    for line in sorted(result.lines, key=lambda x: (x.date, x.evidence_id)):
        by_clause[line.clause_id].append(line)
    known = {c.id for c in board.clauses}
    order = [c.id for c in board.clauses if c.id in by_clause] + [c for c in by_clause if c not in known]
    return Markup(render_template(
        "scores/_statement_body.html", result=result,
        groups=[(board.clause_label(c), by_clause[c], sum(float(x.points) for x in by_clause[c])) for c in order],
        articles=articles))


@bp.route("/unit/<unit_id>")
@login_required
def statement(unit_id: str) -> Any:
    current = user()
    assert current is not None
    if not current.is_office and current.unit_id != unit_id:
        abort(403)
    period = chosen_period(busiest_year)
    board = scoreboard(period)
    try:
        result = board.result(unit_id)
    except KeyError:
        abort(404)
    html = cached(("statement", unit_id, period.label, period.start, period.end),
                  lambda: _statement_body(board, result, period))
    return render_template("scores/statement.html", result=result, period=period, parts=PARTS,
                           args=period_args(period), body=html, waiting=waiting(period))
