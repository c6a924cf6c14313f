"""The review queue: filter, read, decide one article or many, teach aliases, undo."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from scoring import PeriodError, parse_period
from tracker import store
from tracker.attribution import review as reviewing
from tracker.attribution.review import REASONS, BulkResult
from tracker.errors import XinxiError
from tracker.store import QueueFilter
from tracker.web.common import PARTS, cached, get_db, office_required, registry, settings, user

bp = Blueprint("review", __name__, url_prefix="/review")
FILTER_KEYS = ("year", "part", "site", "column", "suggested", "reason", "order")


def queue_filter(args: Any) -> QueueFilter:
    """The filter the page's choosers (or a bulk form's hidden copies of them) describe."""
    since = until = None
    year = (args.get("year") or "").strip()
    if year:
        part = args.get("part", "")
        label = year if not part else f"{year}-{part}" if part.isdigit() else f"{year}{part}"
        try:
            period = parse_period(label)
        except PeriodError:
            abort(400)
        since, until = period.start.isoformat(), period.end.isoformat()
    reason = args.get("reason") or None
    if reason is not None and reason not in REASONS:
        abort(400)
    return QueueFilter(since=since, until=until, site=args.get("site") or None, column=args.get("column") or None,
                       suggested=args.get("suggested") or None, reason=REASONS[reason][1] if reason else None)


def _back(form: Any) -> str:
    """The queue as the reviewer left it (same filters and page)."""
    query = {k: form.get(k) for k in (*FILTER_KEYS, "page") if form.get(k)}
    return url_for("review.queue") + (f"?{urlencode(query)}" if query else "")


def _keys(values: Sequence[str]) -> list[tuple[str, int]]:
    keys = []
    for value in values:
        site, _, number = value.partition("/")
        if not site or not number.isdigit():
            abort(400)
        keys.append((site, int(number)))
    return keys


def _one_key() -> tuple[str, int]:
    keys = _keys(request.form.getlist("key"))
    if len(keys) != 1:
        abort(400)
    return keys[0]


def _report(result: BulkResult, what: str) -> None:
    if result.done:
        flash(f"{what}：{result.done} 篇。", "ok")
    if result.skipped:
        shown = "；".join(f"{s}/{i}：{why}" for s, i, why in result.skipped[:5])
        more = f"等 {len(result.skipped)} 篇" if len(result.skipped) > 5 else ""
        flash(f"未处理 {shown}{more}", "warn")
    if not result.done and not result.skipped:
        flash("没有选中任何文章。", "warn")


def _units_by_date(rows: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """For each row, the id of a list of the units valid on its date; and those lists (few distinct ones)."""
    lists: dict[tuple[str, ...], str] = {}
    row_list: dict[str, str] = {}
    for row in rows:
        day = date.fromisoformat(row["date"][:10])
        names = tuple(u.name for u in registry() if u.valid_on(day))
        row_list[f"{row['site']}/{row['id']}"] = lists.setdefault(names, f"units-{len(lists)}")
    return row_list, {key: list(names) for names, key in lists.items()}


@bp.route("")
@office_required
def queue() -> Any:
    db = get_db()
    flt = queue_filter(request.args)
    size = int(current_app.config["QUEUE_PAGE_SIZE"])
    newest = request.args.get("order") == "new"
    # The ordered keys of a filtered queue are kept until the next change: paging and reloading are cheap.
    keys = cached(("queue", flt, newest), lambda: store.queue_keys(db, flt, newest_first=newest))
    total = len(keys)
    pages = max(1, -(-total // size))
    try:
        page = min(max(1, int(request.args.get("page", 1))), pages)
    except ValueError:
        abort(400)
    rows = store.queue_rows(db, keys[(page - 1) * size:page * size])
    for row in rows:
        row["reason"] = reviewing.reason_text(row["evidence"])
        row["key"] = f"{row['site']}/{row['id']}"
    row_lists, unit_lists = _units_by_date(rows)
    facets = cached("queue facets", lambda: store.queue_facets(db))
    args = {k: request.args.get(k, "") for k in FILTER_KEYS}
    return render_template(
        "review/queue.html", rows=rows, total=total, page=page, pages=pages, args=args, facets=facets,
        reasons=REASONS, parts=PARTS, sites=settings().sites, row_lists=row_lists, unit_lists=unit_lists,
        all_units=[u.name for u in registry()], page_url=lambda n: url_for("review.queue", **{**args, "page": n}),
    )


def _by() -> str:
    account = user()
    assert account is not None  # office_required ran first
    return account.name


@bp.post("/accept")
@office_required
def accept() -> Any:
    keys = _keys(request.form.getlist("key"))
    _report(reviewing.bulk_accept(get_db(), registry(), keys, by=_by()), "已采纳建议")
    return redirect(_back(request.form))


@bp.post("/assign")
@office_required
def assign() -> Any:
    key = _one_key()
    try:
        site, aid, unit = reviewing.assign(get_db(), registry(), f"{key[0]}/{key[1]}", request.form.get("unit", ""),
                                           by=_by(), note=request.form.get("note") or None)
        flash(f"已将 {site}/{aid} 归属 {unit.name}。", "ok")
    except XinxiError as exc:
        flash(str(exc), "error")
    return redirect(_back(request.form))


@bp.post("/ignore")
@office_required
def ignore() -> Any:
    key = _one_key()
    try:
        reviewing.ignore(get_db(), f"{key[0]}/{key[1]}", by=_by(), reason=request.form.get("reason", ""))
        flash(f"已标记 {key[0]}/{key[1]} 不计分。", "ok")
    except XinxiError as exc:
        flash(str(exc), "error")
    return redirect(_back(request.form))


@bp.post("/bulk")
@office_required
def bulk() -> Any:
    db = get_db()
    form = request.form
    if form.get("scope") == "all":
        keys = store.queue_keys(db, queue_filter(form))
    else:
        keys = _keys(form.getlist("key"))
    action = form.get("action")
    try:
        if action == "accept":
            _report(reviewing.bulk_accept(db, registry(), keys, by=_by()), "已采纳建议")
        elif action == "assign":
            unit = form.get("unit", "").strip()
            if not unit:
                raise reviewing.ReviewError("请选择要归属的单位")
            result = reviewing.bulk_assign(db, registry(), keys, unit, by=_by(), note=form.get("reason") or None)
            _report(result, f"已归属 {registry().find(unit).name}")
        elif action == "ignore":
            _report(reviewing.bulk_ignore(db, keys, by=_by(), reason=form.get("reason", "")), "已标记不计分")
        else:
            abort(400)
    except XinxiError as exc:
        flash(str(exc), "error")
    return redirect(_back(form))


@bp.post("/alias/preview")
@office_required
def alias_preview() -> Any:
    form = request.form
    try:
        preview = reviewing.preview_alias(get_db(), registry(), form.get("text", ""), form.get("unit", ""))
    except XinxiError as exc:
        flash(str(exc), "error")
        return redirect(_back(form))
    back = {k: form.get(k, "") for k in (*FILTER_KEYS, "page")}
    return render_template("review/alias_preview.html", preview=preview, back=back, back_url=_back(form))


@bp.post("/alias")
@office_required
def alias() -> Any:
    form = request.form
    try:
        taught = reviewing.teach_alias(get_db(), registry(), form.get("text", ""), form.get("unit", ""), by=_by(),
                                       note=form.get("note") or None)
        flash(f"已记住“{form.get('text', '').strip()}”指 {taught.unit.name}：重新归属 {taught.matched} 篇，"
              f"其中 {taught.decided} 篇已自动归属。", "ok")
    except XinxiError as exc:
        flash(str(exc), "error")
    return redirect(_back(form))


@bp.post("/undo")
@office_required
def undo() -> Any:
    key = _one_key()
    try:
        site, aid, result = reviewing.undo(get_db(), registry(), f"{key[0]}/{key[1]}", by=_by(),
                                           reason=request.form.get("reason") or None)
        now = "回到待审队列" if result.needs_review else f"自动归属 {registry().name_of(result.unit_id)}"
        flash(f"已撤销 {site}/{aid} 的人工决定，{now}。", "ok")
    except XinxiError as exc:
        flash(str(exc), "error")
    target = request.form.get("return")
    return redirect(url_for("review.decided") if target == "decided" else _back(request.form))


@bp.route("/decided")
@office_required
def decided() -> Any:
    mine = request.args.get("mine") == "1"
    rows = store.recent_decisions(get_db(), 100, by=_by() if mine else None)
    return render_template("review/decided.html", rows=rows, mine=mine)


@bp.route("/aliases")
@office_required
def aliases() -> Any:
    rows = store.list_aliases(get_db(), include_removed=request.args.get("all") == "1")
    return render_template("review/aliases.html", rows=rows, show_all=request.args.get("all") == "1")


@bp.post("/unalias")
@office_required
def unalias() -> Any:
    text = request.form.get("text", "")
    try:
        summary = reviewing.forget_alias(get_db(), registry(), text, by=_by(), reason=request.form.get("reason", ""))
        flash(f"已撤销别名“{text.strip()}”；重新归属 {summary.total} 篇，结果有变化 {summary.changed} 篇。", "ok")
    except XinxiError as exc:
        flash(str(exc).replace("请用 --reason 说明", "请说明"), "error")
    return redirect(url_for("review.aliases"))
