from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tracker import store

ADD = ("entry", "add", "--by", "测试")


def add(xinxi, unit: str, kind: str, day: str, title: str, evidence: str, ok: bool = True):
    return xinxi(*ADD, "--unit", unit, "--kind", kind, "--date", day, "--title", title, "--evidence", evidence, ok=ok)


def listed(xinxi, *args: str) -> list[dict]:
    return json.loads(xinxi("entry", "list", "--format", "json", *args).stdout)


def test_add_list_and_remove_with_an_audit_trail(xinxi, db, credited: list[dict]) -> None:
    out = add(xinxi, "金坛区总工会", "省总信息专报采用", "2024/3/5", "金坛区职工书屋建设", "苏工信〔2024〕7期").stdout
    assert "已录入 #1" in out
    add(xinxi, "wujin", "activity", "2024年4月1日", "全区信息员培训班", "武工发〔2024〕5号")
    rows = listed(xinxi, "--year", "2024")
    assert [(r["id"], r["unit_id"], r["kind"], r["date"], r["created_by"]) for r in rows] == [
        (1, "jintan", "provincial.report", "2024-03-05", "测试"), (2, "wujin", "activity", "2024-04-01", "测试")]
    assert [r["id"] for r in listed(xinxi, "--unit", "武进区总工会")] == [2]
    assert [r["id"] for r in listed(xinxi, "--kind", "信息工作活动")] == [2]
    assert [r["id"] for r in listed(xinxi, "--kind", "provincial.report")] == [1]
    table = xinxi("entry", "list").stdout
    assert "金坛区总工会" in table and "苏工信〔2024〕7期" in table
    assert xinxi("entry", "list", "--format", "csv").stdout.startswith("编号,单位,类别")

    assert "已删除 #2" in xinxi("entry", "remove", "2", "--reason", "重复录入", "--by", "王敏").stdout
    assert [r["id"] for r in listed(xinxi)] == [1]
    removed = [r for r in listed(xinxi, "--all") if r["id"] == 2][0]
    assert (removed["removed_by"], removed["removed_reason"]) == ("王敏", "重复录入")
    again = xinxi("entry", "remove", "2", "--reason", "x", ok=False)
    assert "已于" in str(again.exception)
    assert "没有录入记录 #9" in str(xinxi("entry", "remove", "9", "--reason", "x", ok=False).exception)
    history = xinxi("entry", "history").stdout.splitlines()
    assert len(history) == 3 and "删除" in history[2] and "重复录入" in history[2] and "王敏" in history[2]
    assert [e["action"] for e in store.entry_events(db, 2)] == ["add", "remove"]
    rows = json.loads(xinxi("score", "--year", "2024", "--format", "json").stdout)
    assert {r["unit_id"]: r["total"] for r in rows}["wujin"] == 0


@pytest.mark.parametrize(
    ("unit", "kind", "day", "evidence", "message"),
    [
        ("戚墅堰区总工会", "activity", "2024-04-01", "x号文", "--unit：没有单位"),
        ("wujin", "市总网站基层动态图片新闻", "2024-04-01", "x号文", "按抓取的文章自动计分，不能手工录入"),
        ("wujin", "sports", "2024-04-01", "x号文", "--kind：没有类别“sports”；可选：中办国办全总办公厅采用"),
        ("office", "activity", "2024-04-01", "x号文", "只计给各辖市、区总工会"),
        ("wujin", "activity", "2024-02-30", "x号文", "--date：没有这一天"),
        ("wujin", "activity", "2016-06-30", "x号文", "没有生效的考评办法"),
        ("wujin", "activity", (date.today().replace(year=date.today().year + 1)).isoformat(), "x号文", "晚于今天"),
        ("wujin", "activity", "2024-04-01", "https://", "--evidence：网址不完整"),
        ("wujin", "activity", "2024-04-01", " ", "--evidence：不能为空"),
    ],
)
def test_add_refuses_a_bad_entry_naming_the_option(xinxi, unit: str, kind: str, day: str, evidence: str,
                                                    message: str) -> None:
    result = add(xinxi, unit, kind, day, "标题", evidence, ok=False)
    assert result.exit_code != 0 and message in str(result.exception)


