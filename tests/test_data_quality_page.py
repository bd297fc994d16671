"""AppTest of the data-quality page (数据质量) on tests/fixtures/status.sql (see tests/test_status.py)."""

import json
from datetime import date

import pandas as pd
import pytest

from gridwatch import auth, figures, quality_view, status, warehouse
from tests.conftest import build_fixture_db
from tests.test_app import start

PAGE = "pages/data_quality.py"


@pytest.fixture
def status_db(tmp_path):
    return build_fixture_db(tmp_path / "status.duckdb", "status.sql")


def open_page(db, monkeypatch, lang="zh"):
    at = start(db, monkeypatch, lang).switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def frame_with(at, column):
    return next(d.value for d in at.dataframe if column in d.value.columns)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_shows_the_status_in_both_languages(status_db, monkeypatch, lang):
    at = open_page(status_db, monkeypatch, lang)
    zh = lang == "zh"
    assert at.title[0].value == ("数据质量" if zh else "Data quality")
    # 5 of 8 tables hold rows; 7 + 1 + 3 + 11 + 1 = 23 fields never recorded; 12 figures switched off;
    # 3 dates after the day of writing (a listing, an order, a tip-off's closing).
    assert [m.value for m in at.metric] == ["5 / 8", "23", "12", "3"]
    overview = frame_with(at, "行数" if zh else "Rows")
    assert list(overview["行数" if zh else "Rows"]) == [0, 3, 2, 4, 6, 0, 1, 0]
    assert overview.loc[3, "最早日期" if zh else "First date"] == "2012-03-05"
    assert overview.loc[2, "从未记录的字段" if zh else "Fields never recorded"] == (
        "在岗 (active)" if zh else "active (在岗)")
    switched = frame_with(at, "指标" if zh else "Figure")
    assert len(switched) == 12
    assert switched.iloc[0].tolist() == (["复查销号率", "复查销号日期 (verified_date)"] if zh
                                         else ["Verification rate", "verified_date (复查销号日期)"])
    future = frame_with(at, "例子" if zh else "Examples")
    assert future.iloc[:, 2].tolist() == [1, 1, 1]
    problems = frame_with(at, "问题类型" if zh else "Kind of problem")
    assert problems.iloc[:, 4].tolist() == [2, 3, 1, 1]
    assert problems.iloc[0, 6] == ("hazards.xlsx 第 4 行：“I8”；hazards.xlsx 第 6 行：“I9”" if zh
                                   else "hazards.xlsx row 4: 'I8'; hazards.xlsx row 6: 'I9'")
    fresh = frame_with(at, "导入次数" if zh else "Imports")
    assert fresh.iloc[:, 1].tolist() == ["enterprises.csv", "staff.csv", "hazards.xlsx [隐患]"]


def test_choosing_a_table_shows_its_fields_and_chart(status_db, monkeypatch):
    at = open_page(status_db, monkeypatch, "en")
    # Opens on the first table with rows: enterprises.
    assert at.selectbox(key="dq_table").value == "enterprises"
    at.selectbox(key="dq_table").set_value("hazards").run()
    assert not at.exception
    fields = frame_with(at, "Rows recording it")
    assert len(fields) == 20
    verified = fields[fields["Field"] == "verified_date (复查销号日期)"].iloc[0]
    assert (verified["Rows recording it"], verified["Share"], verified["Recorded"]) == (0, 0.0, "Never recorded")
    assert verified["Figures that need it"] == "Verification rate"
    deadline = fields[fields["Field"] == "deadline (整改期限)"].iloc[0]
    assert (deadline["Rows recording it"], deadline["Recorded"]) == (2, "Recorded in some rows")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["title"]["text"] == "Hazards: share of rows recording each field"
    assert spec["layout"]["xaxis"]["title"]["text"] == "Rows recording the field (%)"
    assert spec["layout"]["yaxis"]["type"] == "category"
    assert {trace["name"] for trace in spec["data"]} == {"Recorded in every row", "Recorded in some rows",
                                                         "Never recorded"}
    at.selectbox(key="dq_table").set_value("staff").run()
    fields = frame_with(at, "Rows recording it")
    active = fields[fields["Field"] == "active (在岗)"].iloc[0]
    assert active["Recorded"] == "Not imported: default value"
    assert active["Figures that need it"] == "Staff scoring's peer group (active staff)"


