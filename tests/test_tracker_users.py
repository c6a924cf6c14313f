"""Accounts on the command line, the publish guard of `xinxi snapshot publish`, bulk review in one transaction."""

from __future__ import annotations

import sqlite3

import pytest

from tracker import store, users
from tracker.attribution import review
from tracker.scores.snapshots import SnapshotError
from tracker.units import load_units


def test_user_commands(xinxi, db_path) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    store.open_db(db_path).close()
    from click.testing import CliRunner

    from tracker.cli import cli

    runner = CliRunner()

    def run(*args: str, stdin: str | None = None):
        return runner.invoke(cli, ["--db", str(db_path), *args], input=stdin)

    assert "已建账号 王芳（办公室）" in run("user", "add", "王芳", "--role", "office", "--password-stdin",
                                       stdin="long-enough-1\n").output
    made = run("user", "add", "wj", "--role", "unit", "--unit", "武进区总工会", "--by", "王芳", stdin="pw-123456\npw-123456\n")
    assert made.exit_code == 0 and "单位：武进区总工会" in made.output  # asked twice at the prompt
    assert run("user", "add", "王芳", "--role", "office", "--password-stdin", stdin="other-pass-1\n").exit_code != 0
    assert run("user", "add", "x1", "--role", "unit", "--password-stdin", stdin="long-enough-1\n").exit_code != 0
    assert run("user", "add", "x2", "--role", "office", "--password-stdin", stdin="short\n").exit_code != 0
    listed = run("user", "list").output
    assert "王芳" in listed and "武进区总工会" in listed and "x1" not in listed
    db = store.open_db(db_path)
    row = next(u for u in users.list_users(db) if u["name"] == "wj")
    assert row["created_by"] == "王芳" and "pw-123456" not in str(db.execute("SELECT * FROM users").fetchall())
    assert users.authenticate(db, "wj", "pw-123456").user is not None
    db.close()
    assert run("user", "passwd", "wj", "--password-stdin", stdin="new-password-2\n").exit_code == 0
    assert run("user", "disable", "wj").exit_code == 0
    db = store.open_db(db_path)
    assert users.authenticate(db, "wj", "new-password-2").user is None  # disabled, even with the right password
    db.close()
    assert "已停用" in run("user", "list").output


def test_user_errors_are_one_chinese_line(db_path, capsys) -> None:
    from tracker.cli import main

    store.open_db(db_path).close()
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", str(db_path), "user", "disable", "nobody"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip() == "错误：没有用户“nobody”"


def test_snapshot_publish_is_refused_while_articles_wait(xinxi, credited) -> None:
    credited += [
        {"id": 1, "url": "http://x/1.html", "title": "甲", "date": "2024-03-01", "columns": ["jcdt"], "unit_id": "wujin"},
        {"id": 2, "url": "http://x/2.html", "title": "乙", "date": "2024-03-02", "columns": ["jcdt"], "unit_id": None},
    ]
    refused = xinxi("snapshot", "publish", "2024", ok=False)
    assert isinstance(refused.exception, SnapshotError)
    assert "尚有 1 篇文章待人工审核" in str(refused.exception) and "--force --reason" in str(refused.exception)
    assert "须写明理由" in str(xinxi("snapshot", "publish", "2024", "--force", ok=False).exception)
    # Another period without waiting articles publishes as before.
    assert "已发布 2024Q2" in xinxi("snapshot", "publish", "2024Q2").stdout
    done = xinxi("snapshot", "publish", "2024", "--force", "--reason", "会议急用", "--by", "办公室")
    assert "发布时尚有 1 篇待审；理由已记录：会议急用" in done.stdout


def test_bulk_accept_of_many_articles_is_one_transaction(db_path, settings) -> None:
    db = store.open_db(db_path)
    n = 300
    store.save_batch(db, "czgh", None, [
        {"id": i, "url": f"http://x/{i}.html", "legacy": True, "title": f"戚墅堰某公司活动{i}", "date": "2016-08-01",
         "source": "总工会", "closing_bylines": [], "correspondents": [], "body": "", "column": "jcdt"}
        for i in range(1, n + 1)])
    registry = load_units(settings.config_dir)
    review.attribute_pending(db, registry)
    keys = store.queue_keys(db)
    assert len(keys) == n
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    result = review.bulk_accept(db, registry, keys, by="clerk")
    db.conn.set_trace_callback(None)
    assert result.done == n and not result.skipped
    assert sum(s.startswith("BEGIN") for s in statements) == 1
    assert store.queue_count(db) == 0
    assert {d["decided_by"] for d in store.recent_decisions(db, n)} == {"clerk"}
    # An article decided twice keeps one active decision, the older one closed, not deleted.
    again = review.bulk_assign(db, registry, keys[:5], "liyang", by="clerk")
    assert again.done == 0 and {why for *_, why in again.skipped} == {"已有人工决定"}
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO review_decisions (site, article_id, action, decided_by, decided_at) "
                   "VALUES ('czgh', 1, 'ignore', 'x', 'now')")
    db.close()


def test_web_warns_when_bound_beyond_this_machine() -> None:
    from tracker.cli.web_cmd import host_warning

    assert host_warning("127.0.0.1") is None and host_warning("localhost") is None
    assert "办公网" in host_warning("0.0.0.0") and "192.168.1.5" in host_warning("192.168.1.5")
