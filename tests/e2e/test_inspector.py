"""What an inspector sees first, in a real browser (issue 18), signed in as the office would be: the
map → grid list → register click path (in both languages, the language kept), the register's open-now
block on the first screen, Chinese grid names actually drawn on the map, and screenshots of the
register's open-now block, the map, the rectification ladder, the explorer's heatmap and cross table
and the scoring page at 1280×720 and 1440×900 in both languages (test-output/screenshots/inspector-*.png)."""

import io
import math
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from gridwatch import i18n, warehouse
from harness.browser import ERRORS, wait_drawn
from tests.conftest import build_fixture_db

from .conftest import OUTPUT, serve

SIZES = [(1280, 720), (1440, 900)]
HEADINGS = {"ladder": {"zh": "执法升级阶梯", "en": "Escalation ladder"}}
USERS = Path(__file__).resolve().parents[1] / "fixtures" / "auth_users.yaml"
OPEN_NOW = '[class*="st-key-reg_open_now"]'
LIST_HEADING = "text=/：\\d+ 家企业|: \\d+ enterprises/"


@pytest.fixture(scope="module")
def signed_server(demo_db, tmp_path_factory):
    """The demo county served with sign-in on (the fixture users; passwords <name>-pass-2026)."""
    audit = tmp_path_factory.mktemp("inspector_e2e") / "audit.jsonl"
    with serve(demo_db, {"GRIDWATCH_AUTH": str(USERS), "GRIDWATCH_AUDIT": str(audit)}) as (url, _):
        yield url


def signed_in_page(browser, url: str):
    """A 1280×720 tab that asked for ``url``, was sent to the sign-in form, signed in as the office
    (the cookie sign-in a person goes through) and came back to ``url``."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("form input[name=password]")
    assert urlparse(page.url).path == "/sign-in"
    page.fill("input[name=name]", "office")
    page.fill("input[name=password]", "office-pass-2026")
    page.click("button[type=submit]")
    wait_drawn(page)
    assert page.url == url, "back on the page asked for"
    assert "office" in page.locator('[data-testid="stSidebar"]').inner_text(), "signed in"
    return context, page


def overdue_facts(db) -> tuple[str, int, int]:
    """The demo enterprise whose major hazard is longest overdue (the case the issue describes), with
    its count of overdue hazards and most days overdue, straight from the hazard_status macro."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        as_of = warehouse.data_as_of(warehouse.meta(con))
        enterprise_id = con.execute(
            "select enterprise_id from hazard_status($d) where level = 'major' "
            "order by days_overdue desc nulls last, enterprise_id limit 1", {"d": as_of}).fetchone()[0]
        overdue, days = con.execute(
            "select count(*), max(days_overdue) from hazard_status($d) "
            "where enterprise_id = $e and status = 'overdue'", {"d": as_of, "e": enterprise_id}).fetchone()
        return enterprise_id, overdue, days
    finally:
        con.close()


def deck_of(page):
    deck = page.locator('[data-testid="stDeckGlJsonChart"]').first
    deck.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    return deck


def click_grid(page, deck) -> None:
    """Click the middle of the map (a grid there) until the grid's list appears: deck.gl picks on
    hover, and its first frames after a scroll may not be ready to pick yet."""
    box = deck.bounding_box()
    x, y = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.45
    heading = page.locator(LIST_HEADING).first
    for _ in range(3):
        page.mouse.move(x - 5, y)
        page.mouse.move(x, y)
        page.wait_for_timeout(300)
        page.mouse.click(x, y)
        try:
            heading.wait_for(timeout=15000)
            return
        except PlaywrightTimeout:
            page.wait_for_timeout(1000)
    heading.wait_for(timeout=15000)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_map_list_register_click_path(signed_server, browser, lang):
    context, page = signed_in_page(browser, f"{signed_server}/coverage?lang={lang}")
    try:
        deck = deck_of(page)
        page.screenshot(path=str(OUTPUT / f"inspector-path-1-map-{lang}.png"))
        click_grid(page, deck)
        # The grid's list appears below the map, with a register link per enterprise.
        heading = page.locator(LIST_HEADING).first
        wait_drawn(page)
        heading.scroll_into_view_if_needed()
        page.wait_for_timeout(800)
        page.screenshot(path=str(OUTPUT / f"inspector-path-2-list-{lang}.png"))
        grid = page.locator('[data-testid="stDataFrame"]').first
        box = grid.bounding_box()
        # The first data row's selection box (a header row of 35 px, then rows of 35 px).
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
        page.wait_for_url("**/enterprise?enterprise=*", timeout=30000)
        wait_drawn(page)
        page.screenshot(path=str(OUTPUT / f"inspector-path-3-register-{lang}.png"))
        block = page.locator(OPEN_NOW)
        assert block.count() == 1
        assert i18n.text("register.sheet.open", lang) in block.inner_text(), "the register, in the language chosen"
        assert i18n.text("app.page.enterprise", lang) in page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "office" in page.locator('[data-testid="stSidebar"]').inner_text(), "still signed in"
        assert page.locator(ERRORS).count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_register_opens_on_the_open_now_block(signed_server, browser, demo_db, lang):
    enterprise_id, overdue, days = overdue_facts(demo_db)
    assert overdue and days > 0, "the demo county has the overdue major hazard the issue describes"
    context, page = signed_in_page(browser, f"{signed_server}/enterprise?enterprise={enterprise_id}&lang={lang}")
    try:
        block = page.locator(OPEN_NOW)
        assert block.count() == 1
        top = block.bounding_box()["y"]
        assert top < 720 / 2, "the block starts in the upper half of the first screen"
        text = block.inner_text()
        assert (f"其中逾期 {overdue} 项，最长已逾期 {days} 天" if lang == "zh"
                else f"{overdue} overdue, the longest by {days} days") in text
        assert block.locator('[data-testid="stDataFrame"]').count() == 1, "the open hazards listed in the block"
        assert page.locator(ERRORS).count() == 0
        page.screenshot(path=str(OUTPUT / f"inspector-open-now-{lang}.png"))
    finally:
        context.close()


