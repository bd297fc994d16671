"""AppTests: with more categories than N a chart draws exactly N and says "N of M"; with fewer, all.

N is ``gridwatch.chart_top.CHART_TOP_N``, patched small so the hand-made fixtures have more categories.
"""

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from gridwatch import chart_top
from tests.conftest import build_fixture_db
from tests.test_app import APP, start
from tests.test_rectification_app import PERIOD


def values(array):
    """A plotly spec array: a plain list, or a base64 typed array ({"dtype", "bdata"})."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def chart(at, title_part):
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if title_part in spec["layout"]["title"]["text"]:
            return spec
    raise AssertionError(f"no chart titled with {title_part!r}")


def categories(spec, axis="x"):
    """The distinct categories of a chart's traces, in order of first appearance."""
    seen = []
    for trace in spec["data"]:
        for value in values(trace[axis]):
            if value not in seen:
                seen.append(value)
    return seen


def captions(at):
    return [c.value for c in at.caption]


@pytest.fixture
def perf_db(tmp_path):
    return build_fixture_db(tmp_path / "performance.duckdb", "performance.sql")


@pytest.fixture
def rect_db(tmp_path):
    return build_fixture_db(tmp_path / "rect.duckdb", "rectification.sql", "charts_rectification.sql")


@pytest.fixture
def hz_db(tmp_path):
    return build_fixture_db(tmp_path / "hazards.duckdb", "hazards.sql")


def open_page(db, monkeypatch, page, lang="zh", **state):
    at = start(db, monkeypatch, lang, **state)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_performance_stacked_chart_shows_the_top_n_staff(perf_db, monkeypatch):
    monkeypatch.setattr(chart_top, "CHART_TOP_N", 4)
    at = open_page(perf_db, monkeypatch, "pages/performance.py")
    # The page opens on the last finished quarter (2025Q4); 2026Q1 is the hand-worked one.
    at.selectbox(key="perf_quarter").set_value("2026Q1").run()
    # Ranking of tests/test_performance_page.py: 赵一 100, 孙三 72.22, 吴六 72.22, 钱二 38.47, 李四, 周五.
    spec = chart(at, "得分构成")
    assert categories(spec) == ["赵一", "孙三", "吴六", "钱二"]
    assert any("前 4 个（共 6 个）" in c for c in captions(at))


def test_performance_charts_show_everyone_under_n(perf_db, monkeypatch):
    at = open_page(perf_db, monkeypatch, "pages/performance.py", "en")
    assert len(categories(chart(at, "Score make-up"))) == 6
    assert len(categories(chart(at, "per unit"))) == 2
    assert not any(" of " in c and "the full list" in c for c in captions(at))


def test_performance_unit_chart_shows_the_top_n_units(perf_db, monkeypatch):
    monkeypatch.setattr(chart_top, "CHART_TOP_N", 1)
    at = open_page(perf_db, monkeypatch, "pages/performance.py", "en")
    spec = chart(at, "per unit")
    units = next(d.value for d in at.dataframe if "Staff" in d.value.columns)
    shown = categories(spec)
    assert len(shown) == 1 and len(spec["data"]) == 1
    assert shown == [units.iloc[0, 0]]  # the unit table (all units) is sorted by mean score, best first
    assert any("top 1 of 2" in c for c in captions(at))


def test_rectification_breakdown_charts_show_the_top_n(rect_db, monkeypatch):
    monkeypatch.setattr(chart_top, "CHART_TOP_N", 1)
    at = open_page(rect_db, monkeypatch, "pages/rectification.py", "en", **PERIOD)
    at.segmented_control(key="rect_dimension").set_value("town").run()
    assert not at.exception
    # 东镇: found K1 K2 K3 K4 K10 K12 = 6, rectified K1 K2 K3 = 3 → 50%; 西镇: K5 K6 K7, none rectified → 0%.
    rates = chart(at, "Rates by town")
    assert categories(rates) == ["西镇"] and all(len(values(t["y"])) == 1 for t in rates["data"])
    # Overdue open by the as-of date: 东镇 K4 = 1; 西镇 K5, K7 (rectified after 06-30), K8 = 3.
    assert categories(chart(at, "By town: overdue open")) == ["西镇"]
    assert any("lowest 1 of 2 by Rectification rate" in c for c in captions(at))
    assert any("top 1 of 2 by Overdue open" in c for c in captions(at))


