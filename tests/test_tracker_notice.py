"""The 通报 read back with python-docx: 版头, fonts, page numbers, keep-together, and the wording per case."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from scoring import Adoption, RuleBook, Scoreboard, Unit, load_rules, score, year_period
from tracker.config import DEFAULT_CONFIG_DIR, ConfigError
from tracker.reports import write_docx
from tracker.reports.notice import break_title, text_width
from tracker.reports.template import load_notice_template

RULES = Path(__file__).resolve().parent.parent / "config" / "rules" / "2016.toml"
DISTRICTS = [Unit(uid, name, "district", i) for i, (uid, name) in enumerate(
    [("liyang", "溧阳市总工会"), ("jintan", "金坛区总工会"), ("wujin", "武进区总工会"), ("xinbei", "新北区总工会")])]
DEPARTMENTS = [Unit("office", "办公室", "department", 7), Unit("economy", "经济技术部", "department", 8),
               Unit("finance", "财务事业部", "department", 17)]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def entry(n: int, unit: str, clause: str, day: date = date(2024, 3, 1)) -> Adoption:
    return Adoption(f"entry/{n}", f"文号{n}", unit, day, f"信息{n}", clause_id=clause)


def board_of(items: list[Adoption], year: int = 2024) -> Scoreboard:
    return score(items, RuleBook.of([load_rules(RULES)]), (*DISTRICTS, *DEPARTMENTS), year_period(year))


def notice(board: Scoreboard, tmp_path: Path, **kwargs) -> Document:
    path = write_docx(board, tmp_path / "通报.docx", today=date(2026, 12, 3), document="常工发〔2016〕45号", **kwargs)
    return Document(str(path))


def body_text(doc: Document) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


@pytest.fixture
def tied(tmp_path: Path) -> Document:
    """武进 first, 金坛 second, 溧阳 and 新北 tied third; 办公室 met its target, 财务 and 经济技术部 did not."""
    items = [entry(1, "wujin", "provincial.instruction"), entry(2, "wujin", "provincial.report"),
             entry(3, "jintan", "provincial.instruction"), entry(4, "liyang", "provincial.report"),
             entry(5, "xinbei", "provincial.report"),
             *(entry(10 + i, "office", "national.adoption", date(2024, 4, 1 + i)) for i in range(3)),
             entry(20, "finance", "municipal.government"), entry(21, "economy", "municipal.government")]
    return notice(board_of(items), tmp_path)


def test_the_head_has_a_red_issuer_mark_the_number_and_a_red_line(tied: Document) -> None:
    mark, number = tied.paragraphs[0], tied.paragraphs[1]
    assert mark.text == "常州市总工会办公室文件"
    assert {str(r.font.color.rgb) for r in mark.runs} == {"FF0000"}
    assert mark.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert number.text == "常工办〔2026〕　　号"
    line = number._element.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert line.get(qn("w:color")) == "FF0000" and line.get(qn("w:val")) == "single"


def test_title_and_body_fonts_sizes_and_the_chinese_language(tied: Document) -> None:
    title = next(p for p in tied.paragraphs if p.text.startswith("关于"))
    assert title.text == "关于2024年度全市工会信息工作\n考评情况的通报"   # broken at the template's mark
    assert {r.font.size.pt for r in title.runs} == {22}
    assert {r._element.rPr.rFonts.get(qn("w:eastAsia")) for r in title.runs} == {"方正小标宋简体"}
    intro = next(p for p in tied.paragraphs if p.text.startswith("2024年度，全市各级工会"))
    assert intro.runs[0].font.size.pt == 16 and intro.paragraph_format.line_spacing.pt == 28
    assert intro.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    heading = next(p for p in tied.paragraphs if p.text == "一、考评结果")
    sub = next(p for p in tied.paragraphs if p.text.startswith("（一）"))
    assert heading.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert sub.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "楷体_GB2312"
    lang = tied.styles.element.find(qn("w:docDefaults")).find(f".//{W}lang")
    assert lang.get(qn("w:val")) == "zh-CN" and lang.get(qn("w:eastAsia")) == "zh-CN"
    assert tied.core_properties.language == "zh-CN"
    section = tied.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.left_margin.mm) == 28 and round(section.top_margin.mm) == 37


def test_fonts_name_their_windows_fallbacks(tied: Document) -> None:
    part = next(r.target_part for r in tied.part.rels.values() if r.reltype.endswith("/fontTable"))
    from docx.oxml import parse_xml
    fonts = {f.get(qn("w:name")): f.find(qn("w:altName")).get(qn("w:val"))
             for f in parse_xml(part.blob).findall(qn("w:font")) if f.find(qn("w:altName")) is not None}
    assert fonts["方正小标宋简体"] == "华文中宋" and fonts["仿宋_GB2312"] == "仿宋"


def test_page_numbers_are_a_page_field_on_the_outer_side(tied: Document) -> None:
    section = tied.sections[0]
    assert tied.settings.odd_and_even_pages_header_footer
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        xml = footer._element.xml
        assert 'w:fldCharType="begin"' in xml and "PAGE" in xml and 'w:fldCharType="end"' in xml
        p = footer.paragraphs[-1]
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert str(p.alignment).lower().startswith(f"{side}")
        assert {r.font.size.pt for r in p.runs if r.text} == {14}
        assert p.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"


def test_signature_is_centred_over_the_date_and_kept_with_the_body(tied: Document) -> None:
    texts = [p.text for p in tied.paragraphs]
    sign = texts.index("常州市总工会办公室")
    assert texts[sign + 1] == "2026年12月3日"
    signature, dated = tied.paragraphs[sign], tied.paragraphs[sign + 1]
    centre = dated.paragraph_format.right_indent.pt + text_width("2026年12月3日", 16) / 2
    assert abs(signature.paragraph_format.right_indent.pt + text_width("常州市总工会办公室", 16) / 2 - centre) < 1
    last_body = max(i for i, t in enumerate(texts[:sign]) if t.startswith("希望"))
    chain = tied.paragraphs[last_body:sign + 1]
    assert all(p.paragraph_format.keep_with_next for p in chain)
    assert dated.paragraph_format.keep_together
    assert "附件：1．2024年度各辖市、区总工会信息工作排名" in texts[last_body:sign]


def test_the_record_closes_the_last_page(tied: Document) -> None:
    last = tied.sections[-1]
    footer_text = [p.text for p in last.footer.paragraphs]
    assert footer_text[0] == "抄送：市总工会领导班子成员。"
    assert footer_text[1] == "常州市总工会办公室\t2026年12月3日印发"
    assert len(tied.sections) == 2 and "抄送" not in "".join(p.text for p in tied.sections[0].footer.paragraphs)


def test_wording_for_ties_several_units_and_shortfalls(tied: Document) -> None:
    text = body_text(tied)
    assert "武进区总工会位列第一名，金坛区总工会位列第二名，溧阳市总工会、新北区总工会并列第三名，信息工作成效明显。" in text
    assert "前三名" not in text.split("二、通报表扬")[0]
    assert "办公室完成年度目标分值；经济技术部（差55分）、财务事业部（差25分）未完成年度目标分值。具体情况见附件2。" in text
    assert "等1个单位" not in text and " " not in text.replace("\t", "")
    assert "对位列前三名的武进区总工会、金坛区总工会、溧阳市总工会、新北区总工会，完成年度目标分值的办公室予以通报表扬。" in text
    assert "希望受到表扬的单位再接再厉" in text
    assert "只统计" not in text


def test_wording_when_several_met_and_one_fell_short(tmp_path: Path) -> None:
    items = [*(entry(10 + i, "office", "national.adoption") for i in range(3)),
             *(entry(20 + i, "economy", "national.adoption") for i in range(3)),
             entry(30, "finance", "municipal.government"), entry(40, "wujin", "activity")]
    doc = notice(board_of(items), tmp_path)
    text = body_text(doc)
    assert "办公室、经济技术部共2个单位完成年度目标分值；财务事业部（差25分）未完成年度目标分值。" in text
    everyone = [*items, entry(31, "finance", "national.adoption"), entry(32, "finance", "national.adoption")]
    assert "3个单位全部完成年度目标分值。" in body_text(notice(board_of(everyone), tmp_path))
    assert "武进区总工会位列第一名，信息工作成效明显。" in text


def test_wording_when_nobody_is_praised(tmp_path: Path) -> None:
    doc = notice(board_of([entry(1, "finance", "municipal.government")]), tmp_path)
    text = body_text(doc)
    assert "各辖市、区总工会本期均未得分。" in text
    assert "3个单位均未完成年度目标分值：办公室（差60分）、经济技术部（差60分）、财务事业部（差25分）。具体情况见附件2。" in text
    assert "表扬" not in text and "二、下一步工作要求" in text
    assert "希望各单位高度重视信息工作" in text


def test_a_first_year_that_began_on_the_first_of_july(tmp_path: Path) -> None:
    board = board_of([entry(1, "wujin", "activity", date(2016, 9, 1))], year=2016)
    doc = notice(board, tmp_path, counted_from=date(2016, 7, 1))
    text = body_text(doc)
    assert "考评办法自2016年7月1日起施行，本年度只统计2016年7月1日至12月31日的信息。" in text
    later = notice(board_of([entry(1, "wujin", "activity")]), tmp_path, counted_from=date(2016, 7, 1))
    assert "只统计" not in body_text(later)


def test_one_attachment_is_not_numbered_and_a_number_can_be_given(tmp_path: Path) -> None:
    board = score([entry(1, "wujin", "activity")], RuleBook.of([load_rules(RULES)]), tuple(DISTRICTS),
                  year_period(2024))
    doc = notice(board, tmp_path, number="12")
    texts = [p.text for p in doc.paragraphs]
    assert "常工办〔2026〕12号" in texts and "附件：2024年度各辖市、区总工会信息工作排名" in texts
    assert "附件" in texts and "附件1" not in texts


def test_tables_are_sized_to_their_content(tied: Document) -> None:
    ranking, departments = tied.tables
    widths = [c.width.pt for c in departments.columns]
    assert widths[0] == max(widths) and widths[0] >= text_width("经济技术部", 14)
    assert sum(widths) <= 156 / 25.4 * 72 + 1
    assert [c.text for c in departments.rows[0].cells] == ["单位", "目标分值", "得分", "完成率", "差额", "完成情况"]
    assert [c.text for c in ranking.rows[3].cells] == ["3", "溧阳市总工会", "5"]


def test_title_breaks_only_at_marked_points() -> None:
    assert break_title("关于2024年度全市工会信息工作|考评情况的通报") == ["关于2024年度全市工会信息工作", "考评情况的通报"]
    assert break_title("短标题|通报") == ["短标题通报"]
    assert break_title("关于二〇二四年度全市各级工会组织|信息工作考评情况|的通报") == [
        "关于二〇二四年度全市各级工会组织", "信息工作考评情况的通报"]


def test_template_errors_name_the_file_and_key(tmp_path: Path) -> None:
    text = (DEFAULT_CONFIG_DIR / "notice.toml").read_text(encoding="utf-8")
    (tmp_path / "notice.toml").write_text(text.replace("{辖市区}本期均未得分", "{辖区}本期均未得分"), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_notice_template(tmp_path)
    assert "sentences.no_district_points" in str(err.value) and "{辖区}" in str(err.value)


def test_report_command_dates_numbers_and_marks_the_first_half_year(xinxi, tmp_path: Path) -> None:
    xinxi("entry", "add", "--unit", "wujin", "--kind", "activity", "--date", "2016-09-01", "--title", "培训",
          "--evidence", "武工发〔2016〕3号")
    path = tmp_path / "2016.docx"
    xinxi("report", "--year", "2016", "--docx", str(path), "--date", "2017-01-10", "--number", "7")
    text = body_text(Document(str(path)))
    assert "常工办〔2017〕7号" in text and "2017年1月10日" in text
    assert "考评办法自2016年7月1日起施行，本年度只统计2016年7月1日至12月31日的信息。" in text
    wrong = xinxi("report", "--year", "2016", "--docx", str(path), "--date", "明天", ok=False)
    assert wrong.exit_code != 0 and "明天" in str(wrong.exception)
