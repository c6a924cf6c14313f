"""The notice pages through Flask's test client on a real SQLite file: reading, confirming, rejecting, roles, CSRF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tracker import store, users
from tracker.notices import import_file, load_context
from tracker.store import notices as records
from tracker.units import load_units
from tracker.web import create_app

SAMPLES = Path(__file__).parents[1] / "crawler" / "replica" / "notices"
HOSTILE = '<script>alert("n")</script>通报" onmouseover="alert(1)'


@pytest.fixture
def app(settings, db_path):
    db = store.open_db(db_path)
    outcome = import_file(db, load_context(settings, db), SAMPLES / "h1-items.docx", by="张敏")
    assert len(outcome.proposed) == 6
    import_file(db, load_context(settings, db), SAMPLES / "annual-ranking.html", by="张敏", title=HOSTILE)
    registry = load_units(settings.config_dir)
    users.add_user(db, registry, "clerk", "office", "office-pass-1", by="test")
    users.add_user(db, registry, "wj", "unit", "unit-pass-12", unit="wujin", by="test")
    db.close()
    return create_app(settings, db_path, {"LOGIN_DELAY_SECONDS": 0.05, "LOGIN_DELAY_MAX_SECONDS": 0.2})


def token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def client_for(app, name: str, password: str):
    client = app.test_client()
    reply = client.post("/login", data={"name": name, "password": password, "csrf_token": token(client)})
    assert reply.status_code == 302
    return client


@pytest.fixture
def office(app):
    return client_for(app, "clerk", "office-pass-1")


@pytest.fixture
def unit(app):
    return client_for(app, "wj", "unit-pass-12")


def proposals(db_path: Path) -> dict[int, dict]:
    db = store.open_db(db_path)
    try:
        return {p["id"]: p for p in records.list_proposals(db)}
    finally:
        db.close()


def liyang(db_path: Path) -> dict:
    return next(p for p in proposals(db_path).values() if p["unit_id"] == "liyang" and p["notice_id"] == 1)


def test_anonymous_is_sent_to_login(app) -> None:
    client = app.test_client()
    for path in ("/notices", "/notices/1"):
        reply = client.get(path)
        assert reply.status_code == 302 and "/login" in reply.headers["Location"]
    reply = client.post("/notices/1/confirm", data={"all": "1"})
    assert reply.status_code in (302, 400)
    assert all(p["status"] == "proposed" for p in proposals(app.config["DB_PATH"]).values())


def test_the_list_shows_counts_and_filters_by_status(office, unit) -> None:
    for client in (office, unit):
        page = client.get("/notices").get_data(as_text=True)
        assert "关于2024年上半年省总工会信息采用情况的通报" in page and "苏工办〔2024〕25号" in page
        assert "2024-07-08" in page
        row = re.search(r"<tr><td>#1</td>.*?</tr>", page, re.S).group(0)
        assert re.findall(r'<td class="pts">(?:<b>)?(\d+)', row) == ["6", "0", "0"]
        assert "<td>2024年上半年</td>" in row  # the period in words, not 2024H1
    assert 'href="/notices"' in office.get("/notices").get_data(as_text=True)  # in the menu
    typing = office.get("/notices?status=needs_typing").get_data(as_text=True)
    assert "苏工办〔2024〕25号" not in typing and "没有通报" in typing


def test_a_scan_is_flagged_for_typing_in(app, settings, office, unit) -> None:
    db = store.open_db(app.config["DB_PATH"])
    outcome = import_file(db, load_context(settings, db), SAMPLES / "q2-scan.pdf", by="张敏")
    db.close()
    assert outcome.needs_typing and not outcome.proposed
    listed = office.get("/notices?status=needs_typing").get_data(as_text=True)
    assert f"#{outcome.notice_id}</td>" in listed and "苏工办〔2024〕25号" not in listed
    assert '<b class="typing">需要人工录入</b>' in listed
    for client in (office, unit):
        page = client.get(f"/notices/{outcome.notice_id}").get_data(as_text=True)
        assert "需要人工录入" in page and "q2-scan.pdf" in page and "没有建议" in page
    assert office.get("/notices?status=bogus").status_code == 400


def test_notice_text_is_escaped(office) -> None:
    for path in ("/notices", "/notices/2"):
        page = office.get(path).get_data(as_text=True)
        assert HOSTILE not in page and "<script>alert" not in page and '" onmouseover="' not in page
        assert "&lt;script&gt;alert(&#34;n&#34;)&lt;/script&gt;通报&#34; onmouseover=&#34;alert(1)" in page


def test_unit_reads_the_notice_but_cannot_decide(app, unit) -> None:
    page = unit.get("/notices/1").get_data(as_text=True)
    assert unit.get("/notices/1").status_code == 200
    assert "溧阳市总工会推动新就业形态劳动者入会" in page and 'name="proposal"' not in page
    target = liyang(app.config["DB_PATH"])
    csrf = token(unit, "/notices/1")
    assert unit.post("/notices/1/confirm", data={"proposal": target["id"], "csrf_token": csrf}).status_code == 403
    assert unit.post("/notices/1/confirm", data={"all": "1", "csrf_token": csrf}).status_code == 403
    assert unit.post("/notices/1/reject", data={"proposal": target["id"], "reason": "x",
                                                "csrf_token": csrf}).status_code == 403
    assert all(p["status"] == "proposed" for p in proposals(app.config["DB_PATH"]).values())


def test_office_confirms_one_and_the_entry_is_made_by_the_account(app, office) -> None:
    db_path = app.config["DB_PATH"]
    target = liyang(db_path)
    reply = office.post("/notices/1/confirm", data={"proposal": target["id"], "csrf_token": token(office, "/notices/1")})
    assert reply.status_code == 302
    page = office.get("/notices/1").get_data(as_text=True)
    assert f"已确认 1 条：#{target['id']}（录入 #1）" in page
    row = re.search(rf'value="{target["id"]}".*?</tr>', page, re.S).group(0)
    assert "已确认" in row and "clerk" in row
    db = store.open_db(db_path)
    (entry,) = store.list_entries(db)
    db.close()
    assert (entry["created_by"], entry["unit_id"], entry["source"]) == ("clerk", "liyang", "notice")
    assert entry["title"] == "溧阳市总工会推动新就业形态劳动者入会"
    after = proposals(db_path)
    assert (after[target["id"]]["status"], after[target["id"]]["decided_by"]) == ("confirmed", "clerk")
    assert sum(p["status"] == "confirmed" for p in after.values()) == 1


def test_confirm_all_proposed_leaves_only_what_cannot_be_confirmed(app, office) -> None:
    reply = office.post("/notices/1/confirm", data={"all": "1", "csrf_token": token(office, "/notices/1")})
    assert reply.status_code == 302
    mine = [p for p in proposals(app.config["DB_PATH"]).values() if p["notice_id"] == 1]
    confirmed = [p for p in mine if p["status"] == "confirmed"]
    assert confirmed and all(p["decided_by"] == "clerk" for p in confirmed)
    assert all(p["status"] == "confirmed" or p["unit_id"] is None for p in mine)
    (waiting,) = [p for p in mine if p["status"] == "proposed"]
    page = office.get("/notices/1").get_data(as_text=True)
    assert f"#{waiting['id']} 未确认：没有认出单位（“常州市总工会”），请先在这一行选择单位" in page and "--unit" not in page
    db = store.open_db(app.config["DB_PATH"])
    assert len(store.list_entries(db)) == sum(p["count"] for p in confirmed)
    db.close()


def test_reject_needs_a_reason_and_records_it(app, office) -> None:
    db_path = app.config["DB_PATH"]
    target = liyang(db_path)
    csrf = token(office, "/notices/1")
    reply = office.post("/notices/1/reject", data={"proposal": target["id"], "reason": "  ", "csrf_token": csrf})
    assert reply.status_code == 400 and "不采纳须写明理由" in reply.get_data(as_text=True)
    assert proposals(db_path)[target["id"]]["status"] == "proposed"
    reply = office.post("/notices/1/reject", data={"proposal": target["id"], "reason": "重复报送", "csrf_token": csrf})
    assert reply.status_code == 302
    after = proposals(db_path)[target["id"]]
    assert (after["status"], after["reason"], after["decided_by"]) == ("rejected", "重复报送", "clerk")
    page = office.get("/notices/1").get_data(as_text=True)
    assert "重复报送" in page and "不采纳" in page


def test_a_proposal_of_another_notice_is_refused(app, office) -> None:
    other = next(p for p in proposals(app.config["DB_PATH"]).values() if p["notice_id"] == 2)
    reply = office.post("/notices/1/confirm", data={"proposal": other["id"], "csrf_token": token(office, "/notices/1")})
    assert reply.status_code == 400
    assert proposals(app.config["DB_PATH"])[other["id"]]["status"] == "proposed"


def test_posts_without_csrf_are_refused(app, office) -> None:
    target = liyang(app.config["DB_PATH"])
    assert office.post("/notices/1/confirm", data={"proposal": target["id"]}).status_code == 400
    assert office.post("/notices/1/reject", data={"proposal": target["id"], "reason": "x"}).status_code == 400
    assert all(p["status"] == "proposed" for p in proposals(app.config["DB_PATH"]).values())


def test_unknown_notice_is_404(office) -> None:
    assert office.get("/notices/999").status_code == 404


def test_an_unrecognised_unit_is_confirmed_only_with_a_unit_chosen(app, office) -> None:
    db_path = app.config["DB_PATH"]
    target = next(p for p in proposals(db_path).values() if p["notice_id"] == 1 and p["unit_id"] is None)
    csrf = token(office, "/notices/1")
    reply = office.post("/notices/1/confirm", data={"proposal": target["id"], "csrf_token": csrf})
    problem = re.search(r'<p class="flash error" id="problem">(.*?)</p>', reply.get_data(as_text=True)).group(1)
    # The page speaks of its own controls, not of the command line's.
    assert reply.status_code == 400 and problem == (
        f"未确认任何建议：#{target['id']}：没有认出单位（“常州市总工会”），请先在这一行选择单位，再勾选它点“确认选中”")
    assert proposals(db_path)[target["id"]]["status"] == "proposed"
    reply = office.post("/notices/1/confirm", data={"proposal": target["id"], f"unit-{target['id']}": "wujin",
                                                 "csrf_token": csrf})
    assert reply.status_code == 302
    after = proposals(db_path)[target["id"]]
    assert (after["status"], after["unit_id"], after["decided_by"]) == ("confirmed", "wujin", "clerk")
