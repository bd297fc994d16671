"""The explorer's charts, cross table and rows mode on tests/fixtures/register_open.sql, as of
2026-06-30 (H9, found 07-10, does not exist yet).

Rectification rate by month found × hazard level, worked out by hand (rectified by 06-30 / found):

| month   | general                    | major                       | month total |
|---------|----------------------------|-----------------------------|-------------|
| 2024-12 | H1 ✗ → 0/1                 | —                           | 0/1         |
| 2026-04 | H12 ✓ (04-20) → 1/1        | H4 ✗ → 0/1                  | 1/2         |
| 2026-05 | H5 ✗, H7 ✓ (06-01) → 1/2   | H2 ✗, H8 ✓ (05-18) → 1/2    | 2/4         |
| 2026-06 | H6 ✗, H10 ✗ → 0/2          | H3 ✗, H11 ✗ (07-03) → 0/2   | 0/4         |
| total   | 2/6                        | 1/5                         | 3/11        |

A heatmap that put April and May general in one cell and added their rates showed 1 + 0.5 = 150%;
each cell here is its own numerator over its own denominator.
"""

import json
from datetime import date

import pandas as pd
import pytest

from gridwatch import explore, exports, warehouse
from tests.conftest import build_fixture_db

AS_OF = date(2026, 6, 30)
SCOPE = {"towns": [], "departments": [], "industries": [], "as_of": AS_OF}
BY_MONTH = explore.View(group1="found_date:month", group2="hazard_level", measure="rectification_rate",
                        chart="heatmap")


@pytest.fixture
def con(tmp_path):
    connection = warehouse.open_readonly(build_fixture_db(tmp_path / "explore.duckdb", "register_open.sql"))
    yield connection
    connection.close()


def test_each_cell_is_its_own_numerator_over_its_denominator(con):
    result = explore.run(con, BY_MONTH, SCOPE)
    cells = {(r.g1, r.g2): (r.numerator, r.denominator, r.value) for r in result.itertuples(index=False)}
    assert cells == {
        ("2024-12", "general"): (0, 1, 0.0),
        ("2026-04", "general"): (1, 1, 1.0),
        ("2026-04", "major"): (0, 1, 0.0),
        ("2026-05", "general"): (1, 2, 0.5),
        ("2026-05", "major"): (1, 2, 0.5),
        ("2026-06", "general"): (0, 2, 0.0),
        ("2026-06", "major"): (0, 2, 0.0),
    }
    for numerator, denominator, value in cells.values():
        assert value == numerator / denominator


def test_heatmap_has_one_cell_per_month_in_chinese_and_never_sums(con):
    figure, cuts = explore.figure(BY_MONTH, explore.run(con, BY_MONTH, SCOPE), "zh")
    trace = figure.data[0]
    assert trace.type == "heatmap" and cuts == []
    # Every month from 2024-12 to 2026-06, gaps included: 19 columns, labelled in Chinese.
    assert len(trace.x) == 19
    assert list(trace.x[:2]) == ["2024年12月", "2025年1月"] and list(trace.x[-3:]) == ["2026年4月", "2026年5月",
                                                                                       "2026年6月"]
    assert list(trace.y) == ["一般隐患", "重大隐患"]
    general, major = (list(row) for row in trace.z)
    assert general[0] == 0.0 and general[-3:] == [1.0, 0.5, 0.0] and major[-3:] == [0.0, 0.5, 0.0]
    assert all(v is None for v in general[1:-3])  # months without hazards are empty, not 0%
    assert max(v for v in general + major if v is not None) <= 1
    assert (trace.zmin, trace.zmax) == (0, 1) and trace.colorbar.tickformat == ".0%"
    assert trace.customdata[0][-2] == "<br>已整改（条） 1 / 隐患数（条） 2"
    assert figure.layout.xaxis.type == "category"


def test_english_month_and_week_labels():
    assert explore.period_label("month", "2026-03", "en") == "Mar 2026"
    assert explore.period_label("month", "2026-03", "zh") == "2026年3月"
    # Monday 2025-12-29 starts ISO week 1 of 2026.
    assert explore.period_label("week", "2025-12-29", "zh") == "2026年第1周"
    assert explore.period_label("week", "2025-12-29", "en") == "2026 W1"
    assert explore.period_label("quarter", "2026-Q2", "zh") == "2026年第2季度"
    assert explore.period_keys("week", ["2026-01-12", "2025-12-29"]) == ["2025-12-29", "2026-01-05", "2026-01-12"]
    assert explore.period_keys("quarter", ["2025-Q4", "2026-Q2"]) == ["2025-Q4", "2026-Q1", "2026-Q2"]


def test_bar_chart_of_rates_is_never_summed(con):
    view = explore.View(group1="found_date:month", measure="rectification_rate", chart="bar")
    figure, _ = explore.figure(view, explore.run(con, view, SCOPE), "en")
    bars = figure.data[0]
    assert list(bars.x)[-3:] == ["Apr 2026", "May 2026", "Jun 2026"]
    assert list(bars.y)[-3:] == [0.5, 0.5, 0.0]  # 1/2, 2/4, 0/4
    assert figure.layout.yaxis.tickformat == ".0%"


