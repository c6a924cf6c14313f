"""Running the attribution engine over stored articles, and the reviewer's side of it.

Decisions and taught aliases are stored with who, when and why, and are never overwritten by a run of
the engine: an article with an active decision is left alone, and the decision wins wherever credit is read.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlite_utils import Database

from tracker import store
from tracker.attribution.batch import as_row, decided_chunks, workers_for
from tracker.attribution.engine import ArticleFacts, Attribution, Engine, compile_engine
from tracker.attribution.gazetteer import gazetteer_or_none
from tracker.attribution.matching import SEPARATORS
from tracker.attribution.provincial import SiteEngine
from tracker.attribution.suggestions import learn
from tracker.errors import NotFound, XinxiError
from tracker.units import Registry, Unit


class ReviewError(XinxiError):
    """A review request that cannot be carried out (bad article reference, alias that clashes, …)."""


@dataclass(frozen=True)
class AttributeSummary:
    """What one run of the engine over stored articles did."""

    total: int = 0                                        # articles the engine looked at
    automatic: Mapping[str, int] = field(default_factory=dict)  # method → articles attributed
    review: int = 0                                       # articles sent to (or left in) the review queue
    changed: int = 0                                      # articles whose unit or queue state changed
    kept: int = 0                                         # articles a reviewer decided, left alone
    seconds: float = 0.0
    refreshed: int = 0                                    # queued articles re-ranked after new review decisions
    workers: int = 0                                      # worker processes that read and decided (0: this one)

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "automatic": dict(self.automatic), "review": self.review,
                "changed": self.changed, "kept": self.kept, "seconds": round(self.seconds, 3),
                "refreshed": self.refreshed, "workers": self.workers}


def engine_for(db: Database, registry: Registry) -> Engine | SiteEngine:
    """The engine with the registry, every alias taught so far and the words of every decision so far;
    provincial sites read with the gazetteer of Jiangsu's cities."""
    engine = compile_engine(registry, store.taught_aliases(db), learn(store.decided_articles(db)))
    gazetteer = gazetteer_or_none(registry.path.parent)
    return SiteEngine(engine, gazetteer) if gazetteer is not None else engine


def _run(db: Database, engine: Engine | SiteEngine, keys: Sequence[tuple[str, int]], kept: int,
         workers: int | None = None) -> AttributeSummary:
    started = time.perf_counter()
    automatic: Counter[str] = Counter()
    review = changed = 0
    workers = workers_for(db, len(keys), workers)
    for rows in decided_chunks(db, engine, keys, workers):
        for row, old in rows:
            if row["needs_review"]:
                review += 1
            else:
                automatic[row["method"] or ""] += 1
            if old != (row["unit_id"], bool(row["needs_review"])):
                changed += 1
        store.save_attributions(db, [row for row, _ in rows])
    return AttributeSummary(len(keys), dict(automatic), review, changed, kept, time.perf_counter() - started,
                            workers=workers)


def attribute_pending(db: Database, registry: Registry, *, engine: Engine | SiteEngine | None = None) -> AttributeSummary:
    """Attribute articles never attributed, or changed by a recrawl since; reviewer decisions are left alone.

    Queued articles attributed before the latest review decision are run again too, so that their suggestions
    learn from it (counted apart, as `refreshed`).
    """
    engine = engine or engine_for(db, registry)
    keys = store.attribution_keys(db, pending=True)
    summary = _run(db, engine, keys, 0)
    pending = set(keys)
    stale = [k for k in store.stale_queue_keys(db) if k not in pending]
    if not stale:
        return summary
    again = _run(db, engine, stale, 0)
    return dataclasses.replace(summary, changed=summary.changed + again.changed,
                               seconds=summary.seconds + again.seconds, refreshed=len(stale))


def attribute_all(db: Database, registry: Registry, since: str | None = None, *,
                  engine: Engine | SiteEngine | None = None, workers: int | None = None) -> AttributeSummary:
    """Re-attribute every stored article (dated from `since`), except those a reviewer decided; `workers`
    None lets the batch runner choose how many processes to use (see `batch.workers_for`)."""
    keys = store.attribution_keys(db, since=since)
    return _run(db, engine or engine_for(db, registry), keys, store.decided_count(db, since=since), workers)


