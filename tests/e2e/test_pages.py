"""Every page in a real browser, in Chinese and English: drawn, no error, nothing leaves the machine."""

import pytest

from gridwatch.navigation import PAGES
from harness.browser import ERRORS, wait_drawn
from harness.serving import serve

from .conftest import OUTPUT


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("key", [p.key for p in PAGES])
def test_page_loads(server, page, key, lang):
    path = "" if next(p for p in PAGES if p.key == key).default else key
    page.goto(f"{server}/{path}?lang={lang}")
    wait_drawn(page)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{key}-{lang}.png"), full_page=True)
    assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).first.inner_text()
    assert page.locator("h1").count() >= 1
    assert page.outside_requests == []


def test_overview_town_filter_changes_figures(server, page):
    page.goto(f"{server}/overview")
    wait_drawn(page)
    metric = page.locator('[data-testid="stMetricValue"]').first
    before = metric.inner_text()
    page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.locator("input").click()
    # The global filters offer no "select all" (nothing chosen is all): the first option is a town.
    options = page.locator('[role="option"]')
    assert "Select all" not in options.all_inner_texts()
    options.nth(0).click()
    page.keyboard.press("Escape")
    wait_drawn(page)
    page.wait_for_function(
        "before => document.querySelector('[data-testid=\"stMetricValue\"]').innerText !== before",
        arg=before, timeout=30000,
    )
    assert metric.inner_text() != before
    assert page.outside_requests == []


def test_first_visitor_of_a_fresh_server_may_deep_link(demo_db, page):
    """The first request a new server gets is for a page, not "/": it still goes through app.py."""
    with serve(demo_db) as (url, _):
        page.goto(f"{url}/hazards?lang=en")
        wait_drawn(page)
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "For leadership" in nav and "app" not in nav.split()
        assert page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').count() == 3