def test_crosstab_totals_are_computed_not_added(con):
    view = explore.View(group1="found_date:month", group2="hazard_level", measure="rectification_rate",
                        chart="crosstab")
    table = explore.crosstab(view, explore.run(con, view, SCOPE, totals=True), "zh")
    assert list(table.columns) == ["发现日期（按月）", "一般隐患", "重大隐患", "合计"]
    # 19 months and the total row.
    assert len(table) == 20 and table.iloc[-1, 0] == "合计"
    may = table[table["发现日期（按月）"] == "2026年5月"].iloc[0]
    assert may[["一般隐患", "重大隐患", "合计"]].tolist() == [0.5, 0.5, 0.5]
    total = table.iloc[-1]
    assert total["一般隐患"] == pytest.approx(2 / 6) and total["重大隐患"] == pytest.approx(1 / 5)
    assert total["合计"] == pytest.approx(3 / 11)


def test_crosstab_of_distinct_counts_does_not_double_count(con):
    # Distinct enterprises with hazards, by level: general R1 and R2, major R1; in all R1 and R2 = 2, not 3.
    view = explore.View(group1="hazard_level", measure="nunique.enterprise_id", chart="crosstab")
    table = explore.crosstab(view, explore.run(con, view, SCOPE, totals=True), "en")
    assert table.values.tolist() == [["General hazard", 2], ["Major hazard", 1], ["Total", 2]]


def test_rows_mode_pages_and_links(con):
    overdue = explore.View(codes=(("hazard_status", ("overdue",)),), chart="rows")
    # Overdue at 06-30: H4 H2 H11 H1 H5 H10 (see tests/test_register_open.py), newest found first.
    first, total = explore.run_rows(con, overdue, SCOPE, limit=4)
    assert total == 6
    assert list(first["hazard_id"]) == ["H10", "H11", "H2", "H5"]
    second, _ = explore.run_rows(con, overdue, SCOPE, limit=4, offset=4)
    assert list(second["hazard_id"]) == ["H4", "H1"]
    people = explore.rows_for_people("hazards", second, "zh")
    assert list(people.columns[:5]) == ["隐患编号", "企业编号", "企业名称", "一企一册", "行业类别"]
    assert people["一企一册"].tolist() == ["/enterprise?enterprise=R1"] * 2
    assert people["隐患状态"].tolist() == ["逾期未改"] * 2


def test_names_link_to_registers(con):
    view = explore.View(group1="enterprise_name", measure="count")
    table = explore.labelled(view, explore.run(con, view, SCOPE), "zh")
    assert table.values.tolist() == [["青山化工", "/enterprise?enterprise=R1", 10],
                                     ["青山纸业", "/enterprise?enterprise=R2", 1]]


def test_csv_carries_the_filters_and_data_date():
    data = exports.csv_bytes(pd.DataFrame({"镇街": ["=cmd"], "隐患数": [3]}),
                                   ["数据探索：隐患数；筛选：无；数据截至 2026-07-10"])
    text = data.decode("utf-8-sig").splitlines()
    assert text == ["数据探索：隐患数；筛选：无；数据截至 2026-07-10", "", "镇街,隐患数", "'=cmd,3"]


def test_the_page_draws_the_heatmap_in_chinese_and_a_filter_changes_it(tmp_path, monkeypatch):
    from tests.test_app import start

    db = build_fixture_db(tmp_path / "page.duckdb", "register_open.sql")
    at = start(db, monkeypatch, "zh", gf_preset="custom", gf_start=date(2026, 1, 1), gf_end=date(2026, 6, 30),
               gf_as_of_custom=AS_OF)
    for key, value in {"ds": "hazards", "as_of": "2026-06-30", "g1": "found_date:month", "g2": "hazard_level",
                       "m": "rectification_rate", "chart": "heatmap"}.items():
        at.query_params[key] = value
    at.switch_page("pages/explore.py").run()
    assert not at.exception, at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    heat = spec["data"][0]
    assert heat["type"] == "heatmap" and heat["x"][-1] == "2026年6月" and len(heat["x"]) == 19
    # A filter: major hazards only. The heatmap keeps one row, and its May cell is 1/2.
    at.multiselect(key="ex_fcols_hazards").set_value(["hazard_level"]).run()
    at.multiselect(key="ex_f_hazards_hazard_level").set_value(["major"]).run()
    assert not at.exception, at.exception
    heat = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert heat["y"] == ["重大隐患"] and heat["x"] == ["2026年4月", "2026年5月", "2026年6月"]
    table = at.dataframe[0].value
    assert table["整改率"].tolist() == ["0.0%", "50.0%", "0.0%"] and table["隐患数（条）"].tolist() == [1, 2, 2]
    # The cross table, with its totals row.
    at.radio(key="ex_chart").set_value("crosstab").run()
    assert not at.exception, at.exception
    crosstab = at.dataframe[0].value
    assert crosstab.iloc[-1].tolist() == ["合计", "20.0%", "20.0%"]  # majors: H8 of H4 H2 H8 H3 H11 = 1/5