def credit_fields(db: Database, rows: Sequence[Mapping[str, Any]],
                  registry: Registry) -> dict[tuple[str, int], dict[str, Any]]:
    """(site, id) → {unit: official name or None, attribution: method or None, review: bool}, for listed articles."""
    names = {u.id: u.name for u in registry}
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for site in sorted({r["site"] for r in rows}):
        ids = [r["id"] for r in rows if r["site"] == site]
        out |= {(site, aid): f for aid, f in store.attribution_fields(db, site, ids, names).items()}
    return out


# --- the reviewer's decisions ------------------------------------------------------------------------


def resolve_article(db: Database, ref: str) -> tuple[str, int]:
    """An article from `site/id` or a bare id (when only one site has it)."""
    site, sep, number = ref.strip().rpartition("/")
    if not number.isdigit():
        raise ReviewError(f"文章编号应写作 数字 或 网站/数字（例如 9909 或 czgh/9909），而不是“{ref}”")
    aid = int(number)
    sites = store.sites_with_article(db, aid)
    if sep:
        if site not in sites:
            raise NotFound(f"没有文章 {site}/{aid}")
        return site, aid
    if not sites:
        raise NotFound(f"没有文章 {aid}")
    if len(sites) > 1:
        raise ReviewError(f"几个网站都有编号 {aid} 的文章，请写明：{'、'.join(f'{s}/{aid}' for s in sites)}")
    return sites[0], aid


def reattribute(db: Database, engine: Engine | SiteEngine, site: str, aid: int) -> Attribution:
    """Run the engine on one article now and store the result."""
    (raw,) = store.attribution_inputs(db, site, [aid])
    result = engine.attribute(ArticleFacts.from_row(raw))
    store.save_attributions(db, [as_row(site, aid, result, raw["content_hash"])])
    return result


def assign(db: Database, registry: Registry, ref: str, unit: str, *, by: str,
           note: str | None = None) -> tuple[str, int, Unit]:
    """Credit an article to a unit (by id, name or alias)."""
    site, aid = resolve_article(db, ref)
    chosen = registry.find(unit)
    (raw,) = store.attribution_inputs(db, site, [aid])
    day = ArticleFacts.from_row(raw).date
    if not chosen.valid_on(day):
        since = f"自 {chosen.valid_from} 起" if chosen.valid_from else ""
        until = f"至 {chosen.valid_to} 止" if chosen.valid_to else ""
        raise ReviewError(f"{chosen.name}{since}{until}才是考评单位，文章日期 {day} 不在其中，计不了分；"
                          "请归给当时的单位，或用 xinxi review ignore 标记不计分")
    store.add_decision(db, site, aid, action="assign", unit_id=chosen.id, note=note, by=by)
    return site, aid, chosen


def ignore(db: Database, ref: str, *, by: str, reason: str) -> tuple[str, int]:
    """Mark an article as creditable to no unit (a story by another body, a duplicate, …)."""
    if not reason.strip():
        raise ReviewError("请用 --reason 说明为什么不计分")
    site, aid = resolve_article(db, ref)
    store.add_decision(db, site, aid, action="ignore", unit_id=None, note=reason.strip(), by=by)
    return site, aid


def undo(db: Database, registry: Registry, ref: str, *, by: str,
         reason: str | None = None) -> tuple[str, int, Attribution]:
    """Undo the active decision on an article; the engine's result applies again (re-run now)."""
    site, aid = resolve_article(db, ref)
    store.undo_decision(db, site, aid, by=by, reason=reason)
    return site, aid, reattribute(db, engine_for(db, registry), site, aid)


@dataclass(frozen=True)
class Taught:
    alias_id: int
    unit: Unit
    matched: int        # queued articles containing the text, re-attributed
    decided: int        # of them, now attributed automatically


def _configured_owner(registry: Registry, text: str) -> Unit | None:
    for unit in registry:
        if text in (*unit.aliases, *unit.short_names, *unit.areas, *unit.short_areas):
            return unit
    return None


