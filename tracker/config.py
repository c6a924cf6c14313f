"""Load and validate config/*.toml into frozen dataclasses, once, at the edge.

Precedence lives here and nowhere else: flag > environment > file > default.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scoring.wording import quoted
from tracker.errors import NotFound, XinxiError

DEFAULT_CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
KIND_NAMES = {int: "整数", str: "文字", bool: "true 或 false", list: "列表", dict: "表"}
# The tables of settings.toml: [store] and [time] are read here, the rest by tracker.ops.settings.
SETTINGS_TABLES = ("store", "time", "schedule", "health", "alerts")
CATEGORIES = ("grassroots", "department", "union_news", "provincial", "provincial_report", "none")
# Kinds of CMS, each with its own page objects (crawler/cms/): czgh is the municipal site's, hanweb 大汉 JCMS.
CMS_KINDS = ("czgh", "hanweb")
# What a column lists: news articles, or notices (通报) read by the notices library.
COLUMN_KINDS = ("news", "notices")


class ConfigError(XinxiError):
    """A config file is unreadable or holds a bad value; the message names the file and the key."""

    def __init__(self, path: Path | str, key: str | None, message: str) -> None:
        self.path = Path(path)
        self.key = key
        where = f"{self.path}" + (f" 键 {key}" if key else "")
        super().__init__(f"配置错误：{where}：{message}")


def read_toml(path: Path) -> dict[str, Any]:
    """Parse one TOML file; a syntax error names the file and the line."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(path, None, "文件不存在") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, None, f"TOML 语法错误（{exc}）") from None


class Section:
    """Typed access to one TOML table that reports the dotted key on any error."""

    def __init__(self, path: Path, data: Mapping[str, Any], prefix: str = "") -> None:
        self.path = path
        self.data = data
        self.prefix = prefix

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def error(self, name: str, message: str) -> ConfigError:
        return ConfigError(self.path, self.key(name), message)

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = ..., *, required: bool = False) -> Any:
        if name not in self.data:
            if required or default is ...:
                raise self.error(name, "缺少此项")
            return default
        value = self.data[name]
        # bool is an int in Python; a flag written as 1 is a mistake worth naming.
        if (kind is int or kind == (int, float)) and isinstance(value, bool):
            raise self.error(name, f"应为数字，实为 {quoted(value)}")
        if not isinstance(value, kind):
            kinds = kind if isinstance(kind, tuple) else (kind,)
            expected = "数字" if float in kinds else "或".join(KIND_NAMES.get(k, k.__name__) for k in kinds)
            space = " " if expected.isascii() or expected[0].isascii() else ""
            raise self.error(name, f"应为{space}{expected}，实为 {quoted(value)}")
        return value

    def only(self, *allowed: str) -> None:
        """Refuse a key the loader does not read: a misspelt setting would otherwise fall back unnoticed."""
        for name in self.data:
            if name not in allowed:
                raise self.error(name, f"未知的设置；可用：{'、'.join(allowed)}")

    def number(self, name: str, default: float, *, minimum: float | None = None, above: float | None = None,
               maximum: float | None = None) -> float:
        """A finite number within bounds (`above` is exclusive); nan and inf are refused by name."""
        value = self.get(name, (int, float), default)
        if not math.isfinite(value):
            raise self.error(name, f"应为有限的数字，实为 {quoted(value)}")
        if minimum is not None and value < minimum:
            raise self.error(name, f"应不小于 {minimum:g}，实为 {quoted(value)}")
        if above is not None and value <= above:
            raise self.error(name, f"应大于 {above:g}，实为 {quoted(value)}")
        if maximum is not None and value > maximum:
            raise self.error(name, f"应不大于 {maximum:g}，实为 {quoted(value)}")
        return value

    def table(self, name: str, *, required: bool = False) -> Section:
        value = self.get(name, dict, {} if not required else ..., required=required)
        return Section(self.path, value, self.key(name))

    def tables(self, name: str) -> list[Section]:
        value = self.get(name, list, [])
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise self.error(f"{name}[{i}]", "应为表")
            out.append(Section(self.path, item, f"{self.key(name)}[{i}]"))
        return out

    def strings(self, name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.get(name, list, list(default))
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise self.error(f"{name}[{i}]", f"应为文字，实为 {quoted(item)}")
        return tuple(value)


@dataclass(frozen=True)
class Column:
    key: str
    name: str
    list_url: str
    category: str
    code: str | None = None
    catid: int | None = None
    kind: str = "news"         # news | notices


@dataclass(frozen=True)
class Politeness:
    obey_robots: bool = True
    download_delay: float = 1.0
    concurrent_per_host: int = 1
    autothrottle: bool = True
    retry_times: int = 3
    timeout: float = 30.0
    user_agent: str = "xinxi/0.1"
    max_list_pages: int = 50
    list_page_ceiling: int = 5000
    retry_nights: int = 5
    expected_articles: int = 30000  # about how many articles a first full crawl fetches (for the time estimate)


@dataclass(frozen=True)
class Site:
    key: str
    name: str
    base_url: str
    columns: tuple[Column, ...]
    legacy_article: str
    suitable_article: str | None
    date_labels: tuple[str, ...] = ("发布日期",)
    source_labels: tuple[str, ...] = ("来源", "信息来源")
    title_selectors: tuple[str, ...] = ()
    body_selectors: tuple[str, ...] = ()
    politeness: Politeness = field(default_factory=Politeness)
    hosts: tuple[str, ...] = ()   # hosts whose pages belong to the site; the base URL's host among them
    cms: str = "czgh"             # which page objects read it (CMS_KINDS)

    @property
    def news_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.kind == "news")

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key or col.name == key:
                return col
        names = "、".join(f"{c.key}（{c.name}）" for c in self.columns)
        raise NotFound(f"网站 {self.key} 没有栏目{quoted(key)}；可选：{names}")


