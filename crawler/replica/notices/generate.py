"""Write the sample notices (通报) of the provincial replica and their ground truth.

Fictional content in the shapes real notices take (see docs): a year-end ranking written as prose on a
web page, a count table per unit (on the page and as an .xlsx), an item list (.docx and .doc), a
multi-level monthly table (.xls), a short page whose tables are attachments (.doc, .pdf), and a scanned
PDF with no text layer. LibreOffice (`soffice`) is needed here only, to make the .xls, .doc and .pdf;
the files are committed and the tests read them as they are.

    python crawler/replica/notices/generate.py          # rewrites the files beside this script
"""

from __future__ import annotations

import html
import io
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import docx
from openpyxl import Workbook
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
DOWNLOAD = "/module/download/downfile.jsp?classid=0&filename="
POINTS = {"provincial.website": 3, "provincial.report": 5, "provincial.instruction": 10,
          "provincial.government_instruction": 20, "bonus.provincial_top10": 30}
TOP10 = "bonus.provincial_top10"

# --- the notices ---------------------------------------------------------------------------------------

RANKING = {
    "title": "江苏省总工会办公室关于2024年度全省工会网站信息工作情况的通报",
    "doc_no": "苏工办〔2025〕3号", "date": "2025-01-15", "period": "2024",
    "paragraphs": [
        "各设区市总工会，省各产业工会：",
        "2024年，全省各级工会围绕中心、服务大局，积极报送工会工作信息。全年省总工会网站共编发各地信息1862篇，"
        "其中：信息专报采用96篇，江苏工会网首页要闻采用312篇，工人日报转载41篇。现将有关情况通报如下。",
        "一、设区市总工会采用情况。南京、苏州、常州、南通市总工会采用数量位居前列。",
        "二、全省县（市、区）工会排名：溧阳市总工会、昆山市总工会并列第一名，常州市金坛区总工会第三名，"
        "江阴市总工会第四名，海安市总工会第五名，邳州市总工会第六名，常熟市总工会第七名，宜兴市总工会第八名，"
        "常州市新北区总工会第九名，沭阳县总工会第十名，常州市武进区总工会第十一名。",
        "三、全年未报送信息的单位：灌南县总工会、响水县总工会。",
        "希望各地工会进一步健全信息工作机制，提高信息质量。",
    ],
    "issuer": "江苏省总工会办公室",
}
RANKED = [("溧阳市总工会", "liyang", 1, "溧阳市总工会、昆山市总工会并列第一名"),
          ("常州市金坛区总工会", "jintan", 3, "常州市金坛区总工会第三名"),
          ("常州市新北区总工会", "xinbei", 9, "常州市新北区总工会第九名")]

Q3 = {
    "title": "关于2024年第三季度全省工会信息采用情况的通报",
    "doc_no": "苏工办〔2024〕41号", "date": "2024-10-12", "period": "2024Q3", "day": "2024-09-30",
    "header": ["序号", "单位", "省总网站采用", "信息专报采用", "得分"],
    "rows": [["1", "溧阳市总工会", "4", "1", "17"],
             ["2", "常州市金坛区总工会", "2", "", "6"],
             ["3", "苏州市吴中区总工会", "5", "2", "25"],
             ["4", "常州市天宁区总工会", "", "1", "5"],
             ["5", "南通市海门区总工会", "1", "", "3"],
             ["合计", "", "12", "4", "56"]],
    # (row index in rows, column index, unit id, clause, outlet word)
    "expect": [(0, 2, "liyang", "provincial.website", "省总网站"), (0, 3, "liyang", "provincial.report", "信息专报"),
               (1, 2, "jintan", "provincial.website", "省总网站"), (3, 3, "tianning", "provincial.report", "信息专报")],
}

