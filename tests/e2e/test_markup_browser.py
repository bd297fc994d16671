"""Markup in the data, in a real browser: shown as text, no link, bold, image or script made of it.

The demo county with its worst town, three enterprises with the most hazards, a hazard
category, a squadron and a staff member renamed to ``page_payload.injected(...)``
(a Markdown link to evil.example, bold, a heading, ``<b>``, ``<img onerror>``,
``<script>``, a colour directive and a bare link, then the old name). The register of
one of them, the hazards page and the coverage page (with the renamed town's grid
chosen) are drawn in Chromium; the DOM must hold the injected text literally and no
element made from it. Screenshots land in test-output/screenshots/markup-*.png.
"""

import pytest

from gridwatch import safe, warehouse
from harness.browser import ERRORS, wait_drawn
from harness.serving import serve
from tests.page_payload import MARKUP, injected

from .conftest import OUTPUT

# Elements made of data, found by script: any URL attribute pointing at evil.example (HTML
# or SVG links, images), images and scripts the data could have made, and any formatting element
# (HTML or plotly's SVG bold) whose text is a marker without the rest of its injected value.
MADE = """(markup) => {
  const problems = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const url = /href$|^(src|srcset|action|formaction|data|poster|background)$/i.test(attr.name);
      if (url && attr.value.includes('evil.example')) problems.push(`${el.tagName} ${attr.name}=${attr.value}`);
    }
  }
  for (const el of document.querySelectorAll('img[src="x"], img[onerror]')) problems.push('img ' + el.outerHTML);
  for (const el of document.querySelectorAll('script')) {
    if (el.textContent.includes('脚本己')) problems.push('script ' + el.outerHTML);
  }
  const formatting = 'b, strong, em, i, h1, h2, h3, h4, h5, h6, a, tspan[style*="bold"], span[style*="color"]';
  for (const el of document.querySelectorAll(formatting)) {
    const text = el.textContent.replace(/\u2060/g, '');  // the word joiner safe.md puts in URLs
    for (const [marker, value] of markup) {
      if (text.includes(marker) && !text.includes(value)) problems.push(`${el.tagName} made of data: ${text}`);
    }
  }
  return problems;
}"""


@pytest.fixture(scope="module")
def markup_demo(demo_db, tmp_path_factory):
    """A copy of the demo county with names holding markup; returns (db, enterprise id, town)."""
    db = tmp_path_factory.mktemp("markup") / "demo.duckdb"
    db.write_bytes(demo_db.read_bytes())
    with warehouse.rewrite(db) as con:
        top = [r[0] for r in con.execute(
            "select enterprise_id from hazards group by enterprise_id order by count(*) desc, enterprise_id limit 3"
        ).fetchall()]
        town = con.execute("select town from enterprises where enterprise_id = $e", {"e": top[0]}).fetchone()[0]
        new_town = injected(town)
        for table in ("enterprises", "grids", "tipoffs"):
            con.execute(f"update {table} set town = $new where town = $old", {"new": new_town, "old": town})
        con.execute("update grids set name = replace(name, $old, $new)", {"new": new_town, "old": town})
        for enterprise_id in top:
            con.execute("update enterprises set name = $p || name where enterprise_id = $e",
                        {"p": injected(""), "e": enterprise_id})
        category = con.execute("select category from hazards group by category order by count(*) desc "
                               "limit 1").fetchone()[0]
        con.execute("update hazards set category = $new where category = $old",
                    {"new": injected(category), "old": category})
        squadron = con.execute("select squadron from enterprises where enterprise_id = $e",
                               {"e": top[0]}).fetchone()[0]
        con.execute("update enterprises set squadron = $new where squadron = $old",
                    {"new": injected(squadron), "old": squadron})
        con.execute("update staff set name = $p || name where staff_id = (select min(staff_id) from staff)",
                    {"p": injected("")})
    return db, top[0], new_town


@pytest.fixture(scope="module")
def markup_server(markup_demo):
    with serve(markup_demo[0]) as (url, _):
        yield url


def check(page, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"markup-{name}.png"), full_page=True)
    assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).first.inner_text()
    made = page.evaluate(MADE, [list(pair) for pair in MARKUP])
    assert made == [], made
    assert page.outside_requests == []


def test_register_shows_a_name_with_markup_as_text(markup_server, markup_demo, page):
    _, enterprise_id, _ = markup_demo
    page.goto(f"{markup_server}/enterprise?enterprise={enterprise_id}")
    wait_drawn(page)
    # The enterprise's name is the register's title (h1).
    header = page.locator("h1").first.inner_text().replace(safe.WORD_JOINER, "")
    assert header.startswith("# 标题丙 [链接甲](http://evil.example/phish) **加粗乙** <b>粗体丁</b>"), header
    table = page.locator('[data-testid="stTable"]').first.inner_text().replace(safe.WORD_JOINER, "")
    assert "[链接甲](http://evil.example/phish)" in table and "**加粗乙**" in table
    check(page, "enterprise")


def test_hazards_page_draws_names_with_markup_as_text(markup_server, page):
    page.goto(f"{markup_server}/hazards")
    wait_drawn(page)
    page.wait_for_selector(".js-plotly-plot .ytick text", timeout=30000)
    ticks = page.locator(".js-plotly-plot").first.locator(".ytick text").all_text_contents()
    assert any("<b>粗体丁</b>" in tick for tick in ticks), ticks
    check(page, "hazards")


def test_coverage_page_shows_a_town_with_markup_as_text(markup_server, markup_demo, page):
    page.goto(f"{markup_server}/coverage")
    wait_drawn(page)
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="网格").last
    box.locator("input").click()
    page.locator('[role="option"]').filter(has_text="链接甲").first.click()
    wait_drawn(page)
    shown = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="链接甲").first.inner_text()
    shown = shown.replace(safe.WORD_JOINER, "")
    assert "[链接甲](http://evil.example/phish)" in shown and "<b>粗体丁</b>" in shown, shown
    check(page, "coverage")
