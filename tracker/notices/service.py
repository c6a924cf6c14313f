"""Notices in and out: store a crawled page or an imported file with its raw bytes, read it, propose;
confirm proposals into score entries (with the notice as evidence) or reject them.

Nothing from a notice counts before a person confirms it. The same notice read again (re-imported,
re-crawled, or arriving both ways) adds no proposal twice: files are known by content hash, notices by
page, file, 文号 or title and date, proposals by the row they came from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from sqlite_utils import Database

from scoring import RuleBook
from tracker import store
from tracker.attribution.matching import Vocabulary, compile_vocabulary
from tracker.config import Settings
from tracker.notices.config import NoticeRules, load_notice_rules
from tracker.notices.meta import NoticeMeta, Period, find_period, read_meta
from tracker.notices.model import Document, NoticeError
from tracker.notices.propose import Credited, Proposer
from tracker.notices.reader import UnknownFormat, read_document
from tracker.scores.entries import exclusive
from tracker.scores.scorer import load_rulebook
from tracker.store import notices as records
from tracker.text import strip_controls
from tracker.units import Registry, load_units

PROVINCIAL_SITES = ("jsgh", "jsghfw")
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Context:
    """What reading notices needs, loaded once at the edge."""

    rules: NoticeRules
    book: RuleBook
    registry: Registry
    vocab: Vocabulary
    files: Path


def load_context(settings: Settings, db: Database | None = None) -> Context:
    registry = load_units(settings.config_dir)
    book = load_rulebook(settings, registry=registry)
    clause_ids = {c.id for rules in book.versions for c in rules.clauses}
    taught = store.taught_aliases(db) if db is not None else ()
    return Context(load_notice_rules(settings.config_dir, clause_ids), book, registry,
                   compile_vocabulary(registry, taught), records.files_dir(settings.db_path))


@dataclass(frozen=True)
class Incoming:
    """One raw file of a notice as it arrived."""

    data: bytes
    filename: str
    url: str | None = None
    fetched_at: str | None = None
    role: str = "file"          # page | attachment | file


@dataclass
class Outcome:
    notice_id: int | None
    title: str
    new_notice: bool = False
    proposed: list[int] = field(default_factory=list)    # ids of proposals added this time
    known: int = 0                                       # proposals the notice already had
    needs_typing: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None                           # why nothing was stored
    title_from_name: bool = False                        # no title in the files: the file name stands in


def _read(item: Incoming) -> tuple[Document | None, str, str | None]:
    """(document, status, detail) for one file; an unreadable file is stored and named, never fatal."""
    if len(item.data) > MAX_FILE_BYTES:
        return None, "unreadable", f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB"
    try:
        doc = read_document(item.data, item.filename)
    except UnknownFormat:
        return None, "unreadable", "看不出文件格式（只读网页、.docx、.doc、.xlsx、.xls、.pdf）"
    except NoticeError as exc:
        return None, "unreadable", str(exc).removeprefix(f"{item.filename}：")
    if doc.needs_typing:
        return doc, "needs_typing", doc.needs_typing
    return doc, "read", None


def credited(db: Database) -> list[Credited]:
    """Provincial website articles already credited from the crawl."""
    return [Credited(r["title"] or "", r["date"] or "", f"{r['site']}/{r['id']}", r["unit_id"])
            for r in records.crawled_provincial(db, PROVINCIAL_SITES)]


def ingest(db: Database, ctx: Context, files: Sequence[Incoming], *, origin: str, by: str,
           url: str | None = None, site: str | None = None, title: str | None = None,
           issued: date | None = None, issuer: str | None = None) -> Outcome:
    """Store a notice's raw files, read them, and propose what they say; returns what was done."""
    read = [(item, *_read(item)) for item in files]
    docs = [doc for _, doc, _, _ in read if doc is not None]
    text = "\n".join(strip_controls(d.text) for d in docs)
    page_title = next((d.title for d in docs if d.kind == "html" and d.title), None)
    meta = read_meta(text, strip_controls(title) if title else page_title, issued=issued, issuer=issuer)
    from_name = not meta.title
    if from_name:
        meta = NoticeMeta(PurePosixPath(files[0].filename).stem, meta.doc_no, meta.date, meta.issuer, meta.period)
    hashes = [records.sha256(item.data) for item in files]
    day = meta.date.isoformat() if meta.date else None
    outcome = Outcome(None, meta.title, title_from_name=from_name)
    # Finding the notice and adding to it happen under the write lock: the same notice arriving twice at
    # once (a crawl and an import) is stored once.
    with exclusive(db):
        notice_id = records.find_notice(db, url=url, hashes=hashes, doc_no=meta.doc_no, title=meta.title, day=day)
        values = {
            "title": meta.title, "doc_no": meta.doc_no, "date": day, "issuer": meta.issuer,
            "period": meta.period.label if meta.period else None,
            "period_start": meta.period.start.isoformat() if meta.period else None,
            "period_end": meta.period.end.isoformat() if meta.period else None,
            "url": url, "site": site,
        }
        if notice_id is None:
            notice_id = records.insert_notice(db, {**values, "origin": origin, "status": "proposed", "notes": "[]",
                                                   "created_at": store.now(), "created_by": by})
            outcome.new_notice = True
        else:
            records.fill_notice(db, notice_id, values)
            stored = records.get_notice(db, notice_id)
            meta = _stored_meta(stored, meta)
        outcome.notice_id = notice_id
        for item, digest, (_, doc, status, detail) in zip(files, hashes, read, strict=True):
            records.write_raw(ctx.files, item.data)
            records.add_file(db, {
                "sha256": digest, "notice_id": notice_id, "filename": item.filename,
                "kind": doc.kind if doc else None, "size": len(item.data), "url": item.url,
                "fetched_at": item.fetched_at, "role": item.role, "status": status, "detail": detail,
                "stored_at": store.now(),
            })
            if status == "needs_typing":
                outcome.needs_typing.append(f"{item.filename}：{detail}")
            elif status == "unreadable":
                outcome.unreadable.append(f"{item.filename}：{detail}")
        reading = Proposer(meta, ctx.rules, ctx.book, ctx.vocab, credited(db)).run(docs)
        outcome.proposed = records.add_proposals(db, notice_id, reading.proposals)
        outcome.known = len(reading.proposals) - len(outcome.proposed)
        missing = _missing_attachments(docs, files, url)
        outcome.notes = [*reading.notes, *outcome.unreadable, *missing]
        if meta.period and any(p.kind == "count" for p in reading.proposals):
            # A monthly, a quarterly and a year-end table can count the same adoptions: say so before anyone confirms.
            outcome.notes += [f"条数表与通报 #{o['id']}《{o['title']}》（{o['period']}）的期间重叠：同一采用只确认一次"
                              for o in records.overlapping_counts(db, notice_id, meta.period.start.isoformat(),
                                                                  meta.period.end.isoformat())]
        total = records.list_proposals(db, notice_id=notice_id)
        if total:
            status = "proposed"
        elif outcome.needs_typing or outcome.unreadable:
            status = "needs_typing"
        else:
            status = "missing_files" if missing else "empty"
        records.set_notice_state(db, notice_id, status, outcome.notes)
    return outcome


