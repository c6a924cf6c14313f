"""`xinxi notice …` through the real CLI on a temp SQLite file: import, list --json, confirm, reject, show."""

from __future__ import annotations

import json
from pathlib import Path

from tracker import store
from tracker.errors import XinxiError

SAMPLES = Path(__file__).parents[1] / "crawler" / "replica" / "notices"
JSON_FIELDS = {"id", "notice", "clause", "unit", "points", "status", "row"}


def listed(xinxi, *args: str) -> list[dict]:
    return json.loads(xinxi("notice", "list", "--json", *args).stdout)


def failure(result) -> str:
    """What the user is told: a domain error (printed by main as one line, exit 2) or click's own message."""
    assert result.exit_code != 0
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert isinstance(result.exception, XinxiError), repr(result.exception)
        return str(result.exception)
    return result.output


def explain(xinxi, unit: str) -> list[dict]:
    return json.loads(xinxi("score", "--year", "2024", "--explain", unit, "--format", "json").stdout)


def test_list_json_is_an_array_with_the_documented_fields(xinxi) -> None:
    assert listed(xinxi) == []
    xinxi("notice", "import", str(SAMPLES / "annual-ranking.html"), "--by", "张敏")
    rows = listed(xinxi)
    assert all(set(r) >= JSON_FIELDS for r in rows)
    assert [{k: r[k] for k in sorted(JSON_FIELDS)} for r in rows] == [
        {"clause": "bonus.provincial_top10", "id": i, "notice": "江苏省总工会办公室关于2024年度全省工会网站信息工作情况的通报",
         "points": 30, "row": row, "status": "proposed", "unit": unit}
        for i, unit, row in ((1, "溧阳市总工会", "溧阳市总工会、昆山市总工会并列第一名"),
                             (2, "金坛区总工会", "常州市金坛区总工会第三名"), (3, "新北区总工会", "常州市新北区总工会第九名"))]


def test_nothing_counts_until_confirmed_then_the_notice_is_the_evidence(xinxi) -> None:
    out = xinxi("notice", "import", str(SAMPLES / "h1-items.docx"), "--by", "张敏").stdout
    assert "新建议 6 条" in out and "确认后才计分" in out
    assert explain(xinxi, "溧阳市总工会") == []
    report = next(r for r in listed(xinxi) if r["unit"] == "溧阳市总工会")
    assert "已确认 #2：录入 #1" in xinxi("notice", "confirm", str(report["id"]), "--by", "李华").stdout
    (line,) = explain(xinxi, "溧阳市总工会")
    assert (line["clause"], line["points"], line["date"], line["title"], line["evidence_id"]) == (
        "省总信息专报采用", 5, "2024-04-02", "溧阳市总工会推动新就业形态劳动者入会", "entry/1")
    assert line["evidence"] == ("通报《关于2024年上半年省总工会信息采用情况的通报》苏工办〔2024〕25号（2024-07-08）；"
                                "h1-items.docx 表1 第 3 行：2 | 溧阳市总工会推动新就业形态劳动者入会 | 溧阳市总工会 | "
                                "省总工会信息专报 | 第12期 | 2024-04-02")
    entry = json.loads(xinxi("entry", "list", "--format", "json").stdout)[0]
    assert (entry["created_by"], entry["source"], entry["note"]) == ("李华", "notice", "通报建议 #2，第12期")
    confirmed = next(r for r in listed(xinxi, "--status", "confirmed"))
    assert (confirmed["id"], confirmed["decided_by"], confirmed["entry_ids"]) == (2, "李华", [1])


