"""config/units.toml: the units of the 2016 method, their names, the gazetteer, and errors that name file and key."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from tracker.config import DEFAULT_CONFIG_DIR, ConfigError
from tracker.units import UnknownUnit, load_units

DISTRICTS = {"liyang": "溧阳市总工会", "jintan": "金坛区总工会", "wujin": "武进区总工会", "xinbei": "新北区总工会",
             "tianning": "天宁区总工会", "zhonglou": "钟楼区总工会", "jingkai": "常州经开区总工会"}
TARGET_60 = {"office", "organization", "publicity", "democracy", "protection", "economy", "safety", "legal", "women",
             "industry"}
TARGET_30 = {"finance", "audit", "party"}
# domain.md §3: towns and streets by district, present-day.
TOWNS = {
    "liyang": "溧城 古县 昆仑 埭头 上黄 戴埠 天目湖 别桥 上兴 竹箦 南渡 社渚",
    "jintan": "金城 儒林 直溪 朱林 薛埠 指前 东城 西城 尧塘",
    "wujin": "湖塘 牛塘 洛阳 雪堰 前黄 礼嘉 嘉泽 湟里 南夏墅 西湖",
    "jingkai": "戚墅堰 丁堰 潞城 遥观 横林 横山桥",
    "xinbei": "三井 河海 龙虎塘 新桥 薛家 罗溪 西夏墅 春江 孟河 奔牛",
    "tianning": "雕庄 青龙 红梅 天宁 兰陵 茶山 郑陆",
    "zhonglou": "南大街 荷花池 新闸 五星 永红 北港 西林 邹区",
}


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    return target


def edit(config_dir: Path, old: str, new: str) -> Path:
    path = config_dir / "units.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_every_unit_of_the_2016_method() -> None:
    registry = load_units(DEFAULT_CONFIG_DIR)
    units = {u.id: u for u in registry}
    assert len(registry) == 20 and list(units)[:7] == list(DISTRICTS)
    for unit_id, name in DISTRICTS.items():
        assert (units[unit_id].name, units[unit_id].kind, units[unit_id].target) == (name, "district", None)
    assert {u.id for u in registry if u.kind == "department"} == TARGET_60 | TARGET_30
    assert {u.id for u in registry if u.target == 60} == TARGET_60
    assert {u.id for u in registry if u.target == 30} == TARGET_30
    assert units["publicity"].name == "宣传教育部（企业工作部）"
    assert units["jingkai"].valid_from == date(2020, 1, 1)
    assert not units["jingkai"].valid_on(date(2019, 12, 31)) and units["jingkai"].valid_on(date(2020, 1, 1))


@pytest.mark.parametrize(("text", "unit_id"), [
    ("金坛市总工会", "jintan"), ("经开区总工会", "jingkai"), ("劳经部", "economy"), ("常工宣", "publicity"),
    ("市总宣", "publicity"), ("产业办", "industry"), ("市总女职工部", "women"), ("基层工作部", "organization"),
    ("企工部", "publicity"), ("女工部", "women"), ("宣网部", "publicity"), ("常州市总工会办公室", "office"),
    ("jintan", "jintan"), ("溧阳市总工会", "liyang"), ("金坛", "jintan"),
])
def test_units_are_found_by_id_name_and_alias(text: str, unit_id: str) -> None:
    assert load_units(DEFAULT_CONFIG_DIR).find(text).id == unit_id


def test_department_names_count_only_with_the_municipal_prefix() -> None:
    organization = load_units(DEFAULT_CONFIG_DIR).unit("organization")
    assert "组织部" in organization.short_names and "组织部" not in organization.aliases
    assert {"市总组织部", "市总工会组织部", "常州市总工会组织部", "市总基层工作部"} <= set(organization.aliases)


def test_an_unknown_unit_names_close_matches() -> None:
    with pytest.raises(UnknownUnit) as exc:
        load_units(DEFAULT_CONFIG_DIR).find("金坛区总")
    assert "金坛区总工会（jintan）" in str(exc.value)


@pytest.mark.parametrize(("district", "names"), TOWNS.items())
def test_the_gazetteer_holds_every_town_of_domain_notes(district: str, names: str) -> None:
    registry = load_units(DEFAULT_CONFIG_DIR)
    today = date(2025, 1, 1)
    for name in names.split():
        matches = [p for p in registry.places if p.name.startswith(name) and p.valid_on(today)]
        assert [p.district for p in matches] == [district], name


@pytest.mark.parametrize(("place", "day", "district"), [
    ("奔牛镇", "2015-04-27", "wujin"), ("奔牛镇", "2015-04-28", "xinbei"),
    ("郑陆镇", "2014-01-01", "wujin"), ("郑陆镇", "2016-01-01", "tianning"),
    ("邹区", "2015-01-01", "wujin"), ("邹区", "2015-05-01", "zhonglou"),
    ("横山桥镇", "2019-12-31", "wujin"), ("横山桥镇", "2020-01-01", "jingkai"),
    ("戚墅堰街道", "2015-03-01", None), ("戚墅堰街道", "2016-03-01", "wujin"), ("戚墅堰街道", "2021-03-01", "jingkai"),
])
def test_places_carry_validity_dates(place: str, day: str, district: str | None) -> None:
    assert load_units(DEFAULT_CONFIG_DIR).district_of(place, date.fromisoformat(day)) == district


@pytest.mark.parametrize(("old", "new", "key", "words"), [
    ('kind = "district"', 'kind = "county"', "units[0].kind", "district"),
    ('id = "jintan"', 'id = "liyang"', "units[1].id", "重复"),
    ('id = "jintan"', 'id = "Jin Tan"', "units[1].id", "小写"),
    ('short_areas = ["溧阳"]', 'short_areas = ["溧阳"]\ntarget = 60', "units[0].target", "不设目标"),
    ('target = 30', 'target = "30"', "units[17].target", "应为整数"),
    ('aliases = ["常州市武进区总工会", "武进总工会"]', 'aliases = ["金坛总工会"]', "units[2].aliases", "同时指"),
    ('valid_from = 2020-01-01', 'valid_from = "2020"', "units[6].valid_from", "date"),
    ('{ name = "指前镇", district = "jintan"', '{ name = "指前镇", district = "jintian"', "gazetteer.places[17].district",
     "jintian"),
    ('{ name = "孟河镇", district = "xinbei", kind = "town"', '{ name = "孟河镇", district = "xinbei", kind = "village"',
     "gazetteer.places[57].kind", "village"),
    ('{ name = "奔牛镇", district = "xinbei", kind = "town", short = "奔牛", valid_from = 2015-04-28 }',
     '{ name = "奔牛镇", district = "xinbei", kind = "town", short = "奔牛", valid_from = 2015-04-01 }',
     "gazetteer.places[58].name", "重叠"),
    ('"权益保障部" = ["protection", "legal"]', '"权益保障部" = ["protection"]', "ambiguous.权益保障部", "至少两个"),
    ("# wjgov = \"wujin\"", 'wjgov = "wujing"', "sites.wjgov", "wujing"),
])
def test_config_errors_name_file_and_key(config_dir: Path, old: str, new: str, key: str, words: str) -> None:
    path = edit(config_dir, old, new)
    with pytest.raises(ConfigError) as exc:
        load_units(config_dir)
    assert exc.value.key == key and exc.value.path == path
    assert words in str(exc.value) and str(path) in str(exc.value)


def test_a_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        load_units(tmp_path)
    assert exc.value.path == tmp_path / "units.toml"
