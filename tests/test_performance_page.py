"""AppTest of the performance page on the hand-made quarter (tests/fixtures/performance.sql).

The figures are those worked out in tests/test_scoring.py's docstring.
"""

import json

import pytest

from tests.conftest import build_fixture_db
from tests.test_app import start

PAGE = "pages/performance.py"


@pytest.fixture
def perf_db(tmp_path):
    return build_fixture_db(tmp_path / "performance.duckdb", "performance.sql")


def open_page(db, monkeypatch, lang="zh", quarter="2026Q1"):
    """The page on ``quarter``: the fixture's data run to January 2026, so 2026Q1 is still running
    and the page opens on 2025Q4, the last finished quarter, until another is chosen."""
    at = start(db, monkeypatch, lang)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    if quarter:
        at.selectbox(key="perf_quarter").set_value(quarter).run()
        assert not at.exception, at.exception
    return at


def test_opens_on_the_last_finished_quarter(perf_db, monkeypatch):
    at = open_page(perf_db, monkeypatch, quarter=None)
    box = at.selectbox(key="perf_quarter")
    assert box.value == "2025Q4"
    # The running quarter is named as such, and choosing it says the scores are so far.
    assert box.options[0] == "2026Q1（进行中，数据截至 2026-01-09）"
    assert not any("尚未结束" in w.value for w in at.warning)
    box.set_value("2026Q1").run()
    assert any("2026Q1 尚未结束：得分只计到 2026-01-09" in w.value for w in at.warning)


def table_with(at, column):
    """The first table showing ``column`` (AppTest does not expose dataframe keys)."""
    for element in at.dataframe:
        if column in element.value.columns:
            return element.value
    raise AssertionError(f"no table with column {column!r}")


def ranking(at):
    frame = at.dataframe[0].value
    return list(zip(frame.iloc[:, 1], frame.iloc[:, 0], frame.iloc[:, 3], strict=True))


def test_ranking_shows_hand_computed_scores(perf_db, monkeypatch):
    at = open_page(perf_db, monkeypatch)
    assert at.selectbox(key="perf_quarter").value == "2026Q1"
    assert at.selectbox(key="perf_role").value == "执法人员"
    assert ranking(at) == [("赵一", 1, 100.0), ("孙三", 2, 72.22), ("吴六", 2, 72.22),
                           ("钱二", 4, 38.47), ("李四", 5, 37.72), ("周五", 6, 27.62)]
    assert not any("规则文件" in w.value for w in at.warning), "rules-file weights: no what-if warning"
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "得分构成" in spec["layout"]["title"]["text"]
    assert spec["layout"]["yaxis"]["title"]["text"] == "得分（分，满分 100）"
    assert len(spec["data"]) == 7 and spec["layout"]["barmode"] == "stack"


def test_weight_change_reranks_and_warns_then_resets(perf_db, monkeypatch):
    at = open_page(perf_db, monkeypatch)
    at.slider(key="perf_w_cases_handled").set_value(0).run()
    assert not at.exception
    # Without cases: A4 = 3583.33/85 = 42.16 moves above A2 = 2654.76/85 = 31.23.
    rows = ranking(at)
    assert ("李四", 4, 42.16) in rows and ("钱二", 5, 31.23) in rows
    assert any("规则文件" in w.value for w in at.warning)
    at.button(key="perf_reset").click().run()
    assert at.slider(key="perf_w_cases_handled").value == 10
    assert ("钱二", 4, 38.47) in ranking(at)
    assert not any("规则文件" in w.value for w in at.warning)


def test_person_breakdown_and_records(perf_db, monkeypatch):
    at = open_page(perf_db, monkeypatch, "en")
    at.selectbox(key="perf_person").set_value("A2").run()
    assert not at.exception
    assert any("rank 4 of 6" in i.value for i in at.info)
    detail = table_with(at, "Group median").set_index("Component")
    assert tuple(detail.loc["Hazards found (weighted)", ["Raw", "Group min", "Group median", "Group max"]]) == \
        ("1", "0", "3", "6")
    # Rates read as percentages beside the counts: the work log complete on 5 of 7 working days.
    assert detail.loc["Work-log completeness", "Raw"] == "71.4%"
    assert detail.loc["Follow-through rate", "Raw"] == "50.0%"
    hazards = table_with(at, "Hazard")
    assert list(hazards["Hazard"]) == ["Z6", "Z7", "Z3"]
    # Z3 is not yet verified: a blank cell, never a literal "None".
    assert list(hazards["Verified"]) == ["2026-01-09", "2026-01-05", ""]
    assert list(table_with(at, "Case")["Case"]) == ["K1"]
    logs = table_with(at, "Morning plan")
    assert (len(logs), int(logs["Complete"].sum())) == (7, 5)


def test_other_peer_group_and_unit(perf_db, monkeypatch):
    at = open_page(perf_db, monkeypatch)
    at.selectbox(key="perf_unit").set_value("第二中队").run()
    assert [r[0] for r in ranking(at)] == ["吴六", "李四", "周五"]
    at.selectbox(key="perf_role").set_value("中队长").run()
    assert not at.exception
    # 第二中队 has no 中队长: the unit choice falls back to all units. B1 is alone in the
    # group, so nothing differs and B1 has no score — said in words, not shown as 0.
    assert at.selectbox(key="perf_unit").value is None
    assert [r[0] for r in ranking(at)] == ["郑队长"]
    assert any("没有可计入的分项" in i.value for i in at.info)


def test_worklog_misses_per_unit_with_downloads(perf_db, monkeypatch, deferred_downloads):
    """The misses worked out in tests/test_lists.py: B1 and A2 of 第一中队, A4 and A5 of 第二中队."""
    at = open_page(perf_db, monkeypatch)
    summary = table_with(at, "早晚齐全天数")
    assert list(zip(summary["人员编号"], summary["早晚齐全天数"], summary["工作日志完整率"], strict=True)) == [
        ("B1", 1, "14.3%"), ("A2", 5, "71.4%"), ("A4", 0, "0.0%"), ("A5", 5, "71.4%")]
    at.selectbox(key="perf_miss_unit").set_value("第二中队").run()
    assert not at.exception
    assert list(table_with(at, "早晚齐全天数")["人员编号"]) == ["A4", "A5"]
    assert len(table_with(at, "未填晚五问")) == 9
    text = deferred_downloads["工作日志未填清单-2026Q1-2026-01-09.csv"]().decode("utf-8-sig")
    assert "2026-01-09" in text.splitlines()[2] and "A4" in text and "A2" not in text
    assert "工作日志未填清单-2026Q1-2026-01-09.xlsx" in deferred_downloads
