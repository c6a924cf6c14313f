"""What the browser tests share: `xinxi web` as a real process, Debian's chromium through Playwright, a login."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
NO_CHROMIUM = "/usr/bin/chromium 未安装（make test 会先安装）"


@contextmanager
def web_server(db_path: Path) -> Iterator[str]:
    """`xinxi web` on 127.0.0.1 and a free port, as the office would start it; yields its address."""
    xinxi = Path(sys.executable).with_name("xinxi")
    proc = subprocess.Popen([str(xinxi), "--db", str(db_path), "web", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "xinxi web 没有在 60 秒内启动"
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert url, line + proc.stderr.read()
        yield url.group(0)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def chromium() -> Iterator:
    """A headless chromium for one module's tests."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def login(browser, base: str, name: str, password: str):
    """A new page logged in as `name`."""
    page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page.goto(f"{base}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("form.login button[type=submit]")
    return page
