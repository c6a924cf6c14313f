"""The municipal site's CMS: its page objects live in crawler/pages.py; it has no notices column we read."""

from __future__ import annotations

from crawler.pages import ArticlePage, ListPage

NoticePage = None

__all__ = ["ArticlePage", "ListPage", "NoticePage"]
