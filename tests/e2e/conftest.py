"""Real-browser fixtures: a Streamlit server on a free local port and Debian's Chromium via Playwright.

Chromium is never downloaded. Where it is missing the tests fail in CI and are
skipped with a clear message elsewhere.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from gridwatch import warehouse

from .browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output" / "screenshots"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium, or a clear failure (CI) / skip (elsewhere)."""
    if Path(CHROMIUM).exists() and shutil.which("chromium"):
        return CHROMIUM
    message = "Chromium not found at /usr/bin/chromium: install Debian's chromium (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A demo-county warehouse for the browser tests."""
    path = tmp_path_factory.mktemp("e2e") / "demo.duckdb"
    warehouse.build_demo(path)
    return path


@contextlib.contextmanager
def serve(db: Path, env: dict | None = None):
    """Serve the app on ``db`` on a free localhost port; yield its base URL and the process."""
    port = _free_port()
    # Sign-in is switched on by a config file; the browser tests look at the pages themselves.
    env = {**os.environ, "GRIDWATCH_DB": str(db), "GRIDWATCH_AUTH": str(db.parent / "no-auth.yaml"), **(env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gridwatch", "serve", "--address", "127.0.0.1", "--port", str(port),
         "--", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the app did not answer its health check within 60 s")
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def server(demo_db) -> str:
    """The app served for the whole test session."""
    with serve(demo_db) as (url, _):
        yield url


@pytest.fixture(scope="session")
def browser(chromium_path):
    """A headless Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page that records every request leaving localhost (and blocks it)."""
    context = browser.new_context(viewport={"width": 1440, "height": 1600}, locale="zh-CN")
    pg = context.new_page()
    pg.outside_requests = []

    def guard(route):
        url = route.request.url
        if urlparse(url).scheme in ("data", "blob") or urlparse(url).hostname in LOCAL_HOSTS:
            return route.continue_()
        pg.outside_requests.append(url)
        return route.abort()

    pg.route("**/*", guard)
    yield pg
    context.close()
