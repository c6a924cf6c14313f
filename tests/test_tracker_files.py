"""Files written whole or not at all: a failure, a full disk or a kill keeps the previous file."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tracker import files, store

XINXI = Path(sys.executable).parent / "xinxi"
UNITS = ("wujin", "jintan", "xinbei")


def store_articles(db_path: Path, count: int, *, first: int = 1) -> None:
    """`count` attributed 2024 articles, stored in one batch (a large year's report)."""
    db = store.open_db(db_path)
    try:
        ids = range(first, first + count)
        store.save_batch(db, "czgh", None, [
            {"id": i, "url": f"https://czgh.jscz.org.cn/html/czgh/2024/KEBQLDDJ_0311/{i}.html", "legacy": True,
             "title": f"基层工会信息第{i}篇", "date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", "column": "jcdt"}
            for i in ids])
        store.save_attributions(db, [
            {"site": "czgh", "article_id": i, "unit_id": UNITS[i % 3], "method": "source", "confidence": 1.0,
             "evidence": "来源", "suggestions": "[]", "needs_review": 0} for i in ids])
    finally:
        db.close()


def report(db_path: Path, xlsx: Path, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(XINXI), "--db", str(db_path), "report", "--year", "2024", "--live",
                           "--xlsx", str(xlsx)], capture_output=True, text=True, timeout=300, **kwargs)


def temps(folder: Path) -> list[Path]:
    return sorted(folder.glob(f".*{files.TEMP_SUFFIX}"))


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "报表.xlsx"
    target.write_bytes(b"previous good file")
    with pytest.raises(RuntimeError), files.atomic_path(target) as temp:
        temp.write_bytes(b"half a new fi")
        raise RuntimeError("the writer failed")
    assert target.read_bytes() == b"previous good file"
    assert temps(tmp_path) == []
    files.write_text(target, "新内容")
    assert target.read_text(encoding="utf-8") == "新内容" and temps(tmp_path) == []


def test_the_new_file_keeps_the_old_ones_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    files.write_text(target, "new")
    assert (target.stat().st_mode & 0o777, target.read_text(encoding="utf-8")) == (0o640, "new")


def test_a_folder_as_target_is_refused_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError), files.atomic_path(tmp_path):
        pytest.fail("the block must not run")


def test_a_temporary_file_left_by_a_dead_writer_is_removed_by_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "r.xlsx"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = target.with_name(f".{target.name}.{dead.pid}{files.TEMP_SUFFIX}")
    orphan.write_bytes(b"partial")
    alive = target.with_name(f".{target.name}.1{files.TEMP_SUFFIX}")  # pid 1 is always alive
    alive.write_bytes(b"someone else's write in progress")
    files.write_text(target, "x")
    assert not orphan.exists() and alive.exists()


def test_kill_during_report_keeps_the_previous_workbook(tmp_path: Path) -> None:
    db_path, xlsx = tmp_path / "xinxi.db", tmp_path / "报表.xlsx"
    store_articles(db_path, 30)
    assert report(db_path, xlsx).returncode == 0
    good = xlsx.read_bytes()
    store_articles(db_path, 15_000, first=1000)  # a large year: the workbook takes a while to write

    spool = tmp_path / "spool"  # openpyxl's own row files, which a killed process leaves behind
    spool.mkdir()
    proc = subprocess.Popen([str(XINXI), "--db", str(db_path), "report", "--year", "2024", "--live",
                             "--xlsx", str(xlsx)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "TMPDIR": str(spool)})
    temp = xlsx.with_name(f".{xlsx.name}.{proc.pid}{files.TEMP_SUFFIX}")
    deadline = time.monotonic() + 120
    # Mid-write: the temporary workbook has started to receive its zip data.
    while not (temp.exists() and temp.stat().st_size > 0):
        assert proc.poll() is None, "the report finished before it could be killed"
        assert time.monotonic() < deadline, "the report never started writing"
        time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL

    assert xlsx.read_bytes() == good
    assert load_workbook(xlsx)["排名"]["A1"].value.endswith("排名")
    assert temp.exists()  # a killed process cannot clean up: the next write of the report does
    again = report(db_path, xlsx)
    assert again.returncode == 0, again.stderr
    assert not temp.exists() and temps(tmp_path) == []
    assert len(list(load_workbook(xlsx, read_only=True)["明细"].iter_rows(min_row=3))) > 15_000


def _file_size_limit() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))


@contextmanager
def small_disk(folder: Path, how: str) -> Iterator[dict]:
    """`folder` on a real 256 KB filesystem (tmpfs, needs root), or a 256 KB file-size limit for the writer.

    Yields the extra arguments for the process that writes into the folder.
    """
    folder.mkdir()
    if how == "rlimit":
        yield {"preexec_fn": _file_size_limit}
        return
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a small filesystem needs root; the file-size limit case covers the rest")
    try:
        yield {}
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("how", ["tmpfs", "rlimit"])
def test_a_full_disk_during_report_keeps_the_previous_workbook(tmp_path: Path, how: str) -> None:
    db_path, folder = tmp_path / "xinxi.db", tmp_path / "small"
    store_articles(db_path, 30)
    with small_disk(folder, how) as limits:
        xlsx = folder / "报表.xlsx"
        assert report(db_path, xlsx).returncode == 0
        good = xlsx.read_bytes()
        store_articles(db_path, 10_000, first=1000)  # a workbook of about 450 KB does not fit
        result = report(db_path, xlsx, **limits)
        assert result.returncode == 2
        assert result.stderr.startswith("错误：无法写入") and "报表.xlsx：磁盘空间不足" in result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert xlsx.read_bytes() == good
        assert temps(folder) == []
