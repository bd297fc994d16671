"""AppTest: the supervision-quality page (监管质量) on the hand-made county of tests/fixtures/signals.sql."""

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import build_fixture_db
from tests.test_signals import small_volumes  # noqa: F401  (fixture)

APP = str(Path(__file__).resolve().parent.parent / "app.py")
MARCH = {"gf_preset": "custom", "gf_start": date(2026, 3, 1), "gf_end": date(2026, 3, 31),
         "gf_as_of_custom": date(2026, 3, 31)}


def open_page(db, monkeypatch, lang="zh", **state) -> AppTest:
    monkeypatch.setenv("GRIDWATCH_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["lang"] = lang
    for key, value in {**MARCH, **state}.items():
        at.session_state[key] = value
    at.run()
    return at.switch_page("pages/quality.py").run()


@pytest.fixture
def county(tmp_path, small_volumes):  # noqa: F811
    return build_fixture_db(tmp_path / "signals.duckdb", "signals.sql")


def overview(at):
    return at.dataframe[0].value


def test_overview_lists_every_signal_with_its_figure(county, monkeypatch):
    at = open_page(county, monkeypatch)
    assert not at.exception
    assert at.title[0].value == "监管质量"
    table = overview(at)
    assert len(table) == 15
    row = table.set_index("信号").loc["整改期限当天完成"]
    assert (row["总体占比"], row["需关注记录"], row["记录数"], row["总体"]) == ("37.5%", "3", "8", "未达关注线")
    assert table.set_index("信号").loc["整改期限延期", "总体"] == "未记录"
    assert table.set_index("信号").loc["整改期限过长", "总体"] == "需关注"
    assert not any("造假" in i.value or "fraud" in i.value for i in at.info)


def test_deadline_family_chart_list_and_records(county, monkeypatch):
    at = open_page(county, monkeypatch)
    first = [(m.label, m.value) for m in at.metric][:3]
    assert first == [("总体占比", "37.5%"), ("需关注记录 / 记录数", "3 / 8"), ("距期限天数中位数", "-2.0")]
    charts = at.get("plotly_chart")
    assert len(charts) >= 3, "the offsets chart and one share chart per measure with records"
    ranked = at.dataframe[1].value
    assert list(ranked["名称"]) == ["第一中队", "监管一科"] and list(ranked["需关注记录"]) == [2, 1]
    # The records of the top-ranked unit are one click away, with the register link.
    records = at.dataframe[2].value
    assert set(records["隐患编号"]) == {"H04", "H16"}
    assert set(records["一企一册"]) == {"/enterprise?enterprise=E1"}
    at.selectbox(key="quality_group_deadline_day_unit").set_value(0).run()
    assert set(at.dataframe[2].value["隐患编号"]) == {"H04", "H08", "H16"}


def test_families_dimensions_and_english(county, monkeypatch):
    at = open_page(county, monkeypatch, lang="en", quality_family="inspections", quality_dimension="person")
    assert not at.exception
    titles = [s.value for s in at.subheader]
    assert "Too many inspections in a day" in titles and "Copied hazard descriptions" in titles
    lists = [d.value for d in at.dataframe if "Rank" in d.value.columns]
    busy = lists[0]
    assert busy["Name"].iloc[0] == "李二 (第一中队)" and busy["Needs a look"].iloc[0] == "needs a look"
    at.segmented_control(key="quality_family").set_value("escalation").run()
    assert "Overdue major hazards without an order" in [s.value for s in at.subheader]
    assert any("stock at the as-of date" in c.value for c in at.caption)


def test_unrecorded_facts_are_shown_as_not_recorded(tmp_path, monkeypatch, small_volumes):  # noqa: F811
    db = build_fixture_db(tmp_path / "unrecorded.duckdb", "signals.sql", "signals_unrecorded.sql")
    at = open_page(db, monkeypatch, quality_family="rechecks")
    assert not at.exception
    notes = [i.value for i in at.info]
    assert sum("未记录：数据中没有复查销号日期" in n for n in notes) == 4
    assert not at.metric, "no zero figure for what is not recorded"
    table = overview(at).set_index("信号")
    assert table.loc["发现当天即整改并复查销号", "总体占比"] == "—"
    assert table.loc["单日检查次数过多", "总体"] == "未达关注线"
