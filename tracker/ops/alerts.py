"""Alerts: tell a person by e-mail and chat robot when a run failed or a check needs looking at.

Channels come from [alerts] in settings.toml: one SMTP account and any number of DingTalk / WeCom
group-robot webhooks. Both robots take the same plain JSON text message, so the standard library's
HTTP client is all they need. A failed delivery is logged and reported back; it never stops a run.

Each channel has a total deadline: a server that answers one byte at a time never trips a per-read
timeout, so a watchdog shuts the channel's socket when the deadline passes and the delivery fails.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import json
import logging
import smtplib
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from tracker.ops.health import Finding
from tracker.ops.settings import AlertsConfig, EmailChannel, WebhookChannel

log = logging.getLogger(__name__)

# WeCom rejects text over 2048 bytes; DingTalk allows more, but a longer alert is read on the server.
WEBHOOK_MAX_BYTES = 2000


@dataclass(frozen=True)
class Alert:
    subject: str
    text: str
    level: str     # warning | error


@dataclass(frozen=True)
class Delivery:
    channel: str
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class RunSummary:
    """What an alert says about the run that raised it."""

    run_id: int
    status: str
    started: str           # local time, as text
    failures: tuple[tuple[str, str], ...] = ()   # (step label, error)


def compose(prefix: str, run: RunSummary | None, findings: Sequence[Finding], *, still_open: int = 0,
            min_level: str = "warning") -> Alert | None:
    """The alert for a run's failures and new findings, or None when there is nothing to tell."""
    shown = [f for f in findings if min_level == "warning" or f.level == "error"]
    failures = run.failures if run else ()
    if not failures and not shown:
        return None
    errors = len(failures) + sum(f.level == "error" for f in shown)
    level = "error" if errors else "warning"
    if failures:
        headline = f"夜间运行失败（{len(failures)} 项故障）"
    elif errors:
        headline = f"有 {errors} 项故障需要处理"
    else:
        headline = f"有 {len(shown)} 条新提醒"
    lines = []
    if run is not None:
        word = {"ok": "成功", "failed": "失败", "killed": "被中断"}.get(run.status, run.status)
        lines += [f"夜间运行 #{run.run_id}，开始于 {run.started}，结果：{word}。", ""]
    if failures:
        lines.append("故障：")
        lines += [f"- {label}：{error}" for label, error in failures]
        lines.append("")
    if shown:
        lines.append("新的提醒：")
        lines += [f"- {'【故障】' if f.level == 'error' else ''}{f.message}" for f in shown]
        lines.append("")
    if still_open:
        lines.append(f"另有 {still_open} 条早先的提醒尚未解决。")
    lines.append("在服务器上运行 xinxi status 可查看全部运行记录和提醒。")
    return Alert(subject=f"{prefix} {headline}".strip(), text="\n".join(lines), level=level)


class DeadlinePassed(RuntimeError):
    """A channel did not finish within its total deadline."""


class Deadline:
    """A total time limit for one delivery: when it passes, every socket being watched is shut down,
    so a read blocked on a server that drips its answer returns at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = threading.Event()
        self._sockets: list[Callable[[], socket.socket | None]] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._timer.cancel()

    def left(self, per_step: float) -> float:
        """A per-operation timeout that never reaches past the deadline."""
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise DeadlinePassed(self.words())
        return min(per_step, remaining)

    def watch(self, current: Callable[[], socket.socket | None]) -> None:
        """Shut down whatever socket `current()` returns when the deadline passes (it may change: STARTTLS)."""
        with self._lock:
            self._sockets.append(current)
        if self.expired.is_set():
            self._expire()

    def words(self) -> str:
        return f"超过 {self.seconds:g} 秒仍未发送完（服务器没有及时答复），已放弃"

    def _expire(self) -> None:
        self.expired.set()
        with self._lock:
            getters = list(self._sockets)
        for current in getters:
            sock = current()
            if sock is not None:
                with contextlib.suppress(OSError):  # already closed
                    sock.shutdown(socket.SHUT_RDWR)


def send_email(channel: EmailChannel, alert: Alert, deadline: Deadline | None = None) -> None:
    """Send one alert over SMTP within the channel's deadline; raises on any failure."""
    if channel.password_env and channel.password is None:
        raise RuntimeError(f"环境变量 {channel.password_env} 未设置，无法登录邮件服务器")
    msg = EmailMessage()
    msg["Subject"] = alert.subject
    msg["From"] = channel.sender
    msg["To"] = ", ".join(channel.to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="xinxi")
    msg.set_content(alert.text, charset="utf-8")
    deadline = deadline or Deadline(channel.deadline)
    timeout = deadline.left(channel.timeout)
    if channel.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(timeout=timeout)
    # Watch before connecting: the greeting itself may be the part that never ends. Connecting after
    # construction skips the name smtplib keeps for TLS certificate checks, so it is set as the
    # constructor would have set it.
    smtp._host = channel.host  # noqa: SLF001 (see above)
    deadline.watch(lambda: getattr(smtp, "sock", None))
    with smtp:
        smtp.connect(channel.host, channel.port)
        if channel.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if channel.username:
            smtp.login(channel.username, channel.password or "")
        smtp.send_message(msg)
        if deadline.expired.is_set():
            raise DeadlinePassed(deadline.words())


