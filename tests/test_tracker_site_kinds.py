"""Site kinds in config/sites.toml: the CMS chooses the page objects, notice columns, --base-url per site."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import crawler.cms.czgh
import crawler.cms.hanweb
from crawler.cms import page_objects
from crawler.urls import parse_article_url
from tracker.config import DEFAULT_CONFIG_DIR, ConfigError, load_settings


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    return target


def test_provincial_sites_are_hanweb_and_pointable_at_a_replica() -> None:
    settings = load_settings(DEFAULT_CONFIG_DIR, env={}, base_urls={"jsgh": "http://127.0.0.1:9"})
    jsgh, jsghfw, czgh = settings.site("jsgh"), settings.site("jsghfw"), settings.site("czgh")
    assert (jsgh.cms, jsghfw.cms, czgh.cms) == ("hanweb", "hanweb", "czgh")
    assert jsgh.base_url == "http://127.0.0.1:9" and jsghfw.base_url == "https://www.jsghfw.com"
    assert [c.list_url for c in jsgh.news_columns] == ["/col/col3577/index.html?uid=18462&pageNum=1"]
    assert [(c.kind, c.category) for c in jsgh.columns if c not in jsgh.news_columns] == [("notices", "none")]
    assert {c.category for c in (*jsgh.news_columns, *jsghfw.news_columns)} == {"provincial"}
    assert jsgh.suitable_article is None
    assert page_objects(jsgh.cms) is crawler.cms.hanweb and page_objects(czgh.cms) is crawler.cms.czgh
    ghxw = czgh.column("ghxw")
    assert (ghxw.name, ghxw.code, ghxw.category) == ("工会新闻", "IKCALDCQ", "union_news")


def test_article_identity_is_site_and_id() -> None:
    settings = load_settings(DEFAULT_CONFIG_DIR, env={})
    ref = parse_article_url(settings.site("jsghfw"), "https://www.jsghfw.com/art/2024/9/5/art_144_87392.html")
    assert ref is not None and (ref.id, ref.code, ref.form) == (87392, "144", "legacy")
    assert parse_article_url(settings.site("jsgh"), "https://www.jsgh.org/col/col3577/index.html") is None


@pytest.mark.parametrize(("old", "new", "key"), [
    ('cms = "hanweb"', 'cms = "wordpress"', "sites.jsgh.cms"),
    ('kind = "notices"', 'kind = "notice"', "sites.jsgh.columns[1].kind"),
])
def test_bad_site_kinds_name_file_and_key(config_dir: Path, old: str, new: str, key: str) -> None:
    path = config_dir / "sites.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir, env={})
    assert caught.value.key == key and caught.value.path == path


def test_the_municipal_cms_still_needs_both_address_forms(config_dir: Path) -> None:
    path = config_dir / "sites.toml"
    text = path.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("suitable_article"))
    path.write_text(text.replace(line + "\n", ""), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir, env={})
    assert caught.value.key == "sites.czgh.suitable_article"
