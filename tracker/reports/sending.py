"""Mail each unit its own statement, with a cover text from config/mail.toml, and record every sending.

Each unit gets one message to its own address with only its own file. A refused address is recorded
as failed and the others still go out. Sending a period again needs `again=True`.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from scoring import Period, Scoreboard, fmt_points, parse_period
from tracker import store
from tracker.config import Section, Settings, read_toml
from tracker.errors import XinxiError
from tracker.ops.alerts import failure_reason
from tracker.ops.settings import EmailChannel
from tracker.reports.statement import evidence_columns, file_name, standing, statement_bytes
from tracker.scores.scorer import Scorer
from tracker.units import Registry

MAIL_FILE = "mail.toml"
FIELDS = frozenset({"单位", "期间", "总分", "名次", "条数", "附件", "发件单位"})
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class SendingError(XinxiError):
    """Statements that cannot or should not be sent as asked."""


@dataclass(frozen=True)
class MailTemplate:
    sender_name: str
    subject: str
    body: str
    monthly: bool = False


@dataclass(frozen=True)
class Outgoing:
    unit_id: str
    unit: str
    address: str | None
    file_name: str
    data: bytes
    subject: str
    body: str

    @property
    def file_hash(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Sent:
    unit_id: str
    unit: str
    address: str | None
    result: str           # sent | failed | no_address
    error: str | None = None


def _checked(sec: Section, name: str) -> str:
    text = sec.get(name, str, required=True)
    try:
        for _, field, _, _ in string.Formatter().parse(text):
            if field is not None and field not in FIELDS:
                raise sec.error(name, f"未知的占位符 {{{field}}}；可用：{'、'.join(sorted(FIELDS))}")
    except ValueError:
        raise sec.error(name, "花括号不成对：数据写成 {单位}，花括号本身写成 {{ 和 }}") from None
    return text


def load_mail_template(config_dir: Path) -> MailTemplate:
    """The cover text (config/mail.toml), placeholders checked, and the monthly-sending switch."""
    path = Path(config_dir) / MAIL_FILE
    root = Section(path, read_toml(path))
    root.only("statement", "schedule")
    sec = root.table("statement", required=True)
    sec.only("sender_name", "subject", "body")
    schedule = root.table("schedule")
    schedule.only("monthly")
    monthly = schedule.get("monthly", bool, False)
    return MailTemplate(sec.get("sender_name", str, required=True), _checked(sec, "subject").strip(),
                        _checked(sec, "body").strip() + "\n", monthly)


def prepare(board: Scoreboard, registry: Registry, tpl: MailTemplate, *, unit_id: str | None = None,
            columns: Mapping[str, str] | None = None, pending: int = 0) -> list[Outgoing]:
    """One message per unit in the board (or only `unit_id`), each with that unit's statement only."""
    out = []
    for result in board.results:
        if unit_id is not None and result.unit.id != unit_id:
            continue
        name = file_name(board, result)
        data = {"单位": result.unit.name, "期间": board.period.title, "总分": fmt_points(result.total),
                "名次": standing(board, result) or "不参加排名", "条数": len(result.lines), "附件": name,
                "发件单位": tpl.sender_name}
        out.append(Outgoing(result.unit.id, result.unit.name, registry.unit(result.unit.id).email, name,
                            statement_bytes(board, result.unit.id, columns=columns, pending=pending),
                            tpl.subject.format_map(data), tpl.body.format_map(data)))
    return out


def earlier(db: Database, period: str, outgoing: Sequence[Outgoing]) -> list[dict[str, Any]]:
    """Statements of this period already delivered to these units."""
    ids = {o.unit_id for o in outgoing}
    return [row for row in store.list_sendings(db, period=period, result="sent") if row["unit_id"] in ids]


def message(channel: EmailChannel, tpl: MailTemplate, item: Outgoing) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = item.subject
    msg["From"] = formataddr((tpl.sender_name, channel.sender))
    msg["To"] = item.address or ""
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="xinxi")
    msg.set_content(item.body, charset="utf-8")
    msg.add_attachment(item.data, maintype=XLSX[0], subtype=XLSX[1], filename=item.file_name)
    return msg


def _connect(channel: EmailChannel) -> smtplib.SMTP:
    if channel.password_env and channel.password is None:
        raise SendingError(f"环境变量 {channel.password_env} 未设置，无法登录邮件服务器")
    if channel.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(channel.host, channel.port, timeout=channel.timeout,
                                              context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout)
    if channel.security == "starttls":
        smtp.starttls(context=ssl.create_default_context())
    if channel.username:
        smtp.login(channel.username, channel.password or "")
    return smtp


def send(db: Database, channel: EmailChannel, tpl: MailTemplate, outgoing: Sequence[Outgoing], *, period: str,
         by: str, trigger: str = "manual") -> list[Sent]:
    """Send each message on its own connection; every attempt is recorded, a failure never stops the rest."""
    done = []
    for item in outgoing:
        if not item.address:
            done.append(Sent(item.unit_id, item.unit, None, "no_address"))
            continue
        try:
            with _connect(channel) as smtp:
                smtp.send_message(message(channel, tpl, item), to_addrs=[item.address])
        except (OSError, smtplib.SMTPException, SendingError) as exc:
            why = str(exc) if isinstance(exc, SendingError) else failure_reason(exc)
            done.append(Sent(item.unit_id, item.unit, item.address, "failed", why))
        else:
            done.append(Sent(item.unit_id, item.unit, item.address, "sent"))
        last = done[-1]
        store.record_sending(db, period=period, unit_id=item.unit_id, address=item.address,
                             file_name=item.file_name, file_hash=item.file_hash, result=last.result,
                             error=last.error, by=by, trigger=trigger)
    return done


def last_month(today: date) -> Period:
    first = today.replace(day=1) - timedelta(days=1)
    return parse_period(f"{first.year}-{first.month:02d}")


def send_monthly(db: Database, settings: Settings, channel: EmailChannel | None, today: date) -> tuple[str, str | None]:
    """The scheduler's monthly sending: last month's statements, once, when config/mail.toml turns it on.

    Returns (summary, error) for the nightly run's step record.
    """
    if not (Path(settings.config_dir) / MAIL_FILE).exists():
        return f"未开启（没有 {MAIL_FILE}）", None
    tpl = load_mail_template(settings.config_dir)
    if not tpl.monthly:
        return "未开启（config/mail.toml [schedule] monthly）", None
    period = last_month(today)
    if store.list_sendings(db, period=period.label):
        return f"{period.title}的计分说明已发送过", None
    if channel is None:
        return "", "没有配置邮件服务器（config/settings.toml [alerts.email]），无法发送计分说明"
    scorer = Scorer.load(settings)
    board = scorer.score(db, period)
    outgoing = prepare(board, scorer.registry, tpl, columns=evidence_columns(db, settings, period))
    results = send(db, channel, tpl, outgoing, period=period.label, by="schedule", trigger="schedule")
    sent = sum(r.result == "sent" for r in results)
    failed = [f"{r.unit}（{r.address}）：{r.error}" for r in results if r.result == "failed"]
    return f"{period.title}计分说明已发送 {sent} 个单位", "；".join(failed) or None