def signed_url(url: str, secret: str, now_ms: int) -> str:
    """DingTalk's 加签: timestamp and an HMAC-SHA256 signature of it, appended to the webhook URL."""
    digest = hmac.new(secret.encode("utf-8"), f"{now_ms}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))
    return f"{url}{'&' if '?' in url else '?'}timestamp={now_ms}&sign={sign}"


def _clip(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    tail = "\n……（内容过长已截断，详见 xinxi status）"
    return data[: limit - len(tail.encode("utf-8"))].decode("utf-8", errors="ignore") + tail


def webhook_payload(alert: Alert) -> dict[str, Any]:
    """The text message both DingTalk and WeCom group robots accept."""
    return {"msgtype": "text", "text": {"content": _clip(f"{alert.subject}\n\n{alert.text}", WEBHOOK_MAX_BYTES)}}


def _watched_opener(deadline: Deadline) -> urllib.request.OpenerDirector:
    """urllib as usual (proxies, redirects), with every connection it opens watched by the deadline."""

    def connection(cls: type[http.client.HTTPConnection]) -> Callable[..., http.client.HTTPConnection]:
        def make(host: str, **kwargs: Any) -> http.client.HTTPConnection:
            conn = cls(host, **kwargs)
            deadline.watch(lambda: conn.sock)
            return conn
        return make

    class Plain(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(connection(http.client.HTTPConnection), req)

    class Secure(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(connection(http.client.HTTPSConnection), req, context=self._context)

    return urllib.request.build_opener(Plain(), Secure())


def send_webhook(channel: WebhookChannel, alert: Alert, *, now_ms: int | None = None,
                 deadline: Deadline | None = None) -> None:
    """Post one alert to a group robot within the channel's deadline; raises unless it answers errcode 0."""
    if channel.secret_env and channel.secret is None:
        raise RuntimeError(f"环境变量 {channel.secret_env} 未设置，无法为消息签名")
    url = channel.url
    if channel.kind == "dingtalk" and channel.secret:
        url = signed_url(url, channel.secret, now_ms if now_ms is not None else int(time.time() * 1000))
    body = json.dumps(webhook_payload(alert), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    deadline = deadline or Deadline(channel.deadline)
    opener = _watched_opener(deadline)
    with opener.open(request, timeout=deadline.left(channel.timeout)) as response:
        # A robot's answer is a few dozen bytes; a longer one is not a robot's.
        answer = json.loads(response.read(65536).decode("utf-8", errors="replace") or "{}")
    if deadline.expired.is_set():  # a cut-off answer may parse as an empty, "successful" one
        raise DeadlinePassed(deadline.words())
    if answer.get("errcode", 0) != 0:
        raise RuntimeError(f"机器人拒收：{answer.get('errcode')} {answer.get('errmsg', '')}".strip())


def failure_reason(exc: BaseException) -> str:
    """Why a delivery failed, in words the office can act on, with the original error for the engineer."""
    if isinstance(exc, RuntimeError):
        return str(exc)  # our own messages are already in words
    cause = exc.reason if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, BaseException) else exc
    words = None
    if isinstance(cause, smtplib.SMTPAuthenticationError):
        words = "邮件服务器拒绝登录：用户名或密码（授权码）不对"
    elif isinstance(cause, smtplib.SMTPRecipientsRefused):
        words = "收件地址被邮件服务器拒收"
    elif isinstance(cause, smtplib.SMTPSenderRefused):
        words = "发件地址被邮件服务器拒收"
    elif isinstance(cause, urllib.error.HTTPError):
        words = f"机器人地址答复 HTTP {cause.code}（地址或 key 是否正确）"
    elif isinstance(cause, ssl.SSLError):
        words = "加密连接失败（security 与端口是否相符：465 用 ssl，587 用 starttls）"
    elif isinstance(cause, ConnectionRefusedError):
        words = "连接被拒绝（服务器没开，或端口不对）"
    elif isinstance(cause, socket.gaierror):
        words = "找不到服务器（地址写错，或网络、DNS 不通）"
    elif isinstance(cause, TimeoutError):
        words = "连接超时（网络不通，或服务器没有答复）"
    elif isinstance(cause, OSError | smtplib.SMTPException):
        words = "网络或服务器出错"
    original = f"{type(cause).__name__}: {cause}"
    return f"{words}［{original}］" if words else original


def deliver(alert: Alert, cfg: AlertsConfig) -> list[Delivery]:
    """Send an alert through every configured channel; failures are logged and returned, never raised."""
    if not cfg.enabled:
        return []
    out = []
    for channel in cfg.channels:
        try:
            with Deadline(channel.deadline) as deadline:
                if isinstance(channel, EmailChannel):
                    send_email(channel, alert, deadline)
                else:
                    send_webhook(channel, alert, deadline=deadline)
        except Exception as exc:  # any failure of one channel must not stop the others or the run
            reason = deadline.words() if deadline.expired.is_set() else failure_reason(exc)
            log.error("提醒发送失败（%s）：%s", channel.name, reason)
            out.append(Delivery(channel.name, False, reason))
        else:
            log.info("提醒已发送（%s）：%s", channel.name, alert.subject)
            out.append(Delivery(channel.name, True))
    return out
