"""The nightly job end to end: real crawl subprocess, real store, real SMTP server on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import municipal_only

from tracker import store
from tracker.config import DEFAULT_CONFIG_DIR, Settings, load_settings
from tracker.errors import XinxiError
from tracker.ops.lock import read_lock
from tracker.ops.nightly import Step, StepResult, health_step, run_nightly
from tracker.ops.settings import load_ops


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def config_dir(tmp_path: Path, smtp_server: Any) -> Path:
    """The project's config, pointed at a dead port, without retries, with e-mail alerts to aiosmtpd."""
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    municipal_only(target)
    sites = target / "sites.toml"
    text = sites.read_text(encoding="utf-8").replace("retry_times = 3", "retry_times = 0")
    sites.write_text(text.replace("https://czgh.jscz.org.cn", f"http://127.0.0.1:{closed_port()}"), encoding="utf-8")
    with (target / "settings.toml").open("a", encoding="utf-8") as fh:
        fh.write(f'\n[alerts.email]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
                 'sender = "xinxi@example.org"\nto = ["office@example.org"]\n')
    return target


def test_a_failed_crawl_fails_the_run_with_its_error_and_alerts(config_dir: Path, db_path: Path, xinxi: Any,
                                                                smtp_server: Any) -> None:
    result = xinxi("--config", str(config_dir), "schedule", "--once", ok=False)
    assert result.exit_code == 1, result.output
    db = store.open_db(db_path)
    try:
        nightly, crawl = sorted(store.list_runs(db), key=lambda r: r["id"])
        assert (nightly["kind"], nightly["trigger"], nightly["status"]) == ("nightly", "manual", "failed")
        assert nightly["error"].startswith("抓取：常州市总工会：无法访问 http://127.0.0.1:")
        assert (crawl["kind"], crawl["status"], crawl["parent_id"], crawl["trigger"]) == (
            "crawl", "failed", nightly["id"], "manual")
        assert crawl["error"] in nightly["error"]
        steps = {s["step"]: s for s in store.list_steps(db, nightly["id"])}
        assert [steps[k]["status"] for k in ("crawl", "health", "alert")] == ["failed", "ok", "ok"]
        assert {w["key"] for w in store.open_warnings(db)} >= {"failed_crawl:czgh", "failed_run"}
        assert read_lock(db) is None
    finally:
        db.close()
    assert f"夜间运行 #{nightly['id']}：失败" in result.output
    [msg] = smtp_server.messages
    assert msg["Subject"] == "[信息考评] 夜间运行失败（1 项故障）"
    body = msg.get_content()
    assert f"- 抓取：{crawl['error'].join(['常州市总工会：', ''])}" in body
    assert "最近一次抓取" in body  # the failed-crawl warning the health step opened


def boom(ctx: Any) -> StepResult:
    raise XinxiError("归属规则文件缺失")


def test_a_failing_step_is_recorded_and_the_rest_still_run(config_dir: Path, db_path: Path) -> None:
    settings = load_settings(config_dir, db=db_path, env={})
    ops = load_ops(settings, env={})
    ran: list[int] = []
    steps = (Step("attribute", "归属单位", boom),
             Step("count", "计数", lambda ctx: ran.append(ctx.run_id) or StepResult("好")),
             Step("health", "检查运行状况", health_step))
    result = run_nightly(settings, ops, steps=steps)
    assert (result.status, result.exit_code, result.error) == ("failed", 1, "归属单位：归属规则文件缺失")
    assert ran == [result.run_id]
    db = store.open_db(db_path)
    try:
        rows = [(s["step"], s["status"], s["summary"], s["error"]) for s in store.list_steps(db, result.run_id)]
        assert rows[:3] == [("attribute", "failed", "", "归属规则文件缺失"), ("count", "ok", "好", None),
                            ("health", "ok", "0 条提醒，其中新增 0 条", None)]
        [warning] = store.open_warnings(db)
        assert (warning["key"], warning["level"]) == ("failed_run", "error")
        assert f"夜间运行 #{result.run_id}" in warning["message"] and "归属规则文件缺失" in warning["message"]
    finally:
        db.close()
    # The next good night resolves the failed-run warning.
    good = run_nightly(settings, ops, steps=steps[1:])
    assert good.exit_code == 0
    db = store.open_db(db_path)
    try:
        assert [w["key"] for w in store.open_warnings(db)] == []
    finally:
        db.close()


