"""Codes that look like numbers stay text on every chart axis; the coverage map counts what it leaves off.

tests/fixtures/status.sql names its towns with ZIP-like codes, 94110 and 94111. Plotly infers a
numeric axis from such strings ("94.11k") unless the axis is declared categorical. In 2026 town
94111 has 3 hazards (E2: H4–H6) and 94110 has 2 (E1: H2, H3), so the by-town chart draws 94111
first, as the caption's ranking does.
"""

import json
from datetime import date

import pandas as pd
import pytest

from gridwatch import figures
from tests.conftest import build_fixture_db
from tests.test_app import start

LEVELS = ["重大", "一般"]
COLOURS = {"重大": "#d62728", "一般": "#ff9f0e"}


@pytest.fixture
def status_db(tmp_path):
    return build_fixture_db(tmp_path / "status.duckdb", "status.sql")


def spec_titled(at, title: str) -> dict:
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return next(s for s in specs if s["layout"].get("title", {}).get("text") == title)


def test_town_chart_keeps_zip_like_towns_as_text_in_ranked_order():
    frame = pd.DataFrame({"town": ["94110", "94110", "94111", "94112"], "level": ["重大", "一般", "一般", "一般"],
                          "hazards": [1, 1, 3, 2]})
    fig = figures.town_levels(frame, COLOURS, LEVELS, {"title": "t", "town": "镇街", "hazards": "n", "level": "l"})
    # 94111: 3, 94110: 2, 94112: 2 (a tie keeps the frame's order, as chart_top.ranked does).
    assert fig.layout.xaxis.type == "category"
    assert list(fig.layout.xaxis.categoryarray) == ["94111", "94110", "94112"]


def test_every_figure_builder_declares_text_axes_categorical():
    bars = pd.DataFrame({"enterprise_id": ["1001", "1002"], "name": ["1001", "1002"], "level": ["重大", "一般"],
                         "hazards": [2, 1]})
    top = figures.top_enterprises(bars, ["1001", "1002"], COLOURS, LEVELS,
                                  {"title": "t", "hazards": "n", "name": "企业", "level": "l"})
    assert top.layout.yaxis.type == "category"
    heat = figures.heatmap(pd.DataFrame({"3701": [1, 2]}, index=["0100", "0200"]),
                           {"title": "t", "x": "x", "y": "y", "colour": "c"})
    assert (heat.layout.xaxis.type, heat.layout.yaxis.type) == ("category", "category")
    spec = figures.from_spec([{"type": "bar", "x": ["94110", "94111"], "y": [1, 2]},
                              {"type": "bar", "orientation": "h", "x": [3, 4], "y": ["0531", "0532"],
                               "xaxis": "x2", "yaxis": "y2"},
                              {"type": "scatter", "x": ["2026-01", "2026-02"], "y": [0.5, 0.6], "xaxis": "x3"}],
                             {"xaxis2": {}, "yaxis2": {}, "xaxis3": {"type": "date"}})
    assert (spec.layout.xaxis.type, spec.layout.yaxis.type) == ("category", None), "numbers stay numbers"
    assert (spec.layout.xaxis2.type, spec.layout.yaxis2.type) == (None, "category")
    assert spec.layout.xaxis3.type == "date", "a type the layout sets is kept"


@pytest.mark.parametrize("lang, title", [("zh", "各镇街发现隐患数"), ("en", "Hazards found by town")])
def test_hazards_page_draws_zip_like_towns_as_categories(status_db, monkeypatch, lang, title):
    at = start(status_db, monkeypatch, lang).switch_page("pages/hazards.py").run()
    assert not at.exception, at.exception
    spec = spec_titled(at, title)
    assert spec["layout"]["xaxis"]["type"] == "category"
    assert spec["layout"]["xaxis"]["categoryarray"] == ["94111", "94110"]
    assert sorted({town for trace in spec["data"] for town in trace["x"]}) == ["94110", "94111"]


def test_rectification_by_town_draws_zip_like_towns_as_categories(status_db, monkeypatch):
    at = start(status_db, monkeypatch, "en").switch_page("pages/rectification.py").run()
    at.segmented_control(key="rect_dimension").set_value("town").run()
    assert not at.exception, at.exception
    spec = spec_titled(at, "Rates by town")
    assert spec["data"][0]["x"] == ["94110", "94111"]
    assert spec["layout"]["xaxis"]["type"] == "category"


def test_coverage_map_says_how_many_enterprises_it_leaves_off(tmp_path, monkeypatch):
    db = build_fixture_db(tmp_path / "coverage.duckdb", "coverage.sql")
    june = dict(gf_preset="custom", gf_start=date(2026, 6, 1), gf_end=date(2026, 6, 30),
                gf_as_of_custom=date(2026, 6, 30))
    # Operating: C1–C6 and C8; C8 has no coordinates.
    at = start(db, monkeypatch, "zh", **june).switch_page("pages/coverage.py").run()
    assert not at.exception
    assert any("1 家在营企业（共 7 家）没有经纬度" in i.value for i in at.info)
    points = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    drawn = {p["enterprise_id"] for layer in points["layers"] if layer["@@type"] == "ScatterplotLayer"
             for p in layer["data"]}
    assert drawn == {"C1", "C2", "C3", "C4", "C5", "C6"}


def test_coverage_map_without_any_coordinates_says_so(status_db, monkeypatch):
    at = start(status_db, monkeypatch, "en").switch_page("pages/coverage.py").run()
    assert not at.exception
    # E1 and E2 operate (E3 is suspended); neither has coordinates.
    assert any("2 of 2 operating enterprises have no coordinates" in i.value for i in at.info)


def test_coverage_map_with_every_enterprise_located_says_nothing(tiny_db, monkeypatch):
    at = start(tiny_db, monkeypatch, "en").switch_page("pages/coverage.py").run()
    assert not any("no coordinates" in i.value for i in at.info)
