"""Logging in and out; who the request is from; sessions that end."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for

from tracker import users
from tracker.store import now
from tracker.web.common import get_db, login_required, user

bp = Blueprint("auth", __name__)


class FailedLogins:
    """Failures per client address in the last quarter of an hour (kept in memory, forgotten on restart)."""

    WINDOW = 900

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, list[float]] = {}

    def add(self, address: str) -> int:
        now_ = time.monotonic()
        with self._lock:
            recent = [t for t in self._seen.get(address, []) if now_ - t < self.WINDOW] + [now_]
            self._seen[address] = recent
            if len(self._seen) > 10_000:  # a flood of addresses must not grow memory without end
                self._seen = {address: recent}
            return len(recent)

    def clear(self, address: str) -> None:
        with self._lock:
            self._seen.pop(address, None)


def _failed() -> FailedLogins:
    return current_app.extensions.setdefault("xinxi_failed_logins", FailedLogins())


def _epoch() -> int:
    return int(time.time())


def load_user() -> None:
    """Find the account of the session; an idle, expired or disabled session ends here."""
    g.user = None
    uid = session.get("uid")
    if uid is None:
        return
    cfg = current_app.config
    idle = _epoch() - int(session.get("seen", 0))
    age = _epoch() - int(session.get("at", 0))
    if idle > cfg["SESSION_IDLE_MINUTES"] * 60 or age > cfg["PERMANENT_SESSION_LIFETIME"].total_seconds():
        session.clear()
        flash("登录已过期，请重新登录。", "warn")
        return
    account = users.get_user(get_db(), int(uid))
    if account is None or account.disabled:
        session.clear()
        return
    g.user = account
    if idle > 60:  # refresh the idle clock at most once a minute: fewer cookies rewritten
        session["seen"] = _epoch()


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("index")


def index() -> Any:
    """The office starts at the queue; a unit at the ranking."""
    current = user()
    if current is None:
        return redirect(url_for("auth.login"))
    return redirect(url_for("review.queue") if current.is_office else url_for("scores.ranking"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("login.html", message=None, next=request.args.get("next", ""))
    name = request.form.get("name", "").strip()
    result = users.authenticate(get_db(), name, request.form.get("password", ""))
    address = request.remote_addr or "?"
    if result.user is None:
        cfg = current_app.config
        # Slowed per account (stored) and per address (in memory): trying many names does not go faster.
        failures = max(result.failures, _failed().add(address), 1)
        delay = min(cfg["LOGIN_DELAY_SECONDS"] * 2 ** (failures - 1), cfg["LOGIN_DELAY_MAX_SECONDS"])
        current_app.logger.warning("登录失败：用户名 %r，来自 %s，%s；等待 %.1f 秒再答复", name, address,
                                   f"该账号连续第 {result.failures} 次失败" if result.failures else "没有这个账号",
                                   delay)
        time.sleep(delay)
        return render_template("login.html", message="用户名或密码不对，或账号已停用。", next=request.form.get("next", ""),
                               name=name), 401
    _failed().clear(address)
    session.clear()  # a fresh session: nothing from before the login carries over
    session.permanent = True
    session["uid"] = result.user.id
    session["at"] = session["seen"] = _epoch()
    current_app.logger.info("登录：%s（%s），来自 %s，%s", result.user.name, result.user.role, request.remote_addr, now())
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    session.clear()
    return redirect(url_for("auth.login"))