def test_an_empty_table_says_which_figures_it_switches_off(status_db, monkeypatch):
    at = open_page(status_db, monkeypatch)
    at.selectbox(key="dq_table").set_value("grids").run()
    assert any("网格没有任何数据（尚未导入）。因此无法计算：网格覆盖、网格盲区企业、未检查网格、执法力量配备" in i.value
               for i in at.info)


def test_freshness_chart_has_title_units_and_legend(status_db, monkeypatch):
    at = open_page(status_db, monkeypatch, "en")
    spec = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert spec["layout"]["title"]["text"] == "Days since each table was last imported"
    assert spec["layout"]["yaxis"]["title"]["text"] == "Days ago (days)"
    assert spec["layout"]["showlegend"] is True and spec["data"][0]["name"] == "Days since last import"
    assert spec["data"][0]["x"] == ["Enterprises", "Staff", "Hazards"]


def test_without_imports_the_page_says_why(tiny_db, monkeypatch):
    at = open_page(tiny_db, monkeypatch, "en")
    assert sum("No imports yet" in i.value for i in at.info) == 2
    assert len(at.get("plotly_chart")) == 1, "only the completeness chart: no freshness to draw"
    assert any("No date is after" in s.value for s in at.success)


def test_a_town_scoped_user_is_told_the_page_covers_the_whole_warehouse(status_db, monkeypatch):
    monkeypatch.setattr(auth, "town_scope", lambda: ("94110",))
    at = open_page(status_db, monkeypatch)
    assert any("涵盖整个数据仓库" in i.value and "94110" in i.value for i in at.info)
    assert not at.metric and not at.dataframe


def test_field_state_reads_never_recorded_and_defaults():
    report = {"tables": {"staff": {"rows": 2, "completeness": {"active": 1.0, "certified": 0.5, "role": 1.0,
                                                               "name": 0.0}}},
              "never_recorded": {"staff": ["active", "name"]}}
    assert [quality_view.field_state(report, "staff", c) for c in ("active", "certified", "role", "name")] == [
        "default", "partial", "complete", "never"]


def test_overview_last_import_reads_its_age_and_sorts_by_it(status_db):
    # Imports on 2026-04-01 09:30 (enterprises, hazards) and 2026-03-01 10:00 (staff), counted from 2026-04-11.
    con = warehouse.open_readonly(status_db)
    try:
        report = status.of_connection(con, date(2026, 4, 11))
    finally:
        con.close()
    for lang, expected in (("zh", ["未导入", "2026-04-01 09:30:00（10 天前）", "2026-03-01 10:00:00（41 天前）",
                                   "未导入", "2026-04-01 09:30:00（10 天前）", "未导入", "未导入", "未导入"]),
                           ("en", ["never imported", "2026-04-01 09:30:00 (10 days ago)",
                                   "2026-03-01 10:00:00 (41 days ago)", "never imported",
                                   "2026-04-01 09:30:00 (10 days ago)", "never imported", "never imported",
                                   "never imported"])):
        frame = quality_view.overview(report, lang)
        assert frame.iloc[:, -1].tolist() == expected
        # No separate day count: Streamlit shows an empty number cell as "None", and text counts sort 10 < 9.
        assert len(frame.columns) == 6
    by_age = quality_view.overview(report, "en").sort_values("Last import")["Table"].tolist()
    assert by_age[:3] == ["Staff", "Enterprises", "Hazards"]


def test_last_import_says_today_and_one_day_ago():
    last = {"imported_at": "2026-04-11 08:00:00"}
    assert quality_view.imported({**last, "days_since": 0}, "zh") == "2026-04-11 08:00:00（今天）"
    assert quality_view.imported({**last, "days_since": 1}, "en") == "2026-04-11 08:00:00 (1 day ago)"
    assert quality_view.imported({**last, "days_since": 1200}, "en") == "2026-04-11 08:00:00 (1,200 days ago)"
    assert quality_view.imported(None, "en") == "never imported"


def test_freshness_axis_counts_whole_days():
    labels = {"title": "t", "x": "x", "y": "y", "series": "s"}
    today = figures.freshness_bars(pd.DataFrame({"table": ["Staff", "Hazards"], "days": [0, 0]}), labels)
    assert (today.layout.yaxis.range, today.layout.yaxis.dtick, today.layout.yaxis.tickformat) == ((0, 5), 1, ",d")
    older = figures.freshness_bars(pd.DataFrame({"table": ["Staff", "Hazards"], "days": [41, 10]}), labels)
    assert (older.layout.yaxis.range, older.layout.yaxis.dtick, older.layout.yaxis.tickformat) == (None, None, ",d")