def _checked_alias(db: Database, registry: Registry, text: str, unit: str) -> tuple[str, Unit]:
    """The alias text as it will be stored and its unit, or ReviewError saying why it cannot be taught."""
    text = text.strip().strip("()（）").strip()
    if len(text) < 2:
        raise ReviewError("别名至少两个字")
    if SEPARATORS.search(text):
        raise ReviewError("别名中不能有空格、顿号或逗号：署名里的单位和人名是分开认的，请只写其中一段")
    if text in registry.generic_sources:
        raise ReviewError(f"“{text}”是网站默认的来源，不指任何单位，不能作为别名")
    press = next((p for p in registry.press if p in text), None)
    if press is not None:
        raise ReviewError(f"“{text}”含报社或网站名“{press}”：记者稿不说明是哪个单位报送的，不能作为单位的别名")
    chosen = registry.find(unit)
    owner = _configured_owner(registry, text)
    if owner is not None:
        hint = "，不必再教" if owner.id == chosen.id else f"；如需更改请修改 {registry.path}"
        raise ReviewError(f"“{text}”在配置中已是{owner.name}（{owner.id}）的名称{hint}")
    for existing, unit_id in store.taught_aliases(db):
        if existing == text:
            raise ReviewError(f"“{text}”已教过，指 {registry.name_of(unit_id)}（{unit_id}）；"
                              "如需更改请先用 xinxi review unalias 撤销")
    return text, chosen


@dataclass(frozen=True)
class AliasPreview:
    text: str
    unit: Unit
    matched: int        # queued articles containing the text: these would be re-attributed
    decided: int        # of them, those the engine would then credit automatically


def preview_alias(db: Database, registry: Registry, text: str, unit: str) -> AliasPreview:
    """What teaching an alias would do, without storing anything."""
    text, chosen = _checked_alias(db, registry, text, unit)
    engine = compile_engine(registry, [*store.taught_aliases(db), (text, chosen.id)])
    keys = store.queued_keys_containing(db, text)
    decided = 0
    by_site: dict[str, list[int]] = {}
    for site, aid in keys:
        by_site.setdefault(site, []).append(aid)
    for site, ids in by_site.items():
        decided += sum(not engine.attribute(ArticleFacts.from_row(raw)).needs_review
                       for raw in store.attribution_inputs(db, site, ids))
    return AliasPreview(text, chosen, len(keys), decided)


def teach_alias(db: Database, registry: Registry, text: str, unit: str, *, by: str,
                note: str | None = None) -> Taught:
    """Teach the engine that a byline text means a unit, then re-attribute the queued articles containing it."""
    text, chosen = _checked_alias(db, registry, text, unit)
    alias_id = store.add_alias(db, text, chosen.id, by=by, note=note)
    engine = engine_for(db, registry)
    keys = store.queued_keys_containing(db, text)
    summary = _run(db, engine, keys, 0)
    return Taught(alias_id, chosen, len(keys), summary.total - summary.review)


def forget_alias(db: Database, registry: Registry, text: str, *, by: str, reason: str) -> AttributeSummary:
    """Retire a taught alias and re-attribute every article the reviewer has not decided."""
    if not reason.strip():
        raise ReviewError("请用 --reason 说明为什么撤销这个别名")
    store.remove_alias(db, text.strip(), by=by, reason=reason.strip())
    return attribute_all(db, registry)


def by_method(automatic: Mapping[str, int]) -> str:
    """“来源 12，结尾署名 5 …”: most first, ties in the order of the methods."""
    order = list(store.METHOD_LABELS)
    ranked = sorted(automatic.items(), key=lambda kv: (-kv[1], order.index(kv[0]) if kv[0] in order else 99))
    return "，".join(f"{store.METHOD_LABELS.get(m, m)} {n}" for m, n in ranked)


def summary_text(counts: Mapping[str, Any]) -> str:
    """One line on how the stored articles are attributed (for `xinxi demo` and `xinxi attribute`)."""
    automatic = counts.get("automatic", {})
    parts = by_method(automatic)
    total_auto = sum(automatic.values())
    line = f"自动归属 {total_auto} 篇" + (f"（{parts}）" if parts else "") + f"，待人工审核 {counts.get('review', 0)} 篇"
    if counts.get("assigned") or counts.get("ignored"):
        line += f"，人工已归属 {counts.get('assigned', 0)} 篇、不计分 {counts.get('ignored', 0)} 篇"
    if counts.get("unattributed"):
        line += f"，尚未归属 {counts['unattributed']} 篇"
    return line + "。"


# --- many articles at once (the web pages' bulk actions): one transaction, not one per article ----------


@dataclass(frozen=True)
class BulkResult:
    done: int
    skipped: tuple[tuple[str, int, str], ...] = ()   # (site, id, why it was left alone)


