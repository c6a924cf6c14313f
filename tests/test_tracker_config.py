from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tracker.config import DEFAULT_CONFIG_DIR, ConfigError, load_settings, parse_base_urls


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    return target


def test_defaults_point_at_the_real_site() -> None:
    settings = load_settings(DEFAULT_CONFIG_DIR, env={})
    site = settings.site("czgh")
    assert site.base_url == "https://czgh.jscz.org.cn"
    assert settings.timezone == "Asia/Shanghai"
    assert settings.db_path == Path("data/xinxi.db")
    assert {c.category for c in site.columns} == {"grassroots", "department", "union_news"}
    assert site.politeness.download_delay >= 1.0 and site.politeness.obey_robots


def test_precedence_flag_over_env_over_file(config_dir: Path) -> None:
    env = {"XINXI_DB": "/tmp/env.db"}
    assert load_settings(config_dir, env=env).db_path == Path("/tmp/env.db")
    assert load_settings(config_dir, db="/tmp/flag.db", env=env).db_path == Path("/tmp/flag.db")
    got = load_settings(config_dir, base_urls={"czgh": "http://127.0.0.1:9/"}, env={})
    assert got.site("czgh").base_url == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("file", "old", "new", "key"),
    [
        ("sites.toml", 'category = "grassroots"', 'category = "sports"', "sites.czgh.columns[0].category"),
        ("sites.toml", "download_delay = 1.0", 'download_delay = "slow"', "sites.czgh.politeness.download_delay"),
        ("sites.toml", 'key = "tpxw"', 'key = "jcdt"', "sites.czgh.columns[1].key"),
        ("settings.toml", 'timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"', "time.timezone"),
        ("sites.toml", 'base_url = "https://czgh.jscz.org.cn"', 'base_url = "czgh.jscz.org.cn"',
         "sites.czgh.base_url"),
    ],
)
def test_a_bad_value_names_file_and_key(config_dir: Path, file: str, old: str, new: str, key: str) -> None:
    path = config_dir / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(config_dir, env={})
    assert exc.value.key == key
    assert str(path) in str(exc.value) and key in str(exc.value)


def test_a_syntax_error_names_file_and_line(config_dir: Path) -> None:
    path = config_dir / "sites.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[broken\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(config_dir, env={})
    assert str(path) in str(exc.value) and "line" in str(exc.value)


def test_base_url_flag_must_be_site_equals_url() -> None:
    assert parse_base_urls(["czgh=http://127.0.0.1:8000"]) == {"czgh": "http://127.0.0.1:8000"}
    with pytest.raises(ConfigError, match="网站=地址"):
        parse_base_urls(["http://127.0.0.1:8000"])


def test_the_cli_reports_a_config_error_in_one_line(config_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tracker.cli import main

    path = config_dir / "sites.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("timeout = 30", 'timeout = "long"'), encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", str(config_dir), "crawl"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [f"错误：配置错误：{path} 键 sites.czgh.politeness.timeout：应为数字，实为 “long”"]
