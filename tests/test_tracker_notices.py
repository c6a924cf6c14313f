"""Notices: every format read into the expected proposals (whole rows), identity, periods, crawled pages."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tracker import store
from tracker.config import ConfigError
from tracker.notices import Incoming, ingest, load_context, save_crawled
from tracker.notices.config import load_notice_rules
from tracker.notices.html import parse_html
from tracker.notices.meta import cn_number, find_period, read_meta
from tracker.notices.propose import Proposer
from tracker.notices.reader import file_kind
from tracker.store import notices as records

SAMPLES = Path(__file__).parents[1] / "crawler" / "replica" / "notices"
TRUTH = json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))
FIELDS = ("kind", "clause", "unit_id", "unit_text", "count", "points", "title", "date", "outlet", "issue_no",
          "row_number", "row")
CONFIG = Path(__file__).parents[1] / "config"


@pytest.fixture
def ctx(settings, db):
    return load_context(settings, db)


def stored(db, notice_id: int) -> list[dict]:
    return [{k: p[k] for k in FIELDS} for p in records.list_proposals(db, notice_id=notice_id)]


@pytest.mark.parametrize("name", sorted(TRUTH["files"]))
def test_each_sample_file_is_read_into_its_expected_proposals(name: str, db, ctx) -> None:
    expected = TRUTH["files"][name]
    outcome = ingest(db, ctx, [Incoming((SAMPLES / name).read_bytes(), name)], origin="import", by="测试")
    assert stored(db, outcome.notice_id) == expected["proposals"]
    assert bool(outcome.needs_typing) == expected["needs_typing"]
    links = any(n["page"] == name and n["attachments"] for n in TRUTH["notices"])
    assert records.get_notice(db, outcome.notice_id)["status"] == (
        "proposed" if expected["proposals"] else "needs_typing" if expected["needs_typing"]
        else "missing_files" if links else "empty")


@pytest.mark.parametrize(("name", "kind"), [
    ("annual-ranking.html", "html"), ("q3-counts.xlsx", "xlsx"), ("h1-items.docx", "docx"),
    ("m10-monthly.xls", "xls"), ("q4-items.doc", "doc"), ("q4-counts.pdf", "pdf"), ("q2-scan.pdf", "pdf"),
])
def test_the_format_is_told_by_the_bytes_not_the_name(name: str, kind: str) -> None:
    assert file_kind((SAMPLES / name).read_bytes(), "attachment.bin") == kind


def test_a_scanned_pdf_or_a_photo_is_stored_and_reported_as_needing_typing_in(db, ctx, settings) -> None:
    scan = (SAMPLES / "q2-scan.pdf").read_bytes()
    outcome = ingest(db, ctx, [Incoming(scan, "q2-scan.pdf")], origin="import", by="测试")
    assert outcome.needs_typing == ["q2-scan.pdf：扫描件（PDF 中没有文字层），需要人工录入"]
    assert outcome.proposed == []
    (row,) = records.notice_files(db, outcome.notice_id)
    assert (row["status"], row["kind"], row["size"]) == ("needs_typing", "pdf", len(scan))
    assert (records.files_dir(settings.db_path) / row["sha256"]).read_bytes() == scan
    photo = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    outcome = ingest(db, ctx, [Incoming(photo, "通报.png")], origin="import", by="测试", title="关于一季度信息采用的通报")
    assert outcome.needs_typing == ["通报.png：图片（照片或扫描件），需要人工录入"]


def test_a_crawled_page_and_its_attachments_make_one_notice_proposed_once(db, settings, ctx) -> None:
    page = (SAMPLES / "q4-page.html").read_bytes()
    attachments = [(f"http://127.0.0.1/module/download/downfile.jsp?classid=0&filename={n}",
                    (SAMPLES / n).read_bytes(), n) for n in ("q4-items.doc", "q4-counts.pdf")]
    url = "http://127.0.0.1/art/2025/1/9/art_3580_501.html"
    first = save_crawled(db, settings, page, url, "2025-01-09T02:00:00+00:00", attachments, site="jsgh", ctx=ctx)
    expected = [(p["clause"], p["unit_id"], p["count"]) for name in ("q4-items.doc", "q4-counts.pdf")
                for p in TRUTH["files"][name]["proposals"]]
    assert [(p["clause"], p["unit_id"], p["count"]) for p in stored(db, first.notice_id)] == expected
    assert not any("没有一同收到" in n for n in first.notes)
    notice = records.get_notice(db, first.notice_id)
    assert (notice["title"], notice["doc_no"], notice["date"], notice["period"], notice["url"], notice["origin"]) == (
        "关于2024年第四季度全省工会信息采用情况的通报", "苏工办〔2025〕2号", "2025-01-09", "2024Q4", url, "crawl")
    files = records.notice_files(db, first.notice_id)
    assert sorted((f["filename"], f["role"], f["fetched_at"]) for f in files) == [
        ("art_3580_501.html", "page", "2025-01-09T02:00:00+00:00"),
        ("q4-counts.pdf", "attachment", "2025-01-09T02:00:00+00:00"),
        ("q4-items.doc", "attachment", "2025-01-09T02:00:00+00:00")]
    for f in files:
        assert records.sha256((records.files_dir(settings.db_path) / f["sha256"]).read_bytes()) == f["sha256"]

    again = save_crawled(db, settings, page, url, "2025-01-10T02:00:00+00:00", attachments, site="jsgh", ctx=ctx)
    assert (again.notice_id, again.new_notice, again.proposed, again.known) == (first.notice_id, False, [], 4)
    by_mail = ingest(db, ctx, [Incoming((SAMPLES / "q4-items.doc").read_bytes(), "附件1.doc")], origin="import",
                     by="测试")
    assert (by_mail.notice_id, by_mail.proposed) == (first.notice_id, [])
    assert len(records.list_proposals(db)) == 4


def test_the_same_table_on_the_page_and_as_an_attachment_is_proposed_once(db, settings, ctx) -> None:
    out = save_crawled(db, settings, (SAMPLES / "q3-page.html").read_bytes(), "http://127.0.0.1/art/q3.html",
                       "2024-10-12T01:00:00+00:00",
                       [("http://127.0.0.1/f/q3-counts.xlsx", (SAMPLES / "q3-counts.xlsx").read_bytes(), "q3.xlsx")],
                       ctx=ctx)
    assert len(out.proposed) == 4 and out.known == 0


def test_a_crawled_page_not_about_information_work_is_not_stored(db, settings, ctx) -> None:
    page = "<html><head><meta name='ArticleTitle' content='关于做好2025年春节期间安全生产工作的通知'></head><body>x</body></html>"
    out = save_crawled(db, settings, page, "http://127.0.0.1/art/1.html", "2025-01-02T00:00:00+00:00", ctx=ctx)
    assert out.notice_id is None and out.skipped and records.list_notices(db) == []


def test_a_website_item_already_credited_from_the_crawl_is_not_proposed_again(db, db_path, ctx, credited) -> None:
    credited += [
        {"site": "jsgh", "id": 87001, "url": "http://127.0.0.1/art/2024/6/25/art_144_87001.html",
         "date": "2024-06-25", "title": "常州市钟楼区总工会：钟楼区总工会开展职工心理健康服务(附图)", "columns": ["jsgh_news"],
         "unit_id": "zhonglou"},
        {"site": "jsgh", "id": 87002, "url": "http://127.0.0.1/art/2024/9/2/art_144_87002.html",
         "date": "2024-09-02", "title": "溧阳市总工会送清凉到一线", "columns": ["jsgh_news"], "unit_id": "liyang"},
    ]
    db = store.open_db(db_path)
    items = ingest(db, ctx, [Incoming((SAMPLES / "h1-items.docx").read_bytes(), "h1.docx")], origin="import",
                   by="测试")
    units = [(p["clause"], p["unit_id"]) for p in records.list_proposals(db, notice_id=items.notice_id)]
    assert ("provincial.website", "zhonglou") not in units and len(units) == 5
    notes = json.loads(records.get_notice(db, items.notice_id)["notes"])
    assert "h1.docx 表1 第 8 行：“钟楼区总工会开展职工心理健康服务”已由抓取的文章 jsgh/87001 计分，不再建议" in notes
    counts = ingest(db, ctx, [Incoming((SAMPLES / "q3-counts.xlsx").read_bytes(), "q3.xlsx")], origin="import",
                    by="测试")
    liyang = [p for p in records.list_proposals(db, notice_id=counts.notice_id)
              if p["unit_id"] == "liyang" and p["clause"] == "provincial.website"]
    assert [(p["count"], p["points"]) for p in liyang] == [(3, 9)]  # 4 in the table, 1 already crawled


@pytest.mark.parametrize(("text", "issued", "label"), [
    ("江苏省总工会办公室关于2024年度全省工会网站信息工作情况的通报", date(2025, 1, 15), "2024"),
    ("关于2018年10月全市工会信息采用情况的通报", date(2018, 11, 5), "2018-10"),
    ("关于一季度全省工会信息采用情况的通报", date(2024, 4, 10), "2024Q1"),
    ("关于四季度信息采用情况的通报", date(2025, 1, 9), "2024Q4"),
    ("关于2024年第三季度全省工会信息采用情况的通报", date(2024, 10, 12), "2024Q3"),
    ("关于2024年上半年省总工会信息采用情况的通报", None, "2024H1"),
    ("二〇二三年度信息工作通报", None, "2023"),
    ("现将有关情况通报如下（2025年1月9日）", None, None),
])
def test_the_period_comes_from_the_words_not_the_issue_date(text: str, issued: date | None, label: str | None) -> None:
    period = find_period(text, issued)
    assert (period.label if period else None) == label


def test_a_notice_names_itself() -> None:
    text = "关于2024年度全省工会网站信息工作情况的通报\n苏工办〔2025〕3号\n各设区市总工会：\n……\n江苏省总工会办公室\n2025年1月15日"
    meta = read_meta(text)
    assert (meta.title, meta.doc_no, meta.date, meta.issuer, meta.period.label) == (
        "关于2024年度全省工会网站信息工作情况的通报", "苏工办〔2025〕3号", date(2025, 1, 15), "江苏省总工会办公室", "2024")
    assert [cn_number(t) for t in ("一", "十", "十一", "二十三", "7", "二〇二四")] == [1, 10, 11, 23, 7, 2024]


def _prose(ctx, text: str, title: str) -> tuple[list[tuple[str | None, str]], list[str]]:
    doc = parse_html(f"<html><body><p>{text}</p></body></html>".encode())
    reading = Proposer(read_meta(text, title), ctx.rules, ctx.book, ctx.vocab).run([doc])
    return [(p.unit_id, p.outlet) for p in reading.proposals], reading.notes


def test_prose_rankings_in_their_written_forms(ctx) -> None:
    year = "关于2023年度全省工会网站信息工作情况的通报"
    assert _prose(ctx, "全省县（市、区）工会前十名依次为：江阴市总工会、常州市武进区总工会、溧阳市总工会。", year)[0] == [
        ("wujin", "第2名"), ("liyang", "第3名")]
    assert _prose(ctx, "各县市区总工会排名：常州市天宁区总工会、常熟市总工会并列第一名，常州市钟楼区总工会第十二名。", year)[0] == [
        ("tianning", "第1名")]
    assert _prose(ctx, "县（市、区）工会排名：常州市金坛区总工会（第一名）、太仓市总工会（第二名）、常州市新北区总工会（第三名）。",
                  year)[0] == [("jintan", "第1名"), ("xinbei", "第3名")]
    assert _prose(ctx, "各单位排名情况见附件。", year)[0] == []
    found, notes = _prose(ctx, "各县市区总工会排名：溧阳市总工会第一名。", "关于2024年10月全省工会信息采用情况的通报")
    assert found == [] and any("不是年度排名" in n for n in notes)


def test_html_tables_expand_row_and_column_spans() -> None:
    page = ("<table><tr><th rowspan='2'>单位</th><th colspan='2'>采用情况</th></tr><tr><th>省总网站</th><th>信息专报</th></tr>"
            "<tr><td>溧阳市总工会</td><td>2</td><td>1</td></tr></table>")
    (table,) = parse_html(f"<html><body><p>表</p>{page}</body></html>".encode()).tables
    assert table.rows == (("单位", "采用情况", "采用情况"), ("单位", "省总网站", "信息专报"), ("溧阳市总工会", "2", "1"))
    assert table.caption == "表"


def test_notices_config_refuses_unknown_keys_and_clauses(tmp_path: Path) -> None:
    text = (CONFIG / "notices.toml").read_text(encoding="utf-8")
    (tmp_path / "notices.toml").write_text(text.replace("[ranking]", "[ranking]\ntpo = 10"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"notices.toml 键 ranking.tpo：未知的设置"):
        load_notice_rules(tmp_path)
    (tmp_path / "notices.toml").write_text(text.replace('"provincial.report"', '"provincial.reprot"', 1),
                                           encoding="utf-8")
    with pytest.raises(ConfigError, match=r"键 outlets.省总工会信息专报：考评办法中没有条款“provincial.reprot”"):
        load_notice_rules(tmp_path, {"provincial.website", "provincial.report", "bonus.provincial_top10"})


def test_only_the_marked_article_body_of_a_page_is_read_and_control_characters_go(db, ctx) -> None:
    page = ("<html><head><meta name='ArticleTitle' content='关于2023年度全省工会网站信息工作情况的通报'></head><body>"
            "<div class='side'>相关：各县市区总工会排名：常州市钟楼区总工会第一名。2026年3月1日</div>"
            "<meta name='ContentStart'><p>全省县（市、区）工会排名：溧阳市总工会\x1b[31m第二名。</p>"
            "<p>江苏省总工会办公室</p><p>2024年1月20日</p><meta name='ContentEnd'>"
            "<div class='footer'>2026年12月1日更新</div></body></html>").encode()
    outcome = ingest(db, ctx, [Incoming(page, "page.html")], origin="import", by="测试")
    notice = records.get_notice(db, outcome.notice_id)
    assert (notice["date"], notice["period"], notice["issuer"]) == ("2024-01-20", "2023", "江苏省总工会办公室")
    assert [(p["unit_id"], p["row"]) for p in records.list_proposals(db)] == [("liyang", "溧阳市总工会[31m第二名")]


def _read_tables(ctx, body: str, title: str) -> list[tuple]:
    doc = parse_html(f"<html><body>{body}</body></html>".encode())
    reading = Proposer(read_meta(doc.text, title), ctx.rules, ctx.book, ctx.vocab).run([doc])
    return [(p.kind, p.clause, p.unit_id, p.count, p.points, p.title, p.day.isoformat(), p.row_number, p.row)
            for p in reading.proposals]


def test_a_ranking_table_gives_the_bonus_to_district_unions_in_the_top_ten(ctx) -> None:
    table = ("<table><tr><td>名次</td><td>单位名称</td><td>采用条数</td></tr>"
             "<tr><td>1</td><td>昆山市总工会</td><td>88</td></tr><tr><td>2</td><td>常州市武进区总工会</td><td>80</td></tr>"
             "<tr><td>第10名</td><td>溧阳市总工会</td><td>51</td></tr><tr><td>11</td><td>金坛区总工会</td><td>50</td></tr>"
             "</table>")
    assert _read_tables(ctx, table, "关于2022年度全省工会网站信息工作情况的通报") == [
        ("ranking", "bonus.provincial_top10", "wujin", 1, 30.0, "2022年度全省县（市、区）工会信息排名第2名", "2022-12-31", 3,
         "2 | 常州市武进区总工会 | 80"),
        ("ranking", "bonus.provincial_top10", "liyang", 1, 30.0, "2022年度全省县（市、区）工会信息排名第10名", "2022-12-31",
         4, "第10名 | 溧阳市总工会 | 51")]


def test_an_item_list_without_an_outlet_column_takes_the_outlet_from_its_heading(ctx) -> None:
    body = ("<p>一、信息专报采用目录</p><table><tr><th>标题</th><th>作者单位</th><th>期数</th></tr>"
            "<tr><td>新北区总工会建起户外劳动者驿站</td><td>新北区总工会</td><td>第3期</td></tr></table>"
            "<p>二、其他</p><table><tr><th>标题</th><th>单位</th></tr><tr><td>某项工作</td><td>天宁区总工会</td></tr></table>")
    assert _read_tables(ctx, body, "关于2021年一季度信息采用情况的通报") == [
        ("item", "provincial.report", "xinbei", 1, 5.0, "新北区总工会建起户外劳动者驿站", "2021-03-31", 2,
         "新北区总工会建起户外劳动者驿站 | 新北区总工会 | 第3期")]


def test_count_tables_of_overlapping_periods_are_flagged(db, ctx) -> None:
    ingest(db, ctx, [Incoming((SAMPLES / "q3-counts.xlsx").read_bytes(), "q3.xlsx")], origin="import", by="测试",
           title="关于2024年第三季度全省工会信息采用情况的通报")
    later = ingest(db, ctx, [Incoming((SAMPLES / "q3-counts.xlsx").read_bytes(), "q3.xlsx")],
                   origin="import", by="测试")
    assert later.notice_id == 1  # the same bytes: the same notice, nothing flagged against itself
    table = "<table><tr><th>单位</th><th>省总网站采用</th></tr><tr><td>溧阳市总工会</td><td>9</td></tr></table>"
    year = ingest(db, ctx, [Incoming(f"<html><body>{table}</body></html>".encode(), "year.html")], origin="import",
                  by="测试", title="关于2024年度全省工会信息采用情况的通报")
    assert "条数表与通报 #1《关于2024年第三季度全省工会信息采用情况的通报》（2024Q3）的期间重叠：同一采用只确认一次" in year.notes
    assert not any("期间重叠" in n for n in later.notes)


def test_a_page_saved_without_its_attachments_says_which_to_fetch(db, ctx) -> None:
    outcome = ingest(db, ctx, [Incoming((SAMPLES / "q4-page.html").read_bytes(), "q4.html")], origin="import", by="测试")
    assert [n for n in outcome.notes if "没有一同收到" in n] == [
        f"页面附件“{label}（点此下载）”没有一同收到（/module/download/downfile.jsp?classid=0&filename={name}）："
        "下载后用 xinxi notice import 导入" for name, label in (("q4-items.doc", "采用信息目录"),
                                                             ("q4-counts.pdf", "各单位采用情况"))]
    assert records.get_notice(db, outcome.notice_id)["status"] == "missing_files"
    assert [n["id"] for n in records.waiting_notices(db)] == [outcome.notice_id]


def test_a_word_table_with_merged_header_cells_reads_as_a_multi_level_count_table(db, ctx) -> None:
    import io

    import docx

    document = docx.Document()
    document.add_paragraph("关于2023年11月全省工会信息工作情况的通报")
    table = document.add_table(rows=4, cols=4)
    cells = [["单位", "采用情况", "", "本月分数"], ["", "江苏工会网", "省总领导批示", ""],
             ["常州市新北区总工会", "2", "1", "16"], ["扬州市邗江区总工会", "1", "", "3"]]
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(0, 1).merge(table.cell(0, 2)).text = "采用情况"
    table.cell(0, 0).merge(table.cell(1, 0)).text = "单位"
    table.cell(0, 3).merge(table.cell(1, 3)).text = "本月分数"
    document.add_paragraph("2023年12月5日")
    out = io.BytesIO()
    document.save(out)
    outcome = ingest(db, ctx, [Incoming(out.getvalue(), "11月.docx")], origin="import", by="测试")
    assert [(p["clause"], p["unit_id"], p["count"], p["points"], p["title"], p["date"], p["row_number"], p["row"])
            for p in records.list_proposals(db, notice_id=outcome.notice_id)] == [
        ("provincial.website", "xinbei", 2, 6, "采用情况/江苏工会网 2 条", "2023-11-30", 3, "常州市新北区总工会 | 2 | 1 | 16"),
        ("provincial.instruction", "xinbei", 1, 10, "采用情况/省总领导批示 1 条", "2023-11-30", 3,
         "常州市新北区总工会 | 2 | 1 | 16")]


def test_a_gbk_page_is_decoded_from_its_declared_charset() -> None:
    page = ("<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'>"
            "<title>关于2024年度信息工作的通报_某网站</title></head><body><p>镕</p></body></html>").encode("gb18030")
    doc = parse_html(page)
    assert (doc.title, doc.text) == ("关于2024年度信息工作的通报", "镕")


def test_a_sheet_claiming_a_million_rows_is_read_within_bounds(db, ctx) -> None:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["单位", "信息专报采用"])
    ws.append(["溧阳市总工会", 2])
    ws.cell(row=1_000_000, column=16_000, value="x")
    out = io.BytesIO()
    wb.save(out)
    outcome = ingest(db, ctx, [Incoming(out.getvalue(), "big.xlsx")], origin="import", by="测试",
                     title="关于2024年一季度信息采用情况的通报")
    assert [(p["unit_id"], p["count"]) for p in records.list_proposals(db, notice_id=outcome.notice_id)] == [
        ("liyang", 2)]


def test_a_word_file_holding_only_a_scanned_picture_needs_typing_in(db, ctx) -> None:
    import io

    import docx

    document = docx.Document()
    document.add_picture(io.BytesIO(_png()))
    out = io.BytesIO()
    document.save(out)
    outcome = ingest(db, ctx, [Incoming(out.getvalue(), "扫描.docx")], origin="import", by="测试",
                     title="关于2024年第二季度全省工会信息采用情况的通报")
    assert outcome.needs_typing == ["扫描.docx：Word 文件中只有图片（扫描件），需要人工录入"]


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (40, 20), 1).save(out, "PNG")
    return out.getvalue()


def test_a_package_declaring_more_than_a_notice_could_hold_is_not_unpacked(db, ctx) -> None:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (60 * 1024 * 1024))
    outcome = ingest(db, ctx, [Incoming(out.getvalue(), "炸弹.docx")], origin="import", by="测试",
                     title="关于信息采用的通报")
    assert outcome.unreadable == ["炸弹.docx：解压后有 60 MB（1 个部件），不像一份通报（可能已损坏），未读取"]


def test_two_people_confirming_the_same_proposal_at_once_make_its_entry_once(db, db_path, settings, ctx) -> None:
    import threading

    from tracker.notices.decisions import _confirm, confirm
    from tracker.scores.entries import exclusive

    ingest(db, ctx, [Incoming((SAMPLES / "annual-ranking.html").read_bytes(), "a.html")], origin="import", by="测试")
    other: dict = {}

    def second_person() -> None:
        other["done"] = confirm(store.open_db(db_path), ctx, [1], by="乙")  # a connection of its own

    worker = threading.Thread(target=second_person)
    with exclusive(db):
        worker.start()  # waits for the write lock held here
        mine = _confirm(db, ctx, [1], by="甲", unit=None, units={}, today=None, lenient=False)
    worker.join(timeout=60)
    assert (mine.made, other["done"].made) == ({1: [1]}, {1: []})
    assert [e["created_by"] for e in store.list_entries(db)] == ["甲"]


def test_why_a_proposal_waits_is_data_each_front_end_words(db, ctx) -> None:
    from tracker.notices.decisions import NotConfirmed, NoUnit, confirm

    ingest(db, ctx, [Incoming((SAMPLES / "h1-items.docx").read_bytes(), "h1.docx")], origin="import", by="测试")
    (unnamed,) = [p["id"] for p in records.list_proposals(db) if p["unit_id"] is None]
    with pytest.raises(NotConfirmed) as refused:
        confirm(db, ctx, [unnamed], by="甲")
    assert refused.value.problems == [(unnamed, NoUnit("常州市总工会"))]
    assert "--unit" not in str(refused.value) and "选择" not in str(refused.value)  # the fact, no front end's advice
    assert confirm(db, ctx, [1, unnamed], by="甲", lenient=True).skipped == {unnamed: NoUnit("常州市总工会")}
    # A unit chosen for that one proposal (a page's row) wins over the one given for all (the command's --unit).
    done = confirm(db, ctx, [unnamed], by="甲", unit="wujin", units={unnamed: "办公室"})
    (entry,) = [e for e in store.list_entries(db) if e["id"] in done.made[unnamed]]
    assert entry["unit_id"] == ctx.registry.find("办公室").id
