"""Start crawls as subprocesses (`python -m crawler.run`), one per site, and record how they ended.

The CLI and the nightly job share this one entry point.
"""

from __future__ import annotations

import ctypes
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scoring.wording import quoted
from tracker import store
from tracker.config import Settings, Site
from tracker.errors import XinxiError
from tracker.ops.lock import pid_alive

STDERR_TAIL = 4000
PR_SET_PDEATHSIG = 1
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# Run statuses that count as success: `limited` finished but reached a configured bound.
SUCCESS = ("ok", "limited")
STATUS_WORDS = {"ok": "成功", "failed": "失败", "running": "进行中", "killed": "中断", "limited": "达到上限",
                "cancelled": "已取消", "terminated": "被终止", "disk_full": "磁盘已满", "blocked": "被网站拦截"}
# Statuses of a crawl that did not finish its work.
STOPPED = ("failed", "killed", "cancelled", "terminated", "disk_full")
STOP_WAIT_SECONDS = 30


class CrawlBoundsError(XinxiError):
    """A recrawl was asked for without saying what to refresh."""


class CrawlStopped(XinxiError):
    """A crawl was stopped by a signal; its run is recorded as such."""


@dataclass(frozen=True)
class CrawlRequest:
    """What to crawl. A plain crawl is incremental; `recrawl` refreshes within the bounds given."""

    sites: tuple[str, ...] = ()
    recrawl: bool = False
    columns: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    urls: tuple[str, ...] = ()
    full: bool = False
    polite: bool = True
    trigger: str = "manual"
    progress: bool = False

    def bounded(self) -> bool:
        return bool(self.columns or self.since or self.until or self.urls or self.full)


@dataclass(frozen=True)
class SiteOutcome:
    site: str
    run_id: int
    status: str
    error: str | None


@dataclass(frozen=True)
class CrawlOutcome:
    sites: tuple[SiteOutcome, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(s.status in SUCCESS for s in self.sites)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def crawl_argv(settings: Settings, site_key: str, request: CrawlRequest, run_id: int) -> list[str]:
    """The command line of one site's crawl process; it resolves the same settings as this one."""
    site = settings.site(site_key)
    argv = [
        sys.executable, "-m", "crawler.run",
        "--site", site_key,
        "--config", str(settings.config_dir.resolve()),
        "--db", str(settings.db_path.resolve()),
        "--base-url", f"{site_key}={site.base_url}",
        "--run-id", str(run_id),
        "--trigger", request.trigger,
    ]
    for column in request.columns:
        argv += ["--column", column]
    for url in request.urls:
        argv += ["--url", url]
    if request.recrawl:
        argv.append("--recrawl")
    if request.since:
        argv += ["--since", request.since]
    if request.until:
        argv += ["--until", request.until]
    if request.full:
        argv.append("--full")
    if not request.polite:
        argv.append("--no-politeness")
    if request.progress:
        argv.append("--progress")
    return argv


def _sites_for(settings: Settings, request: CrawlRequest) -> Sequence[str]:
    """The sites to crawl; with --column, only the sites owning those columns. Unknown names fail here."""
    keys = [settings.site(k).key for k in request.sites or settings.sites]

    def owner(column: str) -> str | None:
        return next((k for k in keys for col in settings.site(k).columns if column in (col.key, col.name)), None)

    if not request.columns:
        return keys
    owners = set()
    for column in request.columns:
        site = owner(column)
        if site is None:
            known = "、".join(f"{c.key}（{c.name}）" for k in keys for c in settings.site(k).columns)
            raise CrawlBoundsError(f"--column：没有栏目{quoted(column)}；可选：{known}")
        owners.add(site)
    return [k for k in keys if k in owners]


def crawl(settings: Settings, request: CrawlRequest) -> CrawlOutcome:
    """Crawl each site in its own process and return how each run ended."""
    if request.recrawl and not request.bounded():
        raise CrawlBoundsError("重新抓取需要指定范围：--column、--since、--until、--url，或用 --full 全部重抓")
    keys = _sites_for(settings, request)
    for url in request.urls:
        if not any(_is_article_url(settings.site(k), url) for k in keys):
            raise CrawlBoundsError(f"{url} 不是文章地址：应形如 /html/czgh/2024/KEBQLDDJ_0311/30277.html "
                                   "或 /content/suitable/show?catid=19922&id=30277")
        host = (urlsplit(url).hostname or "").lower()
        hosts = [h for k in keys for h in settings.site(k).hosts]
        if host not in hosts:
            raise CrawlBoundsError(f"{url} 不在本网站的主机上：只能重抓 {'、'.join(hosts)} 上的文章")
    if not request.polite:
        for key in keys:
            host = urlsplit(settings.site(key).base_url).hostname
            if host not in LOOPBACK:
                raise CrawlBoundsError(f"--no-politeness 只能用于本机上的网站副本，{key} 指向 {host}")
    _close_orphans(settings)
    outcomes = []
    for key in keys:
        db = store.open_db(settings.db_path)
        try:
            bounds = {"columns": list(request.columns), "since": request.since, "until": request.until,
                      "urls": list(request.urls), "full": request.full}
            run_id = store.start_run(db, "recrawl" if request.recrawl else "crawl", trigger=request.trigger,
                                     site=key, args={k: v for k, v in bounds.items() if v})
        finally:
            db.close()
        outcomes.append(_run_one(settings, key, request, run_id))
    return CrawlOutcome(tuple(outcomes))


def _run_one(settings: Settings, key: str, request: CrawlRequest, run_id: int) -> SiteOutcome:
    """Run one site's crawl process. Ctrl-C or SIGTERM stops it as such: it is given time to record its
    end, its run is closed as cancelled or terminated, and the exception goes on up (the lock is released)."""
    proc = subprocess.Popen(
        crawl_argv(settings, key, request, run_id),
        stdout=subprocess.PIPE,
        stderr=None if request.progress else subprocess.PIPE,
        text=True,
        preexec_fn=die_with_parent,
    )
    previous = signal.getsignal(signal.SIGTERM)
    terminated: list[int] = []

    def on_term(signum: int, frame: Any) -> None:
        terminated.append(signum)
        if callable(previous):
            previous(signum, frame)   # the CLI's own way out, if it has one
        raise CrawlStopped("抓取被停止（收到 SIGTERM）；已抓到的文章已保存")

    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        signal.signal(signal.SIGTERM, on_term)
    try:
        stdout, stderr = proc.communicate()
    except BaseException as exc:
        cancelled = isinstance(exc, KeyboardInterrupt) and not terminated
        _wind_down(proc, signal.SIGINT if cancelled else signal.SIGTERM)
        _close_stopped(settings, run_id, "cancelled" if cancelled else "terminated",
                       "抓取被取消（Ctrl-C）" if cancelled else "抓取被停止（收到 SIGTERM）")
        raise
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    return _settle(settings, key, run_id, subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr))


