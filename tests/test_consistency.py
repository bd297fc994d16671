"""One figure, one definition: on dirty data, every query, page and export that shows a figure
equals ``metrics.headline`` for the same scope.

tests/fixtures/dirty.sql holds a deadline and a rectification before their findings, missing
deadlines, a rectification after the status date and one from the future, a rectified flag
without a date, a finding recorded twice, a finding and an inspection dated in the future, and
enterprises in no grid (one with no town at all). Week 2026-W47 = 11-16..11-22, as of 11-22.
"""

import io
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from gridwatch import brief_html, brief_pdf, brief_xlsx, briefing, display, explore, metrics, queries, warehouse
from gridwatch import rectification as rect
from gridwatch.filters import Filters
from tests.conftest import build_fixture_db
from tests.test_app import start

ROOT = Path(__file__).resolve().parent.parent
W47 = briefing.Week(2026, 47)
DATA_AS_OF = date(2026, 11, 25)
WEEK = Filters(start=W47.monday, end=W47.sunday, as_of=W47.sunday)
SCOPES = {
    "county": {},
    "甲镇": {"towns": ("甲镇",)},
    "应急局": {"departments": ("应急局",)},
}
HAZARD_COUNTS = ("hazards_found", "rectified", "rectified_in_period", "due_in_period", "rectified_on_time",
                 "overdue_open", "rectified_date_unknown")
SHARED = (*HAZARD_COUNTS, "rectification_rate", "on_time_rate", "verification_rate", "median_days_to_rectify")


@pytest.fixture(scope="module")
def dirty_db(tmp_path_factory):
    return build_fixture_db(tmp_path_factory.mktemp("dirty") / "dirty.duckdb", "dirty.sql")


@pytest.fixture(scope="module")
def con(dirty_db):
    c = warehouse.open_readonly(dirty_db)
    yield c
    c.close()


def scoped(f: Filters, scope: dict) -> Filters:
    return Filters(start=f.start, end=f.end, as_of=f.as_of, **scope)


def run(con, name, params):
    return queries.run(con, name, params)


def same(a, b):
    """Equal figures: both undefined, or equal numbers."""
    a, b = (None if v is None or (isinstance(v, float) and v != v) else v for v in (a, b))
    return a == b if a is None or b is None else a == pytest.approx(b)


def test_headline_by_hand(con):
    h = metrics.headline(con, WEEK)
    assert h == {
        "enterprises_in_scope": 5,  # D1..D5; D6 is suspended
        "inspected_enterprises": 4,  # D1 D3 D4 D5 (D6 suspended; D2's Q10 is dated 2027)
        "coverage_rate": 0.8,
        "overdue_for_inspection": 0,
        "blind_spots": 2,  # D4 (no village, no grid), D5 (no town, department, squadron; grid unknown)
        "inspections": 5,  # Q1 Q4 Q5 Q6 Q7
        # Found 11-16..11-22: X1 X2 X3 X7 X8 X9 X10 X11 X12 X13 X17. X3 keeps counting though its
        # deadline is before its finding; X8 though its rectification is; both duplicates X9 X10.
        "hazards_found": 11,
        "major_hazards_found": 3,  # X1 X3 X11
        "rectified": 3,  # X2 X12 X13 (X8's rectification before its finding is not one)
        "rectification_rate": pytest.approx(3 / 11),
        # Rectified on a date in the week, whenever found: X2 11-17, X4 11-19, X12 11-19, X13 11-21
        # (X5's 11-25 is after the status date, X15's 2027 date from the future).
        "rectified_in_period": 4,
        # Deadline in the week: X1 X2 X4 X5 X6 X9 X10 X11 X12 X13 (X3's is emptied, X17's is 11-25).
        "due_in_period": 10,
        "rectified_on_time": 2,  # X2 X12
        "on_time_rate": pytest.approx(2 / 9),  # X6 (rectified, no date) left out of the 10
        # At 11-22: X1 X5 X9 X10 X11 and X15 (its 2027 rectification has not happened). X6 is
        # rectified (flag without a date), X3 has no valid deadline.
        "overdue_open": 6,
        "verification_rate": pytest.approx(2 / 3),  # X2 X12 of X2 X12 X13
        "median_days_to_rectify": 2.0,  # X2 1, X12 2, X13 4
        "rectified_date_unknown": 1,  # X6
        "not_recorded": [],
    }