H1 = {
    "title": "关于2024年上半年省总工会信息采用情况的通报",
    "doc_no": "苏工办〔2024〕25号", "date": "2024-07-08", "period": "2024H1", "day": "2024-06-30",
    "header": ["序号", "信息标题", "报送单位", "采用载体", "期号", "采用日期"],
    "rows": [
        ["1", "金坛区指前镇“职工书屋”开到车间里", "常州市金坛区指前镇总工会", "江苏工会网", "", "2024-03-12"],
        ["2", "溧阳市总工会推动新就业形态劳动者入会", "溧阳市总工会", "省总工会信息专报", "第12期", "2024-04-02"],
        ["3", "武进区总工会探索“工会+法院”劳动争议化解机制", "常州市武进区总工会", "省总领导批示", "第15期", "2024-05-10"],
        ["4", "天宁区“红梅工匠”评选带动技能提升", "常州市天宁区总工会", "省委省政府领导批示", "第15期", "2024-05-20"],
        ["5", "梁溪区总工会开展夏送清凉活动", "无锡市梁溪区总工会", "江苏工会网", "", "2024-06-01"],
        ["6", "全市职工职业技能大赛启动", "常州市总工会", "江苏工会网", "", "2024-06-18"],
        ["7", "钟楼区总工会开展职工心理健康服务", "钟楼区总工会", "江苏工会网", "", "2024-06-25"],
    ],
    "expect": [(0, "jintan", "provincial.website", "江苏工会网"), (1, "liyang", "provincial.report", "省总工会信息专报"),
               (2, "wujin", "provincial.instruction", "省总领导批示"),
               (3, "tianning", "provincial.government_instruction", "省委省政府领导批示"),
               (5, None, "provincial.website", "江苏工会网"), (6, "zhonglou", "provincial.website", "江苏工会网")],
}

M10 = {
    "title": "关于2024年10月全省工会信息工作情况的通报",
    "doc_no": "苏工宣〔2024〕9号", "date": "2024-11-06", "period": "2024-10", "day": "2024-10-31",
    "top": ["单位", "本月报送条数", "全年累计报送条数", "采用情况", "采用情况", "采用情况", "采用条数", "报送分数",
            "采用分数", "本月分数", "累计分数"],
    "sub": ["单位", "", "", "省总网站", "信息专报", "省领导批示", "", "", "", "", ""],
    "rows": [["溧阳市总工会", "6", "52", "2", "1", "", "3", "6", "11", "17", "160"],
             ["常州市钟楼区总工会", "3", "31", "1", "", "1", "2", "3", "23", "26", "98"],
             ["盐城市亭湖区总工会", "4", "40", "2", "", "", "2", "4", "6", "10", "87"]],
    "expect": [(0, 3, "liyang", "provincial.website", "省总网站", "采用情况/省总网站"),
               (0, 4, "liyang", "provincial.report", "信息专报", "采用情况/信息专报"),
               (1, 3, "zhonglou", "provincial.website", "省总网站", "采用情况/省总网站"),
               (1, 5, "zhonglou", "provincial.government_instruction", "省领导批示", "采用情况/省领导批示")],
}

Q4 = {
    "title": "关于2024年第四季度全省工会信息采用情况的通报",
    "doc_no": "苏工办〔2025〕2号", "date": "2025-01-09", "period": "2024Q4", "day": "2024-12-31",
    "items_header": ["序号", "标题", "单位", "采用载体", "期号"],
    "items": [["1", "新北区总工会“暖新驿站”覆盖全部镇街", "常州市新北区总工会", "信息专报", "第31期"],
              ["2", "经开区总工会为一线职工送技能培训", "常州经开区总工会", "江苏工会网", ""],
              ["3", "海陵区总工会举办劳模宣讲", "泰州市海陵区总工会", "江苏工会网", ""]],
    "items_expect": [(0, "xinbei", "provincial.report", "信息专报"), (1, "jingkai", "provincial.website", "江苏工会网")],
    "counts_header": ["单位", "省总网站采用", "信息专报采用"],
    "counts": [["常州市武进区总工会", "3", "1"], ["宿迁市宿城区总工会", "2", ""]],
    "counts_expect": [(0, 1, "wujin", "provincial.website", "省总网站"), (0, 2, "wujin", "provincial.report", "信息专报")],
}

# A year's counts for every county-level union: a long table that runs onto a second PDF page.
COUNTY_NAMES = ("南京市江宁区 南京市浦口区 南京市六合区 南京市溧水区 南京市高淳区 无锡市锡山区 无锡市惠山区 无锡市滨湖区 江阴市 "
                  "宜兴市 徐州市铜山区 徐州市贾汪区 丰县 沛县 睢宁县 邳州市 新沂市 苏州市吴江区 苏州市相城区 常熟市 张家港市 "
                  "昆山市 太仓市 南通市通州区 南通市海门区 海安市 如皋市 启东市 连云港市赣榆区 东海县 灌云县 灌南县 "
                  "淮安市淮阴区 淮安市洪泽区 涟水县 盱眙县 金湖县 盐城市大丰区 响水县 滨海县 阜宁县 射阳县 建湖县 东台市 "
                  "扬州市江都区 宝应县 仪征市 高邮市 镇江市丹徒区 丹阳市 扬中市 句容市 泰州市姜堰区 兴化市 靖江市 泰兴市 "
                  "宿迁市宿豫区 沭阳县 泗阳县 泗洪县")
