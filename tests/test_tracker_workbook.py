"""The workbook read back with openpyxl: it prints (page setup, titles, footer), with real numbers and dates."""

from __future__ import annotations

import warnings
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from scoring import Adoption, RuleBook, Scoreboard, Unit, load_rules, score, year_period
from tracker.reports import write_xlsx

RULES = Path(__file__).resolve().parent.parent / "config" / "rules" / "2016.toml"
UNITS = (Unit("liyang", "溧阳市总工会", "district", 0), Unit("wujin", "武进区总工会", "district", 1),
         Unit("publicity", "宣传教育部（企业工作部）", "department", 2), Unit("finance", "财务事业部", "department", 3))
PENDING = [{"date": "2024-05-02", "site": "czgh", "id": 30001, "title": "某镇工会开展技能竞赛", "source": "总工会",
            "url": "https://czgh.jscz.org.cn/html/czgh/2024/KEBQLDDJ_0502/30001.html"}]


@pytest.fixture
def board() -> Scoreboard:
    items = [Adoption("entry/1", "文号1", "wujin", date(2024, 3, 5), "信息1", clause_id="provincial.instruction"),
             Adoption("entry/2", "文号2", "wujin", date(2024, 7, 9), "信息2", clause_id="provincial.report"),
             Adoption("entry/3", "文号3", "finance", date(2024, 3, 1), "信息3", clause_id="municipal.government")]
    return score(items, RuleBook.of([load_rules(RULES)]), UNITS, year_period(2024))


@pytest.fixture
def workbook(board: Scoreboard, tmp_path: Path):
    return load_workbook(write_xlsx(board, tmp_path / "报表.xlsx", pending=PENDING))


def test_every_sheet_prints_on_a4_one_page_wide_with_titles_and_a_footer(workbook) -> None:
    assert workbook.sheetnames == ["排名", "部室完成情况", "逐月", "明细", "待审"]
    for ws in workbook.worksheets:
        setup = ws.page_setup
        assert str(setup.paperSize) == "9" and setup.fitToWidth == 1 and setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$2" and ws.freeze_panes == "A3"
        assert ws.oddFooter.left.text == "&A" and ws.oddFooter.right.text == "第 &P 页 共 &N 页"
        assert ws.page_margins.left == 0.5
    assert workbook["明细"].page_setup.orientation == "landscape"
    assert workbook["逐月"].page_setup.orientation == "landscape"
    assert workbook["待审"].page_setup.orientation in ("portrait", "landscape")


def test_numbers_dates_borders_and_widths(workbook) -> None:
    ranking = workbook["排名"]
    rows = [[c.value for c in row[:3]] for row in ranking.iter_rows(min_row=3)]
    assert rows == [[1, "武进区总工会", 15], [2, "溧阳市总工会", 0]]   # 0 is written, not a blank
    assert ranking["C4"].number_format == "General" and ranking["C4"].border.left.style == "thin"
    depts = workbook["部室完成情况"]
    assert depts["D3"].number_format == "0.0%" and depts["D3"].value == 0
    assert depts["A4"].value == "财务事业部" and depts["D4"].value == pytest.approx(0.1667)
    assert depts.column_dimensions["A"].width >= 2 * len("宣传教育部（企业工作部）")
    detail = workbook["明细"]
    assert [c.value for c in detail[2]] == ["单位", "日期", "条目", "条款", "分值", "标题", "依据", "证据编号",
                                           "考评办法", "说明"]
    assert detail["B3"].value == datetime(2024, 3, 5) and detail["B3"].number_format == "yyyy-mm-dd"
    assert detail["C3"].value == "五、2" and detail["D3"].value == "省总领导批示"
    assert detail.auto_filter.ref == "A2:J5"


def test_the_monthly_sheet_has_a_line_chart(workbook) -> None:
    monthly = workbook["逐月"]
    assert [c.value for c in monthly[2]][:4] == ["单位", "1月", "2月", "3月"] and monthly["N2"].value == "合计"
    rows = {row[0]: row[1:] for row in monthly.iter_rows(min_row=3, values_only=True)}
    assert rows["武进区总工会"][2] == 10 and rows["武进区总工会"][6] == 5 and rows["武进区总工会"][12] == 15
    assert rows["溧阳市总工会"] == (0,) * 13
    [chart] = monthly._charts
    assert chart.tagname == "lineChart" and len(chart.series) == 2


def test_a_period_with_articles_waiting_is_marked_as_a_draft(workbook, board: Scoreboard, tmp_path: Path) -> None:
    assert "草稿：尚有 1 条信息待审核" in workbook["排名"]["A1"].value
    waiting = workbook["待审"]
    assert waiting["A3"].value == datetime(2024, 5, 2) and waiting["D3"].value == "某镇工会开展技能竞赛"
    assert waiting.auto_filter.ref == "A2:F3"
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # headers and footers Excel (and openpyxl) can read back
        final = load_workbook(write_xlsx(board, tmp_path / "定稿.xlsx", pending=[]))
    assert "草稿" not in final["排名"]["A1"].value and final["待审"]["A1"].value.endswith("没有待审核的信息")


def test_control_characters_in_scraped_titles_do_not_break_the_file(tmp_path: Path) -> None:
    items = [Adoption("czgh/1", "https://czgh.jscz.org.cn/html/czgh/2024/KEBQLDDJ_0301/1.html", "wujin",
                      date(2024, 3, 1), "标题\x07带响铃\x1b", categories=("grassroots",))]
    board = score(items, RuleBook.of([load_rules(RULES)]), UNITS, year_period(2024))
    detail = load_workbook(write_xlsx(board, tmp_path / "r.xlsx"))["明细"]
    assert detail["F3"].value == "标题带响铃"


def test_a_long_detail_sheet_gets_its_borders_from_one_conditional_format(tmp_path: Path) -> None:
    from tracker.reports.sheets import BULK_ROWS

    items = [Adoption(f"czgh/{i}", f"https://czgh.jscz.org.cn/x/{i}.html", "wujin", date(2024, 1 + i % 12, 1 + i % 28),
                      f"消息{i}", categories=("grassroots",)) for i in range(BULK_ROWS + 50)]
    board = score(items, RuleBook.of([load_rules(RULES)]), UNITS, year_period(2024))
    detail = load_workbook(write_xlsx(board, tmp_path / "大.xlsx"))["明细"]
    last = 2 + BULK_ROWS + 50
    [rules] = [r.rules for r in detail.conditional_formatting]
    assert [str(r) for r in detail.conditional_formatting] and rules[0].dxf.border.left.style == "thin"
    assert str(next(iter(detail.conditional_formatting)).sqref) == f"A3:J{last}"
    assert detail[f"B{last}"].number_format == "yyyy-mm-dd" and detail[f"E{last}"].value == 1
    assert detail.auto_filter.ref == f"A2:J{last}"
