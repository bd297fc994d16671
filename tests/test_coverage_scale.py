"""The coverage page at province scale: the point budget, paged gap lists, binned hexagons, cached decks.

The budget and page size are lowered on tests/fixtures/coverage.sql so the behaviour a
province triggers (180,000 enterprises) shows on the hand-made county.
"""

import json

import pandas as pd
import pytest

from gridwatch import coverage, coverage_view, maps, ui, warehouse
from tests.conftest import build_fixture_db
from tests.test_app import start
from tests.test_coverage_page import JUNE, deck, layers, open_page


@pytest.fixture
def cov_db(tmp_path):
    return build_fixture_db(tmp_path / "coverage.duckdb", "coverage.sql")


def test_points_over_budget_are_left_out_with_a_message(cov_db, monkeypatch):
    # Six in-scope enterprises have coordinates (C1..C6; C8 has none): over a budget of 4.
    monkeypatch.setattr(coverage_view, "POINT_BUDGET", 4)
    at = open_page(cov_db, monkeypatch, "en")
    ids = set(layers(deck(at)))
    assert maps.GRID_LAYER in ids and maps.POINT_LAYER not in ids and maps.OVERDUE_LAYER not in ids
    hidden = [i.value for i in at.info if "not drawn as points" in i.value]
    assert hidden and hidden[0].startswith("6 enterprises") and "budget of 4 points" in hidden[0]
    legend = next(m.value for m in at.markdown if "rgb(" in m.value)
    assert "Enterprises (by risk level)" not in legend  # no point colours without points
    # Choosing T-A draws its four enterprises (C1..C4) and leaves out the other two.
    at.selectbox(key="coverage_grid").set_value("T-A").run()
    assert not at.exception
    by_id = layers(deck(at))
    assert sorted(p["enterprise_id"] for p in by_id[maps.POINT_LAYER]["data"]) == ["C1", "C2", "C3", "C4"]
    assert sorted(p["enterprise_id"] for p in by_id[maps.OVERDUE_LAYER]["data"]) == ["C2", "C4"]
    assert any(i.value.startswith("2 enterprises") for i in at.info)


def test_points_within_budget_need_no_message(cov_db, monkeypatch):
    monkeypatch.setattr(coverage_view, "POINT_BUDGET", 6)
    at = open_page(cov_db, monkeypatch, "en")
    assert maps.POINT_LAYER in set(layers(deck(at)))
    assert not any("not drawn as points" in i.value for i in at.info)


def test_one_town_fits_the_budget(cov_db, monkeypatch):
    # 西镇 holds C5 and C6 only: under a budget of 4 every point is drawn.
    monkeypatch.setattr(coverage_view, "POINT_BUDGET", 4)
    at = start(cov_db, monkeypatch, "en", gf_towns=["西镇"], **JUNE)
    at.switch_page("pages/coverage.py").run()
    assert not at.exception
    points = layers(deck(at))[maps.POINT_LAYER]["data"]
    assert sorted(p["enterprise_id"] for p in points) == ["C5", "C6"]
    assert not any("not drawn as points" in i.value for i in at.info)


def test_no_geometry_over_budget_bins_the_points(cov_db, monkeypatch):
    with warehouse.rewrite(cov_db) as con:
        con.execute("update grids set geometry = null")
    monkeypatch.setattr(coverage_view, "POINT_BUDGET", 4)
    at = open_page(cov_db, monkeypatch, "en")
    assert any("no boundaries" in i.value for i in at.info)
    by_id = layers(deck(at))
    assert maps.POINT_LAYER not in by_id
    hexagons = by_id[maps.HEX_LAYER]
    # C1..C6 fall in six distinct 0.01° cells, one enterprise each.
    assert sorted(c["count"] for c in hexagons["data"]) == [1] * 6
    assert hexagons["getColorWeight"] == "@@=count" and hexagons["colorAggregation"] == "SUM"


def test_long_lists_page(cov_db, monkeypatch):
    # Four overdue enterprises in order C2 (red), C4 (yellow, never), C6 (yellow, 211 days), C8 (blue, never).
    monkeypatch.setattr(ui.tables, "PAGE_ROWS", 3)
    at = open_page(cov_db, monkeypatch)
    overdue = next(df.value for df in at.dataframe if "距今天数" in df.value.columns)
    assert list(overdue["企业编号"]) == ["C2", "C4", "C6"]
    assert any("第 1–3 行，共 4 行" in c.value for c in at.caption)
    at.number_input(key="coverage_dl_overdue_page_2").set_value(2).run()
    assert not at.exception
    overdue = next(df.value for df in at.dataframe if "距今天数" in df.value.columns)
    assert list(overdue["企业编号"]) == ["C8"]


def test_point_bins_count_cells():
    frame = pd.DataFrame({"lon": [120.001, 120.002, 120.031, None], "lat": [36.0, 36.001, 36.0, 36.0]})
    bins = maps.point_bins(frame)
    # 120.001 and 120.002 round to the cell 12000 × 3600; 120.031 to 12003; the row without lon is skipped.
    assert [b["count"] for b in bins] == [2, 1]
    assert bins[0]["position"] == pytest.approx([120.0, 36.0])
    assert bins[1]["position"] == pytest.approx([120.03, 36.0])
    assert maps.point_bins(frame.iloc[3:]) == []


def test_frozen_deck_serialises_once():
    deck_ = maps.coverage_deck([], [{"position": [120.0, 36.0], "fill": [1, 2, 3, 230], "overdue": False,
                                      "enterprise_id": "E", "grid_id": "", "tip_title": "t", "tip_body": "b"}])
    first = deck_.to_json()
    deck_.layers = []  # a cached deck must not be changed; if it were, its JSON would not follow
    assert deck_.to_json() is first
    assert json.loads(first)["layers"][0]["id"] == maps.HEX_LAYER


def test_clicked_grid_reads_session_state_dicts():
    state = {"selection": {"objects": {maps.GRID_LAYER: [{"grid_id": "T-B"}]}}}
    assert coverage.clicked_grid(state) == "T-B"
    assert coverage.clicked_grid({"selection": {}}) is None