OTHER_COUNTIES = COUNTY_NAMES.split()
Y2023 = {
    "title": "关于2023年度全省县（市、区）工会信息采用情况的通报",
    "doc_no": "苏工办〔2024〕4号", "date": "2024-01-18", "period": "2023", "day": "2023-12-31",
    "header": ["单位", "省总网站采用", "信息专报采用"],
    "rows": [[f"{name}总工会", str(3 + i % 7), str(i % 3) if i % 3 else ""] for i, name in enumerate(OTHER_COUNTIES)],
}
Y2023["rows"][52:52] = [["常州市钟楼区总工会", "2", "1"]]
Y2023["rows"].append(["常州经开区总工会", "1", ""])
Y2023["expect"] = [(52, 1, "zhonglou", "provincial.website", "省总网站"),
                   (52, 2, "zhonglou", "provincial.report", "信息专报"),
                   (len(Y2023["rows"]) - 1, 1, "jingkai", "provincial.website", "省总网站")]

SCAN = {"title": "关于2024年第二季度全省工会信息采用情况的通报", "doc_no": "苏工办〔2024〕18号", "date": "2024-04-11"}


# --- writers -------------------------------------------------------------------------------------------


def cn_date(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{y}年{m}月{d}日"


def page(notice: dict, body: str) -> str:
    """A Hanweb-style article page: meta tags, info line, body between ContentStart and ContentEnd."""
    title = html.escape(notice["title"])
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="{notice['date']} 09:30">
<meta name="ContentSource" content="江苏省总工会">
<meta name="ColumnName" content="通知公告">
<title>{title}_江苏工会网</title></head>
<body>
<div class="nav">首页 &gt; 通知公告</div>
<h1 class="title">{title}</h1>
<div class="info">发布日期：{notice['date']}　来源：江苏省总工会　浏览次数：</div>
<meta name="ContentStart">
<div id="zoom">
<p style="text-align:center">{html.escape(notice['doc_no'])}</p>
{body}
<p style="text-align:right">{html.escape(notice.get('issuer', '江苏省总工会办公室'))}</p>
<p style="text-align:right">{cn_date(notice['date'])}</p>
</div>
<meta name="ContentEnd">
<div class="footer">主办：江苏省总工会　苏ICP备（示例）</div>
</body></html>
"""


def html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>\n" for r in rows)
    return f'<table border="1" cellspacing="0">\n<tr>{head}</tr>\n{body}</table>'


def links(files: list[tuple[str, str]]) -> str:
    return "\n".join(f'<p>附件{i}：<a href="{DOWNLOAD}{name}">{html.escape(label)}（点此下载）</a></p>'
                     for i, (name, label) in enumerate(files, start=1))


def word(notice: dict, caption: str, header: list[str], rows: list[list[str]]) -> bytes:
    document = docx.Document()
    document.add_paragraph(notice["title"])
    document.add_paragraph(notice["doc_no"])
    document.add_paragraph(caption)
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    for r, cells in enumerate([header, *rows]):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    document.add_paragraph("江苏省总工会办公室")
    document.add_paragraph(cn_date(notice["date"]))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def sheet(lead: list[str], headers: list[list[str]], rows: list[list[str]], merges: list[str]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "统计表"
    width = len(headers[0])
    for text in lead:
        ws.append([text] + [None] * (width - 1))
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
    for header in headers:
        ws.append([c or None for c in header])
    for row in rows:
        ws.append([int(c) if c.isdigit() else (c or None) for c in row])
    for cells in merges:
        ws.merge_cells(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def convert(data: bytes, suffix: str, target: str) -> bytes:
    """Convert with LibreOffice (generation time only)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        sys.exit("需要 LibreOffice（soffice）才能生成 .xls/.doc/.pdf 样例")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"in{suffix}"
        src.write_bytes(data)
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp}/profile", "--convert-to", target,
                        "--outdir", tmp, str(src)], check=True, capture_output=True, timeout=180)
        return (Path(tmp) / f"in.{target.split(':')[0]}").read_bytes()


