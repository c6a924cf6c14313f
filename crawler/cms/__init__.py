"""Page objects per kind of CMS, chosen by a site's `cms` in config/sites.toml.

Each kind is a module exposing `ListPage`, `ArticlePage` and `NoticePage` (None when the CMS has no notices
the tracker reads). A third CMS is one more module here and its sites' config; the spider stays as it is.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

MODULES = {"czgh": "crawler.cms.czgh", "hanweb": "crawler.cms.hanweb"}


def page_objects(kind: str) -> ModuleType:
    """The module of page objects for a CMS kind (config.CMS_KINDS)."""
    return import_module(MODULES[kind])
