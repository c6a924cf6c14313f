"""Alerts delivered to real servers on 127.0.0.1: SMTP (aiosmtpd) and a group-robot webhook."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tracker.config import ConfigError, Section
from tracker.ops.alerts import Alert, Delivery, RunSummary, compose, deliver, signed_url
from tracker.ops.health import Finding
from tracker.ops.settings import AlertsConfig, EmailChannel, WebhookChannel, load_alerts

REDESIGN = Finding("redesign:czgh:jcdt", "redesign", "warning",
                   "常州市总工会「基层动态」栏目的列表页打开了，但找不到任何文章链接：网站可能改版了", "czgh", "jcdt")
FAILED = RunSummary(7, "failed", "2025-03-10 02:30", (("抓取", "常州市总工会：无法访问 https://czgh.jscz.org.cn"),))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_compose_names_failures_and_new_warnings() -> None:
    alert = compose("[信息考评]", FAILED, [REDESIGN], still_open=2)
    assert alert is not None and alert.level == "error"
    assert alert.subject == "[信息考评] 夜间运行失败（1 项故障）"
    assert alert.text.splitlines() == [
        "夜间运行 #7，开始于 2025-03-10 02:30，结果：失败。",
        "",
        "故障：",
        "- 抓取：常州市总工会：无法访问 https://czgh.jscz.org.cn",
        "",
        "新的提醒：",
        f"- {REDESIGN.message}",
        "",
        "另有 2 条早先的提醒尚未解决。",
        "在服务器上运行 xinxi status 可查看全部运行记录和提醒。",
    ]


def test_nothing_to_say_is_no_alert_and_min_level_filters() -> None:
    ok = RunSummary(8, "ok", "2025-03-11 02:30")
    assert compose("[x]", ok, []) is None
    assert compose("[x]", ok, [REDESIGN], min_level="error") is None
    warning_only = compose("[x]", ok, [REDESIGN])
    assert warning_only is not None and warning_only.subject == "[x] 有 1 条新提醒" and warning_only.level == "warning"


def test_an_alert_reaches_a_real_smtp_server(smtp_server: Any) -> None:
    channel = EmailChannel(host=smtp_server.host, port=smtp_server.port, sender="xinxi@example.org",
                           to=("office@example.org", "chief@example.org"), security="none")
    alert = compose("[信息考评]", FAILED, [REDESIGN])
    assert alert is not None
    assert deliver(alert, AlertsConfig(email=channel)) == [Delivery(channel.name, True)]
    [msg] = smtp_server.messages
    assert msg["Subject"] == "[信息考评] 夜间运行失败（1 项故障）"
    assert msg["From"] == "xinxi@example.org"
    assert smtp_server.envelopes[0].rcpt_tos == ["office@example.org", "chief@example.org"]
    body = msg.get_content()
    assert "夜间运行 #7，开始于 2025-03-10 02:30，结果：失败。" in body
    assert "- 抓取：常州市总工会：无法访问 https://czgh.jscz.org.cn" in body
    assert "「基层动态」栏目的列表页" in body


class Robot(BaseHTTPRequestHandler):
    """A group robot: records each posted message and answers with the configured errcode."""

    received: list[tuple[str, dict[str, Any]]]
    errcode = 0

    def do_POST(self) -> None:  # noqa: N802 (http.server's hook name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, json.loads(body)))
        answer = json.dumps({"errcode": self.errcode, "errmsg": "ok" if not self.errcode else "invalid key"})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def robot() -> Iterator[tuple[str, type[Robot]]]:
    handler = type("TestRobot", (Robot,), {"received": [], "errcode": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


def test_a_signed_dingtalk_message(robot: tuple[str, type[Robot]]) -> None:
    base, handler = robot
    channel = WebhookChannel("dingtalk", f"{base}/robot/send?access_token=abc", secret="SEC123")
    alert = Alert("[信息考评] 有 1 条新提醒", "正文第一行\n正文第二行", "warning")
    assert deliver(alert, AlertsConfig(webhooks=(channel,)))[0].ok
    [(path, payload)] = handler.received
    query = parse_qs(urlsplit(path).query)
    assert query["access_token"] == ["abc"]
    stamp = query["timestamp"][0]
    expected = base64.b64encode(hmac.new(b"SEC123", f"{stamp}\nSEC123".encode(), hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected]
    assert payload == {"msgtype": "text", "text": {"content": "[信息考评] 有 1 条新提醒\n\n正文第一行\n正文第二行"}}
    assert signed_url("http://h/x", "s", 1).startswith("http://h/x?timestamp=1&sign=")


def test_a_long_wecom_message_is_clipped_to_its_limit(robot: tuple[str, type[Robot]]) -> None:
    base, handler = robot
    alert = Alert("主题", "很长的提醒。" * 400, "warning")
    assert deliver(alert, AlertsConfig(webhooks=(WebhookChannel("wecom", f"{base}/send?key=k"),)))[0].ok
    content = handler.received[0][1]["text"]["content"]
    assert len(content.encode("utf-8")) <= 2000 and content.endswith("详见 xinxi status）")


def test_failed_deliveries_are_logged_and_do_not_raise(robot: tuple[str, type[Robot]],
                                                       caplog: pytest.LogCaptureFixture) -> None:
    base, handler = robot
    handler.errcode = 310000
    cfg = AlertsConfig(
        email=EmailChannel(host="127.0.0.1", port=closed_port(), sender="a@example.org", to=("b@example.org",),
                           security="none"),
        webhooks=(WebhookChannel("dingtalk", f"{base}/robot/send?access_token=bad"),
                  WebhookChannel("wecom", f"{base}/send?key=k", secret_env="XINXI_NOT_SET")),
    )
    with caplog.at_level(logging.ERROR, logger="tracker.ops.alerts"):
        deliveries = deliver(Alert("主题", "正文", "error"), cfg)
    assert [d.ok for d in deliveries] == [False, False, False]
    assert (deliveries[0].error or "").startswith("连接被拒绝（服务器没开，或端口不对）［ConnectionRefusedError")
    assert "310000" in (deliveries[1].error or "")
    assert "环境变量 XINXI_NOT_SET 未设置" in (deliveries[2].error or "")
    assert len([r for r in caplog.records if "提醒发送失败" in r.getMessage()]) == 3
    assert len(handler.received) == 1  # the unsigned third message was never sent


def test_a_robot_address_that_answers_an_http_error_is_named() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)  # answers 501 to every POST
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/send?key=k"
        [delivery] = deliver(Alert("主题", "正文", "error"), AlertsConfig(webhooks=(WebhookChannel("wecom", url),)))
    finally:
        server.shutdown()
        server.server_close()
    assert not delivery.ok and (delivery.error or "").startswith("机器人地址答复 HTTP 501（地址或 key 是否正确）")


def test_alert_channels_load_from_config(tmp_path: Path) -> None:
    data = {
        "email": {"host": "smtp.example.org", "sender": "x@example.org", "to": ["y@example.org"],
                  "username": "x", "password_env": "XINXI_SMTP_PASSWORD"},
        "webhooks": [{"kind": "wecom", "url": "https://qyapi.example.org/send?key=1"}],
    }
    cfg = load_alerts(Section(tmp_path / "settings.toml", data, "alerts"), {"XINXI_SMTP_PASSWORD": "pw"})
    assert cfg.email is not None and (cfg.email.port, cfg.email.security, cfg.email.password) == (465, "ssl", "pw")
    assert [c.name for c in cfg.channels] == ["邮件 smtp.example.org:465", "企业微信机器人"]
    with pytest.raises(ConfigError, match=r"alerts\.email\.password：密码不写进配置文件"):
        load_alerts(Section(tmp_path / "settings.toml", {"email": {**data["email"], "password": "pw"}}, "alerts"), {})
    bad = {"webhooks": [{"kind": "slack", "url": "https://x"}]}
    with pytest.raises(ConfigError, match=r"alerts\.webhooks\[0\]\.kind"):
        load_alerts(Section(tmp_path / "settings.toml", bad, "alerts"), {})


# --- a server that answers one byte at a time: each channel gives up at its total deadline -----------


class Dripper:
    """A real TCP server on 127.0.0.1 that sends `opening`, then one byte of `filler` every `every` s, forever."""

    def __init__(self, opening: bytes, filler: bytes, every: float = 0.2) -> None:
        self.opening, self.filler, self.every = opening, filler, every
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.listener.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.sendall(self.opening)
                i = 0
                while not self.stop.wait(self.every):
                    conn.sendall(self.filler[i % len(self.filler):][:1])
                    i += 1
            except OSError:
                return  # the client gave up and closed

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


@pytest.fixture
def dripping_smtp() -> Iterator[Dripper]:
    # An endless multi-line greeting: every byte arrives well within the read timeout, the reply never ends.
    server = Dripper(b"220-", b"xinxi drip\r\n220-")
    yield server
    server.close()


@pytest.fixture
def dripping_robot() -> Iterator[Dripper]:
    # A status line, then one header that never ends.
    server = Dripper(b"HTTP/1.1 200 OK\r\nX-Drip: ", b"a")
    yield server
    server.close()


def test_a_dripping_smtp_server_is_given_up_at_the_deadline(dripping_smtp: Dripper) -> None:
    import time

    channel = EmailChannel(host="127.0.0.1", port=dripping_smtp.port, sender="xinxi@example.org",
                           to=("office@example.org",), security="none", timeout=1.0, deadline=2.0)
    alert = compose("[信息考评]", FAILED, [])
    assert alert is not None
    started = time.monotonic()
    [delivery] = deliver(alert, AlertsConfig(email=channel))
    took = time.monotonic() - started
    assert dripping_smtp.connections == 1
    assert 1.9 <= took < 4, took   # not before the deadline, and not much after it
    assert delivery == Delivery(channel.name, False, "超过 2 秒仍未发送完（服务器没有及时答复），已放弃")


def test_a_dripping_robot_is_given_up_at_the_deadline(dripping_robot: Dripper) -> None:
    import time

    robot = WebhookChannel(kind="wecom", url=f"http://127.0.0.1:{dripping_robot.port}/send?key=k",
                           timeout=1.0, deadline=1.5)
    alert = compose("[信息考评]", FAILED, [])
    assert alert is not None
    started = time.monotonic()
    [delivery] = deliver(alert, AlertsConfig(webhooks=(robot,)))
    took = time.monotonic() - started
    assert dripping_robot.connections == 1
    assert 1.4 <= took < 3.5, took
    assert delivery == Delivery(robot.name, False, "超过 1.5 秒仍未发送完（服务器没有及时答复），已放弃")


def test_the_nightly_run_records_a_delivery_that_hit_its_deadline(dripping_smtp: Dripper, dripping_robot: Dripper,
                                                                  settings: Any, db_path: Path) -> None:
    import dataclasses
    import time

    from tracker import store
    from tracker.ops.nightly import Step, StepResult, run_nightly
    from tracker.ops.settings import load_ops

    email = EmailChannel(host="127.0.0.1", port=dripping_smtp.port, sender="xinxi@example.org",
                         to=("office@example.org",), security="none", timeout=1.0, deadline=1.5)
    robot = WebhookChannel(kind="dingtalk", url=f"http://127.0.0.1:{dripping_robot.port}/robot/send",
                           timeout=1.0, deadline=1.5)
    ops = load_ops(settings, env={})
    ops = dataclasses.replace(ops, alerts=AlertsConfig(email=email, webhooks=(robot,)))
    failing = Step("attribute", "归属单位", lambda ctx: StepResult("", "归属规则文件缺失"))
    started = time.monotonic()
    result = run_nightly(settings, ops, steps=(failing,))
    assert time.monotonic() - started < 8
    assert [(d.channel, d.ok) for d in result.deliveries] == [(email.name, False), (robot.name, False)]
    db = store.open_db(db_path)
    try:
        alert_step = next(s for s in store.list_steps(db, result.run_id) if s["step"] == "alert")
    finally:
        db.close()
    assert alert_step["status"] == "failed" and "已发送 0/2 个渠道" in alert_step["summary"]
    assert alert_step["error"] == (f"{email.name}：超过 1.5 秒仍未发送完（服务器没有及时答复），已放弃；"
                                   f"{robot.name}：超过 1.5 秒仍未发送完（服务器没有及时答复），已放弃")
