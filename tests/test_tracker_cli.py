"""The command's own frame: mistakes get one Chinese line and exit 2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
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
        (("review", "ignore", "1"), "错误：缺少选项 --reason"),
        (("review", "assign"), "错误：缺少参数 文章"),
        (("score", "--year", "abc"), "错误：--year 的值无效：“abc”不是整数"),
        (("articles", "--since", "2024-13-01"),
         "错误：--since 的值无效：日期应写作 YYYY-MM-DD，例如 2024-03-01，实为 “2024-13-01”"),
        (("score", "--year", "2016", "--format", "pdf"),
         "错误：--format 的值无效：“pdf”不是可选值之一：table、csv、json、xlsx"),
        (("nosuch",), "错误：没有命令 nosuch"),
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


def test_a_mistyped_database_path_is_not_created(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)   # no data/demo/xinxi.db here, so no hint about it
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


COLUMNS = ("jcdt（基层动态）、tpxw（图片新闻）、ghyw（工会要闻）、ghxw（工会新闻）、bzgz（保障工作）、mzgl（民主管理）、"
           "jjjs（经济技术）、ngz（女职工）、jsgh_jcdt（基层动态）、jsgh_tzgg（通知公告）、jsghfw_144（工会动态）")


@pytest.mark.parametrize("argv", [("crawl", "--site", "foo"), ("recrawl", "--site", "foo"), ("failures", "--site", "foo")])
def test_unknown_sites_are_named(capsys, db, db_path: Path, argv: tuple[str, ...]) -> None:
    code, err = run(capsys, "--db", str(db_path), *argv)
    assert code == 2 and err.splitlines()[0] == "错误：--site 的值无效：没有网站“foo”；可选：czgh、jsgh、jsghfw"


@pytest.mark.parametrize("argv", [("recrawl", "--column", "体育"), ("articles", "--column", "体育")])
def test_unknown_columns_are_named(capsys, db, db_path: Path, argv: tuple[str, ...]) -> None:
    code, err = run(capsys, "--db", str(db_path), *argv)
    assert code == 2 and err.splitlines()[0] == f"错误：--column 的值无效：没有栏目“体育”；可选：{COLUMNS}"


# --- a --db that cannot be used: one line naming the file, exit 2, for every command ------------------


def _one_line(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, err = run(capsys, *argv)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("argv", [("articles",), ("entry", "list"), ("review", "list"), ("status",),
                                  ("flag", "set", "czgh/1", "--experience"), ("score", "--year", "2024")])
def test_a_file_that_is_not_sqlite_is_refused(capsys, tmp_path: Path, argv: tuple[str, ...]) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("这是一份笔记，不是数据库。\n" * 50, encoding="utf-8")
    line = _one_line(capsys, "--db", str(notes), *argv)
    assert line.startswith(f"错误：数据库 {notes} 不是 xinxi 的数据库（不是 SQLite 文件）")
    assert notes.read_text(encoding="utf-8").startswith("这是一份笔记")


@pytest.mark.parametrize("argv", [("articles",), ("entry", "list"), ("crawl",), ("check",)])
def test_a_directory_is_refused(capsys, tmp_path: Path, argv: tuple[str, ...]) -> None:
    line = _one_line(capsys, "--db", str(tmp_path), *argv)
    assert line == f"错误：数据库 {tmp_path} 是一个文件夹，不是数据库文件（检查 --db）"


def test_a_read_only_database_is_refused(capsys, tmp_path: Path) -> None:
    import os
    import tempfile

    from tracker import store

    folder = Path(tempfile.mkdtemp(prefix="xinxi-ro-"))
    try:
        path = folder / "ro.db"
        store.open_db(path).close()
        for f in folder.iterdir():
            f.chmod(0o444)
        folder.chmod(0o555)
        # root writes through file modes: drop to nobody for the command, as an office account would be
        euid = os.geteuid()
        if euid == 0:
            os.seteuid(65534)
        try:
            line = _one_line(capsys, "--db", str(path), "entry", "add", "--unit", "wujin", "--kind", "信息工作活动",
                             "--date", "2024-03-01", "--title", "标题", "--evidence", "文号")
        finally:
            if euid == 0:
                os.seteuid(0)
        assert line.startswith(f"错误：数据库 {path} 是只读的，无法写入")
    finally:
        folder.chmod(0o755)
        for f in folder.iterdir():
            f.unlink()
        folder.rmdir()


def test_a_locked_database_is_refused_after_the_timeout(capsys, monkeypatch, db, db_path: Path) -> None:
    import sqlite3

    from tracker import store

    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program in the middle of a write
    try:
        line = _one_line(capsys, "--db", str(db_path), "entry", "add", "--unit", "wujin", "--kind", "信息工作活动",
                         "--date", "2024-03-01", "--title", "标题", "--evidence", "文号")
    finally:
        holder.rollback()
        holder.close()
    assert line.startswith(f"错误：数据库 {db_path} 被另一个程序占用，等待超时")
    assert store.list_entries(db) == []


def test_a_database_from_a_newer_version_is_refused_by_every_command(capsys, db, db_path: Path) -> None:
    db["_sqlite_migrations"].insert({"migration_set": "xinxi", "name": "m999_from_the_future",
                                     "applied_at": "2030-01-01 00:00:00"})
    for argv in (("articles",), ("entry", "list"), ("review", "list"), ("attribute",), ("status",),
                 ("score", "--year", "2024"), ("crawl", "--site", "czgh")):
        line = _one_line(capsys, "--db", str(db_path), *argv)
        assert line.startswith(f"错误：数据库 {db_path} 由更新版本的 xinxi 建立或升级过"), argv
        assert "m999_from_the_future" in line
    code, out = 0, ""
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", str(db_path), "check"])
    code, out = exit_info.value.code, capsys.readouterr().out
    assert code == 1 and "结论：有问题" in out and "正常" not in out.splitlines()[-1]
    assert "m999_from_the_future" in out


def test_a_full_disk_is_told_in_words(db, db_path: Path) -> None:
    """SQLite's own SQLITE_FULL (a page limit stands in for the disk), in the one line the office reads."""
    import sqlite3

    from tracker.cli import database_problem

    conn = sqlite3.connect(db_path)
    try:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(sqlite3.Error) as caught:
            conn.execute("CREATE TABLE filler (x)")
            conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 4000,)] * 100)
            conn.commit()
    finally:
        conn.close()
    problem = database_problem(caught.value, db_path)
    assert str(problem) == (f"数据库 {db_path} 无法写入：磁盘已满（腾出空间后再试；已存的数据不受影响）"
                            f"［{caught.value}］")


