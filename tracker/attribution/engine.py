"""Who submitted an article: a pure function from its stored raw fields to a unit, or to the review queue.

The explicit statements come first: the 来源 field, the closing byline lines, the 通讯员 a reviewer taught.
Where they name one unit and nothing contradicts them, that unit is credited. Where they are missing or
generic (the CMS default 来源 “总工会”), the unions and places named in the title, subtitle and body decide,
but only when one unit is clearly named and no other; the opening alone (opening.py) decides when it names
exactly one district and nothing there contradicts it. A joint byline credits its one unit when every other
name in it is a known non-unit (a 工联会, a firm, a bureau). Everything else goes to a person, with ranked
suggestions: a wrong unit is worse than a question.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from tracker.attribution.matching import (
    Hit,
    Vocabulary,
    compile_vocabulary,
)
from tracker.attribution.opening import Opening, first_sentences, read_opening
from tracker.attribution.reading import Claim, TextReading, UnitScore, read_claim, read_text
from tracker.attribution.suggestions import Learned, merge
from tracker.units import Registry

# How a unit was decided: 来源 field, closing byline, a unit's name in the text (or a taught alias), a town or
# street in the gazetteer. `reviewer` is a person's decision and never comes from here.
METHODS = ("source", "closing", "alias", "gazetteer")
LEARNED_WEIGHT = 0.5  # how much the words of past decisions count beside the rules' own shares (which sum to 1)


@dataclass(frozen=True)
class ArticleFacts:
    """The raw fields attribution reads, exactly as stored."""

    site: str
    id: int
    date: date
    title: str = ""
    subtitle: str | None = None
    source: str | None = None
    closing_bylines: tuple[str, ...] = ()
    correspondents: tuple[str, ...] = ()
    body: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> ArticleFacts:
        """From a stored `articles` row (JSON list columns as text or lists)."""

        def strings(value: Any) -> tuple[str, ...]:
            if not value or value == "[]":
                return ()
            return tuple(json.loads(value) if isinstance(value, str) else value)

        return cls(site=row["site"], id=int(row["id"]), date=date.fromisoformat(str(row["date"])[:10]),
                   title=row.get("title") or "", subtitle=row.get("subtitle"), source=row.get("source"),
                   closing_bylines=strings(row.get("closing_bylines")),
                   correspondents=strings(row.get("correspondents")), body=row.get("body"))


class Suggestion(NamedTuple):
    unit_id: str
    score: float          # share of the evidence, 0–1
    evidence: str


@dataclass(frozen=True)
class Attribution:
    unit_id: str | None
    method: str | None    # one of METHODS, None when nothing was decided
    confidence: float
    evidence: str
    suggestions: tuple[Suggestion, ...] = ()
    needs_review: bool = False


@dataclass(frozen=True)
class Engine:
    """The registry, taught aliases and words learned from decisions, compiled once; `attribute` is the pure
    function over it."""

    registry: Registry
    vocabulary: Vocabulary
    taught: tuple[tuple[str, str], ...] = ()
    learned: Learned | None = None

    def attribute(self, facts: ArticleFacts) -> Attribution:
        return attribute(facts, self)


def compile_engine(registry: Registry, taught: Sequence[tuple[str, str]] = (), learned: Learned | None = None) -> Engine:
    """Compile the registry, the taught aliases (text, unit id) and what was learned from decisions."""
    taught = tuple((t, u) for t, u in taught)
    return Engine(registry, compile_vocabulary(registry, taught), taught, learned)


# --- the decision -----------------------------------------------------------------------------------


def _suggestions(claims: Sequence[Claim], text: Mapping[str, UnitScore],
                 ambiguous: Iterable[str]) -> tuple[Suggestion, ...]:
    raw: dict[str, float] = {}
    why: dict[str, list[str]] = {}

    def add(unit: str, weight: float, evidence: str) -> None:
        raw[unit] = raw.get(unit, 0.0) + weight
        if evidence not in why.setdefault(unit, []):
            why[unit].append(evidence)

    for claim in claims:
        for unit in claim.units:
            add(unit, 10.0, f"{claim.where}“{claim.text}”")
        for unit in claim.ambiguous:
            add(unit, 5.0, f"{claim.where}“{claim.text}”可能指此单位")
        for unit in claim.hints:
            add(unit, 1.0, f"{claim.where}“{claim.text}”")
    for unit in ambiguous:
        add(unit, 1.0, "正文中的简称可能指此单位")
    for unit, s in text.items():
        add(unit, s.score, "、".join(s.snippets))
    total = sum(raw.values()) or 1.0
    ranked = sorted(raw.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(Suggestion(u, round(w / total, 2), "；".join(why[u])) for u, w in ranked)


def _evidence(claims: Sequence[Claim], scores: Mapping[str, UnitScore], unit: str | None) -> str:
    parts = [f"{c.where}“{c.text}”" + (f"（{'、'.join(c.non_units)}不是考评单位）" if c.units and c.non_units else "")
             for c in claims if c.units or c.unknown or c.ambiguous or c.non_units]
    if unit and unit in scores:
        parts.append("、".join(scores[unit].snippets))
    return "；".join(p for p in parts if p)


def _review(reason: str, claims: Sequence[Claim], scores: Mapping[str, UnitScore],
            ambiguous: Iterable[str] = ()) -> Attribution:
    evidence = "；".join(x for x in (reason, _evidence(claims, scores, None)) if x)
    return Attribution(None, None, 0.0, evidence, _suggestions(claims, scores, ambiguous), True)


def _decided(engine: Engine, unit: str, method: str, confidence: float, claims: Sequence[Claim],
             scores: Mapping[str, UnitScore], day: date) -> Attribution:
    if not engine.registry.unit(unit).valid_on(day):
        name = engine.registry.name_of(unit)
        return _review(f"{name}在 {day.isoformat()} 尚未设立或已撤销", claims, scores)
    return Attribution(unit, method, round(confidence, 2), _evidence(claims, scores, unit))


def _no_claim(source: Claim | None) -> str:
    if source is None:
        return "页面没有来源，结尾也没有单位署名"
    if source.generic:
        return "来源是网站默认的“总工会”，结尾也没有单位署名"
    return f"来源“{source.text}”不是单位，结尾也没有单位署名"


def _opening_parts(facts: ArticleFacts, reading: TextReading) -> list[tuple[str, str, list[Hit]]]:
    """Title, subtitle and the body's first sentences, with the names already found in them."""
    parts = [(part, *reading.hits[part]) for part in ("标题", "副标题") if part in reading.hits]
    if "正文" in reading.hits:
        body, hits = reading.hits["正文"]
        start = first_sentences(body)
        parts.append(("正文开头", start, [h for h in hits if h.end <= len(start)]))
    return parts


