"""Coverage queries, gap lists and registers on the hand-made county of tests/fixtures/coverage.sql.

As of T = 2026-06-30, period June 2026; intervals from config/rules.toml (red 30, orange 90,
yellow 180, blue 365); staffing rules 1 inspector per 10,000 residents, 2 per village.
In scope (operating): C1..C6 and C8; C7 is suspended.
"""

import io
from datetime import date

import openpyxl
import pandas as pd
import pytest

from gridwatch import coverage, metrics, queries, warehouse
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
    # per 20,000 residents = 2.5 per 10,000 (rule 1: needs 2); 二村 has 1 < 2 inspectors.
    assert rows[0] == {
        "town": "东镇", "population": 20000, "squadron_staff": 2.0, "village_inspectors": 3, "inspectors": 5.0,
        "inspectors_per_10k": 2.5, "required_inspectors": 2, "inspector_shortfall": 0.0,
        "meets_inspector_rule": True, "villages": 2, "village_inspectors_per_village": 1.5,
        "villages_below_rule": 1, "meets_village_rule": False,
    }
    # 西镇: 第二中队 has 1 active (S4 is not) + 0 village inspectors = 1 per 25,000 = 0.4;
    # needs ceil(2.5) = 3, short by 2. 监管一科 serves no town.
    assert rows[1] == {
        "town": "西镇", "population": 25000, "squadron_staff": 1.0, "village_inspectors": 0, "inspectors": 1.0,
        "inspectors_per_10k": 0.4, "required_inspectors": 3, "inspector_shortfall": 2.0,
        "meets_inspector_rule": False, "villages": 1, "village_inspectors_per_village": 0.0,
        "villages_below_rule": 1, "meets_village_rule": False,
    }
    only = queries.run(cov_con, "coverage_staffing", {"towns": ["西镇"]})
    assert list(only.town) == ["西镇"]


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


def _workbook(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def test_register_by_town(cov_con):
    enterprises = run(cov_con, "coverage_enterprises")
    header = coverage.export_header("网格覆盖", JUNE, [], date(2026, 6, 30), "zh")
    wb = _workbook(coverage.register_xlsx(enterprises, "town", "zh", header))
    assert wb.sheetnames == ["东镇", "西镇", "未填镇街"]
    ws = wb["东镇"]
    assert "2026-06-01" in ws["A1"].value and "数据截至 2026-06-30" in ws["A1"].value
    assert ws["A3"].value == "企业编号" and ws["B3"].value == "名称"
    ids = [ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)]
    assert ids == ["C1", "C2", "C7", "C3", "C4"]  # suspended C7 is on the register too
    row_c7 = [c.value for c in ws[6]]
    assert "停产" in row_c7 and "重大风险（红）" in row_c7
    assert [wb["未填镇街"].cell(row=4, column=1).value] == ["C8"]
    assert coverage.register_sheet_count(enterprises, "town") == 3


def test_register_by_village_and_department(cov_con):
    enterprises = run(cov_con, "coverage_enterprises")
    wb = _workbook(coverage.register_xlsx(enterprises, "village", "en", ["header"]))
    assert wb.sheetnames == ["东镇-一村", "东镇-二村", "西镇-三村", "No village"]
    assert [wb["No village"].cell(row=r, column=1).value for r in (4, 5)] == ["C6", "C8"]
    assert coverage.register_sheet_count(enterprises, "village") == 4
    wb = _workbook(coverage.register_xlsx(enterprises, "department", "zh", ["header"]))
    assert wb.sheetnames == ["住建局", "应急局", "未填主管部门"]
    assert wb["应急局"].max_row == 3 + 5  # C1 C2 C7 C5 C8


def test_sheet_names_are_distinct_and_legal():
    names = coverage._sheet_names(["a/b", "a_b", "x" * 40, "x" * 35])
    assert names["a/b"] == "a_b" and names["a_b"] == "a_b~2"
    assert all(len(n) <= 31 for n in names.values())
    assert len(set(names.values())) == 4


def test_csv_has_header_and_neutralises(cov_con):
    frame = pd.DataFrame({"名称": ["=cmd()", "东一厂"]})
    data = coverage.csv_with_header(frame, ["网格覆盖｜数据截至 2026-06-30"])
    text = data.decode("utf-8-sig").splitlines()
    assert text[0] == "网格覆盖｜数据截至 2026-06-30"
    assert text[1:] == ["名称", "'=cmd()", "东一厂"]


def test_export_header_names_filters():
    f = Filters(start=date(2026, 6, 1), end=date(2026, 6, 30), as_of=date(2026, 6, 30),
                towns=("东镇", "西镇"), departments=("应急局",))
    line = coverage.export_header("Grid coverage", f, ["red", "orange"], date(2026, 7, 1), "en")[0]
    assert "东镇, 西镇; " in line and "应急局" in line and "data as of 2026-07-01" in line
    assert "Major risk (red), Significant risk (orange)" in line and "、" not in line
    line = coverage.export_header("网格覆盖", f, ["red"], date(2026, 7, 1), "zh")[0]
    assert "东镇、西镇；" in line


def test_register_neutralises_formulas(cov_con):
    enterprises = run(cov_con, "coverage_enterprises")
    enterprises.loc[enterprises.enterprise_id == "C1", "name"] = "=HYPERLINK(\"http://x\")"
    wb = _workbook(coverage.register_xlsx(enterprises, "town", "zh", ["=header"]))
    ws = wb["东镇"]
    assert ws["A1"].value == "'=header"
    assert ws["B4"].value == "'=HYPERLINK(\"http://x\")" and ws["B4"].data_type == "s"
