"""From what a notice says to proposed adoptions: item lists, count tables, rankings (tables and prose).

Pure: the caller gives the parsed files, the notice's identity, the rules, the unit vocabulary and the
provincial website items already credited from the crawl. Nothing here counts until a person confirms."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from scoring import RuleBook
from tracker.attribution.matching import Vocabulary, union_follows
from tracker.notices.config import NoticeRules
from tracker.notices.meta import CN_DATE, ISO_DATE, NoticeMeta, cn_number
from tracker.notices.model import Document, Table, squash
from tracker.notices.tables import Shape, count_of, data_rows, row_text, shape

WEBSITE_CLAUSE = "provincial.website"
RANK = re.compile(r"(?:并列|同列)?第?([\d一二三四五六七八九十]{1,3})(?:名|位)")
NAME_SPLIT = re.compile(r"[、和及与/]")
TITLE_NOISE = re.compile(r"[（(]附图[)）]|[\s\u3000“”\"'‘’《》「」:：,，。.!！?？;；、—\-]")


@dataclass(frozen=True)
class Proposal:
    key: str                   # identity within the notice: the same row read again is the same proposal
    kind: str                  # item | count | ranking
    clause: str
    unit_id: str | None
    unit_text: str             # the unit as the notice writes it
    count: int
    points: float
    title: str
    day: date
    outlet: str
    issue_no: str | None
    source: str                # the file and table it came from: 附件.docx 表1, 页面 正文
    row_number: int | None
    row: str                   # the text of the row (or the sentence) it came from


@dataclass
class Reading:
    proposals: list[Proposal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Credited:
    """A provincial website article already credited from the crawl."""

    title: str
    day: str
    ref: str                   # site/id
    unit_id: str | None = None


def norm_title(text: str) -> str:
    """A title as compared across a notice and the crawl: no (附图), spaces or punctuation."""
    return TITLE_NOISE.sub("", text or "")


def same_title(mine: str, theirs: str) -> bool:
    """Two normalised titles name the same item: equal, or one holds the other (a unit prefix added or cut)."""
    return mine == theirs or (min(len(mine), len(theirs)) >= 8 and (mine in theirs or theirs in mine))


def already_crawled(title: str, day: str, credited: Sequence[Credited], period: tuple[str, str] | None) -> str | None:
    """The crawled, credited article (site/id) a website item is: same title, same day or within the period."""
    mine = norm_title(title)
    if len(mine) < 6:
        return None
    for c in credited:
        in_time = c.day == day or (period is not None and period[0] <= c.day <= period[1])
        if in_time and same_title(mine, norm_title(c.title)):
            return c.ref
    return None


def match_unit(vocab: Vocabulary, text: str, day: date) -> tuple[str | None, bool]:
    """(the one unit `text` names, whether it is a Changzhou body at all); other cities give (None, False)."""
    units: list[str] = []
    for hit in vocab.scan(text):
        for entry in hit.entries:
            direct = entry.kind in ("union", "department", "taught")
            # An area or a town counts when a union follows it: 金坛区指前镇总工会 is a base union of 金坛.
            local = (entry.kind == "area" or (entry.kind == "place" and entry.place is not None
                                              and entry.place.valid_on(day))) and union_follows(text, hit.end)
            unit = entry.unit_id if direct or local else None
            if unit and unit not in units:
                units.append(unit)
    if len(units) == 1:
        return units[0], True
    return None, bool(units) or "常州" in text


BRACKETS = "（）()【】[]「」"


def _chunk(text: str) -> str:
    """A piece of a sentence as shown for a row: no separators or brackets at its ends."""
    return text.strip(" ，,；;。、：:" + BRACKETS)


def _names_in(text: str) -> list[tuple[str, str]]:
    """(name, the sentence piece it came from) for each name listed in `text`."""
    out = []
    for sentence in re.split(r"[，,；;。]", text):
        names = re.sub(r"(并列|同列)$", "", _chunk(sentence))
        out += [(n, _chunk(sentence)) for n in (_chunk(x) for x in NAME_SPLIT.split(names)) if n]
    return out


def _key(*parts: object) -> str:
    return hashlib.sha256("|".join(squash(str(p)) for p in parts).encode()).hexdigest()[:24]


def _day(meta: NoticeMeta, cell: str = "") -> date | None:
    """An item's date: its own cell, else the end of the reviewed period (no later than the notice)."""
    for pattern in (CN_DATE, ISO_DATE):
        if m := pattern.search(cell):
            try:
                return date(*(int(g) for g in m.groups()))
            except ValueError:
                pass
    if meta.period:
        return min(meta.period.end, meta.date) if meta.date and meta.date >= meta.period.start else meta.period.end
    return meta.date


