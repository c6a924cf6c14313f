"""Accounts for the web pages: office staff change things, a unit's account reads its own statement.

Passwords are kept only as werkzeug's salted hashes. The account's name is what every change made in
the browser is recorded under, exactly as `--by` is on the command line.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from scoring.wording import quoted
from tracker import store
from tracker.errors import NotFound, XinxiError
from tracker.times import DEFAULT_TZ, shown_time
from tracker.units import Registry

ROLES = {"office": "办公室", "unit": "单位"}
MIN_PASSWORD = 8
NAME_PATTERN = re.compile(r"^[\w.\-@\u4e00-\u9fff]{2,40}$")


@functools.cache
def _dummy_hash() -> str:
    """A hash to compare against when the name is unknown, so a wrong name costs the same time as a wrong
    password; made on first use, not at every start of the program."""
    return generate_password_hash("xinxi-no-such-account")


class UserError(XinxiError):
    """An account request that cannot be carried out."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    unit_id: str | None
    disabled: bool

    @property
    def is_office(self) -> bool:
        return self.role == "office"

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> User:
        return cls(int(row["id"]), row["name"], row["role"], row.get("unit_id"), bool(row.get("disabled_at")))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"密码至少 {MIN_PASSWORD} 个字符")


def add_user(db: Database, registry: Registry, name: str, role: str, password: str, *,
             unit: str | None = None, by: str) -> User:
    """Create an account; a unit account names its unit (by id, name or alias)."""
    name = name.strip()
    if not NAME_PATTERN.match(name):
        raise UserError(f"用户名“{name}”不合适：2 到 40 个字，只用汉字、字母、数字和 . - _ @")
    if role not in ROLES:
        raise UserError(f"角色须为 office（办公室）或 unit（单位），实为 {quoted(role)}")
    unit_id = None
    if role == "unit":
        if not unit:
            raise UserError("单位账号须用 --unit 指明是哪个单位")
        unit_id = registry.find(unit).id
    elif unit:
        raise UserError("办公室账号不属于某个单位，去掉 --unit")
    _check_password(password)
    if store.user_row(db, name) is not None:
        raise UserError(f"用户“{name}”已存在（改密码用 xinxi user passwd {name}）")
    user_id = store.insert_user(db, name=name, role=role, unit_id=unit_id,
                                password_hash=generate_password_hash(password), by=by)
    return User(user_id, name, role, unit_id, False)


def set_password(db: Database, name: str, password: str) -> None:
    """Replace an account's password; it also clears the count of failed logins."""
    if store.user_row(db, name) is None:
        raise NotFound(f"没有用户“{name}”")
    _check_password(password)
    store.set_password_hash(db, name, generate_password_hash(password))


def disable_user(db: Database, name: str, *, by: str, tz: str = DEFAULT_TZ) -> None:
    """Close an account: it can no longer log in, and its open sessions end at their next request."""
    row = store.user_row(db, name)
    if row is None:
        raise NotFound(f"没有用户“{name}”")
    if row["disabled_at"]:
        raise UserError(f"用户“{name}”已于 {shown_time(row['disabled_at'], tz)} 停用")
    store.mark_user_disabled(db, name, by=by)


def list_users(db: Database) -> list[dict[str, Any]]:
    """Every account without its hash, in the order they were made."""
    return store.list_user_rows(db)


def get_user(db: Database, user_id: int) -> User | None:
    row = store.user_row_by_id(db, user_id)
    return User.from_row(row) if row else None


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    failures: int       # consecutive failures on this account so far (0 for an unknown name)


def authenticate(db: Database, name: str, password: str) -> LoginResult:
    """Check a name and password; a failure is counted on the account, a success clears the count."""
    row = store.user_row(db, name.strip())
    if row is None:
        check_password_hash(_dummy_hash(), password)
        return LoginResult(None, 0)
    good = check_password_hash(row["password_hash"], password) and not row["disabled_at"]
    store.record_login(db, row["id"], good=good)
    if good:
        return LoginResult(User.from_row(row), 0)
    return LoginResult(None, int(row["failed_logins"] or 0) + 1)
