"""What every blueprint shares: the request's database handle, the loaded config, roles, periods."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any, TypeVar

from flask import abort, current_app, g, redirect, request, url_for
from sqlite_utils import Database

from scoring import Period, PeriodError, Scoreboard, fmt_points, parse_period
from tracker import store
from tracker.config import Settings
from tracker.scores import snapshots
from tracker.scores.scorer import Scorer
from tracker.times import shown_time
from tracker.units import Registry
from tracker.users import User

T = TypeVar("T")


def get_db() -> Database:
    """This request's database handle, opened on first use and closed at the end of the request."""
    if "db" not in g:
        g.db = store.open_db(current_app.config["DB_PATH"], migrate=False)
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def loaded() -> dict[str, Any]:
    return current_app.extensions["xinxi"]


def settings() -> Settings:
    return loaded()["settings"]


def scorer() -> Scorer:
    return loaded()["scorer"]


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """A value derived from the database, computed again only after the database changed."""
    return loaded()["cache"].value(key, compute)


def scoreboard(period: Period) -> Scoreboard:
    """The period's scoreboard, from the cache while nothing has changed."""
    db = get_db()
    return cached(("board", period.label, period.start, period.end), lambda: scorer().score(db, period))


def registry() -> Registry:
    return loaded()["registry"]


def user() -> User | None:
    return g.get("user")


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Any account may see the page; anyone else is sent to the login form."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if user() is None:
            return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
        return view(*args, **kwargs)

    return wrapped


def office_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only office accounts; a unit account gets 403 whatever it sends."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        current = user()
        if current is None:
            return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
        if not current.is_office:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


PARTS = [("", "全年"), ("H1", "上半年"), ("H2", "下半年"), *((f"Q{q}", f"第{q}季度") for q in range(1, 5)),
         *((f"{m:02d}", f"{m}月") for m in range(1, 13))]


def chosen_period(default_year: Callable[[], int] | None = None) -> Period:
    """The period the page's year and part choosers name (?year=2016&part=Q3); by default `default_year()`."""
    try:
        year = int(request.args.get("year") or (default_year() if default_year else date.today().year))
    except ValueError:
        abort(400)
    part = request.args.get("part", "")
    label = str(year) if not part else f"{year}-{part}" if part.isdigit() else f"{year}{part}"
    try:
        return parse_period(label)
    except PeriodError:
        abort(400)


def waiting(period: Period) -> int:
    """Articles of the period still waiting for review (the draft banner)."""
    db = get_db()
    return cached(("waiting", period.start, period.end), lambda: snapshots.waiting_in(db, period))


def period_args(period: Period) -> dict[str, str]:
    """The chooser arguments that name a period again."""
    label = period.label
    year, rest = label[:4], label[4:]
    return {"year": year, "part": rest.lstrip("-")}


def busiest_year() -> int:
    """The year with the most articles: the one a page shows when no year is asked for."""
    db = get_db()

    def compute() -> int:
        row = db.execute("SELECT substr(date, 1, 4), count(*) FROM articles GROUP BY 1 ORDER BY 2 DESC").fetchone()
        return int(row[0]) if row else date.today().year

    return cached("busiest year", compute)


def local_time(stamp: str | None) -> str:
    """A stored UTC time in the office's time zone, to the minute."""
    return shown_time(stamp, settings().timezone)


def column_names() -> dict[str, str]:
    return {c.key: c.name for s in settings().sites.values() for c in s.columns}


def template_helpers() -> dict[str, Any]:
    """Names every template may use: the account, the queue size, formatting helpers."""
    current = user()
    db = get_db()
    queue = cached("queue size", lambda: store.review_queue_size(db)) if current is not None else 0
    return {"current_user": current, "queue_size": queue, "unit_name": registry().name_of,
            "points": fmt_points, "local_time": local_time, "column_names": column_names()}