@dataclass(frozen=True)
class Settings:
    config_dir: Path
    db_path: Path
    timezone: str
    sites: Mapping[str, Site]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def site(self, key: str) -> Site:
        if key not in self.sites:
            raise NotFound(f"没有网站{quoted(key)}；可选：{'、'.join(self.sites)}")
        return self.sites[key]


SITE_KEYS = ("name", "cms", "base_url", "hosts", "legacy_article", "suitable_article", "labels", "selectors",
             "politeness", "columns")
COLUMN_KEYS = ("key", "name", "code", "catid", "list_url", "category", "kind")
# The numbers of [politeness] and their bounds; int ones must be whole numbers.
POLITENESS_NUMBERS: dict[str, tuple[type, dict[str, float]]] = {
    "download_delay": (float, {"minimum": 0, "maximum": 3600}),
    "concurrent_per_host": (int, {"minimum": 1, "maximum": 64}),
    "retry_times": (int, {"minimum": 0, "maximum": 20}),
    "timeout": (float, {"above": 0, "maximum": 3600}),
    "max_list_pages": (int, {"minimum": 1, "maximum": 100_000}),
    "list_page_ceiling": (int, {"minimum": 1, "maximum": 100_000}),
    "retry_nights": (int, {"minimum": 1, "maximum": 365}),
    "expected_articles": (int, {"minimum": 0, "maximum": 100_000_000}),
}


def _number(sec: Section, name: str, default: float) -> Any:
    kind, bounds = POLITENESS_NUMBERS[name]
    if kind is int:
        sec.get(name, int, default)  # a whole number, not 1.5
    value = sec.number(name, default, **bounds)
    return int(value) if kind is int else float(value)


def _load_politeness(sec: Section) -> Politeness:
    d = Politeness()
    sec.only("obey_robots", "autothrottle", "user_agent", *POLITENESS_NUMBERS)
    return Politeness(
        obey_robots=sec.get("obey_robots", bool, d.obey_robots),
        download_delay=float(_number(sec, "download_delay", d.download_delay)),
        concurrent_per_host=_number(sec, "concurrent_per_host", d.concurrent_per_host),
        autothrottle=sec.get("autothrottle", bool, d.autothrottle),
        retry_times=_number(sec, "retry_times", d.retry_times),
        timeout=float(_number(sec, "timeout", d.timeout)),
        user_agent=sec.get("user_agent", str, d.user_agent),
        max_list_pages=_number(sec, "max_list_pages", d.max_list_pages),
        list_page_ceiling=_number(sec, "list_page_ceiling", d.list_page_ceiling),
        retry_nights=_number(sec, "retry_nights", d.retry_nights),
        expected_articles=_number(sec, "expected_articles", d.expected_articles),
    )


def _host(url: str) -> str:
    return (re.match(r"https?://([^/:?#]+)", url)[1]).lower()  # type: ignore[index]