def _queued(db: Database, keys: Sequence[tuple[str, int]]) -> tuple[list[dict[str, Any]], list[tuple[str, int, str]]]:
    found = {(r["site"], r["id"]): r for r in store.review_inputs(db, keys)}
    queued, skipped = [], []
    for site, aid in dict.fromkeys(keys):
        row = found.get((site, aid))
        if row is None:
            skipped.append((site, aid, "没有这篇文章"))
        elif row["decided"]:
            skipped.append((site, aid, "已有人工决定"))
        elif not row["needs_review"]:
            skipped.append((site, aid, "不在待审队列中"))
        else:
            queued.append(row)
    return queued, skipped


def _valid_or_why(unit: Unit, day: str) -> str | None:
    if unit.valid_on(date.fromisoformat(day[:10])):
        return None
    return f"{unit.name}在 {day[:10]} 不是考评单位"


def bulk_accept(db: Database, registry: Registry, keys: Sequence[tuple[str, int]], *, by: str) -> BulkResult:
    """Credit each queued article to its top suggestion; articles without a usable one are left alone."""
    queued, skipped = _queued(db, keys)
    rows = []
    for r in queued:
        if not r["top"]:
            skipped.append((r["site"], r["id"], "没有建议单位"))
            continue
        unit = registry.unit(r["top"])
        why = _valid_or_why(unit, r["date"])
        if why:
            skipped.append((r["site"], r["id"], why))
            continue
        rows.append({"site": r["site"], "article_id": r["id"], "action": "assign", "unit_id": unit.id,
                     "note": "采纳建议"})
    store.add_decisions(db, rows, by=by)
    return BulkResult(len(rows), tuple(skipped))


def bulk_assign(db: Database, registry: Registry, keys: Sequence[tuple[str, int]], unit: str, *, by: str,
                note: str | None = None) -> BulkResult:
    """Credit every queued article among `keys` to one unit; those dated outside its validity are left alone."""
    chosen = registry.find(unit)
    queued, skipped = _queued(db, keys)
    rows = []
    for r in queued:
        why = _valid_or_why(chosen, r["date"])
        if why:
            skipped.append((r["site"], r["id"], why))
            continue
        rows.append({"site": r["site"], "article_id": r["id"], "action": "assign", "unit_id": chosen.id,
                     "note": note})
    store.add_decisions(db, rows, by=by)
    return BulkResult(len(rows), tuple(skipped))


def bulk_ignore(db: Database, keys: Sequence[tuple[str, int]], *, by: str, reason: str) -> BulkResult:
    """Mark every queued article among `keys` as creditable to no unit, with one reason."""
    if not reason.strip():
        raise ReviewError("请说明为什么不计分")
    queued, skipped = _queued(db, keys)
    rows = [{"site": r["site"], "article_id": r["id"], "action": "ignore", "unit_id": None,
             "note": reason.strip()} for r in queued]
    store.add_decisions(db, rows, by=by)
    return BulkResult(len(rows), tuple(skipped))


# The reasons an article waits, as the engine words the start of its evidence: key → (label, LIKE pattern).
REASONS: dict[str, tuple[str, str]] = {
    "none": ("没有来源和单位署名", "%正文也没有明确提到哪个单位%"),
    "unknown": ("署名不是考评单位或尚不认识", "%不是考评单位（或尚不认识）%"),
    "conflict": ("来源与署名指向不同单位", "来源与署名指向不同单位%"),
    "several_closing": ("结尾署名列出多个单位", "结尾署名列出了不止一个单位%"),
    "unknown_beside": ("署名里单位旁还有不认识的机构", "结尾署名里还有%"),
    "opening": ("开头提到几个辖市区或市总、全市、企业唱主角", "开头提到%"),
    "far_down": ("只在正文后面提到单位", "正文第一段没有提到%"),
    "ambiguous": ("简称可能指几个单位", "署名中的简称可能指几个单位%"),
    "several_text": ("正文提到了几个单位", "正文提到了几个单位%"),
    "other_text": ("正文只提到了别的单位", "正文只提到了别的单位%"),
    "other_body": ("标题提到的不是考评单位", "标题提到的是%"),
    "validity": ("单位当时尚未设立或已撤销", "%尚未设立或已撤销%"),
}


def reason_text(evidence: str | None) -> str:
    """The reason an article waits: the first part of its evidence."""
    return (evidence or "").split("；", 1)[0]
