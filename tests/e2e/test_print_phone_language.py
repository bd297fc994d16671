"""The brief as people print it, read it on a phone and switch its language, in a real browser."""

import re
import subprocess
from urllib.parse import parse_qs, urlparse

import pytest

from gridwatch import briefing, i18n, warehouse
from gridwatch.navigation import PAGES
from harness.browser import wait_drawn

from .conftest import LOCAL_HOSTS, OUTPUT

PHONE = {"width": 390, "height": 844}


def _open(browser, url, viewport, **options):
    """A page on ``url`` in a fresh context; every request leaving localhost is blocked and kept."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", **options)
    page = context.new_page()
    page.outside_requests = []

    def guard(route):
        parts = urlparse(route.request.url)
        if parts.scheme in ("data", "blob") or parts.hostname in LOCAL_HOSTS:
            return route.continue_()
        page.outside_requests.append(route.request.url)
        return route.abort()

    page.route("**/*", guard)
    page.goto(url)
    wait_drawn(page)
    return page


@pytest.fixture(scope="module")
def brief(demo_db):
    """The brief the home page shows: the demo county's last full week."""
    con = warehouse.open_readonly(demo_db)
    try:
        as_of = warehouse.data_as_of(warehouse.meta(con))
        return briefing.compute(briefing.source_for(con), briefing.last_full_week(as_of), briefing.Scope(), as_of)
    finally:
        con.close()


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_printed_brief_has_no_sidebar_and_whole_tables(server, browser, brief, tmp_path, lang):
    page = _open(browser, f"{server}/?lang={lang}", {"width": 1280, "height": 720})
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    main = _squeeze(page.locator('[data-testid="stMain"]').inner_text())
    # What the sidebar says and the page itself does not (English "Hazards" is also a card's word).
    sidebar_only = [line for line in map(_squeeze, sidebar.splitlines())
                    if len(line) > 1 and line not in main and not line.isdigit()]
    assert len(sidebar_only) >= 10, sidebar_only
    OUTPUT.mkdir(parents=True, exist_ok=True)
    pdf = OUTPUT / f"briefing-print-{lang}.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    page.emulate_media(media="print")
    page.wait_for_timeout(1000)
    page.screenshot(path=str(OUTPUT / f"briefing-print-preview-{lang}.png"), full_page=True)
    assert page.outside_requests == []
    page.context.close()

    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:.*\(A4\)", info), info
    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                            check=True).stdout
    text = _squeeze(layout)
    # The sidebar's navigation, language switch and filters are not printed; the page's title is.
    assert _squeeze(i18n.text("app.page.briefing", lang)) in text
    assert [line for line in sidebar_only if line in text] == []
    # Streamlit folds the navigation's last pages under "View N more": those it shows are checked.
    shown = [label for label in (_squeeze(i18n.text(f"app.page.{spec.key}", lang)) for spec in PAGES[1:])
             if label in _squeeze(sidebar)]
    assert len(shown) >= 8, shown
    assert all(label in sidebar_only or label in main for label in shown), shown
    assert _squeeze(i18n.text("briefing.section.export", lang)) not in text
    # Every row of the where-to-act lists is there as text, the last columns too (nothing cut off).
    where = briefing.where_tables(brief, lang, links=False)
    for key, frame in where.items():
        assert _squeeze(i18n.text(f"briefing.where.{key}", lang)) in text, key
        for row in frame.itertuples(index=False):
            assert _squeeze(str(row[0])) in text and _squeeze(str(row[-1])) in text, (key, row)
    # A row reads across one line: the first town and its three counts.
    first = [str(v) for v in where["top_towns"].iloc[0]]
    assert re.search(r"\s+".join(map(re.escape, first)), layout), first


def test_brief_on_a_phone_puts_cards_two_to_a_row(server, browser):
    page = _open(browser, f"{server}/?lang=zh", PHONE, is_mobile=True, has_touch=True)
    for section in briefing.SECTIONS:
        boxes = [m.bounding_box() for m in page.locator(f'.st-key-gw_cards_{section} [data-testid="stMetric"]').all()]
        assert len(boxes) == sum(1 for _, s in briefing.CARDS if s == section)
        lefts = sorted({round(b["x"]) for b in boxes})
        assert len(lefts) == 2, (section, lefts)  # two columns, side by side
        assert all(b["width"] < PHONE["width"] / 2 for b in boxes), section
    height = page.evaluate('document.querySelector(\'[data-testid="stMain"]\').scrollHeight')
    page.set_viewport_size({"width": PHONE["width"], "height": height})
    page.wait_for_timeout(1000)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "briefing-phone-zh.png"), full_page=True)
    # One card per row made the brief 7.4 screens long on the demo county; two to a row, 5.2.
    assert height / PHONE["height"] < 6, height
    assert page.outside_requests == []
    page.context.close()


def test_first_language_switch_relabels_chosen_options_and_links_keep_it(server, browser):
    page = _open(browser, f"{server}/?lang=zh", {"width": 1280, "height": 720})
    chosen = page.locator('[data-testid="stSelectbox"] input')
    before = chosen.evaluate_all("inputs => inputs.map(i => i.value)")
    assert "本年度" in before and any("至" in v for v in before)
    # Charts carry the Chinese plotly.js locale: month and day names, numbers in full.
    locale = page.evaluate("""() => { const gd = document.querySelector('.js-plotly-plot');
        return [gd._context.locale, gd._fullLayout._d3locale.timeFormat('%B %a')(new Date(2026, 10, 2)),
                gd._fullLayout.yaxis.exponentformat]; }""")
    assert locale == ["zh-CN", "十一月 周一", "none"]

    page.locator('[data-testid="stSidebar"] [role="radio"]:has-text("English")').click()
    page.wait_for_function("() => document.querySelector('h1').innerText === 'Weekly briefing'", timeout=30000)
    wait_drawn(page)
    after = chosen.evaluate_all("inputs => inputs.map(i => i.value)")
    assert "This year" in after, after  # the sidebar's period
    assert any(v.startswith(brief_week(before)) and "to" in v for v in after), after  # the week
    assert any(v.startswith("As on the page") for v in after), after  # "brief for"
    assert not any(re.search(r"[\u4e00-\u9fff]", v) for v in after), after
    assert parse_qs(urlparse(page.url).query)["lang"] == ["en"]
    assert page.evaluate("() => document.querySelector('.js-plotly-plot')._context.locale") == "en-US"
    page.reload()
    wait_drawn(page)
    assert page.locator("h1").first.inner_text() == "Weekly briefing"  # a reload keeps the language
    assert page.outside_requests == []
    page.context.close()


def brief_week(values: list[str]) -> str:
    """The week label (``2026-W47``) of the week choice among selectbox values."""
    return next(re.match(r"\d{4}-W\d\d", v).group(0) for v in values if re.match(r"\d{4}-W\d\d", v))
