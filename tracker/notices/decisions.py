"""A person decides: a confirmed proposal becomes score entries with the notice as evidence; a rejected one
counts for nothing (and a rejection after confirming removes the entries it made)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlite_utils import Database

from tracker import store
from tracker.errors import XinxiError
from tracker.notices.propose import WEBSITE_CLAUSE, already_crawled
from tracker.notices.service import Context, credited
from tracker.scores.entries import Checker, exclusive
from tracker.store import notices as records
from tracker.units import UnknownUnit


class DecisionError(XinxiError):
    """A proposal that cannot be confirmed or rejected as asked; nothing was changed."""


def evidence(p: dict[str, Any]) -> str:
    """The notice as evidence: title, 文号, date, and the row the adoption was read from."""
    head = f"通报《{p['notice_title']}》" + (f"{p['notice_doc_no']}" if p.get("notice_doc_no") else "")
    head += f"（{p['notice_date']}）" if p.get("notice_date") else ""
    where = p["source"] + (f" 第 {p['row_number']} 行" if p.get("row_number") else "")
    return f"{head}；{where}：{p['row']}"


def entries_for(p: dict[str, Any], unit_id: str) -> list[dict[str, Any]]:
    """The score entries one proposal stands for (a count of n is n entries)."""
    base = {"unit_id": unit_id, "kind": p["clause"], "date": p["date"], "evidence": evidence(p),
            "note": f"通报建议 #{p['id']}" + (f"，{p['issue_no']}" if p.get("issue_no") else "")}
    if p["kind"] == "count":
        # Entries must differ to be told apart (and not refused as duplicates): number them within the row.
        return [{**base, "title": f"{p['outlet']}采用 第 {k}/{p['count']} 条"} for k in range(1, p["count"] + 1)]
    return [{**base, "title": p["title"]}]


def _already_crawled(db: Database, p: dict[str, Any]) -> str | None:
    if p["clause"] != WEBSITE_CLAUSE or p["kind"] != "item":
        return None
    period = (p["period_start"], p["period_end"]) if p.get("period_start") else None
    return already_crawled(p["title"], p["date"], credited(db), period)


@dataclass
class Confirmed:
    made: dict[int, list[int]] = field(default_factory=dict)   # proposal id → entry ids (empty: it already was)
    skipped: dict[int, str] = field(default_factory=dict)      # proposal id → why it was left waiting


def confirm(db: Database, ctx: Context, ids: Sequence[int], *, by: str, unit: str | None = None,
            today: date | None = None, lenient: bool = False) -> Confirmed:
    """Confirm proposals, all or none; with `lenient` (a whole notice at once) those without a recognised
    unit or already counted from the crawl are left waiting instead of stopping the rest.

    Reading the proposals and the stored entries, checking and storing happen under the database's write
    lock: two people confirming the same proposal at once make its entries once."""
    with exclusive(db):
        return _confirm(db, ctx, ids, by=by, unit=unit, today=today, lenient=lenient)


def _confirm(db: Database, ctx: Context, ids: Sequence[int], *, by: str, unit: str | None,
             today: date | None, lenient: bool) -> Confirmed:
    found = {p["id"]: p for p in records.list_proposals_by_ids(db, ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise DecisionError(f"没有建议 #{'、#'.join(map(str, missing))}（见 xinxi notice list）")
    forced = None
    if unit:
        try:
            forced = ctx.registry.find(unit).id
        except UnknownUnit as exc:
            raise DecisionError(str(exc)) from None
    checker = Checker(ctx.book, ctx.registry, today or date.today(), store.list_entries(db))
    problems: list[str] = []
    result = Confirmed()
    planned: list[tuple[dict[str, Any], str | None, list[dict[str, Any]]]] = []
    seen = checker.seen()
    for pid in dict.fromkeys(ids):
        p = found[pid]
        if p["status"] == "confirmed":
            planned.append((p, None, []))
            continue
        unit_id = p["unit_id"] or forced
        blocked = None
        if unit_id is None:
            blocked = f"没有认出单位（“{p['unit_text']}”），请加 --unit 指定"
        elif (ref := _already_crawled(db, p)) is not None:
            blocked = f"“{p['title']}”已由抓取的文章 {ref} 计分，不能再计"
        if blocked and lenient:
            result.skipped[pid] = blocked
            continue
        if blocked:
            problems.append(f"#{pid}：{blocked}")
            continue
        rows = []
        for raw in entries_for(p, unit_id):
            entry, errors = checker.check(raw, seen)
            problems.extend(f"#{pid}：{message}" for _, message in errors)
            seen.add(entry, f"建议 #{pid} ")
            rows.append(entry)
        planned.append((p, unit_id, rows))
    if problems:
        raise DecisionError("未确认任何建议：" + "；".join(dict.fromkeys(problems)))
    for p, unit_id, rows in planned:
        if not rows:
            result.made[p["id"]] = []
            continue
        entry_ids = store.add_entries(db, rows, by=by, source="notice")
        records.decide(db, p["id"], status="confirmed", by=by, unit_id=unit_id, entry_ids=entry_ids)
        result.made[p["id"]] = entry_ids
    return result


def reject(db: Database, ids: Sequence[int], *, reason: str, by: str) -> dict[int, str]:
    """Reject proposals: returns proposal id → what happened, in words."""
    if not reason.strip():
        raise DecisionError("请用 --reason 写明不采纳的理由")
    done: dict[int, str] = {}
    with exclusive(db):
        found = {p["id"]: p for p in records.list_proposals_by_ids(db, ids)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise DecisionError(f"没有建议 #{'、#'.join(map(str, missing))}（见 xinxi notice list）")
        for pid in dict.fromkeys(ids):
            p = found[pid]
            if p["status"] == "rejected":
                done[pid] = "此前已不采纳，未改动"
                continue
            removed = json.loads(p["entry_ids"] or "[]") if p["status"] == "confirmed" else []
            for entry_id in removed:
                store.remove_entry(db, entry_id, reason=f"通报建议 #{pid} 改为不采纳：{reason}", by=by)
            records.decide(db, pid, status="rejected", by=by, reason=reason)
            done[pid] = f"已不采纳，撤销录入 #{'、#'.join(map(str, removed))}" if removed else "已不采纳"
    return done
