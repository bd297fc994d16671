"""The language switch: chosen options follow it at once, links keep it, charts speak it."""

import json
import re

import plotly.graph_objects as go
import pytest

from gridwatch import brief_html, briefing, plotly_locale, warehouse
from gridwatch.paths import ROOT
from tests.conftest import build_fixture_db
from tests.test_app import start
from tests.test_briefing import brief_of


@pytest.fixture
def brief_db(tmp_path):
    return build_fixture_db(tmp_path / "brief.duckdb", "briefing.sql")


def test_first_switch_redraws_the_chosen_options_in_english(brief_db, monkeypatch):
    at = start(brief_db, monkeypatch)
    assert at.selectbox(key="briefing_week").options[1] == "2026-W47（2026-11-16 至 2026-11-22）"
    at.button_group(key="lang").set_value("en").run()
    assert not at.exception
    week, town = at.selectbox(key="briefing_week"), at.selectbox(key="briefing_export_town")
    assert week.options[1] == "2026-W47 (2026-11-16 to 2026-11-22)"
    assert town.options[0] == "As on the page (whole county)"
    # Streamlit knows a keyed selectbox by its key alone: the browser keeps the text it shows
    # unless the value is sent again, which the switch makes it do, in the new language.
    assert (week.proto.set_value, week.proto.raw_value) == (True, "2026-W47 (2026-11-16 to 2026-11-22)")
    assert (town.proto.set_value, town.proto.raw_value) == (True, "As on the page (whole county)")
    assert week.value == "2026-W47" and town.value == ""
    # Only the switch re-sends them: the next run leaves the browser's widgets alone.
    at.run()
    assert not at.selectbox(key="briefing_week").proto.set_value


def test_register_links_keep_the_language(brief_db):
    con = warehouse.open_readonly(brief_db)
    try:
        brief = brief_of(con)
    finally:
        con.close()
    english = briefing.where_tables(brief, "en")
    assert list(english["top_enterprises"]["Register"]) == [
        "/enterprise?enterprise=B1&lang=en", "/enterprise?enterprise=B4&lang=en", "/enterprise?enterprise=B3&lang=en"]
    assert 'href="http://gw.local/enterprise?enterprise=B4&amp;lang=en"' in brief_html.to_html(
        brief, "en", base_url="http://gw.local")


def test_chinese_plotly_locale_names_months_and_days():
    config = plotly_locale.config("zh")
    assert config["locale"] == "zh-CN"
    fmt = config["locales"]["zh-CN"]["format"]
    assert fmt["months"][10] == "十一月" and len(fmt["months"]) == 12 and len(fmt["shortMonths"]) == 12
    assert fmt["shortDays"][1] == "周一" and len(fmt["days"]) == 7
    assert (fmt["month"], fmt["dayMonthYear"]) == ("%Y年%-m月", "%Y年%-m月%-d日")
    assert config["locales"]["zh-CN"]["dictionary"]["Zoom in"] == "放大"
    english = plotly_locale.config("en")["locales"]["en-US"]["format"]
    assert english["months"][10] == "November" and english["shortMonths"][10] == "Nov"


def test_chinese_numbers_are_written_in_full():
    figure = go.Figure(go.Bar(x=["a"], y=[880_000]))
    plotly_locale.localise(figure, "zh")
    assert (figure.layout.yaxis.exponentformat, figure.layout.yaxis.separatethousands) == ("none", True)
    english = plotly_locale.localise(go.Figure(go.Bar(x=["a"], y=[880_000])), "en")
    assert english.layout.yaxis.exponentformat is None


@pytest.mark.parametrize(("lang", "locale", "exponent"), [("zh", "zh-CN", "none"), ("en", "en-US", None)])
def test_the_brief_chart_is_drawn_in_the_language(brief_db, monkeypatch, lang, locale, exponent):
    at = start(brief_db, monkeypatch, lang=lang)
    chart = at.get("plotly_chart")[0].proto
    assert json.loads(chart.config)["locale"] == locale
    assert json.loads(chart.spec)["layout"]["yaxis"].get("exponentformat") == exponent


def test_every_chart_goes_through_the_language_helper():
    for path in [ROOT / "app.py", *ROOT.glob("pages/*.py")]:
        calls = re.findall(r"(\w+)\.plotly_chart\(", path.read_text(encoding="utf-8"))
        assert set(calls) <= {"ui"}, f"{path.name}: draw charts with ui.plotly_chart"
