"""The terminal `score` view: 100 columns, short names or --wide, a note on articles waiting, a pager."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from rich.cells import cell_len
from rich.console import Console

from scoring import year_period
from tracker.scores.scorer import Scorer
from tracker.scores.view import clause_legend, department_table, ranking_table, short_name

BASE = "https://czgh.jscz.org.cn/html/czgh"


def art(aid: int, unit: str | None, columns: list[str], day: str = "2024-05-06") -> dict:
    return {"site": "czgh", "id": aid, "url": f"{BASE}/{day[:4]}/KEBQLDDJ_{day[5:7]}{day[8:]}/{aid}.html",
            "date": day, "title": f"消息{aid}", "columns": columns, "unit_id": unit}


def rendered(table, width: int = 100) -> list[str]:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(table)
    return out.getvalue().splitlines()


def test_short_names() -> None:
    assert short_name("武进区总工会") == "武进区" and short_name("宣传教育部（企业工作部）") == "宣传教育部"
    assert short_name("办公室") == "办公室"


def test_the_default_tables_fit_100_columns_with_every_name_whole(xinxi, credited, settings, db) -> None:
    # Points under every article of the method, so every grouped column is there.
    kinds = ["national.adoption", "provincial.report", "municipal.government", "commission.submitted", "activity",
             "bonus.provincial_top10"]
    for i, kind in enumerate(kinds):
        for unit in ("wujin", "jingkai") if kind in ("activity", "bonus.provincial_top10") else ("wujin", "publicity"):
            xinxi("entry", "add", "--unit", unit, "--kind", kind, "--date", f"2024-0{1 + i}-02", "--title", "依据",
                  "--evidence", f"文号{i}")
    board = Scorer.load(settings).score(db, year_period(2024))
    lines = (rendered(ranking_table(board, wide=False)) + rendered(clause_legend(board))
             + rendered(department_table(board, wide=False)))
    assert max(cell_len(line) for line in lines) <= 100
    text = "\n".join(lines)
    for name in ("常州经开区", "武进区", "钟楼区", "宣传教育部", "经费审查办公室"):
        assert name in text
    assert "五、1" in text and "五、6" in text and "五、1＝中办国办全总办公厅采用" in text
    wide = rendered(ranking_table(board, wide=True), width=300)
    assert "常州经开区总工会" in "\n".join(wide) and "中办国办全总办公厅采用" in wide[2]


def test_the_table_says_when_articles_wait_for_review(xinxi, credited) -> None:
    credited += [art(1, "wujin", ["jcdt"]), art(2, None, ["jcdt"], "2024-08-01"), art(3, None, ["jcdt"], "2023-08-01")]
    output = xinxi("score", "--year", "2024").output
    assert "尚有 1 条信息待审核" in output and "五、3＝市总网站基层动态图片新闻" in output
    assert "尚有 1 条" in xinxi("score", "--year", "2023").output
    assert "待审核" not in xinxi("score", "--year", "2022").output


def test_on_a_terminal_the_table_goes_through_the_pager(xinxi, credited, db_path: Path, tmp_path: Path) -> None:
    credited.append(art(1, "wujin", ["jcdt"]))
    paged = tmp_path / "paged.txt"
    env = {**os.environ, "PAGER": f"cat > {paged}", "COLUMNS": "100", "LINES": "40"}
    main, sub = os.openpty()
    try:
        proc = subprocess.run([str(Path(sys.executable).parent / "xinxi"), "--db", str(db_path), "score", "--year", "2024"],
                              stdin=sub, stdout=sub, stderr=subprocess.PIPE, env=env, timeout=120)
    finally:
        os.close(sub)
        os.close(main)
    assert proc.returncode == 0, proc.stderr.decode()
    assert "武进区" in paged.read_text(encoding="utf-8")
