"""The case list, the tip-off ledger and the work-log misses, row by row on hand-made fixtures.

tests/fixtures/rectification.sql: period 2026-01-01..06-30, as of 06-30, collective review
from a fine of 50,000. tests/fixtures/performance.sql: quarter 2026Q1 up to T = 01-09, working
days Jan 1, 2, 5, 6, 7, 8, 9.
"""

import io
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest

from gridwatch import lists, queries, scoring, warehouse
from tests.conftest import build_fixture_db

PERIOD = {"start": date(2026, 1, 1), "end": date(2026, 6, 30), "as_of": date(2026, 6, 30), "towns": [],
          "departments": [], "industries": [], "squadrons": []}
QUARTER = {"start": date(2026, 1, 1), "as_of": date(2026, 1, 9), "towns": []}


@pytest.fixture
def rect_con(tmp_path):
    con = warehouse.open_readonly(build_fixture_db(tmp_path / "rect.duckdb", "rectification.sql"))
    yield con
    con.close()


@pytest.fixture
def perf_db(tmp_path):
    return build_fixture_db(tmp_path / "perf.duckdb", "performance.sql")


@pytest.fixture
def perf_con(perf_db):
    con = warehouse.open_readonly(perf_db)
    yield con
    con.close()


def records(frame: pd.DataFrame) -> list[tuple]:
    def plain(v):
        if v is None or v is pd.NA or (isinstance(v, float) and v != v) or v is pd.NaT:
            return None
        if isinstance(v, pd.Timestamp):
            return v.date()
        return v.item() if hasattr(v, "item") else v

    return [tuple(plain(v) for v in row) for row in frame.itertuples(index=False)]


def test_case_list_by_hand(rect_con):
    frame = queries.run(rect_con, "rectification_case_list", PERIOD)
    d = date
    assert records(frame) == [
        # C1 on hazard K4 (major): interviewed 04-10, reviewed, decided 04-20 on a suspension,
        # which always needs collective review.
        ("C1", d(2026, 4, 1), "东二机械", "decided", "suspension", None, d(2026, 4, 20), d(2026, 4, 10), True,
         True, True, "K4", "major", "危化品储存", "东镇", "二中队", "R2"),
        # C2: a fine of 60,000 ≥ 50,000 needs collective review; none held, no interview.
        ("C2", d(2026, 5, 1), "东一化工", "decided", "fine", 60000.0, d(2026, 5, 20), None, False, True, False,
         None, None, None, "东镇", "一中队", "R1"),
        # C3: 20,000 needs no review; interviewed 06-01, decided 06-05.
        ("C3", d(2026, 5, 15), "西一机械", "decided", "fine", 20000.0, d(2026, 6, 5), d(2026, 6, 1), True, False,
         False, None, None, None, "西镇", "二中队", "R3"),
        # C4: nothing decided yet.
        ("C4", d(2026, 6, 20), "西一机械", "pending", None, None, None, None, False, False, False, None, None, None,
         "西镇", "二中队", "R3"),
        # C5 was decided on 07-05, after the as-of date: pending, its fine of 80,000 not shown yet.
        ("C5", d(2026, 6, 25), "西二化工", "pending", None, None, None, d(2026, 6, 28), False, False, False, None,
         None, None, "西镇", None, "R4"),
    ]  # C6 was filed in 2025, outside the period.


def test_case_list_adds_up_to_the_figures(rect_con):
    frame = queries.run(rect_con, "rectification_case_list", PERIOD)
    figures = queries.run(rect_con, "rectification_cases", PERIOD).iloc[0]
    assert len(frame) == figures["filed"] == 5
    assert (frame.case_status == "decided").sum() == figures["decided"] == 3
    assert frame.interviewed_before_decision.sum() == figures["interviewed_before_decision"] == 2
    assert frame.review_required.sum() == figures["review_required"] == 2
    assert (frame.review_required & frame.collective_review).sum() == figures["reviewed_where_required"] == 1
    assert frame.penalty_amount.sum() == figures["penalty_total"] == 80000


def test_case_list_follows_the_squadron_and_town(rect_con):
    one = queries.run(rect_con, "rectification_case_list", {**PERIOD, "squadrons": ["一中队"]})
    assert list(one.case_id) == ["C2"]
    west = queries.run(rect_con, "rectification_case_list", {**PERIOD, "towns": ["西镇"]})
    assert list(west.case_id) == ["C3", "C4", "C5"]


