"""The replica's notices column: the sample notices of crawler/replica/notices/ (pages and attachments, with
their ground truth in truth.json), plus one notice that is not about information work.

Attachments are served as /module/download/downfile.jsp?classid=0&filename=<hash>.<ext>, the hash being the
file's SHA-1: a sample page's links to its files by name are rewritten to these addresses when served.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "notices"
DOWNLOAD = "/module/download/downfile.jsp?classid=0&filename="
FIRST_NOTICE_ID = 70001
ISSUER = "江苏省总工会办公室"


@dataclass(frozen=True)
class Attachment:
    label: str          # the sample file's name
    filename: str       # <hash>.<ext> in the download address
    body: bytes

    @property
    def path(self) -> str:
        return f"{DOWNLOAD}{self.filename}"


@dataclass(frozen=True)
class Notice:
    id: int
    date: str
    title: str
    number: str                          # 文号
    paragraphs: tuple[str, ...] = ()     # for a notice rendered here (no sample page)
    attachments: tuple[Attachment, ...] = ()
    about_information: bool = True
    page: bytes | None = None            # a sample page served as it is (links rewritten)
    sample: str | None = None            # the sample page's file name (ground truth key)

    @property
    def path(self) -> str:
        y, m, d = (int(x) for x in self.date.split("-"))
        return f"/art/{y}/{m}/{d}/art_3580_{self.id}.html"


def _attachment(path: Path) -> Attachment:
    body = path.read_bytes()
    return Attachment(path.name, f"{hashlib.sha1(body).hexdigest()}{path.suffix.lower()}", body)


def make_notices(folder: Path = SAMPLES) -> tuple[Notice, ...]:
    """Every notice of the replica, oldest first (only the one not about information work without samples)."""
    notices = [Notice(FIRST_NOTICE_ID, "2024-01-20", "关于做好2024年“两节”送温暖工作的通知", "苏工发〔2024〕1号",
                      ("各设区市总工会：", "为做好2024年元旦春节期间送温暖工作，现将有关事项通知如下。"),
                      about_information=False)]
    truth = folder / "truth.json"
    specs = json.loads(truth.read_text(encoding="utf-8"))["notices"] if truth.exists() else []
    # A sample without a page came by e-mail or on paper: it is not on the website.
    on_site = [spec for spec in specs if spec.get("page")]
    for k, spec in enumerate(sorted(on_site, key=lambda s: s["date"])):
        files = tuple(_attachment(folder / name) for name in spec["attachments"])
        page = (folder / spec["page"]).read_bytes()
        for name, attachment in zip(spec["attachments"], files, strict=True):
            page = page.replace(f"{DOWNLOAD}{name}".encode(), attachment.path.encode())
            page = page.replace(f"{DOWNLOAD}{name}".replace("&", "&amp;").encode(), attachment.path.encode())
        notices.append(Notice(FIRST_NOTICE_ID + 1 + k, spec["date"], spec["title"], spec["doc_no"],
                              attachments=files, page=page, sample=spec["page"]))
    return tuple(sorted(notices, key=lambda n: (n.date, n.id)))