def test_rectification_due_soon_chart_shows_the_top_n_squadrons(rect_db, monkeypatch):
    monkeypatch.setattr(chart_top, "CHART_TOP_N", 1)
    at = open_page(rect_db, monkeypatch, "pages/rectification.py", "en", **PERIOD)
    # Due within 7 days of 06-30: 二中队 K6 (07-05), K10 (06-30) = 2; 一中队 K12 (07-03) = 1.
    spec = chart(at, "due soon by squadron")
    assert categories(spec) == ["二中队"] and values(spec["data"][0]["y"]) == [2]
    assert any("top 1 of 2 by Due soon" in c for c in captions(at))


def test_rectification_charts_show_everything_under_n(rect_db, monkeypatch):
    at = open_page(rect_db, monkeypatch, "pages/rectification.py", "en", **PERIOD)
    assert len(categories(chart(at, "Rates by squadron"))) == 3
    assert sorted(categories(chart(at, "due soon by squadron"))) == ["一中队", "二中队"]
    assert not any("the full list" in c for c in captions(at))


def test_hazards_town_chart_shows_the_top_n_towns_and_the_full_table(hz_db, monkeypatch):
    at = open_page(hz_db, monkeypatch, "pages/hazards.py", "en")
    spec = chart(at, "by town")
    assert sorted(categories(spec)) == ["东镇", "西镇"]
    assert not any("the full list" in c for c in captions(at))
    monkeypatch.setattr(chart_top, "CHART_TOP_N", 1)
    at = open_page(hz_db, monkeypatch, "pages/hazards.py", "en")
    spec = chart(at, "by town")
    shown = categories(spec)
    assert len(shown) == 1
    assert any("top 1 of 2 by Hazards (count)" in c for c in captions(at))
    towns = next(d.value for d in at.dataframe if "Town" in d.value.columns and len(d.value.columns) <= 3)
    totals = towns.set_index("Town").sum(axis=1)
    assert shown == [totals.idxmax()] and list(towns["Town"]) == list(totals.sort_values(ascending=False).index)


def explore(db, monkeypatch, **params):
    monkeypatch.setenv("GRIDWATCH_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in {"lang": "en", "ds": "hazards", "m": "count", **params}.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/explore.py").run()
    assert not at.exception, at.exception
    return at


def test_explore_bar_chart_shows_the_top_n_groups_and_keeps_the_full_table(tiny_db, monkeypatch):
    everything = explore(tiny_db, monkeypatch, g1="town")
    table = everything.dataframe[0].value
    assert len(table) >= 2
    assert len(categories(json.loads(everything.get("plotly_chart")[0].proto.spec))) == len(table)
    monkeypatch.setattr(chart_top, "CHART_TOP_N", 1)
    at = explore(tiny_db, monkeypatch, g1="town")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert categories(spec) == [table.sort_values(table.columns[-1], ascending=False, kind="stable").iloc[0, 0]]
    assert any(f"top 1 of {len(table)}" in c for c in captions(at))
    assert at.dataframe[0].value.equals(table), "the table keeps every group"


def test_explore_keeps_the_whole_time_axis(tiny_db, monkeypatch):
    monkeypatch.setattr(chart_top, "CHART_TOP_N", 1)
    at = explore(tiny_db, monkeypatch, g1="found_date:month")
    months = at.dataframe[0].value
    assert len(months) >= 2
    shown = categories(json.loads(at.get("plotly_chart")[0].proto.spec))
    # Every month from the first to the last is on the axis (months without hazards too), none cut.
    assert shown[0] == months.iloc[0, 0] and shown[-1] == months.iloc[-1, 0] and len(shown) >= len(months)
    assert not any("the full list" in c for c in captions(at))
