"""Manual entries: the form, the list with filters, removal with a reason, import from Excel/CSV, the template."""

from __future__ import annotations

import io
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for

from scoring import year_period
from tracker import store
from tracker.errors import NotFound
from tracker.scores.entries import (
    COLUMNS,
    Checker,
    EntryError,
    check_rows,
    exclusive,
    read_rows,
    write_template,
)
from tracker.web.common import get_db, local_time, office_required, registry, scorer, user

bp = Blueprint("entries", __name__, url_prefix="/entries")
FIELD_NAMES = {f: header for f, (header, _) in COLUMNS.items()}


def _checker() -> Checker:
    return Checker(scorer().book, registry(), date.today(), store.list_entries(get_db()))


def _clauses() -> list[Any]:
    book = scorer().book
    rules = book.for_date(date.today()) or book.versions[-1]
    return list(rules.manual_clauses)


def _page(form: dict[str, str] | None = None, problems: list[tuple[str, str]] | None = None,
          import_errors: list[Any] | None = None, status: int = 200) -> Any:
    db = get_db()
    args = request.args
    year = args.get("year", "")
    period = year_period(int(year)) if year.isdigit() else None
    unit = args.get("unit") or None
    kind = args.get("kind") or None
    rows = store.list_entries(db, unit_id=unit, kind=kind, include_removed=args.get("all") == "1",
                              since=period.start.isoformat() if period else None,
                              until=period.end.isoformat() if period else None)
    kinds = {c.id: c.name for rules in scorer().book.versions for c in rules.clauses}
    years = [r[0] for r in db.execute("SELECT DISTINCT substr(date, 1, 4) FROM score_entries ORDER BY 1 DESC")]
    return render_template(
        "entries/index.html", rows=rows, kinds=kinds, clauses=_clauses(), units=list(registry()), args=args,
        years=years, form=form or {}, problems=problems or [], field_names=FIELD_NAMES,
        import_errors=import_errors or [], today=date.today().isoformat(),
    ), status


@bp.route("")
@office_required
def index() -> Any:
    return _page()


@bp.post("/add")
@office_required
def add() -> Any:
    raw = {k: request.form.get(k, "") for k in COLUMNS}
    account = user()
    assert account is not None
    with exclusive(get_db()):  # checked against the stored entries and stored under one lock
        entry, problems = _checker().check(raw)
        if not problems:
            (entry_id,) = store.add_entries(get_db(), [entry], by=account.name, source="web")
    if problems:
        return _page(form=raw, problems=problems, status=400)
    flash(f"已录入 #{entry_id}：{entry['date']} {registry().name_of(entry['unit_id'])} {entry['title']}", "ok")
    return redirect(url_for("entries.index"))


@bp.post("/<int:entry_id>/remove")
@office_required
def remove(entry_id: int) -> Any:
    db = get_db()
    try:
        entry = store.get_entry(db, entry_id)
    except NotFound:
        abort(404)
    reason = request.form.get("reason", "").strip()
    if entry["removed_at"]:
        flash(f"录入 #{entry_id} 已于 {local_time(entry['removed_at'])} 删除。", "warn")
    elif not reason:
        flash("删除须写明理由。", "error")
    else:
        account = user()
        assert account is not None
        store.remove_entry(db, entry_id, reason=reason, by=account.name)
        flash(f"已删除 #{entry_id}：{entry['title']}（理由：{reason}）", "ok")
    return redirect(url_for("entries.index"))


@bp.post("/import")
@office_required
def import_file() -> Any:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("请选择要导入的 .xlsx 或 .csv 文件。", "error")
        return redirect(url_for("entries.index"))
    name = Path(upload.filename).name
    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        flash(f"{name}：只能导入 .xlsx 或 .csv 文件。", "error")
        return redirect(url_for("entries.index"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        upload.save(path)
        account = user()
        assert account is not None
        try:
            sheet = read_rows(path)  # the slow part, before the lock
            # One import at a time, as from the command line: a sheet sent twice at once is stored once.
            with exclusive(get_db()):
                entries = check_rows(_checker(), path, sheet)
                ids = store.add_entries(get_db(), entries, by=account.name, source="import", import_file=name)
        except EntryError as exc:
            message = str(exc).replace(str(path), name)
            return _page(import_errors=[message, *map(str, exc.errors)], status=400)
    flash(f"已从 {name} 导入 {len(ids)} 条（#{ids[0]}–#{ids[-1]}）。", "ok")
    return redirect(url_for("entries.index"))


@bp.route("/template.xlsx")
@office_required
def template() -> Any:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "template.xlsx"
        write_template(path, scorer().book, registry(), date.today())
        data = path.read_bytes()
    return send_file(io.BytesIO(data), as_attachment=True, download_name="手工录入模板.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
