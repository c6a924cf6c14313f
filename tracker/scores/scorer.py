"""Scoring at the edge: load the rules once, build engine items from the store, run the engine.

Crawled, attributed articles become adoptions whose columns decide the category (config/sites.toml);
manual entries name their clause; experience flags come from the classifier unless a reviewer decided.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from scoring import Adoption, Period, PeriodError, RuleBook, Rules, RulesError, Scoreboard, Unit, score
from scoring import load_rulebook as _load_rulebook
from scoring import load_rules as _load_rules
from scoring.experience import Keywords, Verdict, classify
from tracker import store
from tracker.config import ConfigError, Section, Settings, read_toml
from tracker.errors import XinxiError
from tracker.times import DEFAULT_TZ, shown_date
from tracker.units import Registry, load_units

EXPERIENCE_FLAG = "experience"
log = logging.getLogger(__name__)


class ScoringError(XinxiError):
    """A scoring request that cannot be met (bad period, unknown unit or clause, …)."""


def rules_error(exc: RulesError) -> ConfigError:
    """A rules file error in the project's one-line config-error form."""
    return ConfigError(exc.path, exc.key, exc.message)


def load_rulebook(settings: Settings, rules_file: Path | None = None, registry: Registry | None = None) -> RuleBook:
    """The rules in force (config/rules/*.toml), or only `rules_file` for every date (what-if)."""
    try:
        book = RuleBook.only(_load_rules(rules_file)) if rules_file else _load_rulebook(settings.config_dir / "rules")
    except RulesError as exc:
        raise rules_error(exc) from None
    known = {u.id for u in (registry or load_units(settings.config_dir))}
    for rules in book.versions:
        for unit_id in rules.targets:
            if unit_id not in known:
                raise ConfigError(rules.path or "?", f"targets.{unit_id}", "config/units.toml 中没有这个单位")
    return book


def scoring_files_hash(settings: Settings) -> str:
    """A digest of the config files that decide points besides units and columns: config/rules/*.toml and
    config/experience.toml. Stored scoring lines remember it, so editing one of them marks them stale."""
    digest = hashlib.sha256()
    for path in [*sorted((settings.config_dir / "rules").glob("*.toml")), settings.config_dir / "experience.toml"]:
        try:
            content = path.read_bytes()
        except OSError:   # a missing file changes the digest too; loading it reports the error in words
            content = b""
        digest.update(f"{path.name}\0{hashlib.sha256(content).hexdigest()}\0".encode())
    return digest.hexdigest()


def load_keywords(settings: Settings) -> Keywords:
    """The experience classifier's words (config/experience.toml)."""
    path = settings.config_dir / "experience.toml"
    top = Section(path, read_toml(path))
    top.only("experience")
    sec = top.table("experience", required=True)
    sec.only("include", "exclude")
    include = sec.strings("include")
    if not include:
        raise sec.error("include", "至少要有一个关键词")
    return Keywords(include=include, exclude=sec.strings("exclude"))


def engine_units(registry: Registry, period: Period | None = None) -> tuple[Unit, ...]:
    """Units as the engine sees them, in file order; with a period, only those that existed during it."""
    out = []
    for i, unit in enumerate(registry):
        if period is not None and (
                (unit.valid_from and unit.valid_from > period.end) or (unit.valid_to and unit.valid_to < period.start)):
            continue
        out.append(Unit(unit.id, unit.name, unit.kind, i))
    return tuple(out)


def column_categories(settings: Settings) -> dict[tuple[str, str], str]:
    """(site, column key) → scoring category, from config/sites.toml."""
    return {(site.key, col.key): col.category for site in settings.sites.values() for col in site.columns}


def experience_verdict(row: Mapping[str, Any], stored: Mapping[str, Any] | None, keywords: Keywords,
                       tz: str = DEFAULT_TZ) -> Verdict:
    """A stored decision (reviewer or frozen classifier) wins over the classifier run now."""
    if stored is not None:
        who = stored.get("decided_by") or ""
        why = stored.get("reason") or ""
        reason = "，".join(x for x in (who, shown_date(stored.get("decided_at"), tz), why) if x)
        return Verdict(bool(stored["experience"]), stored.get("source") or "reviewer", reason)
    return classify(row.get("title"), row.get("subtitle"), keywords)