def test_the_yearly_bonus_can_be_entered_once_a_year(xinxi) -> None:
    add(xinxi, "jintan", "bonus.provincial_top10", "2024-12-20", "省总通报第五名", "苏工办〔2024〕88号")
    second = add(xinxi, "jintan", "bonus.provincial_top10", "2024-12-28", "省总通报（更正）", "苏工办〔2024〕90号", ok=False)
    assert "每年只计 1 次" in str(second.exception)
    add(xinxi, "jintan", "bonus.provincial_top10", "2023-12-20", "省总通报第六名", "苏工办〔2023〕80号")


def test_the_template_opens_and_lists_units_and_kinds(xinxi, tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    xinxi("entry", "template", str(path))
    wb = load_workbook(path)
    assert wb.sheetnames == ["录入", "可选值", "填写说明"]
    sheet = wb["录入"]
    assert [c.value for c in sheet[1]] == ["单位", "类别", "日期", "标题", "依据", "备注"]
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["D"].width == 48
    assert {str(dv.sqref) for dv in sheet.data_validations.dataValidation} == {"A2:A501", "B2:B501"}
    lists = wb["可选值"]
    units = [row[0] for row in lists.iter_rows(min_row=2, values_only=True) if row[0]]
    kinds = [row[2] for row in lists.iter_rows(min_row=2, values_only=True) if row[2]]
    assert "武进区总工会" in units and "机关党委" in units
    assert "省总网站采用" in kinds and "信息工作活动" in kinds and "市总网站工会新闻" not in kinds
    assert "全省前十" in "".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    assert "模板须为 .xlsx" in str(xinxi("entry", "template", str(tmp_path / "a.csv"), ok=False).exception)


def fill(template: Path, rows: list[list[object]], path: Path) -> Path:
    wb = load_workbook(template)
    for row in rows:
        wb["录入"].append(row)
    wb.save(path)
    return path


GOOD_ROWS = [
    ["金坛区总工会", "省总网站采用", date(2024, 3, 5), "金坛区“技能强企”见成效", "https://www.jsgh.org/xxx/1.html", None],
    ["wujin", "信息工作活动", "2024-04-01", "武进区工会信息员培训", "武工发〔2024〕5号", "60 人参加"],
    ["保障工作部", "commission.submitted", "2024/05/06", "困难职工帮扶专题约稿", "市总约稿通知（2024年第2期）", None],
]


def test_import_a_filled_template(xinxi, tmp_path: Path) -> None:
    template = tmp_path / "t.xlsx"
    xinxi("entry", "template", str(template))
    path = fill(template, GOOD_ROWS, tmp_path / "good.xlsx")
    assert "已导入 3 条" in xinxi("entry", "import", str(path), "--by", "导入员").stdout
    rows = listed(xinxi)
    assert [(r["unit_id"], r["kind"], r["date"], r["source"], r["import_file"]) for r in rows] == [
        ("jintan", "provincial.website", "2024-03-05", "import", "good.xlsx"),
        ("wujin", "activity", "2024-04-01", "import", "good.xlsx"),
        ("protection", "commission.submitted", "2024-05-06", "import", "good.xlsx"),
    ]
    again = xinxi("entry", "import", str(path), ok=False)
    assert again.exit_code == 2 and "第 2 行 [依据]：与已有录入 #1 重复" in again.output


def test_a_bad_row_imports_nothing_and_is_named(xinxi, tmp_path: Path) -> None:
    template = tmp_path / "t.xlsx"
    xinxi("entry", "template", str(template))
    bad = [*GOOD_ROWS, ["钟楼区总工会", "信息工作活动", "2024-13-01", "钟楼区信息工作会议", "", None],
           ["财务事业部", "信息工作活动", "2024-06-01", "财务信息员会议", "财务部通知", None]]
    path = fill(template, bad, tmp_path / "bad.xlsx")
    result = xinxi("entry", "import", str(path), ok=False)
    assert result.exit_code == 2
    assert "3 处错误，未导入任何记录" in result.output
    assert "第 5 行 [日期]：" in result.output and "第 5 行 [依据]：不能为空" in result.output
    assert "第 6 行 [类别]：" in result.output and "财务事业部不能得此分" in result.output
    assert "第 2 行" not in result.output
    assert listed(xinxi) == []


def test_import_csv_in_either_encoding(xinxi, tmp_path: Path) -> None:
    header = "单位,类别,日期,标题,依据,备注\n"
    good = tmp_path / "good.csv"
    good.write_bytes((header + "新北区总工会,省总领导批示,2024-07-01,新北区职工服务,省总领导批示件〔2024〕3号,\n").encode("gb18030"))
    assert "已导入 1 条" in xinxi("entry", "import", str(good)).stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("单位,类别,日期,标题\n新北区总工会,省总领导批示,2024-07-01,t\n", encoding="utf-8")
    result = xinxi("entry", "import", str(bad), ok=False)
    assert "第 1 行 [依据]：缺少此列" in result.output
    headless = tmp_path / "headless.csv"
    headless.write_text("新北区总工会,省总领导批示,2024-07-01,t,e\n", encoding="utf-8")
    assert "找不到表头" in xinxi("entry", "import", str(headless), ok=False).output
    assert len(listed(xinxi)) == 1
    duplicate = tmp_path / "dup.csv"
    row = "天宁区总工会,省总网站采用,2024-07-02,天宁区一则信息,https://www.jsgh.org/a/2.html,\n"
    duplicate.write_text(header + row + row, encoding="utf-8")
    result = xinxi("entry", "import", str(duplicate), ok=False)
    assert "第 3 行 [依据]：与第 2 行重复" in result.output
    other = tmp_path / "x.txt"
    other.write_text("x", encoding="utf-8")
    assert "只能导入 .xlsx 或 .csv" in xinxi("entry", "import", str(other), ok=False).output


def test_flag_commands_override_the_classifier(xinxi, db, credited: list[dict]) -> None:
    store.save_batch(db, "czgh", None, [{"id": 28013, "url": "https://czgh.jscz.org.cn/html/czgh/2024/KEBQLDDJ_0601/28013.html",
                                         "title": "指前镇工会工作的新做法", "date": "2024-06-01", "column": "jcdt"}])
    credited.append({"site": "czgh", "id": 28013, "url": "u", "date": "2024-06-01", "title": "指前镇工会工作的新做法",
                     "subtitle": None, "columns": ["jcdt"], "unit_id": "jintan", "method": "closing_byline"})

    def jintan() -> int:
        rows = json.loads(xinxi("score", "--year", "2024", "--format", "json").stdout)
        return {r["unit_id"]: r["total"] for r in rows}["jintan"]

    assert jintan() == 3
    out = xinxi("flag", "set", "czgh/28013", "--not-experience", "--reason", "活动消息", "--by", "王敏").stdout
    assert "改判为非经验类" in out
    assert jintan() == 1
    listing = xinxi("flag", "list").stdout
    assert "czgh/28013" in listing and "reviewer" in listing and "王敏" in listing
    xinxi("flag", "clear", "czgh/28013")
    assert jintan() == 3
    assert "没有人工改判" in str(xinxi("flag", "clear", "czgh/28013", ok=False).exception)
    assert "没有文章" in str(xinxi("flag", "set", "czgh/1", "--experience", ok=False).exception)
    # A bare number names the article when only one site has it.
    assert "已将 czgh/28013" in xinxi("flag", "set", "28013", "--experience").stdout
    assert "编号" in str(xinxi("flag", "set", "abc", "--experience", ok=False).exception)


def test_a_missing_or_unreadable_file_is_a_plain_message(xinxi, tmp_path: Path) -> None:
    missing = xinxi("entry", "import", str(tmp_path / "没有这个文件.xlsx"), ok=False)
    assert missing.exit_code != 0 and "没有这个文件.xlsx 不存在" in str(missing.exception)
    assert "是一个文件夹" in str(xinxi("entry", "import", str(tmp_path), ok=False).exception)
    fake = tmp_path / "旧表格.xlsx"
    fake.write_bytes(b"\xd0\xcf\x11\xe0 an old .xls saved under a new name")
    result = xinxi("entry", "import", str(fake), ok=False)
    assert result.exit_code == 2 and "不是 .xlsx 格式" in result.output and "Error" not in result.output
    assert listed(xinxi) == []


def test_entry_numbers_and_messages_read_as_names(xinxi) -> None:
    out = add(xinxi, "wujin", "activity", "2024-04-01", "全区信息员培训班", "武工发〔2024〕5号").stdout
    assert "已录入 #1：2024-04-01 武进区总工会 信息工作活动 全区信息员培训班" in out
    bad = xinxi("entry", "remove", "一", "--reason", "x", ok=False)
    assert bad.exit_code == 2 and "录入编号应为数字" in bad.output
    assert "已删除 #1" in xinxi("entry", "remove", "#1", "--reason", "重复").stdout
    history = xinxi("entry", "history", "1").stdout
    assert "武进区总工会 信息工作活动 全区信息员培训班" in history and "wujin" not in history
