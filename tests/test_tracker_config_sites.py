"""sites.toml is checked completely: every politeness number in range, no unknown key in any section."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.config import DEFAULT_CONFIG_DIR, ConfigError, load_settings


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    return target


def edit(config_dir: Path, old: str, new: str) -> Path:
    path = config_dir / "sites.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "key", "words"), [
    ("concurrent_per_host = 1", "concurrent_per_host = 0", "concurrent_per_host", "不小于 1"),
    ("timeout = 30", "timeout = -5", "timeout", "应大于 0"),
    ("timeout = 30", "timeout = 0", "timeout", "大于 0"),
    ("timeout = 30", "timeout = nan", "timeout", "有限的数字"),
    ("timeout = 30", "timeout = inf", "timeout", "有限的数字"),
    ("retry_times = 3", "retry_times = -1", "retry_times", "不小于 0"),
    ("max_list_pages = 50", "max_list_pages = 0", "max_list_pages", "不小于 1"),
    ("max_list_pages = 50", "max_list_pages = -3", "max_list_pages", "不小于 1"),
    ("list_page_ceiling = 5000", "list_page_ceiling = 0", "list_page_ceiling", "不小于 1"),
    ("retry_nights = 5", "retry_nights = 0", "retry_nights", "不小于 1"),
    ("download_delay = 1.0", "download_delay = -1", "download_delay", "不小于 0"),
    ("download_delay = 1.0", "download_delay = nan", "download_delay", "有限的数字"),
    ("concurrent_per_host = 1", "concurrent_per_host = 1.5", "concurrent_per_host", "应为整数"),
])
def test_a_bad_politeness_value_is_refused_with_file_and_key(config_dir: Path, old: str, new: str, key: str,
                                                              words: str) -> None:
    path = edit(config_dir, old, new)
    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir, env={})
    message = str(caught.value)
    assert str(path) in message and f"sites.czgh.politeness.{key}" in message and words in message


@pytest.mark.parametrize(("old", "new", "key"), [
    ("max_list_pages = 50", "max_list_pages = 50\nmax_pages = 10", "sites.czgh.politeness.max_pages"),
    ('name = "常州市总工会"', 'name = "常州市总工会"\nbase = "x"', "sites.czgh.base"),
    ('labels.date = ["发布日期", "发布时间"]', 'labels.date = ["发布日期"]\nlabels.dates = ["x"]',
     "sites.czgh.labels.dates"),
    ('selectors.body = ["div.content"]', 'selectors.body = ["div.content"]\nselectors.bdy = ["x"]',
     "sites.czgh.selectors.bdy"),
    ('key = "jcdt"', 'key = "jcdt"\nlist = "x"', "sites.czgh.columns[0].list"),
    ("[sites.czgh]", "site = 1\n[sites.czgh]", "site"),
])
def test_an_unknown_key_is_refused_in_every_section(config_dir: Path, old: str, new: str, key: str) -> None:
    path = edit(config_dir, old, new)
    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir, env={})
    assert str(path) in str(caught.value) and f"键 {key}：未知的设置" in str(caught.value)


def test_the_site_hosts_are_the_configured_ones_and_the_base_url_flag(config_dir: Path) -> None:
    edit(config_dir, "hosts = []", 'hosts = ["WWW.czgh.jscz.org.cn"]')
    site = load_settings(config_dir, base_urls={"czgh": "http://127.0.0.1:8000"}, env={}).site("czgh")
    assert site.hosts == ("czgh.jscz.org.cn", "127.0.0.1", "www.czgh.jscz.org.cn")


def test_the_cli_refuses_a_bad_value_in_one_line(config_dir: Path) -> None:
    edit(config_dir, "concurrent_per_host = 1", "concurrent_per_host = 0")
    xinxi = str(Path(sys.executable).parent / "xinxi")
    result = subprocess.run([xinxi, "--config", str(config_dir), "--db", str(config_dir / "x.db"), "crawl"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "concurrent_per_host" in line and "sites.toml" in line