def test_confirm_reject_and_import_are_idempotent(xinxi) -> None:
    ranking = str(SAMPLES / "annual-ranking.html")
    xinxi("notice", "import", ranking)
    out = xinxi("notice", "confirm", "--all-proposed", "1", "--by", "李华").stdout
    assert out.splitlines() == ["已确认 #1：录入 #1", "已确认 #2：录入 #2", "已确认 #3：录入 #3"]
    assert xinxi("notice", "confirm", "1", "2").stdout.splitlines() == [
        "#1 此前已确认，未重复录入", "#2 此前已确认，未重复录入"]
    assert "没有待确认的建议" in xinxi("notice", "confirm", "--all-proposed", "1").stdout
    again = xinxi("notice", "import", ranking).stdout
    assert "已登记过" in again and "3 条此前已建议过，未重复建议" in again
    assert len(listed(xinxi)) == 3
    assert [e["id"] for e in json.loads(xinxi("entry", "list", "--format", "json").stdout)] == [1, 2, 3]

    assert xinxi("notice", "reject", "2", "--reason", "金坛名次有误", "--by", "王敏").stdout.strip() == \
        "#2 已不采纳，撤销录入 #2"
    assert xinxi("notice", "reject", "2", "--reason", "再次").stdout.strip() == "#2 此前已不采纳，未改动"
    assert [e["id"] for e in json.loads(xinxi("entry", "list", "--format", "json").stdout)] == [1, 3]
    rejected = listed(xinxi, "--status", "rejected")
    assert [(r["id"], r["reason"], r["decided_by"]) for r in rejected] == [(2, "金坛名次有误", "王敏")]
    assert explain(xinxi, "金坛区总工会") == []


def test_a_proposal_without_a_recognised_unit_needs_one_named(xinxi) -> None:
    xinxi("notice", "import", str(SAMPLES / "h1-items.docx"))
    unnamed = next(r for r in listed(xinxi) if r["unit"] is None)
    assert unnamed["row"].startswith("6 | 全市职工职业技能大赛启动 | 常州市总工会")
    refused = failure(xinxi("notice", "confirm", str(unnamed["id"]), ok=False))
    assert "没有认出单位（“常州市总工会”），请加 --unit 指定" in refused
    xinxi("notice", "confirm", str(unnamed["id"]), "--unit", "办公室")
    assert [r["unit"] for r in listed(xinxi, "--status", "confirmed")] == ["办公室"]


def test_a_website_item_credited_by_the_crawl_after_the_proposal_is_not_confirmed(xinxi, db_path, credited) -> None:
    xinxi("notice", "import", str(SAMPLES / "h1-items.docx"))
    # Published a day before the date the notice gives: the same item all the same, within the notice's period.
    credited.append({"site": "jsghfw", "id": 91002, "url": "http://127.0.0.1/art/2024/6/24/art_144_91002.html",
                     "date": "2024-06-24", "title": "钟楼区总工会开展职工心理健康服务（附图）", "columns": ["jsghfw_news"],
                     "unit_id": "zhonglou"})
    item = next(r for r in listed(xinxi) if r["unit"] == "钟楼区总工会")
    refused = failure(xinxi("notice", "confirm", str(item["id"]), ok=False))
    assert "已由抓取的文章 jsghfw/91002 计分，不能再计" in refused
    assert store.list_entries(store.open_db(db_path)) == []


def test_show_lists_files_notes_and_a_scan_to_type_in(xinxi, db_path) -> None:
    out = xinxi("notice", "import", str(SAMPLES / "q2-scan.pdf"), "--title", "关于2024年第二季度全省工会信息采用情况的通报",
                "--date", "2024-04-11", "--issuer", "江苏省总工会办公室").stdout
    assert "需要人工录入：q2-scan.pdf：扫描件（PDF 中没有文字层），需要人工录入" in out
    shown = xinxi("notice", "show", "1").stdout
    assert "考评期间：2024Q2（2024-04-01 至 2024-06-30）" in shown and "发文单位：江苏省总工会办公室" in shown
    assert "q2-scan.pdf（pdf" in shown and "需要人工录入" in shown and "xinxi entry add" in shown
    assert str(db_path.parent / "notice_files") in shown
    assert "需要人工录入" in xinxi("notice", "list").stdout


