"""A person decides: a confirmed proposal becomes score entries with the notice as evidence; a rejected one
counts for nothing (and a rejection after confirming removes the entries it made)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
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

# Why a proposal was not confirmed, as data. `str()` states the fact only; what to do about it is each front
# end's to say in terms of its own controls ("add --unit" means nothing on a page, "choose a unit in this row"
# nothing in a terminal).


@dataclass(frozen=True)
class NoUnit:
    """The notice's row names no unit we recognise; a person must name one."""

    unit_text: str

    def __str__(self) -> str:
        return f"没有认出单位（“{self.unit_text}”）"


@dataclass(frozen=True)
class AlreadyCounted:
    """A provincial website item the crawl has already credited."""

    title: str
    article: str  # site/id of the crawled article

    def __str__(self) -> str:
        return f"“{self.title}”已由抓取的文章 {self.article} 计分，不能再计"


@dataclass(frozen=True)
class EntryRefused:
    """The entry the proposal stands for was refused by the entry checks (their own words)."""

    message: str

    def __str__(self) -> str:
        return self.message


Blocked = NoUnit | AlreadyCounted | EntryRefused


class DecisionError(XinxiError):
    """A proposal that cannot be confirmed or rejected as asked; nothing was changed."""


class UnknownProposals(DecisionError):
    """Proposal numbers that do not exist."""

    def __init__(self, ids: Sequence[int]) -> None:
        self.ids = list(ids)
        super().__init__(f"没有建议 #{'、#'.join(map(str, self.ids))}")


class NoReason(DecisionError):
    """A rejection without a reason."""

    def __init__(self) -> None:
        super().__init__("不采纳须写明理由")


class UnknownUnitChosen(DecisionError):
    """The unit named for unrecognised proposals is not one of ours."""


class NotConfirmed(DecisionError):
    """Proposals that cannot be confirmed; none of those asked for was."""

    def __init__(self, problems: Sequence[tuple[int, Blocked]]) -> None:
        self.problems = list(dict.fromkeys(problems))
        super().__init__("未确认任何建议：" + "；".join(f"#{pid}：{why}" for pid, why in self.problems))


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
    skipped: dict[int, Blocked] = field(default_factory=dict)  # proposal id → why it was left waiting


def confirm(db: Database, ctx: Context, ids: Sequence[int], *, by: str, unit: str | None = None,
            units: Mapping[int, str] | None = None, today: date | None = None, lenient: bool = False) -> Confirmed:
    """Confirm proposals, all or none; with `lenient` (a whole notice at once) those without a recognised
    unit or already counted from the crawl are left waiting instead of stopping the rest. A proposal without a
    recognised unit is credited to `units[its id]`, else to `unit`.

    Reading the proposals and the stored entries, checking and storing happen under the database's write
    lock: two people confirming the same proposal at once make its entries once."""
    with exclusive(db):
        return _confirm(db, ctx, ids, by=by, unit=unit, units=units or {}, today=today, lenient=lenient)


def _unit_id(ctx: Context, name: str) -> str:
    try:
        return ctx.registry.find(name).id
    except UnknownUnit as exc:
        raise UnknownUnitChosen(str(exc)) from None


def _confirm(db: Database, ctx: Context, ids: Sequence[int], *, by: str, unit: str | None,
             units: Mapping[int, str], today: date | None, lenient: bool) -> Confirmed:
    found = {p["id"]: p for p in records.list_proposals_by_ids(db, ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise UnknownProposals(missing)
    forced = _unit_id(ctx, unit) if unit else None
    chosen = {pid: _unit_id(ctx, name) for pid, name in units.items() if name}
    checker = Checker(ctx.book, ctx.registry, today or date.today(), store.list_entries(db))
    problems: list[tuple[int, Blocked]] = []
    result = Confirmed()
    planned: list[tuple[dict[str, Any], str | None, list[dict[str, Any]]]] = []
    seen = checker.seen()
    for pid in dict.fromkeys(ids):
        p = found[pid]
        if p["status"] == "confirmed":
            planned.append((p, None, []))
            continue
        unit_id = p["unit_id"] or chosen.get(pid) or forced
        blocked: Blocked | None = None
        if unit_id is None:
            blocked = NoUnit(p["unit_text"] or "")
        elif (ref := _already_crawled(db, p)) is not None:
            blocked = AlreadyCounted(p["title"], ref)
        if blocked and lenient:
            result.skipped[pid] = blocked
            continue
        if blocked:
            problems.append((pid, blocked))
            continue
        rows = []
        for raw in entries_for(p, unit_id):
            entry, errors = checker.check(raw, seen)
            problems.extend((pid, EntryRefused(message)) for _, message in errors)
            seen.add(entry, f"建议 #{pid} ")
            rows.append(entry)
        planned.append((p, unit_id, rows))
    if problems:
        raise NotConfirmed(problems)
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
        raise NoReason()
    done: dict[int, str] = {}
    with exclusive(db):
        found = {p["id"]: p for p in records.list_proposals_by_ids(db, ids)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise UnknownProposals(missing)
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
