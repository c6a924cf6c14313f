"""What a page says about who sent a story: the 来源 field, closing byline lines and 通讯员 (domain.md §4).

`sign()` turns a draft into a `Byline`, including the unit that should be credited (`credit`). The credit
follows domain.md: base-level unions count for their district, a bare 总工会 or a missing 来源 defers to the
text, a story by another body credits no one, and a joint byline credits its one unit when the other name is
no unit (a municipal sector union beside 产业办).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from crawler.replica.places import NEWSPAPERS, District, people, person, town_union
from crawler.replica.stories import Draft

BARE = "总工会"
OLD_JINTAN = "金坛市总工会"
REFORM = date(2024, 1, 1)


@dataclass(frozen=True)
class Byline:
    source: str | None                 # exact 来源 value shown, None when absent or empty
    label: str | None                  # 来源 | 信息来源, None when the page has no such field
    closing: tuple[str, ...]           # closing byline lines, in page order
    correspondents: tuple[str, ...]    # names written after 通讯员
    lead: str                          # text put in front of the first paragraph
    credit: str | None                 # the unit that should be credited


@dataclass(frozen=True)
class Force:
    """Byline choices a quirk insists on; None leaves the choice to chance."""

    source: str | None = None          # district | old_name | bare | missing | empty
    label: str | None = None           # 来源 | 信息来源
    closing: str | None = None         # none | unit | unit_fullwidth | district_unit | short_unit | unclosed |
    #                                    person | unit_person | unit_then_person | district_department |
    #                                    correspondent | reporter | department_bare_line
    names: tuple[str, ...] = ()        # the people a person or correspondent byline names
    lead: bool | None = None           # open with 本网讯（通讯员 …）


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _label(rng: random.Random, force: Force) -> str:
    return force.label or ("信息来源" if rng.random() < 0.03 else "来源")


def _field(form: str, label: str, value: str | None) -> tuple[str | None, str | None]:
    """(source, label) as the page shows them for a source form."""
    if form == "missing":
        return None, None
    if form == "empty":
        return None, label
    return value, label


def _names(rng: random.Random, force: Force, k: int) -> list[str]:
    return list(force.names) if force.names else people(rng, k)


# --- district stories ----------------------------------------------------------------------------------

def _unit_text(draft: Draft, full: bool) -> str:
    """The submitting unit as a closing byline writes it, without brackets."""
    d = draft.district
    assert d is not None and draft.town is not None
    prefix = d.area if not full or d.area.startswith("常州") else f"常州市{d.area}"
    if draft.level == "district":
        return f"{prefix}总工会" if full else d.union
    if draft.level == "sector":
        assert draft.author is not None
        return draft.author
    return f"{prefix}{town_union(draft.town)}"


def _short_area(d: District) -> str:
    return d.area.removesuffix("区").removesuffix("市")


def _district_closing(rng: random.Random, draft: Draft, form: str, force: Force) -> tuple[list[str], list[str]]:
    """(closing lines, correspondents) for a district story."""
    d = draft.district
    assert d is not None and draft.town is not None
    full = d.key == "jintan"
    unit = _unit_text(draft, full)
    in_town = draft.level in ("town", "firm")
    short = f"{_short_area(d)}{town_union(draft.town)}" if in_town else d.union
    town_line = town_union(draft.town) if in_town else "总工会"
    if form == "none":
        return [], []
    if form == "unit":
        return [f"({unit})"], []
    if form == "unit_fullwidth":
        return [f"（{unit}）"], []
    if form == "district_unit":
        return [f"(常州市{d.area}总工会)" if not d.area.startswith("常州") else f"({d.union})"], []
    if form == "short_unit":
        return [f"({short})"], []
    if form == "unclosed":
        return [f"({unit}"], []
    if form == "person":
        return [f"({_names(rng, force, 1)[0]})"], []
    if form == "unit_person":
        return [f"({d.area}{town_line}  {_names(rng, force, 1)[0]})"], []
    if form == "unit_then_person":
        return [f"({short})", f"({_names(rng, force, 1)[0]})"], []
    if form == "district_department":
        return [f"({d.union}权益保障部)"], []
    if form == "correspondent":
        names = _names(rng, force, rng.choice((1, 1, 2)))
        return [f"（通讯员 {' '.join(names)}）"], names
    if form == "reporter":
        paper = rng.choice(NEWSPAPERS)
        if paper == "江苏工人报":
            return [f"({paper} {person(rng)})"], []
        reporter, helper = _names(rng, Force(), 2)
        return [f"({paper} {reporter}  通讯员 {helper})"], [helper]
    raise ValueError(f"closing form {form!r} does not fit a district story")


def _district(rng: random.Random, draft: Draft, day: date, layout: str, force: Force) -> Byline:
    d = draft.district
    assert d is not None
    label = _label(rng, force)
    if d.key == "jintan":
        weights = {"district": 45.0, "bare": 15.0, "missing": 38.0, "empty": 2.0}
    else:
        weights = {"district": 70.0, "bare": 14.0, "missing": 14.0, "empty": 2.0}
    if layout == "old":
        weights["missing"] *= 2
    form = force.source or _pick(rng, weights)
    if form == "old_name" or (form == "district" and d.key == "jintan" and day.year == 2016 and rng.random() < 0.5):
        value = OLD_JINTAN
    else:
        value = BARE if form == "bare" else rng.choice(d.sources)
    source, label_shown = _field(form, label, value)

    if d.key == "jintan":
        closing_weights = {"none": 15.0, "unit": 40.0, "unit_fullwidth": 8.0, "district_unit": 9.0,
                           "short_unit": 7.0, "unclosed": 4.0, "unit_person": 8.0, "unit_then_person": 5.0,
                           "district_department": 4.0}
    elif d.key == "liyang":
        closing_weights = {"none": 45.0, "person": 45.0, "correspondent": 5.0, "reporter": 5.0}
    else:
        closing_weights = {"none": 78.0, "unit": 8.0, "correspondent": 6.0, "reporter": 5.0, "person": 3.0}
    closing_form = force.closing or _pick(rng, closing_weights)
    closing, names = _district_closing(rng, draft, closing_form, force)

    lead = ""
    wants_lead = force.lead if force.lead is not None else (d.key != "jintan" and rng.random() < 0.08)
    if wants_lead and not names:
        names = _names(rng, force, rng.choice((1, 2)))
        lead = f"本网讯（通讯员 {' '.join(names)}）"
    return Byline(source, label_shown, tuple(closing), tuple(names), lead, draft.credit)


# --- everyone else -------------------------------------------------------------------------------------

def _default_source(rng: random.Random, layout: str, force: Force) -> tuple[str | None, str | None]:
    weights = {"bare": 60.0, "missing": 40.0 * (2 if layout == "old" else 1)}
    return _field(force.source or _pick(rng, weights), _label(rng, force), BARE)


def _department(rng: random.Random, draft: Draft, day: date, layout: str, force: Force) -> Byline:
    dept = draft.department
    assert dept is not None
    if dept.reform_source and day >= REFORM and force.closing is None and rng.random() < 0.7:
        return Byline(dept.reform_source, _label(rng, force), (), (), "", dept.name)
    source, label = _default_source(rng, layout, force)
    if force.closing == "department_bare_line":
        closing = next(c for c in dept.closings if not c.startswith(("(", "（")))
    else:
        closing = rng.choice(dept.closings)
    return Byline(source, label, (closing,), (), "", dept.name)


def _nobody(rng: random.Random, draft: Draft, layout: str, force: Force) -> Byline:
    source, label = _default_source(rng, layout, force)
    closing: tuple[str, ...] = ()
    if draft.kind == "joint":
        # A municipal sector union is no unit: the one unit beside it, 产业办, is credited (issue 15).
        return Byline(source, label, (f"({draft.author}、产业办)",), (), "", draft.credit)
    if draft.kind == "municipal" and rng.random() < 0.1:
        closing = (f"(常州日报记者 {person(rng)})",)
    return Byline(source, label, closing, (), "", None)


def sign(rng: random.Random, draft: Draft, day: date, layout: str, force: Force = Force()) -> Byline:
    """The byline a draft gets on the page, and the unit it should be credited to."""
    if draft.kind == "district":
        return _district(rng, draft, day, layout, force)
    if draft.kind == "department":
        return _department(rng, draft, day, layout, force)
    return _nobody(rng, draft, layout, force)
