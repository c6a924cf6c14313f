"""Each unit's statement from the CLI, its totals against `score`, and mailing every unit its own file."""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import re
import shutil
import socket
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tracker import store
from tracker.config import DEFAULT_CONFIG_DIR

BASE = "https://czgh.jscz.org.cn/html/czgh"
REFUSED = "refused@example.org"


def art(aid: int, unit: str | None, columns: list[str], day: str = "2024-05-06") -> dict:
    return {"site": "czgh", "id": aid, "url": f"{BASE}/{day[:4]}/KEBQLDDJ_{day[5:7]}{day[8:]}/{aid}.html",
            "date": day, "title": f"消息{aid}", "columns": columns, "unit_id": unit}


@pytest.fixture
def scored(xinxi, credited) -> None:
    """Articles for three units, one waiting for review, and manual entries."""
    credited += [art(1, "wujin", ["jcdt"]), art(2, "wujin", ["ghyw"], "2024-07-02"), art(3, "jintan", ["jcdt"]),
                 art(4, "protection", ["bzgz"], "2024-09-09"), art(5, None, ["jcdt"], "2024-10-01")]
    xinxi("entry", "add", "--unit", "jintan", "--kind", "activity", "--date", "2024-03-01", "--title", "培训",
          "--evidence", "金工发〔2024〕1号")
    xinxi("entry", "add", "--unit", "office", "--kind", "provincial.report", "--date", "2024-11-03",
          "--title", "专报", "--evidence", "苏工信〔2024〕9号")


def totals(xinxi, *extra: str) -> dict[str, float]:
    rows = json.loads(xinxi(*extra, "score", "--year", "2024", "--format", "json").output)
    return {r["unit"]: r["total"] for r in rows}


def statement_total(path: Path) -> tuple[float, float]:
    """(the 总分 stated on 概况, the sum of every line on 明细)."""
    wb = load_workbook(path)
    overview = {row[0]: row[1] for row in wb["概况"].iter_rows(min_row=3, values_only=True) if row[0]}
    lines = [row[3] for row in wb["明细"].iter_rows(min_row=3, values_only=True) if row[0] != "合计"]
    return overview["总分"], sum(lines)


def test_statement_totals_equal_score_totals_for_every_unit(xinxi, scored, tmp_path: Path) -> None:
    out = tmp_path / "说明"
    result = xinxi("report", "--year", "2024", "--all-units", str(out))
    assert "待审核" in result.output   # the period still has an article waiting
    expected = totals(xinxi)
    files = sorted(out.glob("*.xlsx"))
    assert len(files) == len(expected) == 20
    for path in files:
        unit = path.name.split("-")[1]
        stated, summed = statement_total(path)
        assert stated == summed == expected[unit], unit
    wujin = load_workbook(out / "2024年度-武进区总工会-计分说明.xlsx")
    detail = list(wujin["明细"].iter_rows(min_row=3, values_only=True))
    assert detail[0][1:4] == ("五、3", "市总网站基层动态图片新闻", 1) and detail[0][6] == "基层动态"
    assert wujin["明细"]["F3"].hyperlink.target == f"{BASE}/2024/KEBQLDDJ_0506/1.html"
    months = {row[0]: row[3] for row in wujin["概况"].iter_rows(min_row=3, values_only=True) if row[0]}
    assert months["5月"] == 1 and months["7月"] == 3 and months["1月"] == 0
    assert "草稿" in wujin["概况"]["A1"].value


def test_one_unit_statement_and_the_refusals(xinxi, scored, tmp_path: Path) -> None:
    path = tmp_path / "金坛.xlsx"
    xinxi("report", "--year", "2024", "--unit", "金坛区总工会", "--xlsx", str(path))
    overview = {row[0]: row[1] for row in load_workbook(path)["概况"].iter_rows(min_row=3, values_only=True)}
    assert overview["单位"] == "金坛区总工会" and overview["名次"].startswith("第")
    entry_line = next(r for r in load_workbook(path)["明细"].iter_rows(min_row=3, values_only=True)
                      if r[0] != "合计" and "手工录入" in (r[5] or ""))
    assert entry_line[5] == "手工录入#1：金工发〔2024〕1号"
    refused = xinxi("report", "--year", "2024", "--unit", "金坛区总工会", ok=False)
    assert refused.exit_code != 0 and "--unit 须与 --xlsx 一起使用" in str(refused.exception)


# --- sending -----------------------------------------------------------------------------------------


@pytest.fixture
def smtp():
    """aiosmtpd on 127.0.0.1 that refuses one address at RCPT and keeps every message it accepts."""
    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self) -> None:
            self.messages: list = []

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
            if address == REFUSED:
                return "550 5.1.1 mailbox unavailable"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append((tuple(envelope.rcpt_tos), msg))
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def mail_config(tmp_path: Path, smtp) -> Path:
    """The project's config with an address for five units (one of them refused) and the test's SMTP server."""
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    units = (target / "units.toml").read_text(encoding="utf-8")
    for unit, address in (("wujin", "wj@example.org"), ("jintan", "jt@example.org"), ("liyang", REFUSED),
                          ("protection", "bz@example.org"), ("office", "bgs@example.org")):
        units = units.replace(f'id = "{unit}"\n', f'id = "{unit}"\nemail = "{address}"\n', 1)
    (target / "units.toml").write_text(units, encoding="utf-8")
    with (target / "settings.toml").open("a", encoding="utf-8") as f:
        f.write(f'\n[alerts.email]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\n'
                f'sender = "xinxi@example.org"\nto = ["office@example.org"]\n')
    return target


