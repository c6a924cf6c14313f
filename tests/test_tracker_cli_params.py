"""Numbers and ids are range-checked where they enter the command line: one line naming the option, exit 2."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tracker.cli import cli

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (("score", "--year", "0"), "错误：--year 的值无效：年度应在 1900 到 2100 之间，实为 0"),
        (("report", "--year", "-5", "--xlsx", "x.xlsx"), "错误：--year 的值无效：年度应在 1900 到 2100 之间，实为 -5"),
        (("entry", "list", "--year", "99999999999"),
         "错误：--year 的值无效：年度应在 1900 到 2100 之间，实为 99999999999"),
        (("articles", "--limit", "9999999999999999999999"),
         "错误：--limit 的值无效：应为 1 到 9223372036854775807 之间的整数，实为 9999999999999999999999"),
        (("review", "list", "--limit", "0"), "错误：--limit 的值无效：应为 1 到 9223372036854775807 之间的整数，实为 0"),
        (("runs", "--limit", "-1"), "错误：--limit 的值无效：应为 1 到 9223372036854775807 之间的整数，实为 -1"),
        (("status", "--limit", HUGE), f"错误：--limit 的值无效：应为 1 到 9223372036854775807 之间的整数，实为 {HUGE}"),
        (("review", "assign", HUGE, "office"),
         f"错误：文章 的值无效：文章编号应在 1 到 9223372036854775807 之间，实为 {HUGE}"),
        (("review", "show", f"czgh/{HUGE}"),
         f"错误：文章 的值无效：文章编号应在 1 到 9223372036854775807 之间，实为 czgh/{HUGE}"),
        (("review", "ignore", HUGE, "--reason", "x"),
         f"错误：文章 的值无效：文章编号应在 1 到 9223372036854775807 之间，实为 {HUGE}"),
        (("flag", "set", f"czgh/{HUGE}", "--experience"),
         f"错误：文章 的值无效：文章编号应在 1 到 9223372036854775807 之间，实为 czgh/{HUGE}"),
        (("flag", "clear", f"czgh/{HUGE}"),
         f"错误：文章 的值无效：文章编号应在 1 到 9223372036854775807 之间，实为 czgh/{HUGE}"),
        (("entry", "remove", HUGE, "--reason", "x"),
         f"错误：录入编号 的值无效：编号应在 1 到 9223372036854775807 之间，实为 {HUGE}"),
        (("entry", "history", f"#{HUGE}"),
         f"错误：录入编号 的值无效：编号应在 1 到 9223372036854775807 之间，实为 #{HUGE}"),
    ],
)
def test_out_of_range_numbers_are_one_line(db, db_path, argv: tuple[str, ...], line: str) -> None:
    result = CliRunner().invoke(cli, ["--db", str(db_path), *argv])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == [line]
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_ids_at_the_edge_of_the_range_reach_the_store(db, xinxi) -> None:
    """The largest id SQLite holds is accepted and looked up (not found), not refused as out of range."""
    result = xinxi("flag", "set", f"czgh/{2**63 - 1}", "--experience", ok=False)
    assert result.exit_code != 0 and "没有文章" in str(result.exception)
    result = xinxi("entry", "remove", str(2**63 - 1), "--reason", "x", ok=False)
    assert "没有录入记录" in str(result.exception)


@pytest.mark.parametrize("argv", [("score", "--period", "0000Q1"), ("snapshot", "publish", "0000"),
                                  ("score", "--period", "0000-01")])
def test_a_period_in_year_zero_is_one_line(capsys, db, db_path, argv: tuple[str, ...]) -> None:
    from tracker.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--db", str(db_path), *argv])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.splitlines() == [f"错误：没有 0 年：“{argv[-1]}”"]
