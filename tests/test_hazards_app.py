"""AppTest: the hazards page's filters change its table; the register opens from ?enterprise=ID."""

import json
from datetime import date

import pytest

from tests.conftest import build_fixture_db
from tests.test_app import start

# The period and as-of date of tests/test_hazards.py, preset in the sidebar before the first run.
PERIOD = {"gf_preset": "custom", "gf_start": date(2026, 1, 1), "gf_end": date(2026, 6, 30),
          "gf_as_of_custom": date(2026, 6, 30)}


@pytest.fixture
def hz_db(tmp_path):
    return build_fixture_db(tmp_path / "hazards.duckdb", "hazards.sql")


def hazards_page(db, monkeypatch, lang="zh"):
    at = start(db, monkeypatch, lang, **PERIOD)
    at.switch_page("pages/hazards.py").run()
    assert not at.exception, at.exception
    return at


def test_table_shows_hand_computed_counts(hz_db, monkeypatch):
    at = hazards_page(hz_db, monkeypatch)
    table = at.dataframe[0].value
    # Sorted by major hazards (the default): A1 2, A3 1, A2 0 — see tests/test_hazards.py.
    assert list(table["企业名称"]) == ["安康五金厂", "川河化工", "百盛木业"]
    assert list(table["重大隐患"]) == [2, 1, 0]
    assert list(table["重复隐患"]) == [2, 0, 0]
    assert list(table["一企一册"]) == ["/enterprise?enterprise=A1&lang=zh", "/enterprise?enterprise=A3&lang=zh",
                                    "/enterprise?enterprise=A2&lang=zh"]


def test_filters_change_the_table(hz_db, monkeypatch):
    at = hazards_page(hz_db, monkeypatch)
    at.multiselect(key="hz_risk").set_value(["red"]).run()
    assert not at.exception
    assert list(at.dataframe[0].value["企业名称"]) == ["安康五金厂"]
    at.multiselect(key="hz_risk").set_value([]).run()
    at.multiselect(key="hz_level").set_value(["major"]).run()
    assert list(at.dataframe[0].value["发现隐患"]) == [2, 1]
    at.text_input(key="hz_search").set_value("不存在的企业").run()
    assert not at.exception
    assert any("没有发现隐患" in i.value for i in at.info)


def test_charts_have_titles_and_axis_units(hz_db, monkeypatch):
    at = hazards_page(hz_db, monkeypatch, "en")
    layouts = [json.loads(c.proto.spec)["layout"] for c in at.get("plotly_chart")]
    titles = [layout["title"]["text"] for layout in layouts]
    assert titles[0] == "Top 10 enterprises by major hazards"
    assert titles[1:] == ["Hazards found per month, by level", "Hazard category × industry",
                          "Hazards found by town"]
    axes = [(layout["xaxis"]["title"]["text"], layout["yaxis"]["title"]["text"]) for layout in layouts]
    assert axes == [("Hazards (count)", "Enterprise"), ("Month", "Hazards (count)"),
                    ("Hazard category", "Industry"), ("Town", "Hazards (count)")]
    assert all(layout["legend"]["title"]["text"] == "Hazard level" for layout in layouts[:2])


def test_query_parameter_opens_the_register(hz_db, monkeypatch):
    at = start(hz_db, monkeypatch, **PERIOD)
    at.query_params["enterprise"] = "A3"
    at.switch_page("pages/enterprise.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "川河化工"
    hazards_tab = [d.value for d in at.dataframe if "隐患编号" in d.value.columns][0]
    assert list(hazards_tab["隐患编号"]) == ["K8", "K10", "K9"]  # most urgent first


def test_unknown_enterprise_says_so(hz_db, monkeypatch):
    at = start(hz_db, monkeypatch, "en", **PERIOD)
    at.query_params["enterprise"] = "NOPE"
    at.switch_page("pages/enterprise.py").run()
    assert not at.exception
    assert any("There is no enterprise with ID “NOPE”" in e.value for e in at.error)


def test_search_opens_a_register(hz_db, monkeypatch):
    at = start(hz_db, monkeypatch, **PERIOD)
    at.switch_page("pages/enterprise.py").run()
    assert any("请输入企业名称" in i.value for i in at.info)
    at.text_input(key="reg_search").set_value("CC0000000000000A2").run()
    at.selectbox(key="reg_pick").set_value("A2").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "百盛木业"