def test_data_as_of_ignores_future_dates(con):
    # Q9 on 11-25 is the last inspection not after today; Q10 (2027) and X14 (2031) are typos.
    assert warehouse.data_as_of(warehouse.meta(con)) == DATA_AS_OF


def brief_of(con, scope):
    return briefing.compute(briefing.source_for(con), W47, briefing.Scope(**scope), DATA_AS_OF)


@pytest.mark.parametrize("scope", SCOPES.values(), ids=SCOPES.keys())
def test_every_query_equals_the_headline(con, scope):
    f = scoped(WEEK, scope)
    h = metrics.headline(con, f)
    params = f.params()

    # The brief's cards (this week and last), trends and where-to-act lists.
    b = brief_of(con, scope)
    before = metrics.headline(con, b.comparison.baseline)
    for card in b.cards:
        if card.key in metrics.KEYS:
            assert same(card.value, h[card.key]), card.key
            assert same(card.previous, before[card.key]), card.key
    last = b.trends.iloc[-1]
    for key in ("inspections", "hazards_found", "major_hazards_found", "rectified_in_period", "due_in_period",
                "rectified_on_time", "on_time_rate", "overdue_open"):
        assert same(last[key], h[key]), key
    assert last["overdue_major"] == b.card("overdue_major").value
    towns = run(con, "briefing_top_towns", {**params, "top_n": 100})
    assert towns["overdue_open"].sum() == h["overdue_open"]
    assert towns["overdue_major"].sum() == b.card("overdue_major").value
    ents = run(con, "briefing_top_enterprises", {**params, "top_n": 100})
    assert ents["overdue_major"].sum() == b.card("overdue_major").value

    # The rectification page: the scope row is the headline, every breakdown sums to it.
    frame = run(con, "rectification_by_dimension", rect.params(f))
    total = frame[frame["dimension"] == "all"].iloc[0]
    for key in SHARED:
        assert same(total[key], h[key]), key
    for dimension in rect.DIMENSIONS:
        rows = frame[frame["dimension"] == dimension]
        for key in HAZARD_COUNTS:
            assert rows[key].sum() == h[key], (dimension, key)
    assert sum(total[f"aged_{b}"] for b in range(1, 5)) == h["overdue_open"]
    trend = run(con, "rectification_trend", rect.params(f))
    for key in ("hazards_found", "rectified", "rectified_in_period", "due_in_period", "rectified_on_time"):
        assert trend[key].sum() == h[key], key
    assert len(run(con, "rectification_overdue", rect.params(f))) == h["overdue_open"]
    five = run(con, "rectification_five", rect.params(f)).iloc[0]
    assert five["majors"] == h["major_hazards_found"]

    # The hazards page: cards, charts and the per-enterprise table.
    page = {**params, "risk_levels": [], "hazard_levels": [], "categories": []}
    summary = run(con, "hazards_summary", page).iloc[0]
    assert (summary["hazards_found"], summary["major_hazards_found"]) == (h["hazards_found"],
                                                                           h["major_hazards_found"])
    assert run(con, "hazards_by_town", page)["hazards"].sum() == h["hazards_found"]
    assert run(con, "hazards_monthly", page)["hazards"].sum() == h["hazards_found"]
    assert run(con, "hazards_category_industry", page)["hazards"].sum() == h["hazards_found"]
    table = run(con, "hazards_by_enterprise", {**page, "search": "", "sort_by": "total", "limit": None,
                                               "offset": 0})
    assert table["total"].sum() == h["hazards_found"] and table["overdue"].sum() == h["overdue_open"]
    repeats = run(con, "hazards_repeats", {**page, "limit": 1000})
    assert len(repeats) == summary["repeat_hazards"] == table["repeats"].sum()

    # The coverage page's enterprises.
    cov = run(con, "coverage_enterprises", {**params, "risk_levels": []})
    assert cov["inspected_in_period"].sum() == h["inspected_enterprises"]
    assert cov["overdue_for_inspection"].sum() == h["overdue_for_inspection"]
    assert cov["blind_spot"].sum() == h["blind_spots"]
    assert cov["overdue_hazards"].sum() == h["overdue_open"]

    # The explorer's measures over the hazards found, due and rectified in the week.
    base = {"as_of": f.as_of, "towns": list(f.towns), "departments": list(f.departments),
            "industries": list(f.industries)}
    week = (str(f.start), str(f.end))

    def measure(dataset, measure_name, column=None, codes=()):
        ranges = ((column, *week),) if column else ()
        view = explore.View(dataset=dataset, ranges=ranges, codes=codes, measure=measure_name)
        return explore.run(con, view, base)["value"].iloc[0]

    assert measure("hazards", "count", "found_date") == h["hazards_found"]
    assert same(measure("hazards", "rectification_rate", "found_date"), h["rectification_rate"])
    assert same(measure("hazards", "on_time_rate", "deadline"), h["on_time_rate"])
    assert measure("hazards", "count", "rectified_date") == h["rectified_in_period"]
    assert measure("hazards", "count", codes=(("is_overdue", ("true",)),)) == h["overdue_open"]
    assert measure("inspections", "count", "inspection_date") == h["inspections"]

    # Every enterprise's register, added up.
    ids = run(con, "coverage_enterprises", {**params, "risk_levels": []})["enterprise_id"]
    overdue = 0
    for enterprise_id in ids:
        reg = run(con, "register_hazards", {"enterprise_id": enterprise_id, "as_of": f.as_of,
                                            "towns": params["towns"]})
        overdue += int((reg["status"] == "overdue").sum())
    assert overdue == h["overdue_open"]