def test_a_held_lock_fails_the_night_without_running_steps(config_dir: Path, db_path: Path,
                                                           settings: Settings) -> None:
    settings = load_settings(config_dir, db=db_path, env={})
    other = subprocess.Popen(["sleep", "60"])
    try:
        db = store.open_db(db_path)
        assert store.lock_take(db, "crawl", "手动抓取", other.pid, socket.gethostname(), "t", store.now())
        db.close()
        ran: list[int] = []
        result = run_nightly(settings, load_ops(settings, env={}),
                             steps=(Step("x", "x", lambda ctx: ran.append(1) or StepResult("")),))
    finally:
        other.kill()
        other.wait()
    assert ran == [] and result.exit_code == 1
    assert result.error and result.error.startswith("运行锁：另一项任务正在运行：手动抓取")


def test_if_missed_runs_nothing_without_a_missed_night(config_dir: Path, db_path: Path, xinxi: Any) -> None:
    result = xinxi("--config", str(config_dir), "schedule", "--once", "--if-missed")
    assert "还没有成功的夜间运行记录" in result.output
    db = store.open_db(db_path)
    try:
        assert store.list_runs(db) == []
    finally:
        db.close()
    assert xinxi("--config", str(config_dir), "schedule", "--if-missed", ok=False).exit_code == 2


def test_a_good_night_crawls_attributes_scores_and_checks(tmp_path: Path, db_path: Path) -> None:
    from crawler.replica.process import ReplicaProcess

    with ReplicaProcess(articles=80, seed=2, slow_seconds=0.2) as replica:
        target = tmp_path / "config"
        shutil.copytree(DEFAULT_CONFIG_DIR, target)
        municipal_only(target)
        sites = target / "sites.toml"
        text = sites.read_text(encoding="utf-8").replace("download_delay = 1.0", "download_delay = 0.0")
        sites.write_text(text.replace("autothrottle = true", "autothrottle = false"), encoding="utf-8")
        settings = load_settings(target, db=db_path, base_urls={"czgh": replica.base_url}, env={})
        result = run_nightly(settings, load_ops(settings, env={}), trigger="manual")
    assert result.exit_code == 0, result.error
    db = store.open_db(db_path)
    try:
        steps = {s["step"]: s for s in store.list_steps(db, result.run_id)}
        assert [steps[k]["status"] for k in ("crawl", "attribute", "score", "health")] == ["ok"] * 4
        counts = store.attribution_counts(db)
        stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        assert stored == 79 and counts["unattributed"] == 0 and counts["total"] == stored
        assert f"本次归属 {stored} 篇" in steps["attribute"]["summary"]
        assert "年度草稿得分" in steps["score"]["summary"]
    finally:
        db.close()


def test_a_night_crawls_both_sites_and_alerts_a_blocked_page_and_a_waiting_notice(
        tmp_path: Path, db_path: Path, smtp_server: Any) -> None:
    from crawler.replica.hanweb.process import HanwebReplicaProcess
    from crawler.replica.process import ReplicaProcess

    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    sites = target / "sites.toml"
    text = sites.read_text(encoding="utf-8")
    for old, new in (("download_delay = 1.0", "download_delay = 0.0"), ("download_delay = 2.0", "download_delay = 0.0"),
                     ("autothrottle = true", "autothrottle = false")):
        text = text.replace(old, new)
    sites.write_text(text, encoding="utf-8")
    with (target / "settings.toml").open("a", encoding="utf-8") as fh:
        fh.write(f'\n[alerts.email]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
                 'sender = "xinxi@example.org"\nto = ["office@example.org"]\n')
    with ReplicaProcess(articles=30, seed=2, slow_seconds=0.1) as czgh, HanwebReplicaProcess(articles=60, seed=5) as jsgh:
        settings = load_settings(target, db=db_path, env={}, base_urls={
            "czgh": czgh.base_url, "jsgh": jsgh.base_url, "jsghfw": jsgh.base_url})
        result = run_nightly(settings, load_ops(settings, env={}), trigger="manual")
        blocked = jsgh.site.quirk("blocked")
        requests = jsgh.requests()
    db = store.open_db(db_path)
    try:
        crawls = {r["site"]: r for r in store.list_runs(db) if r["kind"] == "crawl"}
        warnings = {w["key"] for w in store.open_warnings(db)}
    finally:
        db.close()
    assert set(crawls) == {"czgh", "jsgh", "jsghfw"}
    assert crawls["czgh"]["status"] == "ok" and "blocked" in {crawls["jsgh"]["status"], crawls["jsghfw"]["status"]}
    assert requests[blocked.path] == 1  # asked once, never again in another way
    assert result.exit_code == 1 and "HTTP 403" in (result.error or "")
    assert {"notice_waiting"} <= warnings and any(k.startswith("blocked:") for k in warnings)
    [msg] = smtp_server.messages
    body = msg.get_content()
    assert "HTTP 403" in body and "不会设法绕过" in body
    assert "等待确认" in body and "xinxi notice list" in body