def scanned_pdf(notice: dict) -> bytes:
    """A page image only (no text layer), as a scanner makes it."""
    image = Image.new("1", (620, 877), 1)
    draw = ImageDraw.Draw(image)
    for y in range(120, 760, 28):  # lines of “text” a scanner would see as marks, not characters
        draw.rectangle((60, y, 560 - (y * 7) % 180, y + 12), fill=0)
    out = io.BytesIO()
    image.save(out, "PDF", resolution=75)
    return out.getvalue()


# --- ground truth --------------------------------------------------------------------------------------


def proposal(kind: str, clause: str, unit_id: str | None, unit_text: str, count: int, title: str, day: str,
             outlet: str, issue_no: str | None, row_number: int | None, row: str) -> dict:
    return {"kind": kind, "clause": clause, "unit_id": unit_id, "unit_text": unit_text, "count": count,
            "points": POINTS[clause] * count, "title": title, "date": day, "outlet": outlet, "issue_no": issue_no,
            "row_number": row_number, "row": row}


def joined(cells: list[str]) -> str:
    return " | ".join(cells)


def count_truth(spec: dict, rows: list[list[str]], header: list[str], first_row: int,
                expect: list[tuple]) -> list[dict]:
    out = []
    for r, c, unit, clause, outlet, *label in expect:
        n = int(rows[r][c])
        name = label[0] if label else header[c]
        unit_col = header.index("单位")
        out.append(proposal("count", clause, unit, rows[r][unit_col], n, f"{name} {n} 条", spec["day"], outlet,
                            None, first_row + r, joined(rows[r])))
    return out


def item_truth(spec: dict, header: list[str], rows: list[list[str]], expect: list[tuple]) -> list[dict]:
    out = []
    for r, unit, clause, outlet in expect:
        cells = dict(zip(header, rows[r], strict=True))
        title = cells.get("信息标题") or cells["标题"]
        unit_text = cells.get("报送单位") or cells["单位"]
        day = cells.get("采用日期") or spec["day"]
        out.append(proposal("item", clause, unit, unit_text, 1, title, day, outlet, cells["期号"] or None, 2 + r,
                            joined(rows[r])))
    return out