def test_repeat_found_through_a_differently_written_description(con):
    repeats = run(con, "hazards_repeats", {**WEEK.params(), "risk_levels": [], "hazard_levels": [],
                                           "categories": [], "limit": 10})
    # X17 "配电箱 无防护。" repeats X16 "配电箱无防护" (rectified 10-15); X1, same enterprise and
    # category, has another item and is no repeat; the duplicates X9, X10 found the same day are not.
    assert repeats[["hazard_id", "earlier_hazard_id"]].values.tolist() == [["X17", "X16"]]


def _pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode("utf-8")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_brief_exports_carry_the_headline(con, lang):
    b = brief_of(con, {})
    h = metrics.headline(con, WEEK)
    text = _pdf_text(brief_pdf.to_pdf(b, lang))
    book = openpyxl.load_workbook(io.BytesIO(brief_xlsx.to_xlsx(b, lang)))
    sheet = book[book.sheetnames[1]]
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=7, values_only=True) if r[0]}
    page = brief_html.to_html(b, lang)
    for card in b.cards:
        label = card.label(lang)
        # PDF: the figure's line holds this week's and last week's value as the registry writes them.
        line = next(line for line in text.splitlines() if line.strip().startswith(label))
        assert re.search(re.escape(card.shown(lang)) + r"\s+" + re.escape(card.previous_shown(lang)), line), label
        # Excel: numbers (a rate as the fraction, shown as a percentage).
        assert rows[label][0] == pytest.approx(card.value), label
        assert f"<td>{label}</td><td class=\"num\">{card.shown(lang)}</td>" in page, label
    for key in ("rectified_in_period", "on_time_rate", "overdue_open", "hazards_found"):
        assert b.card(key).value == pytest.approx(h[key])


