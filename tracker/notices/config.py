"""config/notices.toml: which notices concern information work, how table columns are recognised, and
which clause each outlet (采用载体) scores under. Loaded once at the edge; every error names file and key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from scoring.wording import quoted
from tracker.config import ConfigError, Section, read_toml

NOTICES_FILE = "notices.toml"
COLUMN_ROLES = ("unit", "title", "outlet", "issue", "date", "rank")


@dataclass(frozen=True)
class NoticeRules:
    path: Path
    title_words: tuple[str, ...]
    outlets: Mapping[str, str]            # outlet words → clause id, longest word first
    ranking_clause: str
    ranking_top: int
    ranking_lead_words: tuple[str, ...]
    columns: Mapping[str, tuple[str, ...]]  # role → header words
    not_counts: tuple[str, ...]

    def about_information(self, title: str) -> bool:
        """Whether a notice with this title concerns information work."""
        return any(word in title for word in self.title_words)

    def outlet_clause(self, text: str) -> tuple[str, str] | None:
        """(outlet word, clause id) for the first, longest outlet word in `text`, or None."""
        compact = "".join(text.split())
        for word, clause in self.outlets.items():
            if word in compact:
                return word, clause
        return None

    def role(self, header: str) -> str | None:
        """The role of a header cell (unit, title, outlet, issue, date, rank), or None."""
        compact = "".join(header.split())
        if not compact:
            return None
        for role in COLUMN_ROLES:
            if compact in self.columns[role]:
                return role
        for role in COLUMN_ROLES:
            if any(compact.startswith(w) or compact.endswith(w) for w in self.columns[role] if len(w) >= 2):
                return role
        return None


def _words(sec: Section, name: str, *, required: bool = True) -> tuple[str, ...]:
    words = tuple(w.strip() for w in sec.strings(name))
    if required and not words:
        raise sec.error(name, "至少要有一个词")
    for i, word in enumerate(words):
        if not word:
            raise sec.error(f"{name}[{i}]", "不能为空")
    return words


def load_notice_rules(config_dir: Path | str, clause_ids: set[str] | None = None) -> NoticeRules:
    """Read config_dir/notices.toml; with `clause_ids`, every clause it names must exist in the rules."""
    path = Path(config_dir) / NOTICES_FILE
    top = Section(path, read_toml(path))
    top.only("select", "outlets", "ranking", "columns")
    select = top.table("select", required=True)
    select.only("title_words")
    outlets_sec = top.table("outlets", required=True)
    outlets: dict[str, str] = {}
    for word in outlets_sec.data:
        clause = outlets_sec.get(word, str).strip()
        if not word.strip():
            raise outlets_sec.error(word, "载体名称不能为空")
        if clause_ids is not None and clause not in clause_ids:
            raise outlets_sec.error(word, f"考评办法中没有条款{quoted(clause)}")
        outlets["".join(word.split())] = clause
    if not outlets:
        raise top.error("outlets", "至少要有一个采用载体")
    ranking = top.table("ranking", required=True)
    ranking.only("clause", "top", "lead_words")
    ranking_clause = ranking.get("clause", str, required=True)
    if clause_ids is not None and ranking_clause not in clause_ids:
        raise ranking.error("clause", f"考评办法中没有条款{quoted(ranking_clause)}")
    top_n = ranking.get("top", int, 10)
    if top_n <= 0:
        raise ranking.error("top", f"应为正整数，实为 {top_n}")
    columns_sec = top.table("columns", required=True)
    columns_sec.only(*COLUMN_ROLES, "not_counts")
    columns = {role: _words(columns_sec, role, required=role in ("unit", "title")) for role in COLUMN_ROLES}
    return NoticeRules(
        path=path,
        title_words=_words(select, "title_words"),
        outlets=MappingProxyType(dict(sorted(outlets.items(), key=lambda kv: -len(kv[0])))),
        ranking_clause=ranking_clause,
        ranking_top=top_n,
        ranking_lead_words=_words(ranking, "lead_words"),
        columns=MappingProxyType(columns),
        not_counts=_words(columns_sec, "not_counts", required=False),
    )


__all__ = ["ConfigError", "NoticeRules", "load_notice_rules"]
