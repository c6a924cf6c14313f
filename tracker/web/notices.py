"""Notices (通报): the list, one notice with its proposals, and the office confirming or rejecting them.

The same library calls as `xinxi notice confirm/reject`, with the account's name as `by`."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from scoring import PeriodError, parse_period
from tracker.errors import NotFound
from tracker.notices import load_context
from tracker.notices.decisions import Blocked, DecisionError, NotConfirmed, NoUnit, confirm, reject
from tracker.store import notices as records
from tracker.web.common import get_db, login_required, office_required, registry, scorer, settings, user

bp = Blueprint("notices", __name__, url_prefix="/notices")
PROPOSAL_STATUS = {"proposed": "待确认", "confirmed": "已确认", "rejected": "不采纳"}
NOTICE_STATUS = {"proposed": "有建议", "needs_typing": "需要人工录入", "missing_files": "附件没有收到",
                 "empty": "没有可计分的内容"}
FILE_STATUS = {"read": "已读", "needs_typing": "需要人工录入", "unreadable": "读不出"}


def period_words(label: str | None) -> str:
    """A notice's period as the office says it: 2024年上半年, 2024年第四季度, 2024年10月."""
    if not label:
        return ""
    try:
        return parse_period(label).title
    except PeriodError:
        return label


def status_words(status: str, waiting: int) -> str:
    """A notice's state; one whose proposals have all been decided says so."""
    if status == "proposed" and not waiting:
        return "已全部处理"
    return NOTICE_STATUS.get(status, status)


def _notice(notice_id: int) -> dict[str, Any]:
    try:
        return records.get_notice(get_db(), notice_id)
    except NotFound:
        abort(404)


def _clause_names() -> dict[str, str]:
    return {c.id: c.name for rules in scorer().book.versions for c in rules.clauses}


def _page(notice_id: int, problem: str | None = None, status: int = 200) -> Any:
    db = get_db()
    notice = _notice(notice_id)
    proposals = records.list_proposals(db, notice_id=notice_id)
    for p in proposals:
        p["entries"] = json.loads(p["entry_ids"] or "[]")
    return render_template(
        "notices/show.html", notice=notice, proposals=proposals, files=records.notice_files(db, notice_id),
        notes=json.loads(notice["notes"] or "[]"), clauses=_clause_names(), problem=problem,
        proposal_status=PROPOSAL_STATUS, notice_status=NOTICE_STATUS, file_status=FILE_STATUS,
        units=list(registry()), waiting=sum(p["status"] == "proposed" for p in proposals),
        unnamed=sum(p["status"] == "proposed" and not p["unit_id"] for p in proposals),
        period_words=period_words, status_words=status_words,
    ), status


@bp.route("")
@login_required
def index() -> Any:
    chosen = request.args.get("status") or ""
    if chosen and chosen not in NOTICE_STATUS:
        abort(400)
    rows = records.list_notices(get_db())
    if chosen:
        rows = [n for n in rows if n["status"] == chosen]
    return render_template("notices/index.html", rows=rows, chosen=chosen, notice_status=NOTICE_STATUS,
                           period_words=period_words, status_words=status_words)


@bp.route("/<int:notice_id>")
@login_required
def show(notice_id: int) -> Any:
    return _page(notice_id)


def _chosen(notice_id: int) -> list[int]:
    """The proposal ids ticked on the page; each must belong to this notice."""
    values = request.form.getlist("proposal")
    if not all(v.isascii() and v.isdigit() for v in values):
        abort(400)
    ids = list(dict.fromkeys(int(v) for v in values))
    mine = {p["id"] for p in records.list_proposals(get_db(), notice_id=notice_id)}
    if any(i not in mine for i in ids):
        abort(400)
    return ids


def _words(why: Blocked) -> str:
    """Why a proposal waits, in terms of this page's controls."""
    if isinstance(why, NoUnit):
        return f"{why}，请先在这一行选择单位，再勾选它点“确认选中”"
    return str(why)


def _problem(exc: DecisionError) -> str:
    if isinstance(exc, NotConfirmed):
        return "未确认任何建议：" + "；".join(f"#{pid}：{_words(why)}" for pid, why in exc.problems)
    return f"{exc}。"


def _units_chosen(ids: list[int]) -> dict[int, str]:
    """The unit picked in the row of each ticked proposal whose unit was not recognised."""
    return {pid: unit for pid in ids if (unit := request.form.get(f"unit-{pid}", ""))}


def _by() -> str:
    account = user()
    assert account is not None
    return account.name


@bp.post("/<int:notice_id>/confirm")
@office_required
def confirm_some(notice_id: int) -> Any:
    _notice(notice_id)
    db = get_db()
    whole = request.form.get("all") == "1"
    ids = ([p["id"] for p in records.list_proposals(db, notice_id=notice_id, status="proposed")] if whole
           else _chosen(notice_id))
    if not ids:
        flash("没有待确认的建议。" if whole else "没有选中任何建议。", "warn")
        return redirect(url_for("notices.show", notice_id=notice_id))
    try:
        done = confirm(db, load_context(settings(), db), ids, by=_by(), units=_units_chosen(ids), lenient=whole)
    except DecisionError as exc:
        return _page(notice_id, problem=_problem(exc), status=400)
    made = [f"#{pid}（录入 #{'、#'.join(map(str, entries))}）" for pid, entries in done.made.items() if entries]
    if made:
        flash(f"已确认 {len(made)} 条：{'；'.join(made)}", "ok")
    again = [f"#{pid}" for pid, entries in done.made.items() if not entries]
    if again:
        flash(f"{'、'.join(again)} 此前已确认，未重复录入。", "warn")
    for pid, why in done.skipped.items():
        flash(f"#{pid} 未确认：{_words(why)}", "warn")
    return redirect(url_for("notices.show", notice_id=notice_id))


@bp.post("/<int:notice_id>/reject")
@office_required
def reject_some(notice_id: int) -> Any:
    _notice(notice_id)
    ids = _chosen(notice_id)
    reason = request.form.get("reason", "").strip()
    if not ids:
        return _page(notice_id, problem="没有选中任何建议。", status=400)
    if not reason:
        return _page(notice_id, problem="不采纳须写明理由。", status=400)
    try:
        done = reject(get_db(), ids, reason=reason, by=_by())
    except DecisionError as exc:
        return _page(notice_id, problem=_problem(exc), status=400)
    flash("；".join(f"#{pid} {what}" for pid, what in done.items()), "ok")
    return redirect(url_for("notices.show", notice_id=notice_id))
