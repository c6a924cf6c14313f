"""The web pages through Flask's test client: every route for every role, CSRF, escaping, sessions, actions."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import pytest

from tracker import store, users
from tracker.attribution import review
from tracker.scores.scorer import Scorer
from tracker.units import load_units
from tracker.web import create_app

HOSTILE_TITLE = '<script>alert("t")</script>标题" onmouseover="alert(1)'
HOSTILE_BYLINE = '(" onmouseover="alert(2)<script>x</script>)'
TEMPLATES = Path(__file__).parents[1] / "tracker" / "web" / "templates"


def article(aid: int, day: str, title: str, *, source: str | None = "总工会", closing: tuple[str, ...] = (),
            body: str = "职工活动。", column: str = "jcdt") -> dict:
    return {"id": aid, "url": f"http://czgh.example/html/czgh/{day[:4]}/X_{day[5:7]}{day[8:]}/{aid}.html",
            "legacy": True, "title": title, "subtitle": None, "date": day, "source": source,
            "source_label": "来源" if source else None, "closing_bylines": list(closing), "correspondents": [],
            "body": body, "image_count": 0, "column": column}


def fill(db, settings) -> None:
    """Articles as a crawl stores them, attributed by the real engine: some credited, some queued."""
    rows = [
        article(1, "2016-07-04", "武进区总工会举办培训班", source="武进区总工会"),
        article(2, "2016-07-05", "溧阳市总工会开展送清凉", source="溧阳市总工会"),
        # A 工联会 beside one unit is credited to that unit; beside two units it waits for a person.
        article(3, "2016-07-06", "市粮食局工联会表彰技能选手", source=None,
                closing=("(市粮食局工联会、产业办、市总女职工部)",), column="ghyw"),
        article(4, "2016-07-07", HOSTILE_TITLE, source="<b>总工会</b>", closing=(HOSTILE_BYLINE,)),
        article(5, "2016-08-01", "疗养院举办体检活动"),
        *(article(10 + i, f"2016-09-{i + 1:02d}", f"某企业工会活动{i}", closing=("(企业工会通讯组)",))
          for i in range(12)),
    ]
    store.save_batch(db, "czgh", None, rows)
    review.attribute_pending(db, load_units(settings.config_dir))


@pytest.fixture
def app(settings, db_path):
    db = store.open_db(db_path)
    fill(db, settings)
    registry = load_units(settings.config_dir)
    users.add_user(db, registry, "clerk", "office", "office-pass-1", by="test")
    users.add_user(db, registry, "wj", "unit", "unit-pass-12", unit="wujin", by="test")
    db.close()
    return create_app(settings, db_path, {"LOGIN_DELAY_SECONDS": 0.05, "LOGIN_DELAY_MAX_SECONDS": 0.2})


def token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(client, name: str, password: str):
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token(client)})


@pytest.fixture
def office(app):
    client = app.test_client()
    assert login(client, "clerk", "office-pass-1").status_code == 302
    return client


@pytest.fixture
def unit(app):
    client = app.test_client()
    assert login(client, "wj", "unit-pass-12").status_code == 302
    return client


def queued(db_path) -> set[tuple[str, int]]:
    db = store.open_db(db_path)
    try:
        return set(store.queue_keys(db))
    finally:
        db.close()


def decision(db_path, aid: int) -> dict | None:
    db = store.open_db(db_path)
    try:
        return store.active_decision(db, "czgh", aid)
    finally:
        db.close()


# --- every route, every role ------------------------------------------------------------------------

PAGES = ["/review", "/review/decided", "/review/aliases", "/scores?year=2016", "/scores/unit/wujin?year=2016",
         "/scores/unit/liyang?year=2016", "/entries", "/entries/template.xlsx", "/reports?year=2016",
         "/reports/download/xlsx?year=2016", "/reports/download/docx?year=2016", "/status"]
UNIT_MAY = {"/scores?year=2016", "/scores/unit/wujin?year=2016"}
ACTIONS = ["/review/accept", "/review/assign", "/review/ignore", "/review/bulk", "/review/alias/preview",
           "/review/alias", "/review/undo", "/review/unalias", "/entries/add", "/entries/1/remove", "/entries/import",
           "/reports/publish?year=2016", "/reports/reopen?year=2016"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_by_role(app, office, unit, path) -> None:
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert unit.get(path).status_code == (200 if path in UNIT_MAY else 403)
    assert office.get(path).status_code == 200


def test_public_routes(app) -> None:
    client = app.test_client()
    assert client.get("/login").status_code == 200
    assert client.get("/ping").get_data(as_text=True) == "ok"
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/").status_code == 302


def test_start_page_by_role(office, unit) -> None:
    assert office.get("/").headers["Location"].endswith("/review")
    assert unit.get("/").headers["Location"].endswith("/scores")


@pytest.mark.parametrize("path", ACTIONS)
def test_actions_by_role(app, unit, office, db_path, path) -> None:
    before = queued(db_path)
    anonymous = app.test_client()
    assert anonymous.post(path, data={"csrf_token": token(anonymous)}).status_code == 302
    # A unit account is refused on the server, whatever it sends, with a valid CSRF token.
    data = {"csrf_token": token(unit, "/scores?year=2016"), "key": "czgh/5", "unit": "wujin", "reason": "x",
            "action": "ignore", "scope": "all", "text": "企业工会通讯组", "confirm": "1"}
    assert unit.post(path, data=data).status_code == 403
    # Without the CSRF token even the office is refused.
    assert office.post(path, data={k: v for k, v in data.items() if k != "csrf_token"}).status_code == 400
    assert queued(db_path) == before


def test_logout_needs_the_token(office) -> None:
    assert office.post("/logout").status_code == 400
    assert office.post("/logout", data={"csrf_token": token(office, "/review")}).status_code == 302
    assert office.get("/review").status_code == 302


# --- security -----------------------------------------------------------------------------------------


def test_scraped_text_is_escaped(office) -> None:
    page = office.get("/review").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;标题&#34; onmouseover=&#34;alert(1)" in page
    assert "&#34; onmouseover=&#34;alert(2)&lt;script&gt;x&lt;/script&gt;" in page
    assert "&lt;b&gt;总工会&lt;/b&gt;" in page
    assert "<script>alert" not in page and '" onmouseover="' not in page and "<b>总工会" not in page
    # Only the app's own script file is loaded.
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/app.js" defer>']


def test_content_security_policy_forbids_inline_script(office) -> None:
    response = office.get("/review")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "default-src 'self'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template
        assert not re.search(r"\son[a-z]+\s*=", text), template
        assert "style=" not in text and "<style" not in text, template
        assert "http://" not in text and "https://" not in text, template  # nothing from elsewhere


def test_session_cookie_flags(app) -> None:
    client = app.test_client()
    cookie = login(client, "clerk", "office-pass-1").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = app.test_client()
    page = secure.get("/login", base_url="https://localhost").get_data(as_text=True)
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = secure.post("/login", base_url="https://localhost", headers={"Referer": "https://localhost/login"},
                           data={"name": "clerk", "password": "office-pass-1", "csrf_token": tok})
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]


def test_failed_logins_are_slowed_and_logged(app, db_path, caplog) -> None:
    client = app.test_client()
    caplog.set_level(logging.WARNING)
    started = time.perf_counter()
    assert login(client, "clerk", "wrong").status_code == 401
    first = time.perf_counter() - started
    started = time.perf_counter()
    assert login(client, "clerk", "wrong again").status_code == 401
    second = time.perf_counter() - started
    assert first >= 0.05 and second >= 0.1       # each failure waits twice as long as the one before
    started = time.perf_counter()
    assert login(client, "nobody", "x").status_code == 401
    assert time.perf_counter() - started >= 0.2  # trying another name from the same address is slowed too
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("登录失败" in m and "'clerk'" in m and "连续第 2 次" in m for m in messages)
    assert any("'nobody'" in m and "没有这个账号" in m for m in messages)
    db = store.open_db(db_path)
    assert {u["name"]: u["failed_logins"] for u in users.list_users(db)}["clerk"] == 2
    db.close()
    assert login(client, "clerk", "office-pass-1").status_code == 302  # and a good login clears the count


def test_idle_session_expires(app, office) -> None:
    with office.session_transaction() as session:
        session["seen"] = int(time.time()) - app.config["SESSION_IDLE_MINUTES"] * 60 - 5
    response = office.get("/review")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "登录已过期" in office.get(response.headers["Location"]).get_data(as_text=True)
    assert office.get("/review").status_code == 302


def test_disabled_account_is_logged_out(office, db_path) -> None:
    db = store.open_db(db_path)
    users.disable_user(db, "clerk", by="test")
    db.close()
    assert office.get("/review").status_code == 302
    assert login(office, "clerk", "office-pass-1").status_code == 401


def test_login_does_not_redirect_elsewhere(app) -> None:
    client = app.test_client()
    response = client.post("/login", data={"name": "clerk", "password": "office-pass-1", "next": "//evil.example/",
                                           "csrf_token": token(client)})
    assert response.headers["Location"] == "/"


# --- the review queue -----------------------------------------------------------------------------


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": token(client, "/review"), **data})


def test_queue_filters(office) -> None:
    everything = office.get("/review").get_data(as_text=True)
    assert "某企业工会活动0" in everything and "疗养院举办体检活动" in everything
    september = office.get("/review?year=2016&part=09").get_data(as_text=True)
    assert "某企业工会活动0" in september and "疗养院举办体检活动" not in september
    assert "筛选后 12 篇" in september
    column = office.get("/review?column=ghyw").get_data(as_text=True)
    assert "市粮食局工联会表彰技能选手" in column and "某企业工会活动0" not in column
    by_unit = office.get("/review?suggested=industry").get_data(as_text=True)
    assert "市粮食局工联会表彰技能选手" in by_unit and "疗养院" not in by_unit
    reason = office.get("/review?reason=several_closing").get_data(as_text=True)
    assert "市粮食局工联会" in reason and "疗养院" not in reason
    newest = office.get("/review?order=new").get_data(as_text=True)
    assert newest.index("某企业工会活动11") < newest.index("疗养院举办体检活动")
    assert office.get("/review?reason=nonsense").status_code == 400


def test_accept_assign_ignore_undo_are_recorded_with_the_account(office, db_path) -> None:
    assert post(office, "/review/accept", key="czgh/3").status_code == 302
    assert decision(db_path, 3)["unit_id"] == "industry" and decision(db_path, 3)["decided_by"] == "clerk"
    post(office, "/review/assign", key="czgh/5", unit="武进区总工会")
    assert decision(db_path, 5)["unit_id"] == "wujin" and decision(db_path, 5)["decided_by"] == "clerk"
    post(office, "/review/ignore", key="czgh/4", reason="标题可疑")
    assert decision(db_path, 4)["action"] == "ignore" and decision(db_path, 4)["note"] == "标题可疑"
    page = office.get("/review").get_data(as_text=True)
    assert 'id="queue-count">12<' in page  # the count in the menu follows each action
    post(office, "/review/undo", key="czgh/5", reason="归错了", **{"return": "decided"})
    assert decision(db_path, 5) is None and ("czgh", 5) in queued(db_path)
    refused = post(office, "/review/ignore", key="czgh/10", reason="")
    assert refused.status_code == 302 and decision(db_path, 10) is None


def test_bulk_on_the_whole_filtered_list_and_on_a_selection(office, db_path) -> None:
    post(office, "/review/bulk", scope="all", action="assign", unit="liyang", year="2016", part="09")
    september = [("czgh", 10 + i) for i in range(12)]
    assert all(decision(db_path, aid)["unit_id"] == "liyang" for _, aid in september)
    assert ("czgh", 5) in queued(db_path)
    office.post("/review/bulk", data={"csrf_token": token(office, "/review"), "scope": "selected",
                                      "action": "ignore", "reason": "他单位稿件", "key": ["czgh/5", "czgh/4"]})
    assert decision(db_path, 5)["note"] == "他单位稿件" and decision(db_path, 4)["decided_by"] == "clerk"
    response = post(office, "/review/bulk", scope="selected", action="accept", key="czgh/1")
    assert "不在待审队列中" in office.get(response.headers["Location"]).get_data(as_text=True)


def test_alias_preview_then_teach(office, db_path) -> None:
    page = post(office, "/review/alias/preview", text="(企业工会通讯组)", unit="武进区总工会").get_data(as_text=True)
    assert "有 <b>12</b> 篇含这段文字" in page and "<b>12</b> 篇会自动归属 武进区总工会" in page
    assert len(queued(db_path)) == 15  # nothing stored by the preview
    post(office, "/review/alias", text="企业工会通讯组", unit="wujin")
    assert len(queued(db_path)) == 3
    db = store.open_db(db_path)
    assert store.list_aliases(db)[0]["created_by"] == "clerk"
    db.close()
    again = post(office, "/review/alias/preview", text="企业工会通讯组", unit="wujin")
    assert "已教过" in office.get(again.headers["Location"]).get_data(as_text=True)
    assert "企业工会通讯组" in office.get("/review/aliases").get_data(as_text=True)
    post(office, "/review/unalias", text="企业工会通讯组", reason="教错了")
    assert len(queued(db_path)) == 15
    db = store.open_db(db_path)
    assert store.list_aliases(db, include_removed=True)[0]["removed_by"] == "clerk"
    db.close()


# --- scores, entries, reports ------------------------------------------------------------------------


def test_scores_banner_and_statement(office, unit) -> None:
    page = office.get("/scores?year=2016").get_data(as_text=True)
    assert "草稿：尚有 15 篇待审" in page and "/review?year=2016" in page
    assert "溧阳市总工会" in page and "<svg" in page
    statement = unit.get("/scores/unit/wujin?year=2016").get_data(as_text=True)
    assert "武进区总工会举办培训班" in statement and "小计" in statement
    assert "去审核" not in unit.get("/scores?year=2016").get_data(as_text=True)


def test_entry_form_list_and_remove(office, db_path, settings) -> None:
    bad = post(office, "/entries/add", kind="", unit_id="wujin", date="2016-08-01", title="x", evidence="y")
    assert bad.status_code == 400 and "类别：不能为空" in bad.get_data(as_text=True)
    clause = next(c for c in Scorer.load(settings).book.versions[-1].manual_clauses
                  if not c.unit_kinds or "district" in c.unit_kinds)
    ok = post(office, "/entries/add", kind=clause.id, unit_id="wujin", date="2016-08-01", title="省总采用",
              evidence="苏工办〔2016〕1号")
    assert ok.status_code == 302
    db = store.open_db(db_path)
    (entry,) = store.list_entries(db)
    assert entry["created_by"] == "clerk" and entry["unit_id"] == "wujin"
    db.close()
    post(office, f"/entries/{entry['id']}/remove", reason="重复")
    db = store.open_db(db_path)
    assert store.get_entry(db, entry["id"])["removed_by"] == "clerk"
    db.close()


def test_entry_import_errors_are_shown_and_nothing_is_stored(office, db_path) -> None:
    import io
    csv = "单位,类别,日期,标题,依据\n武进区总工会,没有这个类别,2016-08-01,标题,苏工办〔2016〕1号\n".encode()
    response = office.post("/entries/import", data={"csrf_token": token(office, "/entries"),
                                                    "file": (io.BytesIO(csv), "采用.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "第 2 行 [类别]" in page and "采用.csv" in page
    db = store.open_db(db_path)
    assert store.list_entries(db) == []
    db.close()


def test_publish_is_refused_while_articles_wait_unless_confirmed(office, db_path) -> None:
    response = office.post("/reports/publish?year=2016", data={"csrf_token": token(office, "/reports?year=2016")})
    assert "尚有 15 篇文章待人工审核" in office.get(response.headers["Location"]).get_data(as_text=True)
    db = store.open_db(db_path)
    assert store.latest_snapshot(db, "2016") is None
    db.close()
    office.post("/reports/publish?year=2016", data={"csrf_token": token(office, "/reports?year=2016"),
                                                    "confirm": "1", "reason": "年终会议急用"})
    db = store.open_db(db_path)
    snap = store.latest_snapshot(db, "2016")
    assert (snap["waiting"], snap["override_reason"], snap["published_by"]) == (15, "年终会议急用", "clerk")
    db.close()
    office.post("/reports/reopen?year=2016", data={"csrf_token": token(office, "/reports?year=2016"),
                                                   "reason": "补审"})
    db = store.open_db(db_path)
    assert store.latest_snapshot(db, "2016")["reopened_by"] == "clerk"
    db.close()


def test_downloads(office) -> None:
    xlsx = office.get("/reports/download/xlsx?year=2016")
    assert xlsx.data[:2] == b"PK" and "attachment" in xlsx.headers["Content-Disposition"]
    assert office.get("/entries/template.xlsx").data[:2] == b"PK"


def test_ranking_follows_changes_made_elsewhere(office, db_path) -> None:
    def wujin_total() -> str:
        page = office.get("/scores?year=2016").get_data(as_text=True)
        return re.search(r"武进区总工会</a></td>\s*<td><b>([\d.]+)</b>", page).group(1)

    before = wujin_total()
    assert wujin_total() == before
    db = store.open_db(db_path)  # another connection, as the command line or a crawl would be
    store.add_entries(db, [{"unit_id": "wujin", "kind": "provincial.website", "date": "2016-08-02",
                            "title": "省总网站采用", "evidence": "苏工网〔2016〕9号", "note": None}], by="cli")
    db.close()
    assert float(wujin_total()) == float(before) + 3


def test_behind_an_https_proxy_the_cookie_is_secure(settings, db_path, app) -> None:
    proxied = create_app(settings, db_path, {"LOGIN_DELAY_SECONDS": 0.01}, behind_proxy=True)
    client = proxied.test_client()
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.7"}
    page = client.get("/login", headers=https).get_data(as_text=True)
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", headers={**https, "Referer": "https://localhost/login"},
                           data={"name": "clerk", "password": "office-pass-1", "csrf_token": tok})
    assert response.status_code == 302 and "Secure" in response.headers["Set-Cookie"]
    # Without the flag the same header is not believed.
    plain = app.test_client()
    plain.get("/login", headers=https)
    assert "Secure" not in login(plain, "clerk", "office-pass-1").headers["Set-Cookie"]


def test_a_period_before_the_method_is_one_clear_line(office) -> None:
    response = office.get("/scores?year=2015")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "没有生效的考评办法" in page and "Traceback" not in page
    assert office.get("/scores?year=abc").status_code == 400
    assert office.get("/scores/unit/nobody?year=2016").status_code == 404