def _missing_attachments(docs: Sequence[Document], files: Sequence[Incoming], url: str | None) -> list[str]:
    """Attachments a page links to that did not come with it (a page saved from a browser, a failed download)."""
    have_urls = {f.url for f in files if f.url}
    have_names = {f.filename for f in files}
    out = []
    for doc in docs:
        for text, href in doc.links:
            name = _name_from_url(href, "")
            query_name = parse_qs(urlsplit(href).query).get("filename", [""])[0]
            if (urljoin(url, href) if url else href) in have_urls or {name, query_name} & have_names:
                continue
            out.append(f"页面附件“{text or href}”没有一同收到（{href}）：下载后用 xinxi notice import 导入")
    return out


def _stored_meta(stored: dict[str, Any], fresh: NoticeMeta) -> NoticeMeta:
    """The identity already stored wins over a second reading: proposals keep their dates."""
    issued = date.fromisoformat(stored["date"]) if stored.get("date") else fresh.date
    period = (Period(stored["period"], date.fromisoformat(stored["period_start"]),
                     date.fromisoformat(stored["period_end"]), stored["period"])
              if stored.get("period") else find_period(stored["title"], issued) or fresh.period)
    return NoticeMeta(stored["title"], stored.get("doc_no") or fresh.doc_no, issued, stored.get("issuer"), period)


def import_file(db: Database, ctx: Context, path: Path | Sequence[Path], *, by: str, title: str | None = None,
                issued: date | None = None, issuer: str | None = None) -> Outcome:
    """A notice that came by e-mail or on paper (scanned): read with the same parsers as crawled ones.

    Several paths are one notice (a page saved from a browser and its attachments)."""
    paths = [Path(path)] if isinstance(path, (str, Path)) else [Path(p) for p in path]
    files = [Incoming(p.read_bytes(), p.name) for p in paths]
    return ingest(db, ctx, files, origin="import", by=by, title=title, issued=issued, issuer=issuer)


def save_crawled(db: Database, settings: Settings, page_html: bytes | str, url: str, fetched_at: str,
                 attachments: Sequence[tuple[str, bytes, str]] = (), *, site: str | None = None,
                 by: str = "抓取", ctx: Context | None = None) -> Outcome:
    """Store a crawled notice page and its attachments [(url, bytes, filename)], read them and propose.

    A page whose title is not about information work (config/notices.toml [select]) is not stored.
    """
    ctx = ctx or load_context(settings, db)
    data = page_html.encode("utf-8") if isinstance(page_html, str) else page_html
    page = Incoming(data, _name_from_url(url, "notice.html"), url, fetched_at, "page")
    items = [page, *(Incoming(body, name or _name_from_url(link, "attachment"), link, fetched_at, "attachment")
                     for link, body, name in attachments)]
    doc, _, _ = _read(page)
    title = (doc.title if doc else None) or ""
    if title and not ctx.rules.about_information(title):
        return Outcome(None, title, skipped=f"标题不含 {'、'.join(ctx.rules.title_words)} 之一：与信息工作无关")
    return ingest(db, ctx, items, origin="crawl", by=by, url=url, site=site, title=title or None)


def _name_from_url(url: str, default: str) -> str:
    name = PurePosixPath(unquote(urlsplit(url).path)).name
    return name or default
