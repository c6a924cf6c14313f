"""The web pages: an app factory in the flaskr manner, one blueprint per area.

Everything the pages need besides the database (settings, units, rules, the experience words) is loaded
once here, at the edge; each request opens its own database handle and closes it when done.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from tracker import store
from tracker.config import Settings
from tracker.errors import XinxiError
from tracker.ops.settings import load_ops
from tracker.scores.scorer import Scorer
from tracker.web import auth, entries, notices, reports, review, scores, status
from tracker.web.cache import VersionCache
from tracker.web.common import close_db, template_helpers

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the page was reached over https (directly or via a proxy
    that says so); over plain http on 127.0.0.1 a Secure cookie would never come back, so it is not."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def create_app(settings: Settings, db_path: Path | str, test_config: dict[str, Any] | None = None, *,
               behind_proxy: bool = False) -> Flask:
    """The web application over one database file; `behind_proxy` trusts one proxy's X-Forwarded-* headers."""
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=secrets.token_bytes(32),   # a restart logs everyone out: nothing secret is kept on disk
        DB_PATH=str(db_path),
        SESSION_COOKIE_NAME="xinxi_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        SESSION_IDLE_MINUTES=60,
        LOGIN_DELAY_SECONDS=1.0,            # the first failure waits this long; each further one twice as long
        LOGIN_DELAY_MAX_SECONDS=8.0,
        WTF_CSRF_TIME_LIMIT=None,           # the token lives as long as the session
        MAX_CONTENT_LENGTH=10 * 1024 * 1024,
        QUEUE_PAGE_SIZE=50,
    )
    if test_config:
        app.config.update(test_config)
    app.session_interface = SessionInterface()
    if behind_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    app.logger.setLevel(logging.INFO)
    store.open_db(db_path).close()          # bring the schema up to date once, before any request
    scorer = Scorer.load(settings)
    app.extensions["xinxi"] = {"settings": settings, "scorer": scorer, "registry": scorer.registry,
                              "ops": load_ops(settings), "cache": VersionCache(db_path)}
    CSRFProtect(app)

    for module in (auth, review, scores, entries, notices, reports, status):
        app.register_blueprint(module.bp)
    app.add_url_rule("/", endpoint="index", view_func=auth.index)
    app.teardown_appcontext(close_db)
    app.context_processor(template_helpers)
    app.before_request(auth.load_user)

    @app.after_request
    def security_headers(response: Any) -> Any:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        return render_template("error.html", code=400, message="表单已过期或来源不明（缺少校验码），请刷新页面后重试。"), 400

    @app.errorhandler(403)
    def forbidden(exc: Any) -> Any:
        return render_template("error.html", code=403, message="这个账号没有权限做这件事。"), 403

    @app.errorhandler(404)
    def not_found(exc: Any) -> Any:
        return render_template("error.html", code=404, message="没有这个页面或这条记录。"), 404

    @app.errorhandler(XinxiError)
    def domain_error(exc: XinxiError) -> Any:
        return render_template("error.html", code=400, message=str(exc)), 400

    @app.errorhandler(500)
    def server_error(exc: Any) -> Any:
        return render_template("error.html", code=500, message="出错了，这次操作没有完成；请稍后重试，"
                                                           "如果一再出现请联系维护人员（详情在服务器日志里）。"), 500

    @app.errorhandler(413)
    def too_large(exc: Any) -> Any:
        return render_template("error.html", code=413, message="上传的文件太大（最多 10 MB）。"), 413

    @app.route("/ping")
    def ping() -> Any:
        return "ok"

    return app
