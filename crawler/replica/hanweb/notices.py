"""The replica's notices column: a web-page notice with its ranking in the text and a table, one that is not
about information work, and one notice per sample file under crawler/replica/notices/ (as its attachment).

Attachments are served as /module/download/downfile.jsp?classid=0&filename=<hash>.<ext>, the hash being the
file's SHA-1, so the same bytes always have the same address.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "notices"
ATTACHMENT_TYPES = (".doc", ".docx", ".xls", ".xlsx", ".pdf")
FIRST_NOTICE_ID = 70001
ISSUER = "江苏省总工会办公室"


@dataclass(frozen=True)
class Attachment:
    label: str          # link text: the file's name as the office would see it
    filename: str       # <hash>.<ext> in the download address
    body: bytes

    @property
    def path(self) -> str:
        return f"/module/download/downfile.jsp?classid=0&filename={self.filename}"


@dataclass(frozen=True)
class Notice:
    id: int
    date: str
    title: str
    number: str                          # 文号
    paragraphs: tuple[str, ...]
    table: tuple[tuple[str, ...], ...] = ()   # rows of an HTML table in the page, header first
    attachments: tuple[Attachment, ...] = ()
    about_information: bool = True

    @property
    def path(self) -> str:
        y, m, d = (int(x) for x in self.date.split("-"))
        return f"/art/{y}/{m}/{d}/art_3580_{self.id}.html"


def _attachment(path: Path) -> Attachment:
    body = path.read_bytes()
    return Attachment(path.name, f"{hashlib.sha1(body).hexdigest()}{path.suffix.lower()}", body)


def samples(folder: Path = SAMPLES) -> list[Path]:
    """The sample notice files present, in name order (none until they are generated)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in ATTACHMENT_TYPES)


def make_notices(folder: Path = SAMPLES) -> tuple[Notice, ...]:
    """Every notice of the replica, oldest first."""
    ranking = Notice(
        FIRST_NOTICE_ID, "2025-01-16", "关于2024年度全省工会网站信息工作情况的通报", "苏工办〔2025〕3号",
        ("各设区市总工会，省各产业工会：",
         "2024年，全省各级工会围绕中心工作，积极报送工会信息。全年省总工会网站共采用各地信息2316篇，"
         "信息专报采用58篇。",
         "县级工会采用排名：常州市金坛区总工会、苏州市吴中区总工会并列第一名，江阴市总工会第三名，"
         "常州市武进区总工会第四名，南京市鼓楼区总工会第五名。",
         "各设区市总工会信息采用情况见下表。"),
        (("单位", "网站采用", "信息专报采用", "合计"),
         ("常州市总工会", "186", "6", "192"),
         ("苏州市总工会", "241", "8", "249"),
         ("徐州市总工会", "133", "3", "136")),
    )
    other = Notice(
        FIRST_NOTICE_ID + 1, "2025-01-20", "关于做好2025年“两节”送温暖工作的通知", "苏工发〔2025〕1号",
        ("各设区市总工会：", "为做好2025年元旦春节期间送温暖工作，现将有关事项通知如下。"),
        about_information=False,
    )
    notices = [ranking, other]
    start = date(2025, 2, 10)
    for k, path in enumerate(samples(folder)):
        day = start + timedelta(days=7 * k)
        notices.append(Notice(
            FIRST_NOTICE_ID + 2 + k, day.isoformat(), f"关于全省工会信息采用情况的通报（{path.stem}）",
            f"苏工办〔{day.year}〕{10 + k}号",
            ("各设区市总工会，省各产业工会：", "现将全省工会信息采用情况通报如下，详见附件。", "点此下载附件。"),
            attachments=(_attachment(path),),
        ))
    return tuple(notices)
