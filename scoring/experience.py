"""Is an article an experience or summary piece (经验类、总结类, +2 under 五、3)? A keyword classifier.

The classifier only proposes; a reviewer's decision stored per article overrides it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Keywords:
    """Words that mark an experience/summary piece, and words that veto it (event news)."""

    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()

    @cached_property
    def any_include(self) -> re.Pattern[str]:
        """One pattern for all include words: most titles hold none, and are ruled out in one search."""
        return re.compile("|".join(map(re.escape, self.include)) or r"(?!)")


@dataclass(frozen=True)
class Verdict:
    experience: bool
    source: str          # classifier | reviewer
    reason: str          # the keyword matched, or the reviewer's name and reason

    @property
    def note(self) -> str:
        """How the flag was decided, in words for the explain list."""
        what = "经验类、总结类" if self.experience else "非经验类"
        who = "分类器" if self.source == "classifier" else "审核人"
        return f"{what}（{who}：{self.reason}）" if self.reason else f"{what}（{who}）"


def classify(title: str | None, subtitle: str | None, keywords: Keywords) -> Verdict:
    """Flag a piece whose title or subtitle holds an include word and no exclude word."""
    text = f"{title or ''} {subtitle or ''}"
    if not keywords.any_include.search(text):
        return Verdict(False, "classifier", "")
    veto = next((w for w in keywords.exclude if w in text), None)
    hit = next((w for w in keywords.include if w in text), None)
    if hit and not veto:
        return Verdict(True, "classifier", f"关键词“{hit}”")
    if hit and veto:
        return Verdict(False, "classifier", f"关键词“{hit}”，但含“{veto}”")
    return Verdict(False, "classifier", "")
