"""Load the [schedule], [health] and [alerts] tables of config/settings.toml into frozen dataclasses.

Secrets never sit in the file: it names the environment variable that holds them.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from scoring.wording import quoted
from tracker.config import Section, Settings, read_toml

LEVELS = ("warning", "error")
SECURITY = ("ssl", "starttls", "none")
WEBHOOK_KINDS = ("dingtalk", "wecom")
DAY_NAMES = re.compile(r"^(\*|(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?"
                       r"(,(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?)*)$")


@dataclass(frozen=True)
class ScheduleConfig:
    hour: int = 2
    minute: int = 30
    days: str = "*"
    timezone: str = "Asia/Shanghai"
    misfire_grace_hours: float = 6.0
    lock_stale_minutes: float = 30.0
    heartbeat_seconds: float = 60.0
    step_limit_minutes: float = 240.0   # each nightly step; one that runs longer is stopped and recorded

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def grace_seconds(self) -> int:
        return int(self.misfire_grace_hours * 3600)

    @property
    def time_text(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"


@dataclass(frozen=True)
class HealthConfig:
    stale_days: int = 10
    stale_days_by_site: Mapping[str, int] = field(default_factory=dict)
    parse_failure_jump: float = 0.2
    parse_failure_min: int = 3
    missing_source_jump: float = 0.3
    missing_source_min: int = 5
    baseline_runs: int = 5

    def stale_days_for(self, site: str) -> int:
        return self.stale_days_by_site.get(site, self.stale_days)


@dataclass(frozen=True)
class EmailChannel:
    host: str
    port: int
    sender: str
    to: tuple[str, ...]
    security: str = "ssl"
    username: str | None = None
    password_env: str | None = None
    password: str | None = None
    timeout: float = 30.0        # one connect or read
    deadline: float = 120.0      # the whole delivery, however the server dribbles its answers

    @property
    def name(self) -> str:
        return f"邮件 {self.host}:{self.port}"


@dataclass(frozen=True)
class WebhookChannel:
    kind: str
    url: str
    secret_env: str | None = None
    secret: str | None = None
    timeout: float = 15.0
    deadline: float = 60.0

    @property
    def name(self) -> str:
        return {"dingtalk": "钉钉", "wecom": "企业微信"}[self.kind] + "机器人"


@dataclass(frozen=True)
class AlertsConfig:
    enabled: bool = True
    min_level: str = "warning"
    subject_prefix: str = "[信息考评]"
    email: EmailChannel | None = None
    webhooks: tuple[WebhookChannel, ...] = ()

    @property
    def channels(self) -> tuple[EmailChannel | WebhookChannel, ...]:
        return ((self.email,) if self.email else ()) + self.webhooks


@dataclass(frozen=True)
class OpsSettings:
    schedule: ScheduleConfig
    health: HealthConfig
    alerts: AlertsConfig


def _positive(sec: Section, name: str, default: float, *, maximum: float | None = None) -> float:
    return float(sec.number(name, default, above=0, maximum=maximum))


def _count(sec: Section, name: str, default: int, *, maximum: int = 100_000) -> int:
    """A whole number of days, runs or articles, at least 1."""
    value = sec.get(name, (int, float), default)
    if not isinstance(value, int):
        raise sec.error(name, f"应为整数，实为 {quoted(value)}")
    return int(sec.number(name, default, minimum=1, maximum=maximum))


def _share(sec: Section, name: str, default: float) -> float:
    value = sec.get(name, (int, float), default)
    if not math.isfinite(value) or not 0 < value <= 1:
        raise sec.error(name, f"应为 0 到 1 之间的比例，实为 {quoted(value)}")
    return float(value)


def _secret(sec: Section, name: str, env: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(variable name, its value): a variable that is not set fails the delivery, not the command."""
    var = sec.get(name, str, None)
    return var, (env.get(var) if var else None)


def load_schedule(sec: Section, timezone: str) -> ScheduleConfig:
    sec.only("time", "days", "misfire_grace_hours", "lock_stale_minutes", "heartbeat_seconds",
             "step_limit_minutes")
    text = sec.get("time", str, "02:30")
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text.strip())
    if not match:
        raise sec.error("time", f"应写作 时:分（24 小时制），例如“02:30”，实为 {quoted(text)}")
    days = sec.get("days", str, "*").strip().lower()
    if not DAY_NAMES.match(days):
        raise sec.error("days", f"应为 * 或 mon-fri、sat,sun 这样的写法，实为 {quoted(days)}")
    stale_minutes = _positive(sec, "lock_stale_minutes", 30.0, maximum=24 * 60)
    heartbeat = _positive(sec, "heartbeat_seconds", 60.0, maximum=12 * 3600)
    if heartbeat * 2 > stale_minutes * 60:
        # A live holder would look silent between two beats, and its lock be taken from under it.
        raise sec.error("heartbeat_seconds", f"应不超过 lock_stale_minutes 的一半（{stale_minutes * 30:g} 秒），"
                                             f"实为 {heartbeat:g}")
    return ScheduleConfig(
        hour=int(match.group(1)),
        minute=int(match.group(2)),
        days=days,
        timezone=timezone,
        misfire_grace_hours=_positive(sec, "misfire_grace_hours", 6.0, maximum=24 * 7),
        lock_stale_minutes=stale_minutes,
        heartbeat_seconds=heartbeat,
        step_limit_minutes=_positive(sec, "step_limit_minutes", 240.0, maximum=24 * 60),
    )