def test_tipoff_ledger_by_hand(rect_con):
    frame = queries.run(rect_con, "rectification_tipoff_ledger", PERIOD)
    d = date
    assert records(frame) == [
        # T1 about R2, closed after 19 days; checked by the tip-off inspection I3 four days later.
        ("T1", d(2026, 3, 1), "东镇", "东二机械", True, "closed", d(2026, 3, 20), 19, "I3", d(2026, 3, 5), 500.0,
         "R2"),
        # T2 names no enterprise: its own town; not verified, open, no reward recorded.
        ("T2", d(2026, 4, 1), "西镇", None, False, "open", None, None, None, None, None, None),
        # T3 about R3: closed on 07-03, after the as-of date, so still open; the tip-off
        # inspection I4 (05-20) was before the receipt, so none is linked.
        ("T3", d(2026, 6, 1), "西镇", "西一机械", True, "open", None, None, None, None, 0.0, "R3"),
    ]  # T4 was received in 2025.
    figures = queries.run(rect_con, "rectification_tipoffs", PERIOD).iloc[0]
    assert len(frame) == figures["received"]
    assert frame.verified.sum() == figures["verified"]
    assert frame.linked_inspection_id.notna().sum() == figures["linked_to_inspection"]
    assert (frame.tipoff_status == "closed").sum() == figures["closed"]
    assert (frame.reward_amount > 0).sum() == figures["rewarded"]
    assert frame.reward_amount.sum() == figures["reward_total"]


def test_tipoffs_follow_their_enterprise_then_their_town(tmp_path):
    """tests/fixtures/auth_scope.sql: T2 names 乙镇's E4 without a town, T3 names no enterprise."""
    path = build_fixture_db(tmp_path / "tiny.duckdb", "tiny.sql", "auth_scope.sql")
    con = warehouse.open_readonly(path)
    try:
        params = {**PERIOD, "towns": ["乙镇"]}
        ledger = queries.run(con, "rectification_tipoff_ledger", params)
        figures = queries.run(con, "rectification_tipoffs", params).iloc[0]
        cases = queries.run(con, "rectification_case_list", params)
        by_department = queries.run(con, "rectification_tipoff_ledger", {**PERIOD, "departments": ["经信局"]})
    finally:
        con.close()
    assert records(ledger[["tipoff_id", "town", "enterprise_name"]]) == [
        ("T2", "乙镇", "乙二建材厂"), ("T3", "乙镇", None)]
    assert figures["received"] == 2
    assert list(cases.case_id) == ["C2"]
    # With a department filter only tip-offs naming an enterprise of it remain (E4 is 经信局's).
    assert list(by_department.tipoff_id) == ["T2"]


def test_labelled_lists_for_people(rect_con):
    cases = lists.labelled(queries.run(rect_con, "rectification_case_list", PERIOD), "zh")
    assert list(cases.columns)[:4] == ["案件编号", "立案日期", "企业名称", "办理状态"]
    first = cases.iloc[0]
    assert (first["隐患等级"], first["处罚措施"], first["办理状态"], first["罚没金额（元）"]) == (
        "重大隐患", "责令停产停业整顿", "已决定", "")
    assert list(cases["罚没金额（元）"]) == ["", 60000, 20000, "", ""]
    ledger = lists.labelled(queries.run(rect_con, "rectification_tipoff_ledger", PERIOD), "en")
    assert list(ledger["Verified"]) == ["yes", "no", "yes"]
    assert list(ledger["Status"]) == ["closed", "open", "open"]
    assert list(ledger["Days to close"]) == [19, "", ""]
    unknown = pd.DataFrame({"verified": pd.array([True, None], dtype="boolean")})
    assert list(lists.labelled(unknown, "zh")["查证属实"]) == ["是", "未记录"]


def test_ledger_csv_has_context_and_no_long_floats(rect_con):
    frame = queries.run(rect_con, "rectification_tipoff_ledger", PERIOD)
    frame.loc[0, "enterprise_name"] = "=cmd|' /C calc'!A0\x07"
    text = lists.csv_bytes(frame, ["整改闭环", "数据截至 2026-06-30"], "zh").decode("utf-8-sig").splitlines()
    assert text[:3] == ["整改闭环", "数据截至 2026-06-30", ""]
    assert text[3] == ("举报编号,受理日期,镇街,企业名称,查证属实,办结状态,办结日期,办结用时（天）,"
                       "核查检查编号,核查检查日期,奖励金额（元）,企业编号")
    # Formulas neutralised; the CSV keeps the text's characters (exports.csv_bytes), only Excel shows them as symbols.
    assert text[4] == "T1,2026-03-01,东镇,'=cmd|' /C calc'!A0\x07,是,已办结,2026-03-20,19,I3,2026-03-05,500,R2"
    assert text[5] == "T2,2026-04-01,西镇,,否,未办结,,,,,,"


def test_case_list_workbook_is_printable_with_real_dates(rect_con):
    frame = queries.run(rect_con, "rectification_case_list", PERIOD)
    data = lists.xlsx([("", frame)], "立案处罚案件清单", ["整改闭环", "筛选", "数据截至 2026-06-30"], "zh",
                      date(2026, 6, 30))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.title == "立案处罚案件清单" and ws["A1"].value == "立案处罚案件清单"
    assert [ws["A2"].value, ws["A3"].value, ws["A4"].value] == ["整改闭环", "筛选", "数据截至 2026-06-30"]
    assert ws["A5"].value == "案件编号" and ws.freeze_panes == "B6" and ws.auto_filter.ref == "A5:Q10"
    assert (ws.page_setup.orientation, ws.page_setup.fitToWidth, ws.print_title_rows) == ("landscape", 1, "$5:$5")
    filed = ws["B6"]
    assert filed.is_date and filed.value == datetime(2026, 4, 1) and filed.number_format == "yyyy-mm-dd"
    penalty = ws["F7"]
    assert penalty.value == 60000 and penalty.number_format == "#,##0"
    assert ws["E6"].value == "责令停产停业整顿" and ws["K6"].value == "是" and ws["D8"].value == "已决定"


