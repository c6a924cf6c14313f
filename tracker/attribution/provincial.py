"""Who sent a provincial item: a Changzhou unit, another city (or the province), or a person must say.

The provincial site (江苏工会网) publishes items from the whole province. The title leads with the full unit
name, 来源/ContentSource may name the sender, the closing byline and a signature line may name it again, and
the opening sentence after 本网讯 usually names who did what. Those that point only to another city or to
the provincial union are recorded as such (`method = "elsewhere"`): never credited, never queued. Those that
point to Changzhou go through the municipal engine (tracker.attribution.engine) with the site's own default 来源
and the signature's date line left out. Signs of both, or of nothing, go to a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from tracker.attribution.engine import ArticleFacts, Attribution, Engine
from tracker.attribution.gazetteer import PROVINCE, Gazetteer
from tracker.attribution.matching import Vocabulary
from tracker.units import Registry

ELSEWHERE = "elsewhere"
# A unit name in front of a title: no spaces or punctuation, at most 22 characters, ending in 工会.
LEAD = re.compile(r"^[^\s\u3000，,、；;：:“”\"'《》()（）!！?？。]{1,20}?(?:总工会|工会|工联会)")
OPENING = re.compile(r"^\s*(?:本网讯|本报讯)?[\s\u3000]*(?:[(（][^)）]{0,30}[)）])?[\s\u3000]*")
DATE_LINE = re.compile(r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?$")
BRACKETS = "(（)）"


@dataclass(frozen=True)
class Signal:
    where: str           # 标题开头 | 来源 | 落款 | 结尾署名 | 开头
    text: str
    cities: frozenset[str]


def title_lead(title: str) -> str | None:
    """The unit name a title leads with (常州市金坛区总工会, 徐州市总工会), or None when it leads with none."""
    match = LEAD.match((title or "").strip())
    return match[0] if match else None


def opening_sentence(body: str | None) -> str:
    """The first sentence of the body, without 本网讯 and a bracketed byline in front."""
    first = (body or "").split("\n", 1)[0]
    first = OPENING.sub("", first, count=1)
    return re.split(r"[。！？!?]", first, maxsplit=1)[0]


def _first_place(gazetteer: Gazetteer, text: str) -> frozenset[str]:
    found = gazetteer.find(text)
    return frozenset(found[0][2]) if found else frozenset()


def signals(facts: ArticleFacts, gazetteer: Gazetteer) -> tuple[list[Signal], Signal | None]:
    """(strong signals, the opening's signal): what points where, with the text it was read from."""
    strong: list[Signal] = []
    lead = title_lead(facts.title)
    if lead:
        cities = frozenset(gazetteer.cities_in(lead))
        if cities:
            strong.append(Signal("标题开头", lead, cities))
    source = (facts.source or "").strip()
    if source and source not in gazetteer.generic_sources:
        cities = frozenset(gazetteer.cities_in(source))
        if cities:
            strong.append(Signal("来源", source, cities))
    for line in facts.closing_bylines:
        text = line.strip()
        if not text or DATE_LINE.match(text):
            continue
        cities = frozenset(gazetteer.cities_in(text))
        if cities:
            where = "结尾署名" if text[0] in BRACKETS or text[-1] in BRACKETS else "落款"
            strong.append(Signal(where, text, cities))
    sentence = opening_sentence(facts.body)
    opening = _first_place(gazetteer, sentence)
    return strong, Signal("开头", sentence[:40], opening) if opening else None


def _words(items: list[Signal]) -> str:
    return "；".join(f"{s.where}“{s.text}”" for s in items)


def elsewhere(city: str, evidence: list[Signal]) -> Attribution:
    """Recorded, not credited, not queued."""
    what = "省总工会的稿件" if city == PROVINCE else f"{city}的稿件"
    return Attribution(None, ELSEWHERE, 0.9, f"{what}：{_words(evidence)}")


def _review(reason: str, evidence: list[Signal]) -> Attribution:
    text = "；".join(x for x in (reason, _words(evidence)) if x)
    return Attribution(None, None, 0.0, text, (), True)


def for_changzhou(facts: ArticleFacts, gazetteer: Gazetteer) -> ArticleFacts:
    """The facts as the municipal engine should read them: no provincial default 来源, no signature date."""
    source = facts.source if (facts.source or "").strip() not in gazetteer.generic_sources else None
    closing = tuple(line for line in facts.closing_bylines if not DATE_LINE.match(line.strip()))
    return replace(facts, source=source, closing_bylines=closing)


def attribute_provincial(facts: ArticleFacts, engine: Engine, gazetteer: Gazetteer) -> Attribution:
    """Credit a provincial item to a Changzhou unit, record it as another city's, or queue it."""
    home = gazetteer.home
    strong, opening = signals(facts, gazetteer)
    taught = [n for n in facts.correspondents if any(e.kind == "taught" for e in engine.vocabulary.exact.get(n, ()))]
    pointed = {c for s in strong for c in s.cities}
    at_home = home in pointed or bool(taught)
    away = pointed - {home}
    if at_home and away:
        return _review("标题、来源与署名指向不同的市", strong)
    if away:
        city = next((min(s.cities) for s in strong if s.where == "标题开头"), min(away))
        return elsewhere(city, strong)
    if not at_home:
        if opening is None:
            return _review("标题、来源、署名和开头都看不出是哪里的稿件", strong)
        if home not in opening.cities:
            return elsewhere(min(opening.cities), [opening])
    result = engine.attribute(for_changzhou(facts, gazetteer))
    if result.unit_id is not None and not at_home and opening is not None and opening.cities != {home}:
        return _review("只有开头一句提到常州，开头还提到了别的市", [opening])
    return result


@dataclass(frozen=True)
class SiteEngine:
    """The municipal engine, with provincial sites' items read by `attribute_provincial` first."""

    base: Engine
    gazetteer: Gazetteer

    @property
    def registry(self) -> Registry:
        return self.base.registry

    @property
    def vocabulary(self) -> Vocabulary:
        return self.base.vocabulary

    def attribute(self, facts: ArticleFacts) -> Attribution:
        if facts.site in self.gazetteer.sites:
            return attribute_provincial(facts, self.base, self.gazetteer)
        return self.base.attribute(facts)
