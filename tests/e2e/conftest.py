"""Real-browser fixtures: the app served on a free local port (harness.serving) and Debian's Chromium via Playwright.

Chromium is never downloaded. Where it is missing the tests fail in CI and are
skipped with a clear message elsewhere.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from gridwatch import warehouse
from harness.browser import CHROMIUM, CHROMIUM_ARGS
from harness.serving import ROOT, serve

OUTPUT = ROOT / "test-output" / "screenshots"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


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