def _opening_decides(engine: Engine, facts: ArticleFacts, source: Claim | None, opening: Opening,
                     claims: Sequence[Claim], scores: Mapping[str, UnitScore], ambiguous: Iterable[str]) -> Attribution:
    """No explicit statement and no union named: the one district the opening names in full, if nothing objects."""
    if len(opening.deciding) != 1:
        why = f"{_no_claim(source)}，正文也没有明确提到哪个单位"
        if opening.districts:
            named = "、".join(x for v in opening.districts.values() for x in v)
            why += f"（开头的{named}是简称或在引号里，不算数）"
        return _review("；".join([why, *opening.objections[:3]]), claims, scores, ambiguous)
    ((unit, snippets),) = opening.deciding.items()
    if opening.objections:
        return _review(f"开头提到{'、'.join(snippets)}，但{'；'.join(opening.objections[:3])}", claims, scores, ambiguous)
    if any(u != unit and (s.strong or s.score > scores.get(unit, UnitScore()).score) for u, s in scores.items()):
        return _review(f"开头提到{'、'.join(snippets)}，但正文还提到了别的单位", claims, scores, ambiguous)
    result = _decided(engine, unit, "gazetteer", 0.6, claims, scores, facts.date)
    if result.needs_review:
        return result
    return dataclasses.replace(result, evidence=f"{_no_claim(source)}；开头只提到一个辖市、区：{'、'.join(snippets)}，"
                                                "没有别的辖市、区、市总工会、其他机构或全市")


def attribute(facts: ArticleFacts, engine: Engine) -> Attribution:
    """Credit the article to one unit, or send it to review with ranked suggestions."""
    result = _by_rules(facts, engine)
    if not result.needs_review or not engine.learned:
        return result
    return dataclasses.replace(result, suggestions=_with_learned(result.suggestions, facts, engine))


def _with_learned(rules: Sequence[Suggestion], facts: ArticleFacts, engine: Engine) -> tuple[Suggestion, ...]:
    """The rules' suggestions, with units whose decided articles share this one's words ranked beside them."""
    assert engine.learned is not None
    registry = engine.registry
    matches = [m for m in engine.learned.rank(facts.title, facts.subtitle, facts.source, facts.closing_bylines,
                                              facts.correspondents)
               if registry.unit(m.unit_id).valid_on(facts.date)]
    merged = merge(rules, matches, {u.id: u.name for u in registry}, LEARNED_WEIGHT)
    return tuple(Suggestion(*s) for s in merged)