class Proposer:
    def __init__(self, meta: NoticeMeta, rules: NoticeRules, book: RuleBook, vocab: Vocabulary,
                 credited: Sequence[Credited] = ()) -> None:
        self.meta, self.rules, self.book, self.vocab = meta, rules, book, vocab
        self.credited = credited
        self.credited_units = [(c.unit_id, c.day) for c in credited]
        self.reading = Reading()
        self.others = 0

    def points(self, clause_id: str, day: date, count: int) -> float | None:
        rules = self.book.for_date(day)
        clause = rules.find_clause(clause_id) if rules else None
        return None if clause is None else float(clause.points) * count

    def add(self, kind: str, clause: str, unit_text: str, count: int, title: str, day: date | None, outlet: str,
            issue_no: str | None, source: str, row_number: int | None, row: str, key: str) -> None:
        if day is None:
            self.reading.notes.append(f"{source} 第 {row_number} 行：通报没有日期也没有考评期间，未建议")
            return
        unit_id, local = match_unit(self.vocab, unit_text, day)
        if not local:
            self.others += 1
            return
        if kind == "ranking":
            # Only a district union can be in the county-level top ten; the unit, not its spelling, is the key.
            if unit_id is None or self.vocab.registry.unit(unit_id).kind != "district":
                return
            key = _key("ranking", unit_id, day.year)
        points = self.points(clause, day, count)
        if points is None:
            self.reading.notes.append(f"{source} 第 {row_number} 行：{day} 的考评办法中没有条款 {clause}，未建议")
            return
        self.reading.proposals.append(Proposal(key, kind, clause, unit_id, unit_text, count, points, title, day,
                                               outlet, issue_no, source, row_number, row))

    def crawled(self, title: str, day: date) -> str | None:
        """The crawled article this website item already counts as, if any."""
        period = self.meta.period
        return already_crawled(title, day.isoformat(), self.credited,
                               (period.start.isoformat(), period.end.isoformat()) if period else None)

    def _uncrawled(self, unit_text: str, n: int, day: date, source: str, number: int) -> int:
        """A website count less the items of that unit already credited from the crawl in the period."""
        unit_id, _ = match_unit(self.vocab, unit_text, day)
        period = self.meta.period
        if unit_id is None or period is None:
            return n
        lo, hi = period.start.isoformat(), period.end.isoformat()
        crawled = sum(1 for unit, when in self.credited_units if unit == unit_id and lo <= when <= hi)
        if crawled:
            left = max(0, n - crawled)
            self.reading.notes.append(f"{source} 第 {number} 行：网站采用 {n} 条中 {min(n, crawled)} 条已由抓取的文章"
                                      f"计分，{'只建议其余 ' + str(left) + ' 条' if left else '不再建议'}")
            return left
        return n

    # --- tables ------------------------------------------------------------------------------------

    def table(self, doc: Document, table: Table) -> None:
        found = shape(table, self.rules)
        source = f"{doc.filename} {table.name}"
        if found is None:
            return
        unit = found.role("unit")
        assert unit is not None
        for number, row in data_rows(table, found):
            unit_text = row[unit.index]
            text = row_text(row)
            if found.kind == "items":
                self._item(found, table, row, number, unit_text, text, source)
            elif found.kind == "counts":
                for col in found.columns:
                    n = count_of(row[col.index]) if col.counts and col.index < len(row) else 0
                    if n and col.outlet:
                        day = _day(self.meta)
                        if col.outlet[1] == WEBSITE_CLAUSE and day:
                            n = self._uncrawled(unit_text, n, day, source, number)
                        if not n:
                            continue
                        self.add("count", col.outlet[1], unit_text, n, f"{col.label} {n} 条", day, col.outlet[0],
                                 None, source, number, text, _key("count", col.outlet[1], unit_text, col.label))
            else:
                rank = found.role("rank")
                self._ranked(row[rank.index] if rank else "", unit_text, source, number, text)

    def _item(self, found: Shape, table: Table, row: tuple[str, ...], number: int, unit_text: str, text: str,
              source: str) -> None:
        def cell(role: str) -> str:
            col = found.role(role)
            return row[col.index] if col and col.index < len(row) else ""

        title, outlet_cell, issue = cell("title"), cell("outlet"), cell("issue") or None
        outlet = (self.rules.outlet_clause(outlet_cell) or self.rules.outlet_clause(table.caption)
                  or self.rules.outlet_clause(self.meta.title))
        if not title:
            return
        if outlet is None:
            self.reading.notes.append(f"{source} 第 {number} 行：看不出采用载体（“{outlet_cell}”），未建议")
            return
        day = _day(self.meta, cell("date"))
        if outlet[1] == WEBSITE_CLAUSE and day and (ref := self.crawled(title, day)):
            self.reading.notes.append(f"{source} 第 {number} 行：“{title}”已由抓取的文章 {ref} 计分，不再建议")
            return
        self.add("item", outlet[1], unit_text, 1, title, day, outlet[0], issue, source, number, text,
                 _key("item", outlet[1], unit_text, title, issue or ""))

    def _ranked(self, rank_text: str, unit_text: str, source: str, number: int | None, text: str) -> None:
        rank = cn_number(squash(rank_text).strip("第名位并列")) if rank_text else None
        if rank is None or rank > self.rules.ranking_top:
            return
        period = self.meta.period
        if period is None or not period.label.isdigit():
            self.reading.notes.append(f"{source}：排名不是年度排名（{period.words if period else '没有期间'}），"
                                      "不建议年终加分")
            return
        self.add("ranking", self.rules.ranking_clause, unit_text, 1, f"{period.label}年度全省县（市、区）工会信息排名第{rank}名", period.end,
                 f"第{rank}名", None, source, number, text, _key("ranking", unit_text, period.label))

    # --- prose rankings -----------------------------------------------------------------------------

    def prose(self, doc: Document) -> None:
        """Rankings written as sentences: “……排名：A、B并列第一名，C第三名”, “A（第一名）、B（第二名）”,
        or an ordered list “前十名依次为：A、B、C”."""
        source = f"{doc.filename} 正文"
        for line in doc.text.split("\n"):
            lead = next((w for w in self.rules.ranking_lead_words if w in line), None)
            if lead is None:
                continue
            rest = line[line.index(lead) + len(lead):].lstrip("：:为是依次分别")
            if RANK.search(rest) is None:
                if "前" in lead:  # “排名情况见附件” has no ranks; “前十名为：……” is in order
                    for position, (name, chunk) in enumerate(_names_in(rest), start=1):
                        self._ranked(f"第{position}名", name, source, None, chunk)
                continue
            begin = 0
            for m in RANK.finditer(rest):
                # The names a rank belongs to run from the previous rank to this one: “A、B并列第一名”.
                for name, _ in _names_in(rest[begin:m.start()]):
                    self._ranked(m.group(0), name, source, None, _chunk(rest[begin:m.end()]))
                begin = m.end()

    def run(self, docs: Sequence[Document]) -> Reading:
        for doc in docs:
            if doc.needs_typing:
                self.reading.notes.append(f"{doc.filename}：{doc.needs_typing}")
                continue
            for table in doc.tables:
                self.table(doc, table)
            self.prose(doc)
        if self.others:
            self.reading.notes.append(f"{self.others} 行是外地单位，不计")
        seen: set[str] = set()
        unique = []
        for p in self.reading.proposals:
            # The same table can come twice (on the page and as an attachment): one proposal per row.
            if p.key not in seen:
                seen.add(p.key)
                unique.append(p)
        self.reading.proposals = unique
        return self.reading
