"""Coverage queries, gap lists and registers on the hand-made county of tests/fixtures/coverage.sql.

As of T = 2026-06-30, period June 2026; intervals from config/rules.toml (red 30, orange 90,
yellow 180, blue 365); staffing rules 1 inspector per 10,000 residents, 2 per village.
In scope (operating): C1..C6 and C8; C7 is suspended.
"""

from datetime import date

import pandas as pd
import pytest

from gridwatch import coverage, exports, metrics, queries, warehouse
from gridwatch.filters import Filters
from tests.conftest import build_fixture_db

JUNE = Filters(start=date(2026, 6, 1), end=date(2026, 6, 30), as_of=date(2026, 6, 30))


@pytest.fixture
def cov_db(tmp_path):
    return build_fixture_db(tmp_path / "coverage.duckdb", "coverage.sql")


@pytest.fixture
def cov_con(cov_db):
    con = warehouse.open_readonly(cov_db)
    yield con
    con.close()


def run(con, name, filters=JUNE, risk_levels=()):
    return queries.run(con, name, {**filters.params(), "risk_levels": list(risk_levels)})


def test_enterprise_rows(cov_con):
    frame = run(cov_con, "coverage_enterprises")
    got = [
        (r.enterprise_id, r.village_grid_id if isinstance(r.village_grid_id, str) else None,
         r.town_grid_id if isinstance(r.town_grid_id, str) else None, r.in_scope,
         None if pd.isna(r.days_since_inspection) else int(r.days_since_inspection), int(r.interval_days),
         r.inspected_in_period, r.overdue_for_inspection, r.blind_spot, list(r.missing),
         int(r.open_hazards), int(r.overdue_hazards))
        for r in frame.itertuples()
    ]
    assert got == [
        # C8 has no town: sorted first; never inspected, blue → overdue; placed in no grid.
        ("C8", None, None, True, None, 365, False, True, True, ["town", "village", "squadron", "grid_id"], 0, 0),
        # C1 red, 06-10 = 20 days <= 30; Z1 open and past its 06-20 deadline, Z2 open.
        ("C1", "V-A1", "T-A", True, 20, 30, True, False, False, [], 2, 1),
        # C2 red, 05-20 = 41 days > 30: overdue; not inspected in June.
        ("C2", "V-A1", "T-A", True, 41, 30, False, True, False, [], 0, 0),
        # C7 suspended: not in scope, so no flags; Z5 still open.
        ("C7", "V-A1", "T-A", False, 10, 30, False, False, False, [], 1, 0),
        # C3 orange, 04-15 = 76 days <= 90 (the 07-05 inspection is after T); Z3 fixed.
        ("C3", "V-A2", "T-A", True, 76, 90, False, False, False, [], 0, 0),
        # C4 yellow, never inspected; no squadron.
        ("C4", "V-A2", "T-A", True, None, 180, False, True, True, ["squadron"], 0, 0),
        # C6 yellow, 2025-12-01 → 06-30 = 31 + 180 = 211 days > 180; no village: town grid only.
        ("C6", None, "T-B", True, 211, 180, False, True, True, ["village", "department", "grid_id"], 0, 0),
        # C5 blue, 06-05 = 25 days; grid V-ZZ does not exist, placed by town+village in V-B1;
        # Z4 fixed only on 07-02, after T, and past its 06-25 deadline.
        ("C5", "V-B1", "T-B", True, 25, 365, True, False, True, ["unknown_grid"], 1, 1),
    ]
    assert frame.loc[frame.enterprise_id == "C3", "last_inspection"].iloc[0] == pd.Timestamp("2026-04-15")


def test_grid_rows(cov_con):
    frame = run(cov_con, "coverage_grids")
    got = [(r.grid_id, r.enterprises, r.inspected, r.coverage_rate, r.overdue_for_inspection, r.blind_spots,
            r.open_hazards, r.open_hazards_per_enterprise) for r in frame.itertuples()]
    assert got == [
        ("V-A1", 2, 1, 0.5, 1, 0, 2, 1.0),  # C1, C2 (C7 suspended); C2 overdue; Z1+Z2
        ("V-A2", 2, 0, 0.0, 1, 1, 0, 0.0),  # C3, C4; C4 overdue and blind
        ("T-A", 4, 1, 0.25, 2, 1, 2, 0.5),  # C1..C4
        ("V-B1", 1, 1, 1.0, 0, 1, 1, 1.0),  # C5 (placed by name)
        ("T-B", 2, 1, 0.5, 1, 2, 1, 0.5),  # C5, C6
    ]
    # C8 (no town) is in no grid: the town grids hold 6 of the 7 in-scope enterprises.
    assert frame[frame.level == "town"].enterprises.sum() == 6


