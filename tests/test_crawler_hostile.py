"""Real crawls against a hostile site on 127.0.0.1: every fault ends as a recorded failure or a bound, the
good articles are stored, and attribution and scoring still run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import hostile_site as hs
import pytest
from click.testing import CliRunner

from tracker import store
from tracker.cli import cli
from tracker.config import DEFAULT_CONFIG_DIR, Settings, load_settings
from tracker.ops import runs
from tracker.text import strip_controls

CEILING = 6
XINXI = str(Path(sys.executable).parent / "xinxi")


@pytest.fixture
def hostile():
    with hs.HostileServer() as server:
        yield server


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """The project's config with small bounds, so that each is reached quickly."""
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    sites = target / "sites.toml"
    text = sites.read_text(encoding="utf-8")
    for key, value in (("retry_times", 1), ("list_page_ceiling", CEILING), ("retry_nights", 2)):
        text = text.replace(f"\n{key} = ", f"\n{key} = {value}  # ", 1)
    sites.write_text(text, encoding="utf-8")
    return target


def settings_for(server: hs.HostileServer, config_dir: Path, db_path: Path) -> Settings:
    return load_settings(config_dir, db=db_path, base_urls={"czgh": server.base_url}, env={})


def night(settings: Settings) -> dict:
    outcome = runs.crawl(settings, runs.CrawlRequest(sites=("czgh",), polite=False))
    db = store.open_db(settings.db_path)
    try:
        return store.get_run(db, outcome.sites[0].run_id)
    finally:
        db.close()


def rows(db_path: Path, sql: str, params: tuple = ()) -> list[dict]:
    db = store.open_db(db_path)
    try:
        return [dict(r) for r in db.query(sql, params)]
    finally:
        db.close()


def failures(db_path: Path) -> dict[str, dict]:
    return {f["url"].rsplit("/", 1)[-1]: f for f in rows(db_path, "SELECT * FROM failures")}


def xinxi(config_dir: Path, db_path: Path, *args: str):
    return CliRunner().invoke(cli, ["--config", str(config_dir), "--db", str(db_path), *args])


def test_every_fault_is_a_recorded_failure_and_the_good_articles_are_stored(hostile, config_dir, db_path) -> None:
    settings = settings_for(hostile, config_dir, db_path)
    run = night(settings)

    stored = {r["id"]: r for r in rows(db_path, "SELECT * FROM articles")}
    assert set(stored) == {*hs.GOOD, hs.CONTROLS, hs.BYLINES}
    # Control characters never reach the store.
    assert stored[hs.CONTROLS]["title"] == "控制[31m字符标题" and stored[hs.CONTROLS]["source"] == "金坛区总工会"
    assert all(strip_controls(r["title"]) == r["title"] for r in stored.values())
    # 5,000 closing bylines are capped.
    assert len(json.loads(stored[hs.BYLINES]["closing_bylines"])) == 20

    found = failures(db_path)
    expect = {
        f"{hs.HUGE}.html": ("invalid", None), f"{hs.BAD_DATE}.html": ("parse", hs.BAD_DATE),
        f"{hs.OTHER_HOST}.html": ("host", None), f"{hs.AWAY}.html": ("host", hs.AWAY),
        f"{hs.LOOP}.html": ("redirect", hs.LOOP), f"{hs.DEEP}.html": ("depth", hs.DEEP),
        f"{hs.BOMB}.html": ("size", hs.BOMB), f"{hs.FLAKY}.html": ("http", hs.FLAKY),
        f"{hs.DEAD}.html": ("http", hs.DEAD), f"{hs.NO_TITLE}.html": ("parse", hs.NO_TITLE),
    }
    assert {name: (f["kind"], f["article_id"]) for name, f in found.items()} == expect
    assert "2024-02-30" in found[f"{hs.BAD_DATE}.html"]["detail"]
    assert found[f"{hs.OTHER_HOST}.html"]["url"].startswith(f"http://{hs.OTHER}:")
    # Only passing failures (503) are due again, on a later night.
    assert {name for name, f in found.items() if f["retry_at"]} == {f"{hs.FLAKY}.html", f"{hs.DEAD}.html"}
    # The other host was never asked for anything.
    assert not any(hs.OTHER in path for path in hostile.state.counts)

    # The run finished, counted each failure, and says which bounds it reached.
    assert run["status"] == "limited"
    assert run["parse_failures"] == 2 and run["errors"] == len(expect) - 2
    assert run["columns"]["ghyw"]["list_pages"] == CEILING
    assert f"翻到上限 {CEILING} 页" in run["bounds"] and "超过大小上限" in run["bounds"]
    assert "嵌套过深" in run["bounds"]

    # Later steps go on over what was stored.
    attributed = xinxi(config_dir, db_path, "attribute")
    assert attributed.exit_code == 0, attributed.output
    scored = xinxi(config_dir, db_path, "score", "--year", "2024", "--format", "json")
    assert scored.exit_code == 0, scored.output
    points = {line["unit_id"]: line["total"] for line in json.loads(scored.output)}
    assert points["liyang"] > 0 and points["jintan"] > 0

    listed = xinxi(config_dir, db_path, "failures")
    assert listed.exit_code == 0 and "其他主机" in listed.output and "页面过大" in listed.output
    shown = xinxi(config_dir, db_path, "runs")
    assert "达到上限" in shown.output and f"翻到上限 {CEILING} 页" in shown.output
    status = xinxi(config_dir, db_path, "status")
    assert status.exit_code == 0 and f"翻到上限 {CEILING} 页" in status.output