def test_worklog_misses_by_hand(perf_con):
    frame = queries.run(perf_con, "performance_worklog_misses", QUARTER)
    d = date
    both = [(True, True)]
    rows = [(r.unit, r.staff_id, r.date.date(), r.missed_morning, r.missed_evening) for r in frame.itertuples()]
    assert rows == [
        # A2 logged nothing on Jan 1 and only the morning plan on Jan 9.
        ("第一中队", "A2", d(2026, 1, 1), True, True), ("第一中队", "A2", d(2026, 1, 9), False, True),
        # B1 logged Jan 1 only; A1 and A3 are complete (A3's Saturday does not count).
        *[("第一中队", "B1", d(2026, 1, day), m, e) for day in (2, 5, 6, 7, 8, 9) for m, e in both],
        # A4 logged nothing; A5 from Jan 5 only; A6 is complete; X1 is not active.
        *[("第二中队", "A4", d(2026, 1, day), m, e) for day in (1, 2, 5, 6, 7, 8, 9) for m, e in both],
        ("第二中队", "A5", d(2026, 1, 1), True, True), ("第二中队", "A5", d(2026, 1, 2), True, True),
    ]


def test_worklog_summary_matches_the_score_component(perf_con):
    frame = queries.run(perf_con, "performance_worklog_misses", QUARTER)
    days = lists.working_days(QUARTER["start"], QUARTER["as_of"])
    assert days == 7
    summary = lists.worklog_summary(frame, days)
    assert records(summary.drop(columns="completeness")) == [
        ("第一中队", "B1", "郑队长", "中队长", 7, 6, 6, 1),
        ("第一中队", "A2", "钱二", "执法人员", 7, 1, 2, 5),
        ("第二中队", "A4", "李四", "执法人员", 7, 7, 7, 0),
        ("第二中队", "A5", "周五", "执法人员", 7, 2, 2, 5),
    ]
    components = queries.run(perf_con, "performance_components",
                             scoring.component_params(scoring.parse_quarter("2026Q1"), date(2026, 1, 9)))
    completeness = dict(zip(components.staff_id, components.worklog_completeness, strict=True))
    for row in summary.itertuples():
        assert row.completeness == pytest.approx(completeness[row.staff_id])
    assert {s for s, v in completeness.items() if v == 1.0} == {"A1", "A3", "A6"}
    assert list(lists.labelled(summary, "zh")["工作日志完整率"]) == ["14.3%", "71.4%", "0.0%", "71.4%"]


def test_worklog_misses_follow_the_town_scope(perf_db):
    """A town served only by 第二中队 sees only 第二中队's staff; one with no enterprise sees nobody."""
    with warehouse.rewrite(perf_db) as con:
        con.execute("insert into enterprises (enterprise_id, name, town, squadron, risk_level, status) "
                    "values ('P7', '七号厂', '丙镇', '第二中队', 'blue', 'operating')")
    con = warehouse.open_readonly(perf_db)
    try:
        third = queries.run(con, "performance_worklog_misses", {**QUARTER, "towns": ["丙镇"]})
        nowhere = queries.run(con, "performance_worklog_misses", {**QUARTER, "towns": ["无镇"]})
        both = queries.run(con, "performance_worklog_misses", {**QUARTER, "towns": ["甲镇"]})
    finally:
        con.close()
    assert sorted(set(third.staff_id)) == ["A4", "A5"]
    assert nowhere.empty
    assert sorted(set(both.staff_id)) == ["A2", "A4", "A5", "B1"]


def test_worklog_workbook_has_a_sheet_per_unit(perf_con):
    frame = queries.run(perf_con, "performance_worklog_misses", QUARTER).drop(columns="role")
    data = lists.xlsx(lists.per_unit(frame), "工作日志未填清单", ["h"], "zh", date(2026, 1, 9))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["第一中队", "第二中队"]
    ws = wb["第二中队"]
    assert ws["A1"].value == "工作日志未填清单 · 第二中队"
    assert [c.value for c in ws[3]] == ["人员编号", "姓名", "工作日", "未填早五问", "未填晚五问"]
    assert ws.max_row == 3 + 9 and ws["C4"].is_date and ws["D4"].value == "是"


def test_working_days():
    assert lists.working_days(date(2026, 1, 3), date(2026, 1, 4)) == 0  # a weekend
    assert lists.working_days(date(2026, 1, 1), date(2026, 3, 31)) == 64
    assert lists.working_days(date(2026, 1, 9), date(2026, 1, 1)) == 0
