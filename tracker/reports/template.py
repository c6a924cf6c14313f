"""The notice's words as the office wrote them (config/notice.toml), with the data filled in."""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.config import ConfigError, Section, read_toml

FILE = "notice.toml"
# Every placeholder a sentence may use; a misspelt one is named with its key when the file is loaded.
FIELDS = frozenset({
    "期间", "年", "序号", "办法", "条数", "总分", "辖市区", "部室", "单位", "个数", "名次", "差额", "起始日", "截止日",
    "名次句", "完成句", "未完成名单", "表扬名单", "开头", "附件", "首年说明",
})
TABLES = {
    "head": ("issuer_mark", "document_number", "title", "main_recipients"),
    "signature": ("issuer",),
    "record": ("copy_to", "printed_by"),
    "sentences": (
        "intro", "first_half_year", "results_heading", "districts_heading", "place_one", "place_tied", "places",
        "no_district_points", "departments_heading", "all_met", "met_one", "met_many", "shortfall_item",
        "short_after_met", "none_met", "praise_heading", "praise", "praise_districts", "praise_departments",
        "requirements_heading", "requirements_heading_alone", "praised_keep_on", "nobody_praised", "requirements",
        "requirements_all_met",
    ),
    "attachments": ("districts", "departments"),
}
OPTIONAL = {"record.copy_to"}


@dataclass(frozen=True)
class NoticeTemplate:
    """Sentences keyed `table.key` (sentences.place_tied); `fill` puts the data into one of them."""

    path: Path
    texts: dict[str, str]

    def fill(self, key: str, **data: Any) -> str:
        return self.texts[key].format_map(data)

    def raw(self, key: str) -> str:
        return self.texts[key]


def _fields(sec: Section, name: str, text: str) -> None:
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise sec.error(name, "花括号不成对：数据写成 {期间}，花括号本身写成 {{ 和 }}") from None
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in FIELDS or spec or conversion:
            raise sec.error(name, f"未知的占位符 {{{field}}}；可用：{'、'.join(sorted(FIELDS))}")


def load_notice_template(config_dir: Path) -> NoticeTemplate:
    """Read config/notice.toml; every key must be there and use only known placeholders."""
    path = Path(config_dir) / FILE
    root = Section(path, read_toml(path))
    root.only(*TABLES)
    texts: dict[str, str] = {}
    for table, keys in TABLES.items():
        sec = root.table(table, required=True)
        sec.only(*keys)
        for name in keys:
            key = f"{table}.{name}"
            text = sec.get(name, str, "" if key in OPTIONAL else ..., required=key not in OPTIONAL)
            _fields(sec, name, text)
            texts[key] = text
    if not texts["head.title"].replace("|", "").strip():
        raise ConfigError(path, "head.title", "标题不能为空")
    return NoticeTemplate(path, texts)