def _load_site(key: str, sec: Section, base_url: str | None) -> Site:
    sec.only(*SITE_KEYS)
    columns = []
    seen: set[str] = set()
    for csec in sec.tables("columns"):
        csec.only(*COLUMN_KEYS)
        category = csec.get("category", str, required=True)
        if category not in CATEGORIES:
            raise csec.error("category", f"未知计分类别{quoted(category)}；可选：{'、'.join(CATEGORIES)}")
        col = Column(
            key=csec.get("key", str, required=True),
            name=csec.get("name", str, required=True),
            list_url=csec.get("list_url", str, required=True),
            category=category,
            code=csec.get("code", str, None),
            catid=csec.get("catid", int, None),
            kind=csec.get("kind", str, "news"),
        )
        if col.kind not in COLUMN_KINDS:
            raise csec.error("kind", f"应为 {'、'.join(COLUMN_KINDS)} 之一，实为 {quoted(col.kind)}")
        if col.key in seen:
            raise csec.error("key", f"栏目键{quoted(col.key)}重复")
        seen.add(col.key)
        columns.append(col)
    if not columns:
        raise sec.error("columns", "至少要有一个栏目")
    cms = sec.get("cms", str, "czgh")
    if cms not in CMS_KINDS:
        raise sec.error("cms", f"未知的网站系统{quoted(cms)}；可选：{'、'.join(CMS_KINDS)}")
    patterns: dict[str, str | None] = {"suitable_article": None}
    for name in ("legacy_article", "suitable_article"):
        if name == "suitable_article" and name not in sec.data and cms != "czgh":
            continue  # only the municipal CMS has a second address form
        pattern = sec.get(name, str, required=True)
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise sec.error(name, f"正则表达式无效（{exc}）") from None
        if "id" not in compiled.groupindex:
            raise sec.error(name, "正则表达式须含命名组 (?P<id>…)")
        patterns[name] = pattern
    file_url = sec.get("base_url", str, base_url) if base_url else sec.get("base_url", str, required=True)
    url = base_url or file_url
    if not re.match(r"https?://[^/:?#]+", file_url):
        raise sec.error("base_url", f"应为 http(s):// 开头的地址，实为 {quoted(file_url)}")
    if not re.match(r"https?://[^/:?#]+", url):
        raise ConfigError("--base-url", None, f"{key} 的地址应为 http(s):// 开头，实为 {quoted(url)}")
    hosts = [_host(file_url), _host(url), *(h.lower() for h in sec.strings("hosts"))]
    labels = sec.table("labels")
    labels.only("date", "source")
    selectors = sec.table("selectors")
    selectors.only("title", "body")
    return Site(
        key=key,
        name=sec.get("name", str, key),
        base_url=url.rstrip("/"),
        columns=tuple(columns),
        legacy_article=patterns["legacy_article"],  # type: ignore[arg-type]
        suitable_article=patterns["suitable_article"],
        date_labels=labels.strings("date", ("发布日期",)),
        source_labels=labels.strings("source", ("来源", "信息来源")),
        title_selectors=selectors.strings("title"),
        body_selectors=selectors.strings("body"),
        politeness=_load_politeness(sec.table("politeness")),
        hosts=tuple(dict.fromkeys(hosts)),
        cms=cms,
    )


def parse_base_urls(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Turn --base-url SITE=URL flags into a mapping; a malformed pair is a ConfigError."""
    out = {}
    for pair in pairs:
        site, sep, url = pair.partition("=")
        if not sep or not site or not url:
            raise ConfigError("--base-url", None, f"应写作 网站=地址，例如 czgh=http://127.0.0.1:8000，实为 {quoted(pair)}")
        if not re.match(r"https?://[^/]+", url.strip()):
            raise ConfigError("--base-url", None, f"{site.strip()} 的地址应以 http:// 或 https:// 开头，"
                              f"例如 {site.strip()}=http://{url.strip() or '127.0.0.1:8000'}，实为 {quoted(pair)}")
        out[site.strip()] = url.strip()
    return out


def load_settings(
    config_dir: Path | str | None = None,
    *,
    db: Path | str | None = None,
    base_urls: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve settings.toml and sites.toml: flag > env > file > default."""
    env = os.environ if env is None else env
    cdir = Path(config_dir or env.get("XINXI_CONFIG") or DEFAULT_CONFIG_DIR)
    settings_path = cdir / "settings.toml"
    sites_path = cdir / "sites.toml"
    top = Section(settings_path, read_toml(settings_path))
    top.only(*SETTINGS_TABLES)
    store = top.table("store")
    store.only("db")
    time = top.table("time")
    time.only("timezone")
    db_path = Path(db or env.get("XINXI_DB") or store.get("db", str, "data/xinxi.db"))
    timezone = env.get("XINXI_TIMEZONE") or time.get("timezone", str, "Asia/Shanghai")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise time.error("timezone", f"未知时区{quoted(timezone)}") from None

    base_urls = dict(base_urls or {})
    sites_file = Section(sites_path, read_toml(sites_path))
    sites_file.only("sites")
    sites_top = sites_file.table("sites", required=True)
    sites = {
        key: _load_site(key, sites_top.table(key), base_urls.pop(key, None)) for key in sites_top.data
    }
    seen: dict[str, str] = {}
    for site in sites.values():
        for col in site.columns:
            if col.key in seen:
                raise sites_top.table(site.key).error("columns", f"栏目键{quoted(col.key)}已用于网站 {seen[col.key]}")
            seen[col.key] = site.key
    if base_urls:
        raise ConfigError("--base-url", None, f"没有网站 {'、'.join(base_urls)}；可选：{'、'.join(sites)}")
    return Settings(config_dir=cdir, db_path=db_path, timezone=timezone, sites=sites)


def settings_as_dict(settings: Settings) -> dict[str, Any]:
    """The resolved configuration as plain JSON-able data (for `config show --json`)."""
    from dataclasses import asdict

    data = asdict(settings)
    data["config_dir"] = str(settings.config_dir)
    data["db_path"] = str(settings.db_path)
    return data