def main(out: Path = HERE) -> None:
    files: dict[str, bytes] = {}
    truth: dict = {"files": {}, "notices": []}

    # A. year-end ranking in prose, on the page itself
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in RANKING["paragraphs"])
    files["annual-ranking.html"] = page(RANKING, body).encode("utf-8")
    truth["files"]["annual-ranking.html"] = {"needs_typing": False, "proposals": [
        proposal("ranking", TOP10, unit, text, 1, f"2024年度全省县（市、区）工会信息排名第{rank}名", "2024-12-31",
                 f"第{rank}名", None, None, sentence) for text, unit, rank, sentence in RANKED]}

    # B. quarterly counts: the table on the page and the same table as an .xlsx attachment
    q3_rows = Q3["rows"]
    q3_body = ("<p>各设区市总工会：</p><p>现将2024年第三季度全省工会信息采用情况通报如下。</p>"
               "<p>2024年第三季度全省工会信息采用情况统计表</p>\n" + html_table(Q3["header"], q3_rows)
               + "\n" + links([("q3-counts.xlsx", "2024年第三季度全省工会信息采用情况统计表")]))
    files["q3-page.html"] = page(Q3, q3_body).encode("utf-8")
    files["q3-counts.xlsx"] = sheet(["附件", "2024年第三季度全省工会信息采用情况统计表"], [Q3["header"]], q3_rows, [])
    truth["files"]["q3-page.html"] = {"needs_typing": False,
                                      "proposals": count_truth(Q3, q3_rows, Q3["header"], 2, Q3["expect"])}
    truth["files"]["q3-counts.xlsx"] = {"needs_typing": False,
                                        "proposals": count_truth(Q3, q3_rows, Q3["header"], 4, Q3["expect"])}

    # C. an item list as a .docx attachment
    h1_doc = word(H1, "省总工会采用信息目录", H1["header"], H1["rows"])
    files["h1-items.docx"] = h1_doc
    files["h1-page.html"] = page(H1, "<p>各设区市总工会：</p><p>现将2024年上半年省总工会信息采用情况通报如下，"
                                     "采用目录见附件。</p>\n" + links([("h1-items.docx", "省总工会采用信息目录")])
                                 ).encode("utf-8")
    truth["files"]["h1-items.docx"] = {"needs_typing": False,
                                       "proposals": item_truth(H1, H1["header"], H1["rows"], H1["expect"])}
    truth["files"]["h1-page.html"] = {"needs_typing": False, "proposals": []}

    # D. a multi-level monthly table as an .xls attachment
    lead = [M10["title"].removeprefix("关于").removesuffix("的通报") + "统计表"]
    merges = ["A2:A3", "B2:B3", "C2:C3", "D2:F2", *(f"{c}2:{c}3" for c in "GHIJK")]
    m10 = sheet(lead, [M10["top"], M10["sub"]], M10["rows"], merges)
    files["m10-monthly.xls"] = convert(m10, ".xlsx", "xls:MS Excel 97")
    files["m10-page.html"] = page(M10, "<p>各设区市总工会：</p><p>现将2024年10月全省工会信息工作情况通报如下。</p>\n"
                                  + links([("m10-monthly.xls", "2024年10月全省工会信息工作统计表")])).encode("utf-8")
    header = [f"{t}/{s}" if s and s != t else t for t, s in zip(M10["top"], M10["sub"], strict=True)]
    truth["files"]["m10-monthly.xls"] = {"needs_typing": False,
                                         "proposals": count_truth(M10, M10["rows"], header, 4, M10["expect"])}
    truth["files"]["m10-page.html"] = {"needs_typing": False, "proposals": []}

    # E. a short page whose tables are attachments: an item list (.doc) and a count table (.pdf)
    files["q4-items.doc"] = convert(word(Q4, "采用信息目录", Q4["items_header"], Q4["items"]), ".docx", "doc:MS Word 97")
    files["q4-counts.pdf"] = convert(word(Q4, "各单位采用情况", Q4["counts_header"], Q4["counts"]), ".docx", "pdf")
    files["q4-page.html"] = page(Q4, "<p>各设区市总工会：</p><p>现将2024年第四季度全省工会信息采用情况通报如下，"
                                     "详见附件。</p>\n" + links([("q4-items.doc", "采用信息目录"),
                                                              ("q4-counts.pdf", "各单位采用情况")])).encode("utf-8")
    truth["files"]["q4-items.doc"] = {"needs_typing": False, "proposals": item_truth(
        Q4, Q4["items_header"], Q4["items"], Q4["items_expect"])}
    truth["files"]["q4-counts.pdf"] = {"needs_typing": False, "proposals": count_truth(
        Q4, Q4["counts"], Q4["counts_header"], 2, Q4["counts_expect"])}
    truth["files"]["q4-page.html"] = {"needs_typing": False, "proposals": []}

    # E2. a long count table over two PDF pages
    files["y2023-counts.pdf"] = convert(word(Y2023, "各县（市、区）总工会采用情况", Y2023["header"], Y2023["rows"]),
                                        ".docx", "pdf")
    truth["files"]["y2023-counts.pdf"] = {"needs_typing": False, "proposals": count_truth(
        Y2023, Y2023["rows"], Y2023["header"], 2, Y2023["expect"])}

    # F. a scanned notice: stored and reported as needing typing in
    files["q2-scan.pdf"] = scanned_pdf(SCAN)
    files["q2-page.html"] = page(SCAN, "<p>各设区市总工会：</p><p>2024年第二季度全省工会信息采用情况见附件（扫描件）。</p>\n"
                                 + links([("q2-scan.pdf", "2024年第二季度采用情况")])).encode("utf-8")
    truth["files"]["q2-scan.pdf"] = {"needs_typing": True, "proposals": []}
    truth["files"]["q2-page.html"] = {"needs_typing": False, "proposals": []}

    for spec, page_name, attachments in ((RANKING, "annual-ranking.html", []), (Q3, "q3-page.html", ["q3-counts.xlsx"]),
                                         (H1, "h1-page.html", ["h1-items.docx"]),
                                         (M10, "m10-page.html", ["m10-monthly.xls"]),
                                         (Q4, "q4-page.html", ["q4-items.doc", "q4-counts.pdf"]),
                                         (Y2023, None, ["y2023-counts.pdf"]),
                                         (SCAN, "q2-page.html", ["q2-scan.pdf"])):
        truth["notices"].append({"page": page_name, "attachments": attachments, "title": spec["title"],
                                 "doc_no": spec["doc_no"], "date": spec["date"], "period": spec.get("period"),
                                 "download_path": DOWNLOAD})
    for name, data in files.items():
        (out / name).write_bytes(data)
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