def test_every_unit_gets_its_own_statement_and_a_refusal_is_recorded(xinxi, scored, mail_config: Path, smtp,
                                                                      db_path: Path) -> None:
    config = ("--config", str(mail_config))
    dry = xinxi(*config, "report", "send", "--year", "2024", "--dry-run")
    assert "wj@example.org" in dry.output and "没有邮箱，不发送" in dry.output and not smtp.messages
    assert "共 5 个单位会收到邮件" in dry.output

    result = xinxi(*config, "report", "send", "--year", "2024", "--by", "张三", ok=False)
    assert result.exit_code != 0 and "1 个单位发送失败" in str(result.exception)
    expected = totals(xinxi, *config)
    got = {}
    for rcpt, msg in smtp.messages:
        [attachment] = list(msg.iter_attachments())
        data = attachment.get_content()
        unit = re.match(r"2024年度-(.+)-计分说明\.xlsx", attachment.get_filename())[1]
        got[rcpt] = unit
        assert unit in msg["Subject"] and f"{unit}：" in msg.get_body().get_content()
        path = Path(str(db_path) + f".{rcpt[0]}.xlsx")
        path.write_bytes(data)
        overview = {row[0]: row[1] for row in load_workbook(path)["概况"].iter_rows(min_row=3, values_only=True)}
        assert overview["单位"] == unit and overview["总分"] == expected[unit]   # its own figures, nobody else's
    assert got == {("wj@example.org",): "武进区总工会", ("jt@example.org",): "金坛区总工会",
                   ("bz@example.org",): "保障工作部", ("bgs@example.org",): "办公室"}

    db = store.open_db(db_path)
    rows = store.list_sendings(db, period="2024")
    assert {(r["unit_id"], r["address"], r["result"]) for r in rows} == {
        ("wujin", "wj@example.org", "sent"), ("jintan", "jt@example.org", "sent"), ("liyang", REFUSED, "failed"),
        ("protection", "bz@example.org", "sent"), ("office", "bgs@example.org", "sent")}
    refused = next(r for r in rows if r["result"] == "failed")
    assert "收件地址被邮件服务器拒收" in refused["error"] and refused["sent_by"] == "张三"
    sent_hash = next(r["file_hash"] for r in rows if r["unit_id"] == "wujin")
    wujin_file = next(m for rcpt, m in smtp.messages if rcpt == ("wj@example.org",))
    assert sent_hash == hashlib.sha256(next(wujin_file.iter_attachments()).get_content()).hexdigest()

    again = xinxi(*config, "report", "send", "--year", "2024", "--unit", "wujin", ok=False)
    assert "已发给 武进区总工会" in str(again.exception) and "--again" in str(again.exception)
    xinxi(*config, "report", "send", "--year", "2024", "--unit", "wujin", "--again")
    assert len(smtp.messages) == 5 and smtp.messages[-1][0] == ("wj@example.org",)
    assert len(store.list_sendings(db, period="2024", unit_id="wujin")) == 2


def test_monthly_sending_is_off_by_default_and_sends_last_month_once(xinxi, scored, mail_config: Path, smtp,
                                                                      db_path: Path) -> None:
    from datetime import date

    from tracker.config import load_settings
    from tracker.ops.settings import load_ops
    from tracker.reports.sending import load_mail_template, send_monthly

    assert load_mail_template(DEFAULT_CONFIG_DIR).monthly is False
    settings = load_settings(mail_config, db=db_path, env={})
    channel = load_ops(settings, env={}).alerts.email
    db = store.open_db(db_path)
    assert send_monthly(db, settings, channel, date(2024, 6, 1))[0].startswith("未开启") and not smtp.messages
    mail = mail_config / "mail.toml"
    mail.write_text(mail.read_text(encoding="utf-8").replace("monthly = false", "monthly = true"), encoding="utf-8")
    summary, error = send_monthly(db, settings, channel, date(2024, 6, 1))
    assert summary == "2024年5月计分说明已发送 4 个单位" and "拒收" in error
    assert {rcpt for rcpt, _ in smtp.messages} == {("wj@example.org",), ("jt@example.org",), ("bz@example.org",),
                                                   ("bgs@example.org",)}
    assert all(m["Subject"].startswith("2024年5月") for _, m in smtp.messages)
    assert {r["trigger"] for r in store.list_sendings(db, period="2024-05")} == {"schedule"}
    assert send_monthly(db, settings, channel, date(2024, 6, 2)) == ("2024年5月的计分说明已发送过", None)
    assert len(smtp.messages) == 4


def test_score_explain_as_xlsx_is_the_units_statement(xinxi, scored, tmp_path: Path) -> None:
    path = tmp_path / "武进.xlsx"
    xinxi("score", "--year", "2024", "--explain", "武进区总工会", "--format", "xlsx", "--output", str(path))
    assert statement_total(path) == (4, 4) == (totals(xinxi)["武进区总工会"],) * 2
