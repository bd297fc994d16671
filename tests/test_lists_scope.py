"""A town-scoped user sees only their towns in the case list, the tip-off ledger and the work-log misses.

li (staff S2 of 第一中队, scoped to 乙镇) on the tiny county with tests/fixtures/auth_scope.sql:
cases C1 (E1, 甲镇) and C2 (E3, 乙镇); tip-offs T1 (E1, 甲镇), T2 (E4 of 乙镇, no town),
T3 (no enterprise, 乙镇), T4 (no enterprise, 甲镇). Default period 2026-01-01..04-05.
"""

import pytest

from tests.conftest import build_fixture_db
from tests.test_auth_app import clock, fresh, open_url, served_through_app_py, sign_in  # noqa: F401


@pytest.fixture
def scoped_db(clock, tmp_path, monkeypatch):  # noqa: F811
    path = build_fixture_db(tmp_path / "scoped.duckdb", "tiny.sql", "auth_scope.sql")
    monkeypatch.setenv("GRIDWATCH_DB", str(path))
    return path


def frame_with(at, header):
    frames = [d.value for d in at.dataframe if header in d.value.columns]
    assert len(frames) == 1, header
    return frames[0]


def test_scoped_user_sees_only_their_towns_cases_and_tipoffs(scoped_db):
    at = open_url(sign_in(fresh(), "li"), "rectification")
    assert not at.exception, at.exception
    assert list(frame_with(at, "案件编号")["案件编号"]) == ["C2"]
    ledger = frame_with(at, "举报编号")
    assert list(ledger["举报编号"]) == ["T2", "T3"]
    assert set(ledger["镇街"]) == {"乙镇"}
    office = open_url(sign_in(fresh(), "office"), "rectification")
    assert list(frame_with(office, "案件编号")["案件编号"]) == ["C1", "C2"]
    assert list(frame_with(office, "举报编号")["举报编号"]) == ["T1", "T2", "T3", "T4"]


def test_staff_sees_only_their_own_worklog_misses(scoped_db):
    # The data's as-of date comes from inspections and findings (docs/metrics.md): 2026-03-31, so
    # the quarter is 2026Q1, 64 working days; the tiny county logs nothing, so S2 missed both on
    # each. S1 is a colleague: not shown.
    at = open_url(sign_in(fresh(), "li"), "performance")
    assert not at.exception, at.exception
    summary = frame_with(at, "缺早五问天数")
    assert summary.to_dict("records") == [{
        "单位": "第一中队", "人员编号": "S2", "姓名": "李四", "岗位": "执法人员", "工作日数": 64, "缺早五问天数": 64,
        "缺晚五问天数": 64, "早晚齐全天数": 0, "工作日志完整率": "0.0%"}]
    office = open_url(sign_in(fresh(), "office"), "performance")
    assert sorted(frame_with(office, "缺早五问天数")["人员编号"]) == ["S1", "S2"]