def _by_rules(facts: ArticleFacts, engine: Engine) -> Attribution:
    vocab, registry, day = engine.vocabulary, engine.registry, facts.date
    claims: list[Claim] = []
    source_text = (facts.source or "").strip()
    source = read_claim(vocab, "来源", source_text, day) if source_text else None
    if source is not None:
        if source.generic and not source.units and facts.site in registry.site_sources:
            source.units[registry.site_sources[facts.site]] = False
        claims.append(source)
    closing = [read_claim(vocab, "结尾署名", line.strip(), day) for line in facts.closing_bylines if line.strip()]
    claims += [c for c in closing if c.units or c.unknown or c.ambiguous or c.generic or c.non_units]
    for name in facts.correspondents:
        entry = vocab.exact.get(name.strip(), ())
        units = {e.unit_id: True for e in entry if e.kind == "taught" and e.unit_id}
        if units:
            claims.append(Claim("通讯员", name.strip(), units))
    reading = read_text(vocab, facts.title, facts.subtitle, facts.body, day)
    scores, text_ambiguous = reading.scores, reading.ambiguous

    if any(c.ambiguous for c in claims):
        return _review("署名中的简称可能指几个单位", claims, scores, text_ambiguous)
    closing_units = {u for c in closing for u in c.units}
    # A known non-unit beside a unit leaves that unit (a joint byline); on its own it names nobody.
    closing_unknown = [t for c in closing for t in (*c.unknown, *(() if c.units else c.non_units))] + [
        c.text for c in closing if c.generic]
    if len(closing_units) > 1:
        return _review("结尾署名列出了不止一个单位", claims, scores, text_ambiguous)
    if closing_units and closing_unknown:
        return _review(f"结尾署名里还有{'、'.join(dict.fromkeys(closing_unknown))}，不知是不是考评单位", claims, scores,
                       text_ambiguous)
    named = {u for c in claims for u in c.units}
    if len(named) > 1:
        return _review("来源与署名指向不同单位", claims, scores, text_ambiguous)
    source_unknown = [*source.unknown, *(() if source.units else source.non_units)] if source is not None else []
    unknown = [*source_unknown, *closing_unknown]
    if unknown:
        return _review(f"{'、'.join(dict.fromkeys(unknown))}不是考评单位（或尚不认识）", claims, scores, text_ambiguous)

    if named:
        (unit,) = named
        if registry.unit(unit).kind == "district":
            others = [u for u, s in scores.items() if u != unit and s.strong]
            if others and unit not in scores:
                return _review("正文只提到了别的单位", claims, scores, text_ambiguous)
        via_source = source is not None and unit in source.units
        # A taught alias decided only if no configured name in any statement says the same.
        taught = all(c.units[unit] for c in claims if unit in c.units)
        method = "alias" if taught else "source" if via_source else "closing"
        joint = any(c.non_units for c in claims if unit in c.units)
        confidence = 0.97 if via_source and unit in closing_units else 0.95 if via_source else 0.85 if joint else 0.9
        return _decided(engine, unit, method, confidence, claims, scores, day)

    if reading.other_bodies:
        return _review(f"标题提到的是{'、'.join(dict.fromkeys(reading.other_bodies))}，不是考评单位", claims, scores,
                       text_ambiguous)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1].score)
    if not ranked:
        return _review(f"{_no_claim(source)}，正文也没有明确提到哪个单位", claims, scores, text_ambiguous)
    if len(ranked) > 1 or not ranked[0][1].strong:   # the opening names no unit the whole text does not
        opening = read_opening(day, _opening_parts(facts, reading))
        if len(opening.districts) > 1:
            named_in_opening = "；".join("、".join(v) for v in opening.districts.values())
            return _review(f"开头提到了不止一个辖市、区：{named_in_opening}", claims, scores, text_ambiguous)
        if not ranked[0][1].strong:
            return _opening_decides(engine, facts, source, opening, claims, scores, text_ambiguous)
    top, best = ranked[0]
    if best.first > (facts.body or "").find("\n") >= 0:
        return _review("正文第一段没有提到这个单位，只在后面提到", claims, scores, text_ambiguous)
    rivals = [s for u, s in ranked[1:]]
    if any(s.strong for s in rivals) or (rivals and rivals[0].score > best.score / 2):
        return _review("正文提到了几个单位", claims, scores, text_ambiguous)
    confidence = (0.75 if best.method == "alias" else 0.65) - (0.1 if rivals else 0.0)
    return _decided(engine, top, best.method, confidence, claims, scores, day)
