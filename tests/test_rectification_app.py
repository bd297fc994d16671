"""AppTest of the rectification page on tests/fixtures/rectification.sql, in both languages.

Figures are the hand computations of tests/test_rectification.py (period 2026-01-01 .. 06-30, as of 06-30).
"""

import json
from datetime import date

import pytest

from gridwatch import i18n, ui
from tests.conftest import build_fixture_db
from tests.test_app import start

PERIOD = dict(gf_preset="custom", gf_start=date(2026, 1, 1), gf_end=date(2026, 6, 30),
              gf_as_of_custom=date(2026, 6, 30))


@pytest.fixture
def db(tmp_path):
    return build_fixture_db(tmp_path / "rect.duckdb", "rectification.sql")


def page(db, monkeypatch, lang="zh", **state):
    at = start(db, monkeypatch, lang, **{**PERIOD, **state})
    at.switch_page("pages/rectification.py").run()
    assert not at.exception, at.exception
    return at


def table_with(at, header):
    frames = [d.value for d in at.dataframe if header in d.value.columns]
    assert len(frames) == 1, header
    return frames[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_headline_and_stories(db, monkeypatch, lang):
    at = page(db, monkeypatch, lang)
    shown = {m.label: m.value for m in at.metric}
    assert shown[i18n.text("metrics.rectified_in_period.label", lang)] == "3"  # K1 K2 K3
    assert shown[i18n.text("metrics.rectification_rate.label", lang)] == "33.3%"  # 3 / 9
    assert shown[i18n.text("metrics.on_time_rate.label", lang)] == "25.0%"  # 2 / 8
    assert shown[i18n.text("metrics.overdue_open.label", lang)] == "4"
    assert shown[i18n.text("metrics.median_days_to_rectify.label", lang)] == "30.0"
    assert shown[i18n.text("display.card.p90_days_to_rectify.label", lang)] == "46.0"
    assert shown[i18n.text("rectification.ageing_over", lang, low=90)] == "1"  # K4
    # Compared with the same period last year (K11 alone): 1 found, 1 rectified on time, none overdue.
    deltas = {m.label: m.proto.delta for m in at.metric}
    assert deltas[i18n.text("metrics.overdue_open.label", lang)] == "+4"
    assert deltas[i18n.text("metrics.on_time_rate.label", lang)] == i18n.text("display.pp", lang, n="-75.0")
    warnings = " ".join(w.value for w in at.warning)
    assert "一中队" in warnings and "西镇" in warnings
    assert i18n.text("rectification.date_errors", lang, n=1) in warnings  # K9
    assert at.title[0].value == i18n.text("app.page.rectification", lang)


def test_page_filters_change_the_details_not_the_headline(db, monkeypatch):
    at = page(db, monkeypatch)
    assert len(table_with(at, "逾期天数")) == 4
    assert len(table_with(at, "剩余天数")) == 2
    at.multiselect(key="rect_squadrons").set_value(["二中队"]).run()
    assert not at.exception
    assert list(table_with(at, "逾期天数")["隐患编号"]) == ["K4", "K7", "K5"]
    assert {m.label: m.value for m in at.metric}["整改率（期间发现的）"] == "33.3%"
    at.multiselect(key="rect_levels").set_value(["major"]).run()
    assert list(table_with(at, "逾期天数")["隐患编号"]) == ["K4", "K5"]
    assert any("今后 7 天内没有到期" in i.value for i in at.info)  # K6, K10 are general


def test_dimension_switch_redraws_the_chart(db, monkeypatch):
    at = page(db, monkeypatch, "en")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["title"]["text"] == "Rates by squadron"
    at.segmented_control(key="rect_dimension").set_value("town").run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["title"]["text"] == "Rates by town"
    assert spec["data"][0]["x"] == ["东镇", "西镇"]
    assert [trace["name"] for trace in spec["data"]] == ["Rectification rate", "On-time rate", "Verification rate"]
    frame = table_with(at, "Due soon")
    assert dict(zip(frame["Name"], frame["Overdue major"], strict=True)) == {"东镇": 1, "西镇": 2}


def test_empty_period_says_why(db, monkeypatch):
    at = page(db, monkeypatch, gf_start=date(2030, 1, 1), gf_end=date(2030, 1, 31),
              gf_as_of_custom=date(2030, 1, 31))
    infos = " ".join(i.value for i in at.info)
    assert "期间内没有发现重大隐患" in infos and "期间内没有立案的案件" in infos


def test_long_lists_page(db, monkeypatch):
    # The four overdue hazards, most days overdue first (K4 121, K8 60, K7 10, K5 5); three to a page.
    monkeypatch.setattr(ui.tables, "PAGE_ROWS", 3)
    at = page(db, monkeypatch)
    assert list(table_with(at, "逾期天数")["隐患编号"]) == ["K4", "K8", "K7"]
    assert any("第 1–3 行，共 4 行" in c.value for c in at.caption)
    at.number_input(key="rect_overdue_page_2").set_value(2).run()
    assert not at.exception
    assert list(table_with(at, "逾期天数")["隐患编号"]) == ["K5"]
    assert len(table_with(at, "剩余天数")) == 2  # a list that fits one page has no page box
    assert "rect_due_page_1" not in [n.key for n in at.number_input]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_case_list_and_tipoff_ledger(db, monkeypatch, deferred_downloads, lang):
    at = page(db, monkeypatch, lang)
    cases = table_with(at, i18n.text("registers.col.case_id", lang))
    assert list(cases[i18n.text("registers.col.case_id", lang)]) == ["C1", "C2", "C3", "C4", "C5"]
    ledger = table_with(at, i18n.text("registers.col.tipoff_id", lang))
    assert list(ledger[i18n.text("registers.col.linked_inspection_id", lang)]) == ["I3", "", ""]
    names = [n for n in deferred_downloads if n.endswith((".csv", ".xlsx"))]
    title = i18n.text("registers.tipoffs.title", lang)
    assert f"{title}-2026-06-30.csv" in names and f"{title}-2026-06-30.xlsx" in names
    text = deferred_downloads[f"{title}-2026-06-30.csv"]().decode("utf-8-sig")
    assert "T1,2026-03-01" in text and "2026-06-30" in text.splitlines()[1]


def test_case_list_follows_the_squadron_filter(db, monkeypatch):
    at = page(db, monkeypatch)
    at.multiselect(key="rect_squadrons").set_value(["一中队"]).run()
    assert not at.exception
    assert list(table_with(at, "案件编号")["案件编号"]) == ["C2"]


def trend_months(at) -> list:
    figure = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                  if any(t.get("mode") == "lines+markers" for t in json.loads(c.proto.spec)["data"]))
    return figure["data"][0]["x"]


def test_a_month_not_over_is_marked_on_the_trend(db, monkeypatch):
    # As of 06-30 June is over: no mark. As of 06-20 it is not: June is marked and the note says why.
    at = page(db, monkeypatch)
    assert trend_months(at)[-1] == "2026-06"
    assert not any("尚未结束" in c.value for c in at.caption)
    at = page(db, monkeypatch, "en", gf_end=date(2026, 6, 20), gf_as_of_custom=date(2026, 6, 20))
    assert trend_months(at)[-1] == "2026-06*" and "2026-05" in trend_months(at)
    assert any(c.value.startswith("2026-06* is not over (status as of 2026-06-20)") for c in at.caption)
