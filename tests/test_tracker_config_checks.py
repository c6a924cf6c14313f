"""Every config file is checked completely: unknown keys and non-finite or out-of-range numbers are refused
with the file and the key, in one line, before any command does its work."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tracker.cli import main
from tracker.config import DEFAULT_CONFIG_DIR


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def one_line(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert exit_info.value.code == 2 and len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    ("file", "old", "new", "key"),
    [
        ("settings.toml", "[store]\n", "[store]\ndatabase = \"x.db\"\n", "store.database"),
        ("settings.toml", "[time]\n", "[time]\ntimezon = \"UTC\"\n", "time.timezon"),
        ("settings.toml", "[store]\n", "[stor]\ndb = \"x.db\"\n\n[store]\n", "stor"),
        ("settings.toml", "[health]\n", "[health]\nstale_day = 3\n", "health.stale_day"),
        ("units.toml", 'aliases = ["溧阳总工会", "常州溧阳市总工会"]', 'alias = ["溧阳总工会", "常州溧阳市总工会"]',
         "units[0].alias"),
        ("units.toml", "[bylines]\n", "[bylines]\npresss = [\"常州日报\"]\n", "bylines.presss"),
        ("units.toml", "[gazetteer]\n", "[gazetteer]\ntowns = []\n", "gazetteer.towns"),
        ("units.toml", '{ name = "昆仑街道", district = "liyang", kind = "street" }',
         '{ name = "昆仑街道", district = "liyang", kind = "street", valid_until = 2020-01-01 }',
         "gazetteer.places[2].valid_until"),
        ("units.toml", "[gazetteer]\n", "[units_extra]\na = 1\n\n[gazetteer]\n", "units_extra"),
        ("experience.toml", "[experience]\n", "[experience]\ninclde = [\"经验\"]\n", "experience.inclde"),
        ("experience.toml", "[experience]\n", "[keywords]\na = 1\n\n[experience]\n", "keywords"),
        ("rules/2016.toml", "points = 20\n", "points = 20\npoint = 30\n", "clauses[0].point"),
    ],
)
def test_an_unknown_key_is_refused_with_file_and_key(capsys, config_dir: Path, db, db_path: Path,
                                                     file: str, old: str, new: str, key: str) -> None:
    edit(config_dir / file, old, new)
    line = one_line(capsys, "--config", str(config_dir), "--db", str(db_path), "score", "--year", "2024")
    assert line.startswith(f"错误：配置错误：{config_dir / file} 键 {key}："), line


@pytest.mark.parametrize(
    ("value", "words"),
    [("nan", "分值应为有限的数字，实为 nan"), ("inf", "分值应为有限的数字，实为 inf"),
     ("-inf", "分值应为有限的数字，实为 -inf"), ("-2", "分值不能为负，实为 -2")],
)
def test_points_must_be_finite_and_not_negative(capsys, config_dir: Path, db, db_path: Path,
                                                value: str, words: str) -> None:
    rules = config_dir / "rules" / "2016.toml"
    edit(rules, "points = 20\n", f"points = {value}\n")
    line = one_line(capsys, "--config", str(config_dir), "--db", str(db_path), "score", "--year", "2024",
                    "--format", "json")
    assert line == f"错误：配置错误：{rules} 键 clauses[0].points：{words}"


def test_a_target_of_nan_is_refused(capsys, config_dir: Path, db, db_path: Path) -> None:
    rules = config_dir / "rules" / "2016.toml"
    edit(rules, "office = 60 ", "office = nan ")
    line = one_line(capsys, "--config", str(config_dir), "--db", str(db_path), "score", "--year", "2024")
    assert line == f"错误：配置错误：{rules} 键 targets.office：分值应为有限的数字，实为 nan"


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ("misfire_grace_hours = 6", "misfire_grace_hours = nan", "schedule.misfire_grace_hours", "应为有限的数字"),
        ("lock_stale_minutes = 30", "lock_stale_minutes = inf", "schedule.lock_stale_minutes", "应为有限的数字"),
        ("heartbeat_seconds = 60", "heartbeat_seconds = -1", "schedule.heartbeat_seconds", "应大于 0"),
        ("stale_days = 10", "stale_days = 0", "health.stale_days", "应不小于 1"),
        ("stale_days = 10", "stale_days = 2.5", "health.stale_days", "应为整数"),
        ("parse_failure_jump = 0.2", "parse_failure_jump = nan", "health.parse_failure_jump", "0 到 1 之间的比例"),
        ("baseline_runs = 5", "baseline_runs = -5", "health.baseline_runs", "应不小于 1"),
        ('subject_prefix = "[信息考评]"', 'subject_prefix = "[信息考评]"\n[alerts.email]\nhost = "h"\nsender = "a@b"\n'
         'to = ["c@d"]\nport = 70000', "alerts.email.port", "1 到 65535"),
        ('subject_prefix = "[信息考评]"', 'subject_prefix = "[信息考评]"\n[[alerts.webhooks]]\nkind = "wecom"\n'
         'url = "http://127.0.0.1:9/"\ntimeout = inf', "alerts.webhooks[0].timeout", "应为有限的数字"),
    ],
)
def test_ops_settings_numbers_are_finite_and_in_range(capsys, config_dir: Path, db, db_path: Path,
                                                      old: str, new: str, key: str, words: str) -> None:
    settings = config_dir / "settings.toml"
    edit(settings, old, new)
    line = one_line(capsys, "--config", str(config_dir), "--db", str(db_path), "status")
    assert line.startswith(f"错误：配置错误：{settings} 键 {key}：") and words in line, line


def test_the_shipped_config_passes_every_check(capsys, db, db_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", str(DEFAULT_CONFIG_DIR), "--db", str(db_path), "status"])
    assert exit_info.value.code == 0, capsys.readouterr().err
