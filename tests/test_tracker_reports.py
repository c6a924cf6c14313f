from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from scoring import Adoption, RuleBook, Scoreboard, Unit, load_rules, score, year_period
from tracker.reports import write_docx, write_xlsx
from tracker.reports.workbook import DEPARTMENT_HEADERS, DETAIL_HEADERS, RANKING_HEADERS

RULES = Path(__file__).resolve().parent.parent / "config" / "rules" / "2016.toml"
UNITS = (
    Unit("liyang", "溧阳市总工会", "district", 0),
    Unit("jintan", "金坛区总工会", "district", 1),
    Unit("wujin", "武进区总工会", "district", 2),
    Unit("office", "办公室", "department", 7),
    Unit("finance", "财务事业部", "department", 17),
)


def entry(n: int, unit: str, clause: str) -> Adoption:
    return Adoption(f"entry/{n}", f"文号{n}", unit, date(2024, 3, n), f"信息{n}", clause_id=clause)


@pytest.fixture
def board() -> Scoreboard:
    items = [
        entry(1, "jintan", "provincial.instruction"), entry(2, "wujin", "provincial.instruction"),  # tie at 10
        entry(3, "liyang", "provincial.report"),
        *(entry(4 + i, "office", "national.adoption") for i in range(3)),                        # 60 of 60
        entry(8, "finance", "municipal.government"),                                              # 5 of 30
        Adoption("czgh/30902", "https://czgh.jscz.org.cn/content/suitable/show?catid=19920&id=30902", "wujin",
                 date(2024, 5, 22), "钟楼区一则消息", categories=("union_news",),
                 flags=frozenset({"experience"}), flag_note="经验类（分类器）"),
    ]
    return score(items, RuleBook.of([load_rules(RULES)]), UNITS, year_period(2024))


def test_the_workbook_has_the_three_sheets_with_expected_rows(board: Scoreboard, tmp_path: Path) -> None:
    path = write_xlsx(board, tmp_path / "report.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["排名", "部室完成情况", "逐月", "明细"]

    ranking = wb["排名"]
    assert ranking["A1"].value == "2024年度各辖市、区总工会信息工作排名"
    header = [c.value for c in ranking[2]]
    assert header[:3] == RANKING_HEADERS and "省总领导批示" in header
    rows = [r[:3] for r in ranking.iter_rows(min_row=3, values_only=True)]
    assert rows == [(1, "武进区总工会", 15), (2, "金坛区总工会", 10), (3, "溧阳市总工会", 5)]
    assert ranking.freeze_panes == "A3" and ranking.column_dimensions["B"].width >= 14

    depts = wb["部室完成情况"]
    assert [c.value for c in depts[2]][:6] == DEPARTMENT_HEADERS
    rows = [r[:6] for r in depts.iter_rows(min_row=3, values_only=True)]
    assert rows == [("办公室", 60, 60, 1.0, 0, "达标"), ("财务事业部", 30, 5, 0.1667, 25, "未达标")]
    assert {c.number_format for c in next(wb["部室完成情况"].iter_cols(min_col=4, max_col=4, min_row=3))} == {"0.0%"}
    assert depts.freeze_panes == "A3"

    detail = wb["明细"]
    assert [c.value for c in detail[2]] == DETAIL_HEADERS
    lines = list(detail.iter_rows(min_row=3, values_only=True))
    assert len(lines) == sum(len(r.lines) for r in board.results) == 9
    experience = [r for r in lines if r[3] == "经验类总结类额外加分"]
    assert experience == [("武进区总工会", datetime(2024, 5, 22), "五、3", "经验类总结类额外加分", 2, "钟楼区一则消息",
                           "https://czgh.jscz.org.cn/content/suitable/show?catid=19920&id=30902", "czgh/30902",
                           "2016", "经验类（分类器）")]
    assert sum(r[4] for r in lines) == sum(r.total for r in board.results)


def test_ties_share_a_rank_in_the_workbook(tmp_path: Path) -> None:
    items = [entry(1, "jintan", "activity"), entry(2, "wujin", "activity")]
    tied = score(items, RuleBook.of([load_rules(RULES)]), UNITS, year_period(2024))
    wb = load_workbook(write_xlsx(tied, tmp_path / "tied.xlsx"))
    rows = [r[:3] for r in wb["排名"].iter_rows(min_row=3, values_only=True)]
    assert rows == [(1, "金坛区总工会", 10), (1, "武进区总工会", 10), (3, "溧阳市总工会", 0)]


def test_report_command_writes_both_and_prefers_the_published_snapshot(xinxi, credited: list[dict],
                                                                       tmp_path: Path) -> None:
    xinxi("entry", "add", "--unit", "jintan", "--kind", "activity", "--date", "2024-03-01", "--title", "培训",
          "--evidence", "金工发〔2024〕1号")
    xinxi("snapshot", "publish", "2024")
    xinxi("entry", "add", "--unit", "wujin", "--kind", "activity", "--date", "2024-03-02", "--title", "培训",
          "--evidence", "武工发〔2024〕2号")
    xlsx, docx = tmp_path / "r.xlsx", tmp_path / "r.docx"
    result = xinxi("report", "--year", "2024", "--xlsx", str(xlsx), "--docx", str(docx))
    assert "快照" in result.output
    ranks = {r[1]: r[2] for r in load_workbook(xlsx)["排名"].iter_rows(min_row=3, values_only=True)}
    assert ranks["金坛区总工会"] == 10 and ranks["武进区总工会"] == 0
    assert "通报" in "".join(p.text for p in Document(str(docx)).paragraphs)
    xinxi("report", "--year", "2024", "--xlsx", str(xlsx), "--live")
    ranks = {r[1]: r[2] for r in load_workbook(xlsx)["排名"].iter_rows(min_row=3, values_only=True)}
    assert ranks["武进区总工会"] == 10
    assert "请给出 --xlsx" in str(xinxi("report", "--year", "2024", ok=False).exception)


def test_scraped_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    title = '=HYPERLINK("http://example.org","点此")'
    items = [Adoption("czgh/1", "https://czgh.jscz.org.cn/html/czgh/2024/KEBQLDDJ_0301/1.html", "wujin",
                      date(2024, 3, 1), title, categories=("grassroots",))]
    board = score(items, RuleBook.of([load_rules(RULES)]), UNITS, year_period(2024))
    wb = load_workbook(write_xlsx(board, tmp_path / "r.xlsx"))
    [cell] = [row[5] for row in wb["明细"].iter_rows(min_row=3)]
    assert (cell.value, cell.data_type) == (title, "s")


def test_the_draft_notice_is_on_a4_paper(board: Scoreboard, tmp_path: Path) -> None:
    section = Document(str(write_docx(board, tmp_path / "通报.docx", today=date(2025, 1, 15)))).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)