def test_risk_filter(cov_con):
    red = run(cov_con, "coverage_enterprises", risk_levels=["red"])
    assert list(red.enterprise_id) == ["C1", "C2", "C7"]
    assert list(coverage.overdue_for_inspection(red).enterprise_id) == ["C2"]
    grids = run(cov_con, "coverage_grids", risk_levels=["red"]).set_index("grid_id")
    assert grids.loc["T-A", "enterprises"] == 2 and grids.loc["T-B", "enterprises"] == 0
    assert pd.isna(grids.loc["T-B", "coverage_rate"])


def test_staffing(cov_con):
    frame = queries.run(cov_con, "coverage_staffing", {"towns": []})
    rows = frame.to_dict("records")
    # 东镇: 第一中队's 2 active staff serve only 东镇 (C1..C3) + village inspectors 2 + 1 = 5
    # per 20,000 residents = 2.5 per 10,000 (rule 1: needs 2, met); 二村 has 1 < 2 inspectors.
    assert rows[0] == {
        "town": "东镇", "population": 20000, "squadron_staff": 2.0, "village_inspectors": 3, "inspectors": 5.0,
        "inspectors_per_10k": 2.5, "required_inspectors": 2, "inspector_shortfall": 0,
        "meets_inspector_rule": True, "villages": 2, "village_inspectors_per_village": 1.5,
        "villages_below_rule": 1, "villages_not_recorded": 0, "meets_village_rule": False,
    }
    # 西镇: 第二中队 has 1 active (S4 is not) + 0 village inspectors = 1 per 25,000 = 0.4;
    # needs ceil(2.5) = 3, short by 2 people. 监管一科 serves no town.
    assert rows[1] == {
        "town": "西镇", "population": 25000, "squadron_staff": 1.0, "village_inspectors": 0, "inspectors": 1.0,
        "inspectors_per_10k": 0.4, "required_inspectors": 3, "inspector_shortfall": 2,
        "meets_inspector_rule": False, "villages": 1, "village_inspectors_per_village": 0.0,
        "villages_below_rule": 1, "villages_not_recorded": 0, "meets_village_rule": False,
    }
    only = queries.run(cov_con, "coverage_staffing", {"towns": ["西镇"]})
    assert list(only.town) == ["西镇"]


def test_villages_short_are_named_with_their_town(cov_con):
    frame = queries.run(cov_con, "coverage_villages_short", {"towns": []})
    assert [tuple(r) for r in frame.itertuples(index=False)] == [
        ("东镇", "二村", "V-A2", "东镇二村", 8000, 1, 2, 1),
        ("西镇", "三村", "V-B1", "西镇三村", 25000, 0, 2, 2),
    ]
    assert list(queries.run(cov_con, "coverage_villages_short", {"towns": ["东镇"]}).village) == ["二村"]


def test_staffing_rules_are_counted_apart(cov_con):
    """One town below the per-10,000 rule (西镇), two villages short (二村, 三村): not "both towns short"."""
    staffing = queries.run(cov_con, "coverage_staffing", {"towns": []})
    villages = queries.run(cov_con, "coverage_villages_short", {"towns": []})
    assert coverage.staffing_figures(staffing, villages) == {"towns_below_ratio": 1, "villages_short": 2}


def test_staffing_without_populations_is_not_recorded(tmp_path):
    """西镇 records no population and its village no inspector count: its verdicts are null, not 0."""
    path = build_fixture_db(tmp_path / "coverage.duckdb", "coverage.sql")
    with warehouse.rewrite(path) as con:
        con.execute("update grids set population = null where town = '西镇'")
        con.execute("update grids set grid_staff = null where grid_id = 'V-B1'")
    con = warehouse.open_readonly(path)
    try:
        staffing = queries.run(con, "coverage_staffing", {"towns": []})
        villages = queries.run(con, "coverage_villages_short", {"towns": []})
    finally:
        con.close()
    west = staffing.set_index("town").loc["西镇"]
    # The town grid's 0 stands in for its villages' inspector count; with no population the
    # ratio, requirement, shortfall and verdict are not recorded.
    assert west["village_inspectors"] == 0 and west["inspectors"] == 1.0
    assert all(pd.isna(west[c]) for c in ("population", "inspectors_per_10k", "required_inspectors",
                                          "inspector_shortfall", "meets_inspector_rule", "meets_village_rule"))
    assert (west["villages_below_rule"], west["villages_not_recorded"]) == (0, 1)
    assert pd.isna(west["village_inspectors_per_village"])
    assert list(villages.village) == ["二村"]
    # 东镇 is still judged; 西镇 is left out of the first card, its village out of the second.
    assert coverage.staffing_figures(staffing, villages) == {"towns_below_ratio": 0, "villages_short": 1}
    table = coverage.staffing_table(staffing, "zh").set_index("镇街")
    assert table.loc["西镇", "常住人口"] == "未记录" and table.loc["西镇", "是否达标"] == "未记录"
    assert table.loc["东镇", "是否达标"] == "是"
    with warehouse.rewrite(path) as con:
        con.execute("update grids set population = null, grid_staff = null")
    con = warehouse.open_readonly(path)
    try:
        staffing = queries.run(con, "coverage_staffing", {"towns": []})
        villages = queries.run(con, "coverage_villages_short", {"towns": []})
    finally:
        con.close()
    assert coverage.staffing_figures(staffing, villages) == {"towns_below_ratio": None, "villages_short": None}