def test_a_server_error_is_fetched_again_on_a_later_night_until_the_nights_run_out(
        hostile, config_dir, db_path) -> None:
    settings = settings_for(hostile, config_dir, db_path)
    night(settings)
    flaky, dead = hs.article_path(hs.FLAKY), hs.article_path(hs.DEAD)
    assert hostile.state.counts[flaky] == 2   # one retry within the run

    # The same night again: not due yet, so not asked for.
    night(settings)
    assert hostile.state.counts[flaky] == 2

    # The next night: due. The flaky page answers now; the dead one fails its last night.
    db = store.open_db(db_path)
    db.execute("UPDATE failures SET retry_at = '2000-01-01T00:00:00+00:00' WHERE retry_at IS NOT NULL")
    db.conn.commit()
    db.close()
    hostile.state.healed = True
    run = night(settings)
    assert hostile.state.counts[flaky] == 3
    assert rows(db_path, "SELECT title FROM articles WHERE id = ?", (hs.FLAKY,)) == [{"title": "终于打开的文章"}]
    assert f"{hs.FLAKY}.html" not in failures(db_path)
    given_up = failures(db_path)[f"{hs.DEAD}.html"]
    assert given_up["attempts"] == 2 and given_up["retry_at"] is None and "不再自动重试" in given_up["detail"]
    assert "1 篇文章连续 2 晚失败，不再自动重试" in run["bounds"]

    # Settled: later nights leave it alone.
    before = hostile.state.counts[dead]
    night(settings)
    assert hostile.state.counts[dead] == before