def test_another_programs_sqlite_file_is_left_alone(capsys, tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "contacts.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.execute("INSERT INTO contacts VALUES ('张三')")
    conn.commit()
    conn.close()
    for argv in (("crawl",), ("articles",), ("entry", "list")):
        line = _one_line(capsys, "--db", str(other), *argv)
        assert line == (f"错误：数据库 {other} 是别的程序的 SQLite 文件（其中有表 contacts，但没有 xinxi 的结构记录），"
                        "请检查 --db")
    conn = sqlite3.connect(other)
    try:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["contacts"]
    finally:
        conn.close()


# --- what a new engineer met walking every command ---------------------------------------------------


def test_history_of_an_entry_that_does_not_exist_says_so(capsys, db, db_path: Path) -> None:
    assert run(capsys, "--db", str(db_path), "entry", "history", "999") == (
        2, "错误：没有录入 #999（见 xinxi entry list --all）\n")


def test_a_password_prompt_without_a_terminal_says_what_to_do(db, db_path: Path) -> None:
    # A real process whose standard input is not a terminal: no English getpass warning, one Chinese line.
    result = subprocess.run([str(Path(sys.executable).parent / "xinxi"), "--db", str(db_path), "user", "add", "x", "--role",
                             "office"], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == "错误：没有读到密码（标准输入不是终端）：在终端里运行，或加 --password-stdin 从标准输入送入密码\n"


def test_a_page_the_site_blocked_is_listed_in_chinese(db, db_path: Path) -> None:
    from click.testing import CliRunner

    from tracker import store
    from tracker.cli import cli

    url = "https://www.jsgh.org/art/2016/7/4/art_3577_80063.html"
    store.save_batch(db, "jsgh", None, failures=[{"article_id": 80063, "url": url, "kind": "blocked",
                                                  "detail": "HTTP 403：网站拒绝访问", "status": 403}])
    table = CliRunner().invoke(cli, ["--db", str(db_path), "failures"], terminal_width=200).output
    assert "被网站拦截" in table and "blocked" not in table


def test_a_missing_database_points_to_the_demo_data_when_there_is_some(capsys, tmp_path: Path, monkeypatch) -> None:
    from tracker import store
    from tracker.config import DEFAULT_CONFIG_DIR

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("XINXI_DB", raising=False)
    argv = ("--config", str(DEFAULT_CONFIG_DIR), "--db", "data/xinxi.db", "status")
    assert run(capsys, *argv) == (2, "错误：数据库 data/xinxi.db 不存在（检查 --db，或先运行 xinxi crawl）\n")
    (tmp_path / "data" / "demo").mkdir(parents=True)
    store.open_db(tmp_path / "data" / "demo" / "xinxi.db").close()
    assert run(capsys, *argv) == (2, "错误：数据库 data/xinxi.db 不存在（检查 --db，或先运行 xinxi crawl）；要接着用演示的数据："
                                     "export XINXI_DB=data/demo/xinxi.db，或加 --db data/demo/xinxi.db\n")


def test_a_column_name_two_sites_share_means_the_first_sites(xinxi, credited) -> None:
    # 基层动态 is jcdt on the municipal site and jsgh_jcdt on the provincial one; recrawl takes the first too.
    credited.append({"id": 7001, "url": "http://x/7001", "date": "2024-03-01", "title": "市里的稿件",
                     "columns": ["jcdt"], "unit_id": "wujin"})
    credited.append({"site": "jsgh", "id": 80001, "url": "http://y/80001", "date": "2024-03-02", "title": "省里的稿件",
                     "columns": ["jsgh_jcdt"], "unit_id": "wujin"})
    listed = json.loads(xinxi("articles", "--column", "基层动态", "--json").stdout)
    assert [(a["site"], a["id"]) for a in listed] == [("czgh", 7001)]
    listed = json.loads(xinxi("articles", "--column", "jsgh_jcdt", "--json").stdout)
    assert [(a["site"], a["id"]) for a in listed] == [("jsgh", 80001)]
