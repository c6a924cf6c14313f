"""Backup while a writer is busy, the integrity and schema check, `xinxi status`, and the ops settings."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlite_utils import Database

from tracker import store
from tracker.config import DEFAULT_CONFIG_DIR, ConfigError, Settings, load_settings
from tracker.ops import health
from tracker.ops import maintenance as ops
from tracker.ops.lock import acquire
from tracker.ops.settings import load_ops


def add_articles(db: Database, ids: range) -> None:
    store.save_batch(db, "czgh", None, [
        {"id": i, "url": f"http://x/{i}.html", "title": f"标题{i}", "date": "2025-03-08", "source": "武进区总工会",
         "body": "正文" * 50, "column": "jcdt"} for i in ids])


def count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.close()


def test_backup_is_consistent_while_another_connection_writes(db: Database, db_path: Path, tmp_path: Path) -> None:
    add_articles(db, range(1, 201))
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        other = store.open_db(db_path)
        try:
            i = 1000
            while not stop.is_set():
                add_articles(other, range(i, i + 10))  # one transaction of ten
                written.append(i)
                i += 10
        finally:
            other.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 3:
            threading.Event().wait(0.01)
        result = ops.backup(db_path, tmp_path / "copy.db")
    finally:
        stop.set()
        thread.join()
    assert result.integrity == "ok" and result.size > 0
    copied = count(result.path)
    assert copied >= 200 + 30 and (copied - 200) % 10 == 0  # whole transactions only
    assert not list(tmp_path.glob(".*.partial"))
    assert ops.check(result.path).ok  # the copy is a complete database with the full schema


def test_backup_names_a_file_in_a_directory_and_will_not_overwrite(db: Database, db_path: Path,
                                                                    tmp_path: Path) -> None:
    target_dir = tmp_path / "backups"
    target_dir.mkdir()
    first = ops.backup(db_path, target_dir, now=datetime(2025, 3, 10, 3, 0))
    assert first.path == target_dir / "xinxi-20250310-030000.db"
    with pytest.raises(ops.BackupError, match="已存在"):
        ops.backup(db_path, first.path)
    add_articles(db, range(1, 3))
    assert count(ops.backup(db_path, first.path, overwrite=True).path) == 2
    with pytest.raises(ops.BackupError, match="不存在"):
        ops.backup(tmp_path / "missing.db", tmp_path / "x.db")


def test_backup_to_a_place_it_cannot_write_is_one_line_without_a_traceback(db: Database, db_path: Path,
                                                                            tmp_path: Path) -> None:
    add_articles(db, range(1, 3))
    not_a_dir = tmp_path / "notes.txt"
    not_a_dir.write_text("x", encoding="utf-8")
    with pytest.raises(ops.BackupError, match="notes.txt 不是目录"):
        ops.backup(db_path, not_a_dir / "x.db")
    # SQLite itself cannot create the copy (here: a directory sits where the partial file goes).
    (tmp_path / ".y.db.partial").mkdir()
    with pytest.raises(ops.BackupError, match="备份到 .*y.db 失败：无法创建或打开文件"):
        ops.backup(db_path, tmp_path / "y.db")
    assert not (tmp_path / "y.db").exists()
    xinxi = Path(sys.executable).parent / "xinxi"
    for dest in (not_a_dir / "x.db", tmp_path / "y.db"):
        result = subprocess.run([str(xinxi), "--db", str(db_path), "backup", str(dest)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("错误：") and len(result.stderr.strip().splitlines()) == 1


def test_backup_into_a_directory_nobody_may_write_is_refused(db: Database, db_path: Path) -> None:
    # /proc takes no new files, whoever asks (root included): the copy cannot even be started.
    with pytest.raises(ops.BackupError, match="备份到 /proc/.*失败：无法创建或打开文件"):
        ops.backup(db_path, Path("/proc"))
    assert not list(Path("/proc").glob("xinxi-*.db*"))


def test_check_passes_a_fresh_database(db: Database, db_path: Path) -> None:
    report = ops.check(db_path)
    assert report == ops.CheckReport(("ok",), (), (), ())
    assert {"articles", "runs", "run_columns", "run_lock", "warnings", "run_steps"} <= set(ops.expected_schema())


def test_check_names_missing_tables_columns_and_migrations(db: Database, db_path: Path) -> None:
    db.execute("DROP TABLE warnings")
    db.execute("ALTER TABLE runs DROP COLUMN parent_id")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm004_operations'")
    db.conn.commit()
    report = ops.check(db_path)
    assert not report.ok
    assert report.missing_tables == ("warnings",)
    assert report.missing_columns == ("runs.parent_id",)
    assert report.pending_migrations == ("m004_operations",)


def test_check_reports_a_damaged_file(db: Database, db_path: Path, tmp_path: Path) -> None:
    add_articles(db, range(1, 400))
    copy = ops.backup(db_path, tmp_path / "copy.db").path
    data = bytearray(copy.read_bytes())
    data[4096 * 3: 4096 * 6] = b"\xff" * (4096 * 3)  # overwrite pages in the middle
    copy.write_bytes(bytes(data))
    report = ops.check(copy)
    assert not report.ok and report.integrity != ("ok",)


def test_cli_backup_and_check(db: Database, db_path: Path, tmp_path: Path, xinxi: Any) -> None:
    add_articles(db, range(1, 5))
    result = xinxi("backup", str(tmp_path / "b.db"))
    assert f"已备份到 {tmp_path / 'b.db'}" in result.output and "完整性检查通过" in result.output
    assert xinxi("backup", str(tmp_path / "b.db"), ok=False).exit_code != 0
    # A dated name in the office's time zone, whatever the machine's own zone.
    shanghai = ZoneInfo("Asia/Shanghai")
    before = datetime.now(shanghai).strftime("%Y%m%d-%H%M")
    xinxi("backup", str(tmp_path))
    after = datetime.now(shanghai).strftime("%Y%m%d-%H%M")
    [dated] = [p.name for p in tmp_path.glob("xinxi-*.db")]
    assert dated[len("xinxi-"):len("xinxi-") + 13] in {before, after}
    assert "结论：正常" in xinxi("check").output
    db.execute("DROP TABLE run_steps")
    db.conn.commit()
    broken = xinxi("check", ok=False)
    assert broken.exit_code == 1 and "缺少的表：run_steps" in broken.output


def test_cli_status_shows_runs_warnings_lock_and_next_run(db: Database, settings: Settings, xinxi: Any) -> None:
    run_id = store.start_run(db, "nightly", trigger="schedule")
    store.finish_run(db, run_id, "failed", "抓取：常州市总工会：无法访问")
    health.record(db, [health.run_finding(store.get_run(db, run_id), settings.tz)], run_id)
    acquire(db, "手动抓取")
    out = xinxi("status").output
    assert "调度程序：没有在运行" in out
    assert "下次运行：" in out and "02:30（北京时间）" in out
    assert "运行锁：手动抓取 持有" in out
    [row] = [line for line in out.splitlines() if "夜间任务·定时" in line]
    assert row.split()[0] == str(run_id) and "失败" in row.split()
    assert f"运行 #{run_id} 的错误：抓取：常州市总工会：无法访问" in out
    assert "未解决的提醒（1 条）" in out and f"夜间运行 #{run_id}" in out


def test_status_library_view(db: Database, settings: Settings) -> None:
    ops_settings = load_ops(settings, env={})
    now = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
    assert ops.status(db, ops_settings, now).review_queue == 0
    add_articles(db, range(1, 3))
    db["attributions"].insert_all([{"site": "czgh", "article_id": 1, "needs_review": 1},
                                   {"site": "czgh", "article_id": 2, "needs_review": 0}])
    st = ops.status(db, ops_settings, now)
    assert st.review_queue == 1 and st.lock is None and st.scheduler is None and st.runs == ()
    assert st.next_run == datetime(2025, 3, 10, 18, 30, tzinfo=UTC)  # 02:30 on the 11th in Shanghai


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('time = "02:30"', 'time = "25:00"', "schedule.time"),
        ('days = "*"', 'days = "weekdays"', "schedule.days"),
        ("misfire_grace_hours = 6", "misfire_grace_hours = 0", "schedule.misfire_grace_hours"),
        ("parse_failure_jump = 0.2", "parse_failure_jump = 20", "health.parse_failure_jump"),
        ('min_level = "warning"', 'min_level = "info"', "alerts.min_level"),
        ("# 单个网站另设天数：stale_days_by_site = { czgh = 14 }", "stale_days_by_site = { gsl = 14 }", "health.stale_days_by_site.gsl"),
        ("misfire_grace_hours = 6", "misfire_grace_hour = 12", "schedule.misfire_grace_hour"),
        ("heartbeat_seconds = 60", "heartbeat_seconds = 3600", "schedule.heartbeat_seconds"),
        ('min_level = "warning"', 'minlevel = "error"', "alerts.minlevel"),
        ("baseline_runs = 5", "baseline_run = 5", "health.baseline_run"),
    ],
)
def test_a_bad_ops_setting_names_file_and_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    path = config / "settings.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    settings = load_settings(config, env={})
    with pytest.raises(ConfigError) as caught:
        load_ops(settings, env={})
    assert caught.value.key == key and caught.value.path == path


def test_backup_into_a_folder_written_with_a_slash_creates_it(db: Database, db_path: Path, tmp_path: Path,
                                                               xinxi: Any) -> None:
    add_articles(db, range(1, 4))
    folder = tmp_path / "备份"
    result = xinxi("backup", f"{folder}/")
    assert result.output.splitlines()[0] == f"已新建文件夹 {folder}"
    [copy] = folder.glob("xinxi-*.db")
    assert count(copy) == 3 and not (tmp_path / "备份.db").exists()
    # Two levels that do not exist, or a file where the folder should be: refused in one line.
    deeper = xinxi("backup", f"{tmp_path / 'a' / 'b'}/", ok=False)
    assert "无法新建文件夹" in str(deeper.exception) and "上一级目录" in str(deeper.exception)
    assert not (tmp_path / "a").exists()
    (tmp_path / "notes").write_text("x", encoding="utf-8")
    blocked = xinxi("backup", f"{tmp_path / 'notes'}/", ok=False)
    assert "是文件，不是文件夹" in str(blocked.exception)
    assert (tmp_path / "notes").read_text(encoding="utf-8") == "x"


def test_source_filter_is_text_not_a_wildcard(db: Database, xinxi: Any) -> None:
    store.save_batch(db, "czgh", None, [
        {"id": i, "url": f"http://x/{i}.html", "title": f"标题{i}", "date": "2025-03-08", "source": source,
         "column": "jcdt"} for i, source in ((1, "武进区总工会"), (2, "100%工会"), (3, "a_b工会"))])
    import json

    def ids(text: str) -> list[int]:
        return sorted(r["id"] for r in json.loads(xinxi("articles", "--source", text, "--json").output))

    assert ids("%") == [2]
    assert ids("_") == [3]
    assert ids("工会") == [1, 2, 3]
    assert ids("武进") == [1]


def test_a_backup_is_recorded_and_takes_the_notice_files_along(db: Database, db_path: Path, tmp_path: Path,
                                                                xinxi: Any) -> None:
    from tracker.store import notices as records

    add_articles(db, range(1, 3))
    raw = records.files_dir(db_path)
    first = records.write_raw(raw, "通报一".encode())
    elsewhere = tmp_path / "备份"
    elsewhere.mkdir()
    out = xinxi("backup", f"{elsewhere}/").output
    assert "通报原件 1 个" in out and "本次新复制 1 个" in out
    assert (elsewhere / "notice_files" / first).read_bytes() == "通报一".encode()
    second = records.write_raw(raw, "通报二".encode())
    result = ops.backup(db_path, elsewhere / "b.db")
    assert (result.notice_files, result.notice_files_new) == (2, 1)
    assert (elsewhere / "notice_files" / second).exists()
    # Each backup is a run of its own: the status page and `runs` say when the last one was made.
    runs = [r for r in store.list_runs(db) if r["kind"] == "backup"]
    assert len(runs) == 2 and {r["status"] for r in runs} == {"ok"}
    assert json.loads(store.last_run(db, "backup")["args"])["path"] == str(elsewhere / "b.db")


def test_a_backup_beside_the_database_copies_no_notice_file_onto_itself(db: Database, db_path: Path) -> None:
    from tracker.store import notices as records

    records.write_raw(records.files_dir(db_path), b"x")
    result = ops.backup(db_path, db_path.parent / "copy.db")
    assert (result.notice_files, result.notice_files_new) == (1, 0)