def test_recrawl_of_another_hosts_url_is_refused(hostile, config_dir, db_path) -> None:
    settings = settings_for(hostile, config_dir, db_path)
    night(settings)
    before = rows(db_path, "SELECT * FROM articles WHERE id = 101")
    other = f"http://{hs.OTHER}:{hostile.state.port}{hs.article_path(101)}"
    result = subprocess.run([XINXI, "--config", str(config_dir), "--db", str(db_path), "--base-url",
                             f"czgh={hostile.base_url}", "recrawl", "--site", "czgh", "--url", other, "--no-politeness"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "不在本网站的主机上" in line and "127.0.0.1" in line
    assert rows(db_path, "SELECT * FROM articles WHERE id = 101") == before


def _start_crawl(config_dir: Path, db_path: Path, base_url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [XINXI, "--config", str(config_dir), "--db", str(db_path),
         "--base-url", f"czgh={base_url}", "crawl"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )


def _wait_for_pages(db_path: Path, server: hs.HostileServer) -> None:
    deadline = time.monotonic() + 60
    while sum(server.state.counts.values()) < 3:
        assert time.monotonic() < deadline, "the crawl never started"
        time.sleep(0.1)


@pytest.mark.parametrize(("how", "status", "code"), [("ctrl-c", "cancelled", 130), ("sigterm", "terminated", 130)])
def test_a_stopped_crawl_is_recorded_as_stopped_and_releases_the_lock(
        hostile, config_dir, db_path, how, status, code) -> None:
    # A polite crawl (a second between requests) of the endless list: it is still paging when stopped.
    proc = _start_crawl(config_dir, db_path, hostile.base_url)
    _wait_for_pages(db_path, hostile)
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)     # a terminal sends Ctrl-C to the whole foreground group
    else:
        os.kill(proc.pid, signal.SIGTERM)      # kill / systemd stop the process they started
    _, err = proc.communicate(timeout=90)
    assert proc.returncode == code, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    [run] = rows(db_path, "SELECT status, error, finished_at FROM runs")
    assert run["status"] == status and run["finished_at"]
    assert rows(db_path, "SELECT * FROM run_lock") == []
    shown = xinxi(config_dir, db_path, "runs")
    assert runs.STATUS_WORDS[status] in shown.output and "进行中" not in shown.output


def test_a_batch_the_database_refuses_keeps_its_good_articles(hostile, config_dir, db_path) -> None:
    db = store.open_db(db_path)
    # The database refuses one record the page objects let through: the rest of its batch is kept.
    db.execute(f"CREATE TRIGGER refuse_one BEFORE INSERT ON articles WHEN NEW.id = {hs.CONTROLS} "
               "BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: refuse_one'); END")
    db.close()
    run = night(settings_for(hostile, config_dir, db_path))
    assert {r["id"] for r in rows(db_path, "SELECT id FROM articles")} == {*hs.GOOD, hs.BYLINES}
    refused = failures(db_path)[f"{hs.CONTROLS}.html"]
    assert refused["kind"] == "invalid" and "refuse_one" in refused["detail"]
    assert run["status"] == "limited" and run["errors"] == 9


def test_a_run_left_running_by_a_vanished_process_is_closed_by_the_next_crawl(hostile, config_dir, db_path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    db = store.open_db(db_path)
    orphan = store.start_run(db, "crawl", site="czgh", pid=gone.pid)
    db.close()
    night(settings_for(hostile, config_dir, db_path))
    [run] = rows(db_path, "SELECT status, error FROM runs WHERE id = ?", (orphan,))
    assert run["status"] == "killed" and str(gone.pid) in run["error"]


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 4 MB tmpfs of its own (needs the right to mount; skipped where there is none)."""
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_recorded_as_such_and_releases_the_lock(hostile, config_dir, small_disk) -> None:
    db_path = small_disk / "xinxi.db"
    store.open_db(db_path).close()
    free = os.statvfs(small_disk)
    (small_disk / "filler").write_bytes(b"\0" * (free.f_bavail * free.f_frsize - 150_000))
    result = subprocess.run([XINXI, "--config", str(config_dir), "--db", str(db_path), "--base-url",
                             f"czgh={hostile.base_url}", "crawl", "--site", "czgh", "--no-politeness"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "磁盘已满" in result.stdout + result.stderr, result.stderr
    [run] = rows(db_path, "SELECT status, finished_at FROM runs")
    assert run["status"] == "disk_full" and run["finished_at"]
    assert rows(db_path, "SELECT * FROM run_lock") == []