def test_errors_are_one_line_and_change_nothing(xinxi, tmp_path: Path) -> None:
    assert "不存在" in failure(xinxi("notice", "import", str(tmp_path / "没有.docx"), ok=False))
    broken = tmp_path / "坏.docx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    out = xinxi("notice", "import", str(broken), "--title", "关于信息采用的通报").stdout
    assert "没有读出可计分的内容" in out or "读不出" in out
    assert failure(xinxi("notice", "confirm", "99", ok=False)) == "没有建议 #99（见 xinxi notice list）"
    assert "编号应为数字" in failure(xinxi("notice", "confirm", "abc", ok=False))
    assert "没有通报 #7" in failure(xinxi("notice", "show", "7", ok=False))
    assert "--date" in failure(xinxi("notice", "import", str(broken), "--date", "明天", ok=False))
    assert len(listed(xinxi)) == 0


def test_confirming_a_whole_notice_leaves_what_needs_a_person_waiting(xinxi) -> None:
    xinxi("notice", "import", str(SAMPLES / "h1-items.docx"))
    out = xinxi("notice", "confirm", "--all-proposed", "1").stdout.splitlines()
    assert out[-1] == "#5 未确认：没有认出单位（“常州市总工会”），请加 --unit 指定"
    assert len(out) == 6 and all(line.startswith("已确认 #") for line in out[:5])
    assert [r["id"] for r in listed(xinxi, "--status", "proposed")] == [5]
    assert [r["unit"] for r in listed(xinxi, "--status", "confirmed")] == [
        "金坛区总工会", "溧阳市总工会", "武进区总工会", "天宁区总工会", "钟楼区总工会"]
    assert sum(line["points"] for line in explain(xinxi, "天宁区总工会")) == 20


def test_a_saved_page_and_its_attachments_import_as_one_notice(xinxi) -> None:
    out = xinxi("notice", "import", *(str(SAMPLES / n) for n in ("q4-page.html", "q4-items.doc", "q4-counts.pdf")))
    assert "通报 #1（新登记）：关于2024年第四季度全省工会信息采用情况的通报" in out.stdout and "新建议 4 条" in out.stdout
    assert "没有一同收到" not in out.stdout
    assert {r["notice"] for r in listed(xinxi)} == {"关于2024年第四季度全省工会信息采用情况的通报"}


def test_a_count_becomes_that_many_entries(xinxi) -> None:
    xinxi("notice", "import", str(SAMPLES / "q3-counts.xlsx"), "--title", "关于2024年第三季度全省工会信息采用情况的通报",
          "--date", "2024-10-12")
    website = next(r for r in listed(xinxi) if r["unit"] == "溧阳市总工会" and r["clause"] == "provincial.website")
    assert (website["count"], website["points"]) == (4, 12)
    assert "录入 #1、#2、#3、#4" in xinxi("notice", "confirm", str(website["id"])).stdout
    lines = explain(xinxi, "溧阳市总工会")
    assert [(line["title"], line["points"], line["date"]) for line in lines] == [
        (f"省总网站采用 第 {k}/4 条", 3, "2024-09-30") for k in range(1, 5)]
    assert lines[0]["evidence"].startswith("通报《关于2024年第三季度全省工会信息采用情况的通报》（2024-10-12）；q3-counts.xlsx 工作表")


HUGE = "99999999999999999999"


def test_numbers_out_of_range_are_one_line(db, db_path) -> None:
    from click.testing import CliRunner

    from tracker.cli import cli

    for argv, line in (
        (("notice", "confirm", HUGE), f"错误：建议编号 的值无效：建议编号应在 1 到 9223372036854775807 之间，实为 {HUGE}"),
        (("notice", "reject", "0", "--reason", "x"), "错误：建议编号 的值无效：建议编号应在 1 到 9223372036854775807 之间，实为 0"),
        (("notice", "show", f"#{HUGE}"),
         f"错误：通报编号 的值无效：通报编号应在 1 到 9223372036854775807 之间，实为 #{HUGE}"),
        (("notice", "confirm", "--all-proposed", HUGE),
         f"错误：--all-proposed 的值无效：通报编号应在 1 到 9223372036854775807 之间，实为 {HUGE}"),
    ):
        result = CliRunner().invoke(cli, ["--db", str(db_path), *argv])
        assert (result.exit_code, result.output.splitlines()) == (2, [line])