def load_health(sec: Section, sites: tuple[str, ...]) -> HealthConfig:
    sec.only("stale_days", "stale_days_by_site", "parse_failure_jump", "parse_failure_min",
             "missing_source_jump", "missing_source_min", "baseline_runs")
    d = HealthConfig()
    by_site = {}
    per_site = sec.table("stale_days_by_site")
    for key in per_site.data:
        if key not in sites:
            raise per_site.error(key, f"没有网站{quoted(key)}；可选：{'、'.join(sites)}")
        by_site[key] = _count(per_site, key, d.stale_days, maximum=3650)
    return HealthConfig(
        stale_days=_count(sec, "stale_days", d.stale_days, maximum=3650),
        stale_days_by_site=by_site,
        parse_failure_jump=_share(sec, "parse_failure_jump", d.parse_failure_jump),
        parse_failure_min=_count(sec, "parse_failure_min", d.parse_failure_min),
        missing_source_jump=_share(sec, "missing_source_jump", d.missing_source_jump),
        missing_source_min=_count(sec, "missing_source_min", d.missing_source_min),
        baseline_runs=_count(sec, "baseline_runs", d.baseline_runs, maximum=1000),
    )


def _load_email(sec: Section, env: Mapping[str, str]) -> EmailChannel:
    if "password" in sec.data:
        raise sec.error("password", "密码不写进配置文件：放进环境变量（systemd 的 /etc/xinxi/env），"
                                    "在 password_env 写变量名")
    sec.only("host", "port", "security", "username", "password_env", "sender", "to", "timeout", "deadline")
    security = sec.get("security", str, "ssl")
    if security not in SECURITY:
        raise sec.error("security", f"应为 {'、'.join(SECURITY)} 之一，实为 {quoted(security)}")
    to = sec.strings("to")
    if not to:
        raise sec.error("to", "至少要有一个收件地址")
    default_port = {"ssl": 465, "starttls": 587, "none": 25}[security]
    port = sec.get("port", int, default_port)
    if not 1 <= port <= 65535:
        raise sec.error("port", f"应为 1 到 65535 之间的端口号，实为 {quoted(port)}")
    password_env, password = _secret(sec, "password_env", env)
    return EmailChannel(
        host=sec.get("host", str, required=True),
        port=port,
        sender=sec.get("sender", str, required=True),
        to=to,
        security=security,
        username=sec.get("username", str, None),
        password_env=password_env,
        password=password,
        timeout=_positive(sec, "timeout", 30.0, maximum=3600),
        deadline=_positive(sec, "deadline", 120.0, maximum=3600),
    )


def _load_webhook(sec: Section, env: Mapping[str, str]) -> WebhookChannel:
    sec.only("kind", "url", "secret_env", "timeout", "deadline")
    kind = sec.get("kind", str, required=True)
    if kind not in WEBHOOK_KINDS:
        raise sec.error("kind", f"应为 {'、'.join(WEBHOOK_KINDS)} 之一，实为 {quoted(kind)}")
    url = sec.get("url", str, required=True)
    if not re.match(r"https?://[^/]+", url):
        raise sec.error("url", f"应为 http(s):// 开头的地址，实为 {quoted(url)}")
    secret_env, secret = _secret(sec, "secret_env", env)
    return WebhookChannel(kind=kind, url=url, secret_env=secret_env, secret=secret,
                          timeout=_positive(sec, "timeout", 15.0, maximum=3600),
                          deadline=_positive(sec, "deadline", 60.0, maximum=3600))


def load_alerts(sec: Section, env: Mapping[str, str]) -> AlertsConfig:
    sec.only("enabled", "min_level", "subject_prefix", "email", "webhooks")
    level = sec.get("min_level", str, "warning")
    if level not in LEVELS:
        raise sec.error("min_level", f"应为 {'、'.join(LEVELS)} 之一，实为 {quoted(level)}")
    email = sec.table("email")
    return AlertsConfig(
        enabled=sec.get("enabled", bool, True),
        min_level=level,
        subject_prefix=sec.get("subject_prefix", str, "[信息考评]"),
        email=_load_email(email, env) if email.data else None,
        webhooks=tuple(_load_webhook(w, env) for w in sec.tables("webhooks")),
    )


def load_ops(settings: Settings, *, env: Mapping[str, str] | None = None,
             path: Path | None = None) -> OpsSettings:
    """Read [schedule], [health] and [alerts] from settings.toml; every table is optional."""
    env = os.environ if env is None else env
    path = path or settings.config_dir / "settings.toml"
    top = Section(path, read_toml(path))
    return OpsSettings(
        schedule=load_schedule(top.table("schedule"), settings.timezone),
        health=load_health(top.table("health"), tuple(settings.sites)),
        alerts=load_alerts(top.table("alerts"), env),
    )