def test_cli_metrics_is_the_headline(dirty_db, con):
    done = subprocess.run([sys.executable, "-m", "gridwatch", "metrics", "--db", str(dirty_db), "--start",
                           "2026-11-16", "--end", "2026-11-22", "--json"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    ours = json.loads(done.stdout)
    h = metrics.headline(con, WEEK)
    assert ours.keys() == h.keys()
    for key in metrics.KEYS:
        assert same(ours[key], h[key]), key


# --- every card on every page, in both languages ------------------------------------------------

CUSTOM = dict(gf_preset="custom", gf_start=WEEK.start, gf_end=WEEK.end, gf_as_of_custom=WEEK.as_of)


def cards_of(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def expect(key, figures, lang):
    return display.card(key, figures).shown(lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("scope", SCOPES.values(), ids=SCOPES.keys())
def test_every_card_on_every_page_is_the_headline(dirty_db, con, monkeypatch, lang, scope):
    f = scoped(WEEK, scope)
    h = metrics.headline(con, f)
    state = {**CUSTOM, "gf_towns": list(f.towns), "gf_departments": list(f.departments)}

    at = start(dirty_db, monkeypatch, lang, **state).switch_page("pages/overview.py").run()
    assert not at.exception, at.exception
    shown = cards_of(at)
    keys = [k for k in metrics.KEYS if display.card(k, h).label(lang) in shown]
    assert len(keys) == 17  # every headline figure but rectified_date_unknown (a caption)
    for key in keys:
        assert shown[display.card(key, h).label(lang)] == expect(key, h, lang), key

    at.switch_page("pages/rectification.py").run()
    assert not at.exception, at.exception
    shown = cards_of(at)
    for key in rect.HEADLINE_CARDS:
        assert shown[display.card(key, h).label(lang)] == expect(key, h, lang), key
    aged = sum(int(shown[display.Card(f"aged_{b}", 0).label(lang)].replace(",", "")) for b in range(1, 5))
    assert aged == h["overdue_open"]

    at.switch_page("pages/hazards.py").run()
    assert not at.exception, at.exception
    shown = cards_of(at)
    for key in ("hazards_found", "major_hazards_found"):
        assert shown[display.card(key, h).label(lang)] == expect(key, h, lang), key

    at.switch_page("pages/coverage.py").run()
    assert not at.exception, at.exception
    shown = cards_of(at)
    assert shown[display.Card("coverage_blind_spots", 0).label(lang)] == expect("blind_spots", h, lang)
    assert shown[display.Card("coverage_overdue", 0).label(lang)] == expect("overdue_for_inspection", h, lang)

    at.switch_page("pages/briefing.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="briefing_week").value == "2026-W47"
    shown = cards_of(at)
    week = metrics.headline(con, scoped(WEEK, scope))
    for key, _ in briefing.CARDS:
        if key in metrics.KEYS:
            assert shown[display.card(key, week).label(lang)] == expect(key, week, lang), key


def test_not_recorded_reaches_the_pages(tmp_path, monkeypatch):
    """An export without verified dates: the verification rate is not recorded, on every page."""
    path = build_fixture_db(tmp_path / "nv.duckdb", "dirty.sql")
    with warehouse.rewrite(path) as w:
        w.execute("update hazards set verified_date = null")
    c = warehouse.open_readonly(path)
    try:
        h = metrics.headline(c, WEEK)
    finally:
        c.close()
    assert h["verification_rate"] is None
    assert [e["key"] for e in h["not_recorded"]] == ["verification_rate"]
    assert h["not_recorded"][0]["fields"] == ["hazards.verified_date"]
    for page in ("pages/overview.py", "pages/rectification.py"):
        at = start(path, monkeypatch, "zh", **CUSTOM).switch_page(page).run()
        assert not at.exception, at.exception
        assert cards_of(at)["复查销号率"] == "未记录"


def test_staffing_without_populations_is_not_recorded(tmp_path, monkeypatch):
    path = build_fixture_db(tmp_path / "np.duckdb", "dirty.sql")
    with warehouse.rewrite(path) as w:
        w.execute("update grids set population = null")
    at = start(path, monkeypatch, "en", **CUSTOM).switch_page("pages/coverage.py").run()
    assert not at.exception, at.exception
    shown = cards_of(at)
    assert shown["Short towns"] == "not recorded"
    assert shown["Blind spots"] == "2"  # what the grids do record still counts
