"""Article URLs: both forms of one article resolve to the same (site, id)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from tracker.config import Site


@dataclass(frozen=True)
class ArticleRef:
    """What an article URL says about the article, before it is fetched."""

    id: int
    form: str              # legacy | suitable
    url: str               # absolute URL as linked
    code: str | None = None
    catid: int | None = None
    url_date: str | None = None  # yyyy-mm-dd from a legacy URL


@lru_cache(maxsize=32)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def parse_article_url(site: Site, url: str) -> ArticleRef | None:
    """Recognise an article URL of either form; None for anything else."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    legacy = _compiled(site.legacy_article).search(target)
    if legacy:
        groups = legacy.groupdict()
        url_date = None
        if groups.get("yyyy") and groups.get("mmdd"):
            url_date = f"{groups['yyyy']}-{groups['mmdd'][:2]}-{groups['mmdd'][2:]}"
        return ArticleRef(int(groups["id"]), "legacy", url, code=groups.get("code"), url_date=url_date)
    suitable = _compiled(site.suitable_article).search(target) if site.suitable_article else None
    if suitable:
        groups = suitable.groupdict()
        catid = int(groups["catid"]) if groups.get("catid") else None
        return ArticleRef(int(groups["id"]), "suitable", url, catid=catid)
    return None


def absolute(site: Site, url: str) -> str:
    """Resolve a configured path against the site's base URL."""
    return urljoin(site.base_url + "/", url)