def test_staffing_csv_has_no_long_floats(cov_con):
    """Ratios to 0.01, staff shares to 0.1: the CSV holds no 8.527787780895979-style values."""
    staffing = queries.run(cov_con, "coverage_staffing", {"towns": []})
    text = exports.csv_bytes(coverage.staffing_table(staffing, "en"), ["h"]).decode("utf-8-sig")
    assert text.splitlines()[2:] == [
        "Town,Residents,Squadron staff (shared),Village inspectors,Inspectors,\"Inspectors per 10,000\","
        "Required by the rule,Shortfall,Meets the rule",
        "东镇,20000,2.0,3,5.0,2.5,2,0,yes",
        "西镇,25000,1.0,0,1.0,0.4,3,2,no",
    ]


def test_gap_lists(cov_con):
    enterprises = run(cov_con, "coverage_enterprises")
    blind = coverage.blind_spots(enterprises)
    assert list(blind.enterprise_id) == ["C8", "C4", "C6", "C5"]
    assert coverage.missing_text(blind.missing[2], "zh") == "村居、主管部门、网格编号"
    assert coverage.missing_text(blind.missing[3], "en") == "grid id does not exist"
    overdue = coverage.overdue_for_inspection(enterprises)
    # red first; within a level the never-inspected first, then the longest without inspection.
    assert list(overdue.enterprise_id) == ["C2", "C4", "C6", "C8"]
    assert coverage.overdue_by_risk(overdue) == {"red": 1, "orange": 0, "yellow": 2, "blue": 1}
    grids = run(cov_con, "coverage_grids")
    assert list(coverage.uninspected_grids(grids).grid_id) == ["V-A2"]
    assert coverage.uninspected_grids(grids, "town").empty
    members = coverage.grid_enterprises(enterprises[enterprises.in_scope], "T-B", "town")
    assert list(members.enterprise_id) == ["C6", "C5"]


FILTER_CASES = [
    JUNE,
    Filters(start=date(2026, 1, 1), end=date(2026, 6, 30), as_of=date(2026, 6, 30)),
    Filters(start=date(2026, 6, 1), end=date(2026, 6, 30), as_of=date(2026, 12, 31)),
    Filters(start=date(2026, 6, 1), end=date(2026, 6, 30), as_of=date(2026, 6, 30), towns=("东镇",)),
    Filters(start=date(2026, 6, 1), end=date(2026, 6, 30), as_of=date(2026, 6, 30), departments=("住建局",)),
    Filters(start=date(2026, 6, 1), end=date(2026, 6, 30), as_of=date(2026, 6, 30), industries=("建材",)),
]


@pytest.mark.parametrize("filters", FILTER_CASES)
def test_gap_lists_agree_with_headline(cov_con, filters):
    """The gap lists use the same rules as headline_metrics.sql: same counts for the same filters."""
    enterprises = run(cov_con, "coverage_enterprises", filters)
    figures = metrics.headline(cov_con, filters)
    assert len(coverage.blind_spots(enterprises)) == figures["blind_spots"]
    assert len(coverage.overdue_for_inspection(enterprises)) == figures["overdue_for_inspection"]
    assert int(enterprises.in_scope.sum()) == figures["enterprises_in_scope"]
    assert int(enterprises.inspected_in_period.sum()) == figures["inspected_enterprises"]


@pytest.mark.parametrize("filters", [
    Filters(start=date(2026, 3, 1), end=date(2026, 3, 31), as_of=date(2026, 3, 31)),
    Filters(start=date(2026, 3, 1), end=date(2026, 3, 31), as_of=date(2027, 1, 31), towns=("乙镇",)),
])
def test_agree_with_headline_on_tiny(tiny_con, filters):
    enterprises = run(tiny_con, "coverage_enterprises", filters)
    figures = metrics.headline(tiny_con, filters)
    assert len(coverage.blind_spots(enterprises)) == figures["blind_spots"]
    assert len(coverage.overdue_for_inspection(enterprises)) == figures["overdue_for_inspection"]


def test_named_coverage_figures(cov_con):
    """June headline on this county, by hand: 7 in scope, C1 and C5 inspected, 4 overdue, 4 blind."""
    figures = metrics.headline(cov_con, JUNE)
    assert (figures["enterprises_in_scope"], figures["inspected_enterprises"],
            figures["overdue_for_inspection"], figures["blind_spots"]) == (7, 2, 4, 4)




def test_export_header_names_filters():
    f = Filters(start=date(2026, 6, 1), end=date(2026, 6, 30), as_of=date(2026, 6, 30),
                towns=("东镇",), departments=("应急局",))
    line = coverage.export_header("Grid coverage", f, ["red"], date(2026, 7, 1), "en")[0]
    assert "东镇" in line and "应急局" in line and "Major risk (red)" in line and "data as of 2026-07-01" in line
