"""Untrusted text: control characters out, formulas neutralised."""

from __future__ import annotations

import pytest

from tracker.text import clean_or_none, plain_cell, strip_controls


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("普通标题", "普通标题"),
        ("a\x1b[31mb", "a[31mb"),
        ("响铃\x07与空字符\x00", "响铃与空字符"),
        ("制表\t换行\n保留", "制表\t换行\n保留"),
        ("Windows\r\n行尾\r旧Mac", "Windows\n行尾\n旧Mac"),
        ("C1\x85\x9b字符", "C1字符"),
        ("DEL\x7f", "DEL"),
        ("孤立代理\ud800", "孤立代理"),
        ("", ""),
    ],
)
def test_strip_controls(raw: str, clean: str) -> None:
    assert strip_controls(raw) == clean


def test_clean_or_none_keeps_none() -> None:
    assert clean_or_none(None) is None
    assert clean_or_none("a\x00") == "a"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("金坛区总工会", "金坛区总工会"),
        ("a=b", "a=b"),
        (3, 3),
        (None, None),
    ],
)
def test_plain_cell(value: object, cell: object) -> None:
    assert plain_cell(value) == cell