def test_a_cron_started_night_is_recorded_as_scheduled(config_dir: Path, db_path: Path, xinxi: Any) -> None:
    xinxi("--config", str(config_dir), "schedule", "--once", "--from-cron", ok=False)
    db = store.open_db(db_path)
    try:
        nightly = next(r for r in store.list_runs(db) if r["kind"] == "nightly")
        assert nightly["trigger"] == "schedule"
    finally:
        db.close()
    assert xinxi("--config", str(config_dir), "schedule", "--from-cron", ok=False).exit_code == 2


def test_a_step_past_its_bound_is_stopped_and_the_bound_is_shown(config_dir: Path, db_path: Path, xinxi: Any) -> None:
    import dataclasses
    import time

    settings = load_settings(config_dir, db=db_path, env={})
    ops = load_ops(settings, env={})
    ops = dataclasses.replace(ops, schedule=dataclasses.replace(ops.schedule, step_limit_minutes=0.02))  # 1.2 s
    ran: list[str] = []

    def hangs(ctx: Any) -> StepResult:
        subprocess.run(["sleep", "60"], check=False)  # a child process that would outlive the bound
        return StepResult("不该走到这里")

    steps = (Step("crawl", "抓取", hangs), Step("count", "计数", lambda ctx: ran.append("count") or StepResult("好")))
    started = time.monotonic()
    result = run_nightly(settings, ops, steps=steps)
    assert time.monotonic() - started < 10
    assert ran == ["count"] and result.status == "failed"
    words = "超过 0.02 分钟仍未完成（上限见 settings.toml [schedule] step_limit_minutes），已停止，结束了 1 个子进程"
    assert result.error == f"抓取：{words}"
    db = store.open_db(db_path)
    try:
        steps_rows = {s["step"]: (s["status"], s["error"]) for s in store.list_steps(db, result.run_id)}
        assert steps_rows["crawl"] == ("failed", words) and steps_rows["count"] == ("ok", None)
        assert read_lock(db) is None
    finally:
        db.close()
    assert subprocess.run(["pgrep", "-f", "^sleep 60$", "-P", str(__import__("os").getpid())],
                          capture_output=True, check=False).stdout == b""
    shown = xinxi("--config", str(config_dir), "status").output
    assert f"运行 #{result.run_id} 的错误：抓取：超过 0.02 分钟仍未完成" in shown.replace("\n", "")


def test_sigterm_during_the_nightly_run_marks_it_interrupted_and_frees_the_lock(tmp_path: Path, db_path: Path) -> None:
    """A real `xinxi schedule --once` process, its crawl stuck on a server that never answers, is sent SIGTERM."""
    import signal
    import sys
    import time

    listener = socket.create_server(("127.0.0.1", 0))  # accepts connections (backlog), never answers
    try:
        target = tmp_path / "config"
        shutil.copytree(DEFAULT_CONFIG_DIR, target)
        sites = target / "sites.toml"
        text = sites.read_text(encoding="utf-8").replace("retry_times = 3", "retry_times = 0")
        text = text.replace("https://czgh.jscz.org.cn", f"http://127.0.0.1:{listener.getsockname()[1]}")
        sites.write_text(text.replace("timeout = 30", "timeout = 120"), encoding="utf-8")
        xinxi = Path(sys.executable).parent / "xinxi"
        proc = subprocess.Popen([str(xinxi), "--config", str(target), "--db", str(db_path), "schedule", "--once"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # wait until the crawl of the nightly run is under way
                if db_path.exists():
                    db = store.open_db(db_path)
                    try:
                        kinds = {r["kind"] for r in store.list_runs(db) if r["status"] == "running"}
                        held = read_lock(db) is not None
                    finally:
                        db.close()
                    if held and {"nightly", "crawl"} <= kinds:
                        break
                time.sleep(0.2)
            else:
                pytest.fail("the nightly run never reached its crawl")
            time.sleep(1)
            proc.send_signal(signal.SIGTERM)
            _out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    finally:
        listener.close()
    assert proc.returncode == 130 and "已取消。" in err and "Traceback" not in err
    db = store.open_db(db_path)
    try:
        runs = {r["kind"]: r for r in store.list_runs(db)}
        assert runs["nightly"]["status"] == "killed" and runs["nightly"]["error"] == "被中止（收到停止信号）"
        assert runs["crawl"]["status"] in ("killed", "failed") and runs["crawl"]["finished_at"]
        assert read_lock(db) is None
    finally:
        db.close()
