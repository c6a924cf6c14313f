"""One entry point for every notice file: the format is told by the bytes first, the name second."""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePosixPath

from tracker.notices.html import parse_html
from tracker.notices.model import Document, Table
from tracker.notices.office import parse_doc, parse_docx, parse_xls, parse_xlsx, zip_kind
from tracker.notices.pdf import parse_pdf
from tracker.text import clean_or_none, strip_controls

IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*", b"BM", b"RIFF")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".bmp", ".webp")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
IMAGE_NOTE = "图片（照片或扫描件），需要人工录入"
PARSERS = {"html": parse_html, "docx": parse_docx, "xlsx": parse_xlsx, "xls": parse_xls, "doc": parse_doc,
           "pdf": parse_pdf}


class UnknownFormat(Exception):
    """Neither the bytes nor the name say what the file is."""


def _utf16(name: bytes) -> bytes:
    """An OLE stream name as the container's directory spells it."""
    return b"".join(bytes([c, 0]) for c in name)


def file_kind(data: bytes, filename: str) -> str:
    """html | docx | xlsx | xls | doc | pdf | image, from the magic bytes and then the file name."""
    suffix = PurePosixPath(filename.lower()).suffix
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(IMAGE_MAGIC) or suffix in IMAGE_SUFFIXES:
        return "image"
    if data.startswith(b"PK"):
        return zip_kind(data) or suffix.lstrip(".")
    if data.startswith(OLE_MAGIC):
        # Both old Word and old Excel files are OLE containers; the stream names tell them apart.
        if _utf16(b"WordDocument") in data:
            return "doc"
        if _utf16(b"Workbook") in data or _utf16(b"Book") in data:
            return "xls"
        return "xls" if suffix in (".xls", ".et") else "doc"
    head = data[:2048].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<meta", b"<head", b"<body", b"<div", b"<table", b"<p")):
        return "html"
    if suffix in (".html", ".htm", ".shtml", ".jsp"):
        return "html"
    raise UnknownFormat(filename)


def read_document(data: bytes, filename: str) -> Document:
    """Read one notice file into the common form; images and scans come back marked as needing typing."""
    kind = file_kind(data, filename)
    if kind == "image":
        return Document(filename, "image", needs_typing=IMAGE_NOTE)
    parser = PARSERS.get(kind)
    if parser is None:
        raise UnknownFormat(filename)
    return clean(parser(data, filename))


def clean(doc: Document) -> Document:
    """The file's text is untrusted: control characters go before anything is stored or printed."""
    tables = tuple(Table(t.name, strip_controls(t.caption), tuple(tuple(strip_controls(c) for c in r) for r in t.rows),
                         t.offset) for t in doc.tables)
    return replace(doc, text=strip_controls(doc.text), tables=tables, title=clean_or_none(doc.title),
                   links=tuple((strip_controls(a), strip_controls(b)) for a, b in doc.links))
