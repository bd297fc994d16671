"""Each headline metric on the tiny county, against figures worked out by hand.

Period March 2026 (S = 03-01, E = 03-31), as of T = 03-31 unless a test says otherwise.
In scope (operating): E1..E5; E6 is suspended.
"""

from datetime import date

import pytest

from gridwatch import metrics
from gridwatch.filters import Filters

MARCH = dict(start=date(2026, 3, 1), end=date(2026, 3, 31))


def figures(con, **kw):
    args = {**MARCH, "as_of": MARCH["end"], **kw}
    return metrics.headline(con, Filters(**args))


def test_march_whole_county(tiny_con):
    assert figures(tiny_con) == {
        "enterprises_in_scope": 5,  # E1..E5
        "inspected_enterprises": 2,  # E1 (I1), E2 (I3); E6 inspected but suspended
        "coverage_rate": 0.4,  # 2 / 5
        # E3 orange, last 2025-10-01 = 181 days > 90; E4 never; E5 only after T.
        # E1 red 21 days <= 30 and E2 blue 11 days are fine.
        "overdue_for_inspection": 3,
        "blind_spots": 2,  # E4 no village/grid, E5 grid G-X unknown
        "inspections": 3,  # I1, I3, I5 (E6 counts: suspended enterprises are still inspected)
        "hazards_found": 5,  # H1 H2 H3 H5 H6
        "major_hazards_found": 1,  # H1
        "rectified": 3,  # H1 03-18, H2 03-28, H6 03-15; H5 04-02 is after T
        "rectification_rate": 0.6,  # 3 / 5
        "rectified_in_period": 3,  # rectified in March: H1, H2, H6 (whenever found)
        "due_in_period": 4,  # deadlines H1 03-20, H2 03-25, H5 03-30, H6 03-15
        "rectified_on_time": 2,  # H1 early, H6 exactly on the deadline
        "on_time_rate": 0.5,  # 2 / 4
        "overdue_open": 2,  # H4 (2025-10-31), H5 (03-30, fixed only on 04-02)
        "verification_rate": pytest.approx(1 / 3),  # of H1 H2 H6 only H1 verified by T
        "median_days_to_rectify": 10.0,  # H1 8, H2 18, H6 10
        "rectified_date_unknown": 0,
        "not_recorded": [],
    }


def test_counts_are_integers(tiny_con):
    f = figures(tiny_con)
    assert all(type(f[k]) is int for k in metrics.KEYS if k not in metrics.RATES
               and k != "median_days_to_rectify")


def test_rectified_in_period_is_a_flow(tiny_con):
    """Rectified in the period counts by the rectification date, whenever the hazard was found."""
    april = figures(tiny_con, start=date(2026, 4, 1), end=date(2026, 4, 30), as_of=date(2026, 4, 30))
    assert april["hazards_found"] == 0 and april["rectified"] == 0
    assert april["rectified_in_period"] == 1  # H5, found in March, rectified 04-02
    # As of 04-01 the rectification of 04-02 has not happened yet.
    assert figures(tiny_con, start=date(2026, 4, 1), end=date(2026, 4, 30),
                   as_of=date(2026, 4, 1))["rectified_in_period"] == 0


def test_as_of_after_the_period(tiny_con):
    f = figures(tiny_con, as_of=date(2026, 4, 30))
    assert f["rectified"] == 4  # H5 now rectified (04-02)
    assert f["rectification_rate"] == 0.8  # 4 / 5
    assert f["due_in_period"] == 4 and f["rectified_on_time"] == 2
    assert f["overdue_open"] == 2  # H3 (deadline 04-10) and H4
    assert f["verification_rate"] == 0.5  # H1 and H6 (04-01) of H1 H2 H5 H6
    assert f["median_days_to_rectify"] == 11.5  # 8, 10, 13, 18
    # E1 red now 51 days since 03-10; E5 blue inspected 04-05; E3 and E4 still due.
    assert f["overdue_for_inspection"] == 3
    assert f["inspected_enterprises"] == 2  # the period is still March


def test_town_filter(tiny_con):
    a = figures(tiny_con, towns=("甲镇",))
    assert (a["enterprises_in_scope"], a["inspected_enterprises"], a["coverage_rate"]) == (2, 2, 1.0)
    assert (a["overdue_for_inspection"], a["blind_spots"], a["inspections"]) == (0, 0, 3)
    assert (a["hazards_found"], a["overdue_open"]) == (5, 1)  # H5 only; H4 is in 乙镇
    b = figures(tiny_con, towns=("乙镇",))
    assert (b["enterprises_in_scope"], b["inspected_enterprises"], b["coverage_rate"]) == (3, 0, 0.0)
    assert (b["overdue_for_inspection"], b["blind_spots"], b["overdue_open"]) == (3, 2, 1)
    # No hazards found in 乙镇 in March: rates with a zero denominator are None.
    assert b["hazards_found"] == 0
    assert b["rectification_rate"] is None and b["on_time_rate"] is None
    assert b["verification_rate"] is None and b["median_days_to_rectify"] is None


def test_empty_period(tiny_con):
    f = figures(tiny_con, start=date(2027, 1, 1), end=date(2027, 1, 31), as_of=date(2027, 1, 31))
    assert f["inspections"] == 0 and f["hazards_found"] == 0 and f["due_in_period"] == 0
    assert f["coverage_rate"] == 0.0
    assert f["rectification_rate"] is None and f["on_time_rate"] is None
    assert f["overdue_open"] == 2  # H3 and H4 never rectified
    # At 2027-01-31: E1 red (327 days), E3 and E4 are due; E2 (317 days) and E5 (301 days)
    # are blue, within 365.
    assert f["overdue_for_inspection"] == 3


def test_department_and_industry_filters(tiny_con):
    f = figures(tiny_con, departments=("应急局",))
    assert f["enterprises_in_scope"] == 2  # E1, E3
    g = figures(tiny_con, industries=("食品加工",))
    assert (g["enterprises_in_scope"], g["hazards_found"]) == (1, 2)  # E2: H3, H5


def test_no_deadlines(tmp_path):
    """Hazards without a deadline are never due nor overdue."""
    from gridwatch import warehouse
    from tests.conftest import build_fixture_db

    path = build_fixture_db(tmp_path / "t.duckdb", "tiny.sql")
    with warehouse.rewrite(path) as con:
        con.execute("update hazards set deadline = null")
    con = warehouse.open_readonly(path)
    try:
        f = figures(con)
    finally:
        con.close()
    # No deadline anywhere: the figures that need one are not recorded, not zero.
    assert f["due_in_period"] is None and f["on_time_rate"] is None and f["overdue_open"] is None
    assert {e["key"] for e in f["not_recorded"]} == {"due_in_period", "rectified_on_time", "on_time_rate",
                                                      "overdue_open"}
    assert all(e["fields"] == ["hazards.deadline"] for e in f["not_recorded"])
    assert f["hazards_found"] == 5 and f["rectified"] == 3