def _mercator_y(lat: float) -> float:
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def test_chinese_grid_names_are_drawn(browser, tmp_path):
    """deck.gl's TextLayer draws only the characters of its character set: the names' pixels must be
    there. Enterprises carry no coordinates here, so the only near-black pixels are the text."""
    db = build_fixture_db(tmp_path / "labels.duckdb", "coverage.sql")
    with warehouse.rewrite(db) as con:
        con.execute("update enterprises set lat = null, lon = null")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        with serve(db) as (url, _):
            page.goto(f"{url}/coverage?lang=zh")
            wait_drawn(page)
            deck = deck_of(page)
            canvas = deck.locator("canvas").first
            box = canvas.bounding_box()
            image = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
            OUTPUT.mkdir(parents=True, exist_ok=True)
            image.save(OUTPUT / "inspector-map-labels-fixture.png")
    finally:
        context.close()
    # Where deck.gl puts the names (tests/test_inspector_pages.py): zoom 10.52 centred on
    # 120.15, 36.100064, so 512 · 2^10.52 / 360 px per degree.
    scale = 512 * 2 ** 10.52 / 360
    width, height = image.size
    sx, sy = width / box["width"], height / box["height"]

    def dark_pixels(lon: float, lat: float) -> int:
        x = (box["width"] / 2 + (lon - 120.15) * scale) * sx
        y = (box["height"] / 2 - (_mercator_y(lat) - _mercator_y(36.100064)) * scale) * sy
        crop = image.crop((int(x - 30 * sx), int(y - 12 * sy), int(x + 30 * sx), int(y + 12 * sy)))
        return sum(1 for p in crop.getdata() if max(p) < 70)

    assert dark_pixels(120.1, 36.1) > 20, "东镇 is drawn"
    assert dark_pixels(120.25, 36.05) > 20, "西镇 is drawn"
    assert dark_pixels(120.05, 36.18) == 0, "no text away from the names"


def _shots(browser, server, path: str, name: str, heading: dict | None = None) -> None:
    for width, height in SIZES:
        for lang in ("zh", "en"):
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            try:
                separator = "&" if "?" in path else "?"
                page.goto(f"{server}/{path}{separator}lang={lang}")
                wait_drawn(page)
                if heading:
                    page.locator(f"h2:has-text('{heading[lang]}'), h3:has-text('{heading[lang]}')").first.evaluate(
                        "e => e.scrollIntoView({block: 'start'})")
                    page.wait_for_timeout(800)
                if name == "map":
                    deck_of(page)
                page.screenshot(path=str(OUTPUT / f"inspector-{name}-{lang}-{width}x{height}.png"))
                assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).first.inner_text()
            finally:
                context.close()


def test_screenshots(server, browser, demo_db):
    """The views of the issue at both sizes and in both languages; a person looks at them."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    _shots(browser, server, f"enterprise?enterprise={overdue_facts(demo_db)[0]}", "register")
    _shots(browser, server, "coverage", "map")
    _shots(browser, server, "rectification", "ladder", HEADINGS["ladder"])
    _shots(browser, server, "explore?ds=hazards&g1=found_date:month&g2=town&m=rectification_rate&chart=heatmap",
           "heatmap")
    _shots(browser, server, "explore?ds=hazards&g1=town&g2=hazard_level&m=rectification_rate&chart=crosstab",
           "crosstab")
    _shots(browser, server, "performance", "scoring")
