"""Both documents rendered by LibreOffice as a clerk would print them; one PNG page of each is kept."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from scoring import Adoption, RuleBook, Unit, load_rules, score, year_period
from tracker.reports import write_docx, write_xlsx

RULES = Path(__file__).resolve().parent.parent / "config" / "rules" / "2016.toml"
pytestmark = pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("pdftoppm"),
                                reason="LibreOffice (soffice) 或 pdftoppm 未安装")


def render(path: Path, out: Path) -> list[Path]:
    """Convert to PDF with a private LibreOffice profile, then every page to PNG at 60 dpi."""
    profile = out / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=180)
    pdf = out / f"{path.stem}.pdf"
    assert pdf.exists()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(out / path.stem)], check=True, timeout=60)
    return sorted(out.glob(f"{path.stem}-*.png"))


def test_the_notice_and_the_workbook_render_to_pages(tmp_path: Path) -> None:
    units = (Unit("wujin", "武进区总工会", "district", 0), Unit("jintan", "金坛区总工会", "district", 1),
             Unit("office", "办公室", "department", 2))
    items = [Adoption(f"entry/{i}", f"文号{i}", "wujin" if i % 2 else "office", date(2024, 1 + i % 12, 3),
                      f"信息{i}", clause_id="provincial.report") for i in range(40)]
    board = score(items, RuleBook.of([load_rules(RULES)]), units, year_period(2024))
    docx = write_docx(board, tmp_path / "notice.docx", today=date(2026, 12, 3))
    xlsx = write_xlsx(board, tmp_path / "workbook.xlsx", pending=[])
    notice_pages, sheet_pages = render(docx, tmp_path), render(xlsx, tmp_path)
    # 版头 and body, the signature page, two attachments: more than one page, each a real image.
    assert len(notice_pages) >= 3 and notice_pages[0].stat().st_size > 5_000
    # Five sheets, each one page wide; 40 lines of detail do not need more than one page each.
    assert 5 <= len(sheet_pages) <= 6 and sheet_pages[0].stat().st_size > 2_000
    for page in notice_pages[1:] + sheet_pages[1:]:
        page.unlink()   # one PNG page of each stays under the test's tmp folder
