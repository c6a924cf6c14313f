"""Reports and snapshots: download the workbook and the 通报 draft, publish, compare, reopen."""

from __future__ import annotations

import io
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for

from scoring import Scoreboard
from tracker import store
from tracker.errors import XinxiError
from tracker.reports import write_office_notice, write_xlsx
from tracker.scores import assessments, snapshots
from tracker.web.common import (
    PARTS,
    busiest_year,
    chosen_period,
    get_db,
    office_required,
    period_args,
    scoreboard,
    scorer,
    settings,
    user,
    waiting,
)

bp = Blueprint("reports", __name__, url_prefix="/reports")
MIMETYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _by() -> str:
    account = user()
    assert account is not None
    return account.name


@bp.route("")
@office_required
def index() -> Any:
    db = get_db()
    period = chosen_period(busiest_year)
    found = snapshots.latest(db, period.label)
    difference = snapshots.diff(db, scorer(), period.label) if found else None
    return render_template(
        "reports/index.html", period=period, parts=PARTS, args=period_args(period),
        waiting=waiting(period), snapshot=found[0] if found else None, difference=difference,
        history=[s for s in store.list_snapshots(db) if s["period"] == period.label],
    )


@bp.route("/download/<kind>")
@office_required
def download(kind: str) -> Any:
    if kind not in MIMETYPES:
        return redirect(url_for("reports.index"))
    db = get_db()
    period = chosen_period(busiest_year)
    found = None if request.args.get("live") == "1" else snapshots.published(db, period.label)
    board: Scoreboard = found[1] if found else scoreboard(period)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"report.{kind}"
        assessment = snapshots.assessment_rows(db, scorer(), board, found[0] if found else None)
        if kind == "xlsx":
            write_xlsx(board, path, pending=snapshots.waiting_articles(db, period), assessment=assessment)
        else:
            write_office_notice(board, path, config_dir=settings().config_dir, book=scorer().book,
                                today=date.today(), assessment=assessment)
        data = path.read_bytes()
    name = f"信息考评-{period.label}" + ("" if found else "-草稿") + f".{kind}"
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name, mimetype=MIMETYPES[kind])


@bp.post("/publish")
@office_required
def publish() -> Any:
    db = get_db()
    period = chosen_period(busiest_year)
    force = request.form.get("confirm") == "1"
    try:
        board = scoreboard(period)
        sid = snapshots.publish(db, board, by=_by(), assessment=assessments.frozen_rows(db, scorer(), board),
                                force=force, reason=request.form.get("reason"), tz=settings().timezone)
        flash(f"已发布 {period.title}（快照 #{sid}）。", "ok")
    except XinxiError as exc:
        flash(str(exc).replace("（xinxi review list）", "").replace("加 --force --reason 说明理由",
                                                                  "勾选“照样发布”并写明理由"), "error")
    return redirect(url_for("reports.index", **period_args(period)))


@bp.post("/reopen")
@office_required
def reopen() -> Any:
    period = chosen_period(busiest_year)
    try:
        row = snapshots.reopen(get_db(), period.label, reason=request.form.get("reason", ""), by=_by(),
                               tz=settings().timezone)
        flash(f"已重新打开 {period.title}（快照 #{row['id']}）。", "ok")
    except XinxiError as exc:
        flash(str(exc).replace("（--reason）", ""), "error")
    return redirect(url_for("reports.index", **period_args(period)))