def _close_orphans(settings: Settings) -> None:
    """Close runs left as running by a process of this host that is gone (an older version's Ctrl-C)."""
    host = socket.gethostname()
    db = store.open_db(settings.db_path)
    try:
        for run in store.running_runs(db):
            if run["host"] == host and run["pid"] and not pid_alive(run["pid"]):
                store.finish_run(db, run["id"], "killed", f"运行中断：进程 {run['pid']} 已不在运行")
    finally:
        db.close()


def _wind_down(proc: subprocess.Popen[str], sig: int) -> None:
    """Let a stopping crawl record its own end; pass the signal on if it did not get it; kill it at last."""
    try:
        try:
            proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            proc.send_signal(sig)
            proc.wait(timeout=STOP_WAIT_SECONDS)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        proc.kill()
        proc.wait()


def _close_stopped(settings: Settings, run_id: int, status: str, error: str) -> None:
    """Close a stopped run that its process could not close itself."""
    db = store.open_db(settings.db_path)
    try:
        if store.get_run(db, run_id)["status"] == "running":
            store.finish_run(db, run_id, status, error)
    finally:
        db.close()


def exit_description(code: int) -> str:
    """How a crawl process ended, in words."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"抓取进程被强制结束（信号 {name}）"
    return f"抓取进程异常退出（退出码 {code}）"


def _is_article_url(site: Site, url: str) -> bool:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return any(re.search(pattern, target) for pattern in (site.legacy_article, site.suitable_article) if pattern)


def die_with_parent() -> None:
    """In a child process (a crawl, an attribution worker): end when the process that started it dies (Linux),
    so no orphan keeps writing after its run lock has been recovered."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        # SIGKILL, not SIGTERM: Scrapy takes a first SIGTERM as "finish gracefully" and would keep
        # writing for a while, and nobody is left to record how it ended.
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass  # not Linux: the lock's heartbeat still ages out


def _settle(settings: Settings, key: str, run_id: int, proc: subprocess.CompletedProcess[str]) -> SiteOutcome:
    """Read the run's recorded end; a process that died without recording one is marked failed here."""
    db = store.open_db(settings.db_path)
    try:
        run = store.get_run(db, run_id)
        if run["status"] == "running":
            error = exit_description(proc.returncode)
            tail = "\n".join(line for line in (proc.stderr or "").strip().splitlines()
                              if "Warning" not in line and "warnings.warn" not in line)[-STDERR_TAIL:]
            error += f"：{tail}" if tail else ""
            store.finish_run(db, run_id, "failed", error)
            run = store.get_run(db, run_id)
        return SiteOutcome(key, run_id, run["status"], run["error"])
    finally:
        db.close()
