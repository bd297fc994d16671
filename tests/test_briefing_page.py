"""AppTest of the briefing page (the home page) on tests/fixtures/briefing.sql, in both languages.

The hand-computed figures are those of tests/test_briefing.py (W47 against W46).
"""

import json

import pytest

from tests.conftest import build_fixture_db
from tests.test_app import start


@pytest.fixture
def brief_db(tmp_path):
    return build_fixture_db(tmp_path / "brief.duckdb", "briefing.sql")


def metrics_of(at):
    return {m.label: (m.value, m.proto.delta) for m in at.metric}


def test_home_is_the_briefing_of_the_last_full_week(brief_db, monkeypatch):
    at = start(brief_db, monkeypatch)
    assert not at.exception
    assert at.title[0].value == "领导周报"
    assert at.selectbox(key="briefing_week").value == "2026-W47"
    shown = metrics_of(at)
    assert shown["检查次数"] == ("3", "+1")
    # The rectification cards lead: rectified in the week and the on-time rate of those due.
    assert list(shown)[:2] == ["期间整改完成", "按期整改率"]
    assert shown["期间整改完成"] == ("2", "+1")
    assert shown["按期整改率"] == ("33.3%", "-16.7 个百分点")
    assert shown["逾期未整改"] == ("4", "+2")
    assert shown["逾期重大隐患"] == ("2", "+1")
    assert shown["罚款金额（元）"] == ("30,000", "+25,000")
    assert shown["已检查企业"] == ("2", "0")
    # Both rose: more inspections reads as better (green), more overdue as worse (red).
    colours = {m.label: m.proto.color for m in at.metric}
    assert colours["逾期未整改"] != colours["检查次数"]
    assert colours["已检查企业"] not in (colours["逾期未整改"], colours["检查次数"])  # unchanged: grey
    # A fall in the on-time rate is as bad as a rise in overdue hazards, and the unchanged figure has no arrow.
    assert colours["按期整改率"] == colours["逾期未整改"]
    arrows = {m.label: m.proto.direction for m in at.metric}
    assert arrows["已检查企业"] != arrows["检查次数"]
    assert at.info[0].value.startswith("本周整改完成隐患 2 项")
    assert "较上周增加 2 项" in at.info[0].value
    assert "西镇" in at.info[0].value
    frames = [d.value for d in at.dataframe]
    assert list(frames[0]["镇街"]) == ["西镇", "东镇"]
    assert list(frames[1]["一企一册"]) == ["/enterprise?enterprise=B1&lang=zh", "/enterprise?enterprise=B4&lang=zh",
                                         "/enterprise?enterprise=B3&lang=zh"]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["title"]["text"] == "近12周趋势"
    titles = [a["text"] for a in spec["layout"]["annotations"]]
    assert titles == ["检查次数", "发现隐患", "发现重大隐患", "整改完成", "逾期未整改", "逾期重大隐患"]
    assert len(spec["data"]) == 6 and spec["data"][0]["customdata"][-1] == "2026-W47"


def test_choosing_another_week(brief_db, monkeypatch):
    at = start(brief_db, monkeypatch)
    at.selectbox(key="briefing_week").set_value("2026-W46").run()
    assert not at.exception
    shown = metrics_of(at)
    assert shown["检查次数"][0] == "2" and shown["逾期未整改"][0] == "2"
    assert any("2026-W46" in c.value for c in at.caption)


def test_english(brief_db, monkeypatch):
    at = start(brief_db, monkeypatch, lang="en")
    assert not at.exception
    assert at.title[0].value == "Weekly briefing"
    shown = metrics_of(at)
    assert shown["Overdue major hazards"] == ("2", "+1")
    assert shown["On-time rate"] == ("33.3%", "-16.7 pp")
    assert at.info[0].value.startswith("This week 2 hazards were rectified")
    assert [d.value.columns[0] for d in at.dataframe][:2] == ["Town", "Enterprise"]
    # The where-to-act column of overdue majors among open majors says so (not "of which major").
    assert list(at.dataframe[1].value.columns)[:3] == ["Enterprise", "Open major hazards", "Of which overdue"]


def test_town_scope_from_the_sidebar(brief_db, monkeypatch):
    at = start(brief_db, monkeypatch, gf_towns=["东镇"])
    assert not at.exception
    shown = metrics_of(at)
    assert shown["检查次数"][0] == "2" and shown["逾期未整改"][0] == "1"
    assert any("东镇" in c.value for c in at.caption)


def test_empty_scope_says_why(brief_db, monkeypatch):
    at = start(brief_db, monkeypatch, gf_towns=["东镇"], gf_departments=["交通局"])
    assert not at.exception
    assert any("没有企业" in w.value for w in at.warning)
    assert metrics_of(at)["检查次数"] == ("0", "0")


def test_brief_for_one_town(brief_db, monkeypatch):
    at = start(brief_db, monkeypatch)
    assert at.selectbox(key="briefing_export_town").options[0].startswith("与页面相同")
    at.selectbox(key="briefing_export_town").set_value("西镇").run()
    assert not at.exception
    assert len(at.get("download_button")) == 3