def article_items(db: Database, settings: Settings, period: Period, keywords: Keywords) -> list[Adoption]:
    """Crawled articles credited to a unit, as adoptions carrying their columns' categories."""
    categories = column_categories(settings)
    flags = store.experience_flags(db)
    seen: dict[tuple[str, ...], tuple[str, ...]] = {}  # the few distinct column sets, mapped once each
    items = []
    for row in store.credited_articles(db, since=period.start.isoformat(), until=period.end.isoformat()):
        if not row.get("unit_id"):
            continue
        site, aid = row["site"], int(row["id"])
        listed = (site, *(row.get("columns") or ()))
        cats = seen.get(listed)
        if cats is None:
            cats = seen[listed] = tuple(sorted({categories.get((site, key), f"未配置栏目{key}") for key in listed[1:]}))
        verdict = experience_verdict(row, flags.get((site, aid)), keywords, settings.timezone)
        method = row.get("method")
        items.append(Adoption(
            evidence_id=f"{site}/{aid}",
            evidence=row.get("url") or "",
            unit_id=row["unit_id"],
            date=date.fromisoformat(row["date"]),
            title=row.get("title") or "",
            categories=cats,
            flags=frozenset({EXPERIENCE_FLAG}) if verdict.experience else frozenset(),
            note=f"归属依据：{method}" if method else "",
            flag_note=verdict.note,
        ))
    return items


def entry_items(db: Database, period: Period) -> list[Adoption]:
    """Manual entries in the period, each naming its clause."""
    return [
        Adoption(
            evidence_id=f"entry/{row['id']}",
            evidence=row["evidence"],
            unit_id=row["unit_id"],
            date=date.fromisoformat(row["date"]),
            title=row["title"],
            clause_id=row["kind"],
            note="手工录入" + (f"：{row['note']}" if row.get("note") else ""),
        )
        for row in store.list_entries(db, since=period.start.isoformat(), until=period.end.isoformat())
    ]


@dataclass(frozen=True)
class Scorer:
    """Everything loaded once at the edge that scoring a period needs besides the database."""

    settings: Settings
    registry: Registry
    book: RuleBook
    keywords: Keywords
    what_if: bool = False              # scoring by a rules file given on the command line: nothing recorded
    files_hash: str = ""               # scoring_files_hash of the config read, taken before reading it

    @classmethod
    def load(cls, settings: Settings, rules_file: Path | None = None) -> Scorer:
        files_hash = scoring_files_hash(settings)
        registry = load_units(settings.config_dir)
        return cls(settings, registry, load_rulebook(settings, rules_file, registry), load_keywords(settings),
                   what_if=rules_file is not None, files_hash=files_hash)

    def score(self, db: Database, period: Period) -> Scoreboard:
        """Every unit's result over the period; a period before any rules took effect is an error."""
        if not self.book.segments(period.start, period.end):
            first = self.book.versions[0]
            raise ScoringError(f"{period.title}没有生效的考评办法：{first.document or first.title}"
                               f"自 {first.effective} 起实行，请选这以后的期间")
        try:
            # The files as they are now, which may be newer than those this scorer read (a long-running web
            # server): lines it records with its own hash then show as stale, as they are.
            store.sync_config(db, self.settings, self.registry, scoring_files_hash(self.settings))
        except sqlite3.Error as exc:   # a full disk or a read-only file: the names wait for the next time
            log.info("未能更新数据库中的单位表：%s", exc)
        changes = store.change_counter(db)
        items = entry_items(db, period) + article_items(db, self.settings, period, self.keywords)
        board = score(items, self.book, engine_units(self.registry, period), period)
        if not self.what_if and store.is_whole_year(board) is not None:
            # A whole year's lines are written down for `adoptions` and `unit_totals` (see README). Failing to
            # write them leaves them marked stale and costs the command nothing.
            try:
                store.record_year(db, board, changes=changes, config=store.config_hash(self.settings, self.registry),
                                  rules_hash=self.files_hash)
            except sqlite3.Error as exc:
                log.info("未能把 %s 年的计分行写入数据库：%s", period.start.year, exc)
        return board

    def rules_for(self, period: Period) -> Rules:
        return self.book.latest_for(period.start, period.end)

    def unit_id(self, text: str) -> str:
        """A unit by id, official name or alias; UnknownUnit (with close matches) otherwise."""
        return self.registry.find(text).id


def period_or_error(fn: Any, *args: Any, **kwargs: Any) -> Period:
    """Call a period parser, turning its error into a ScoringError for the CLI."""
    try:
        return fn(*args, **kwargs)
    except PeriodError as exc:
        raise ScoringError(str(exc)) from None
