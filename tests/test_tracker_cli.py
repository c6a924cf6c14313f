"""The command's own frame: mistakes get one Chinese line and exit 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    return exit_info.value.code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "first_line"),
    [
        (("review", "ignore", "1"), "错误：缺少 '--reason'"),
        (("score", "--year", "abc"), "错误：'--year' 的值无效：“abc”不是整数"),
        (("articles", "--since", "2024-13-01"),
         "错误：'--since' 的值无效：日期应写作 YYYY-MM-DD，例如 2024-03-01，实为 '2024-13-01'"),
        (("score", "--year", "2016", "--format", "pdf"),
         "错误：'--format' 的值无效：“pdf”不是可选值之一：'table', 'csv', 'json', 'xlsx'"),
        (("nosuch",), "错误：没有命令 'nosuch'"),
        (("crawl", "--bogus"), "错误：没有选项 --bogus"),
        (("articles", "extra"), "错误：多余的参数：extra"),
    ],
)
def test_usage_mistakes_are_told_in_chinese(capsys, db, db_path: Path, argv: tuple[str, ...],
                                            first_line: str) -> None:
    code, err = run(capsys, "--db", str(db_path), *argv)
    lines = err.strip().splitlines()
    assert code == 2 and lines[0] == first_line
    assert len(lines) == 2 and lines[1].startswith("用 xinxi") and lines[1].endswith(" --help 查看用法。")
    assert "Traceback" not in err and "Usage" not in err


def test_a_mistyped_database_path_is_not_created(capsys, tmp_path: Path) -> None:
    typo = tmp_path / "xinix.db"
    code, err = run(capsys, "--db", str(typo), "articles")
    assert code == 2
    assert err.strip() == f"错误：数据库 {typo} 不存在（检查 --db，或先运行 xinxi crawl）"
    assert not typo.exists()


@pytest.mark.parametrize(
    ("stamp", "shown"),
    [
        ("2026-11-24T17:11:05+00:00", "2026-11-25 01:11"),   # after 16:00 UTC it is already tomorrow in 常州
        ("2026-11-24T02:00:00", "2026-11-24 10:00"),          # stored without a zone: UTC
        ("", ""),
        ("不是时间", "不是时间"),
    ],
)
def test_times_are_shown_in_local_time(stamp: str, shown: str) -> None:
    from tracker.cli import shown_time

    assert shown_time(stamp) == shown


@pytest.mark.parametrize(("argv", "line"), [
    (("crawl", "--site", "foo"), "错误：没有网站 'foo'；可选：czgh"),
    (("recrawl", "--column", "体育"), "错误：没有栏目 '体育'"),
])
def test_unknown_sites_and_columns_are_named(capsys, db, db_path: Path, argv: tuple[str, ...], line: str) -> None:
    code, err = run(capsys, "--db", str(db_path), *argv)
    assert code == 2 and err.strip() == line
