"""The rectification closed loop on tests/fixtures/rectification.sql, against figures worked out by hand.

Period S = 2026-01-01 .. E = 2026-06-30, as of T = 2026-06-30 unless a test says otherwise.
Found in the period: K1..K7, K9, K10 (K8 and K11 earlier). K9's deadline is before its found
date: a data error that empties that deadline only (K9 still counts as found, never as due).
"""

from datetime import date

import pandas as pd
import pytest

from gridwatch import demo, exports, metrics, queries, warehouse
from gridwatch import rectification as rect
from gridwatch.filters import Filters
from tests.conftest import build_fixture_db

PERIOD = Filters(start=date(2026, 1, 1), end=date(2026, 6, 30), as_of=date(2026, 6, 30))
SHARED = ("hazards_found", "rectified", "rectification_rate", "rectified_in_period", "due_in_period",
          "rectified_on_time", "on_time_rate", "overdue_open", "verification_rate", "median_days_to_rectify",
          "rectified_date_unknown")
COUNTS = ("hazards_found", "rectified", "rectified_in_period", "due_in_period", "rectified_on_time", "overdue_open",
          "overdue_major", "aged_1", "aged_2", "aged_3", "aged_4", "verified", "rectified_date_unknown", "due_soon")


@pytest.fixture
def con(tmp_path):
    path = build_fixture_db(tmp_path / "rect.duckdb", "rectification.sql")
    c = warehouse.open_readonly(path)
    yield c
    c.close()


def run(con, name, f=PERIOD, squadrons=(), levels=()):
    return queries.run(con, name, rect.params(f, squadrons, levels))


def scope_row(con, f=PERIOD, **kw):
    frame = run(con, "rectification_by_dimension", f, **kw)
    return frame[frame["dimension"] == "all"].iloc[0]


def test_headline_keeps_a_hazard_whose_deadline_is_before_its_finding(con):
    h = metrics.headline(con, PERIOD)
    # Found in the period: K1 K2 K3 K4 K5 K6 K7 K10 and K9 (found 06-20, its bad deadline emptied).
    assert h["hazards_found"] == 9
    assert h["rectified"] == 3  # K1 04-20, K2 03-20, K3 05-01; K7 02 July is after T
    assert h["rectification_rate"] == pytest.approx(1 / 3)
    assert h["rectified_in_period"] == 3  # the same three, by their rectification dates
    # Deadlines in the period and <= T: K1 K2 K3 K4 K5 K7 K8 K10 = 8 (K9's 06-10 is not a deadline);
    # on time: K1 (04-20 <= 04-30) and K2 (exactly on 03-20).
    assert (h["due_in_period"], h["rectified_on_time"], h["on_time_rate"]) == (8, 2, 0.25)
    # Overdue at T: K4 (03-01), K5 (06-25), K7 (06-20), K8 (05-01); K10's deadline is T itself.
    assert h["overdue_open"] == 4
    assert h["verification_rate"] == pytest.approx(2 / 3)  # K1, K3 of K1 K2 K3
    assert h["median_days_to_rectify"] == 30.0  # K2 10, K3 30, K1 50


def test_date_errors_are_reported(con):
    bad = run(con, "rectification_date_errors")
    assert list(bad["hazard_id"]) == ["K9"]
    assert bad.loc[0, "enterprise_name"] == "西二化工"
    assert bad.loc[0, "deadline"] == pd.Timestamp("2026-06-10")  # as recorded, so it can be fixed
    assert run(con, "rectification_date_errors", Filters(**{**PERIOD.__dict__, "towns": ("东镇",)})).empty


def test_scope_row_by_hand(con):
    row = scope_row(con)
    assert {k: row[k] for k in COUNTS} == {
        "hazards_found": 9, "rectified": 3, "rectified_in_period": 3, "due_in_period": 8, "rectified_on_time": 2,
        "overdue_open": 4, "rectified_date_unknown": 0,
        "overdue_major": 3,  # K4, K5, K8
        # days past the deadline: K5 5 (1-7), K7 10 (8-30), K8 60 (31-90), K4 121 (> 90)
        "aged_1": 1, "aged_2": 1, "aged_3": 1, "aged_4": 1,
        "verified": 2,
        "due_soon": 2,  # K10 (deadline 06-30 = T) and K6 (07-05 <= T + 7)
    }
    assert row["median_days_to_verify"] == 7.0  # K1 5, K3 9
    assert row["p90_days_to_rectify"] == pytest.approx(46.0)  # 10, 30, 50: 30 + 0.8 * 20


def test_scope_row_agrees_with_headline(con):
    h = metrics.headline(con, PERIOD)
    row = scope_row(con)
    for key in SHARED:
        assert row[key] == pytest.approx(h[key]), key


def recombines(frame, h):
    """Every dimension's counts sum to the scope row, and the scope row is the headline."""
    total = frame[frame["dimension"] == "all"].iloc[0]
    for key in SHARED:
        if h[key] is None:
            assert pd.isna(total[key]), key
        else:
            assert total[key] == pytest.approx(h[key]), key
    for dimension in rect.DIMENSIONS:
        rows = frame[frame["dimension"] == dimension]
        for key in COUNTS:
            assert rows[key].sum() == total[key], (dimension, key)
        if rows["hazards_found"].sum():
            assert rows["rectified"].sum() / rows["hazards_found"].sum() == pytest.approx(h["rectification_rate"])


def test_by_dimension_recombines_to_headline(con):
    recombines(run(con, "rectification_by_dimension"), metrics.headline(con, PERIOD))


def test_by_squadron_by_hand(con):
    frame = run(con, "rectification_by_dimension")
    sq = frame[frame["dimension"] == "squadron"].fillna({"value": "-"}).set_index("value")
    # 一中队 = R1: K1, K2. 二中队 = R2, R3: K3 K4 K10 K5 K6 K7. No squadron = R4: K8.
    assert (sq.loc["一中队", "hazards_found"], sq.loc["一中队", "verified"]) == (2, 1)
    assert sq.loc["一中队", "verification_rate"] == 0.5
    assert (sq.loc["二中队", "hazards_found"], sq.loc["二中队", "overdue_open"]) == (6, 3)
    assert sq.loc["二中队", "due_soon"] == 2
    assert sq.loc["-", "overdue_open"] == 1  # K8
    town = frame[frame["dimension"] == "town"].set_index("value")
    assert town.loc["西镇", "overdue_major"] == 2  # K5, K8
    assert town.loc["东镇", "overdue_major"] == 1  # K4


def test_page_filters(con):
    only = scope_row(con, squadrons=["二中队"])
    assert (only["hazards_found"], only["overdue_open"], only["due_soon"]) == (6, 3, 2)
    majors = scope_row(con, levels=["major"])
    # K1 K4 K5 found; K4 K5 K8 overdue; K1 rectified in 50 days.
    assert (majors["hazards_found"], majors["overdue_open"], majors["rectified"]) == (3, 3, 1)
    assert majors["median_days_to_rectify"] == 50.0


def test_as_of_after_k7(con):
    later = Filters(start=PERIOD.start, end=PERIOD.end, as_of=date(2026, 7, 10))
    row = scope_row(con, later)
    assert row["rectified"] == 4  # K7 rectified 07-02 now counts
    assert row["rectified_on_time"] == 2  # still late
    # Overdue at 07-10: K4, K5, K8, K10 (06-30), K6 (07-05); K7 now rectified.
    assert row["overdue_open"] == 5
    assert row["overdue_open"] == metrics.headline(con, later)["overdue_open"]


def test_same_period_last_year(con):
    ly = metrics.compare(PERIOD).baseline
    assert (ly.start, ly.end, ly.as_of) == (date(2025, 1, 1), date(2025, 6, 30), date(2025, 6, 30))
    leap = metrics.compare(Filters(date(2024, 2, 29), date(2024, 2, 29), date(2024, 2, 29))).baseline
    assert leap.start == date(2023, 2, 28)
    row = scope_row(con, ly)
    # Only K11: found 2025-03-01, rectified 03-10 (on time), verified 03-12; K8 not yet found.
    assert (row["hazards_found"], row["rectified"], row["rectified_on_time"], row["overdue_open"]) == (1, 1, 1, 0)
    assert row["p90_days_to_rectify"] == 9.0


def test_trend_months_partition_the_period(con):
    trend = run(con, "rectification_trend")
    assert [m.month for m in trend["month"]] == [1, 2, 3, 4, 5, 6]
    # Found: Feb K4; Mar K1 K2; Apr K3; May K5; Jun K6 K7 K9 K10.
    assert list(trend["hazards_found"]) == [0, 1, 2, 1, 1, 4]
    # Rectified, by month of rectification: Mar K2; Apr K1; May K3 (K7 in July is after T).
    assert list(trend["rectified_in_period"]) == [0, 0, 1, 1, 1, 0]
    # Deadlines: Mar K4 K2; Apr K3 K1; May K8; Jun K7 K5 K10.
    assert list(trend["due_in_period"]) == [0, 0, 2, 2, 1, 3]
    assert list(trend["rectified_on_time"]) == [0, 0, 1, 1, 0, 0]
    assert trend["rectification_rate"].iloc[2] == 1.0
    assert pd.isna(trend["rectification_rate"].iloc[0])


def test_due_soon_list(con):
    due = run(con, "rectification_due_soon")
    assert list(due["hazard_id"]) == ["K10", "K6"]
    assert list(due["days_left"]) == [0, 5]
    assert due.loc[0, "last_pre_recheck"] == pd.Timestamp("2026-06-29")  # I8, after K10 was found
    assert pd.isna(due.loc[1, "last_pre_recheck"])
    assert len(due) == scope_row(con)["due_soon"]


def test_overdue_list(con):
    od = run(con, "rectification_overdue")
    assert list(od["hazard_id"]) == ["K4", "K8", "K7", "K5"]  # by days overdue: 121, 60, 10, 5
    assert list(od["days_overdue"]) == [121, 60, 10, 5]
    assert list(od["ageing"]) == [4, 3, 2, 1]
    # K4: reminder, order, case C1, suspension decided 04-20. K8: only a reminder, 60 days >= 30.
    # K7: nothing, 10 days >= 7 (order due). K5: nothing, 5 days: nothing due yet.
    assert list(od["last_step"]) == ["suspension", "reminder", "none", "none"]
    assert od.loc[0, "last_step_date"] == pd.Timestamp("2026-04-20")
    assert list(od["missing_step"].fillna("")) == ["", "case", "order", ""]
    assert len(od) == metrics.headline(con, PERIOD)["overdue_open"]


def test_five_implementations(con):
    five = run(con, "rectification_five").iloc[0].to_dict()
    # Majors found in the period: K1 (all five), K4 (no funds, no plan), K5 (no time limit).
    assert five == {"majors": 3, "recorded": 3, "complete": 1, "incomplete": 2, "missing_responsibility": 0,
                    "missing_measures": 0, "missing_funds": 1, "missing_time_limit": 1, "missing_plan": 1}
    missing = run(con, "rectification_five_missing")
    assert list(missing["hazard_id"]) == ["K4", "K5"]
    assert not missing["rectified"].any()


def test_escalation_ladder(con):
    ladder = run(con, "rectification_escalation").set_index("step")
    assert list(ladder.index) == ["found", "reminder", "order", "case", "suspension"]
    assert list(ladder["hazards"]) == [9, 2, 2, 1, 1]  # found: K9 too
    # Reminders: K3 11 days after found, K4 24 days → 17.5. Orders: 13 days after each reminder.
    # Case C1 22 days after K4's order (03-10 → 04-01); suspension 19 days later (04-20).
    assert list(ladder["median_days_from_previous"].iloc[1:]) == [17.5, 13.0, 22.0, 19.0]


def test_cases(con):
    cases = run(con, "rectification_cases").iloc[0].to_dict()
    # Filed in the period: C1..C5. Decided by T: C1 C2 C3 (C5 decided 07-05).
    # Interviewed before decision: C1, C3. Review required: C1 (suspension), C2 (fine 60,000 >= 50,000);
    # reviewed: C1 only. Penalties decided: 60,000 + 20,000.
    assert cases == {"filed": 5, "decided": 3, "pending": 2, "interviewed_before_decision": 2,
                     "interview_rate": pytest.approx(2 / 3), "review_required": 2,
                     "reviewed_where_required": 1, "review_rate": 0.5, "penalty_total": 80000.0}
    by_measure = run(con, "rectification_cases_by_measure")
    assert by_measure.to_dict("list") == {"measure": ["fine", "suspension"], "cases": [2, 1],
                                          "penalty_total": [80000.0, 0.0]}


def test_listed_supervision(con):
    listed = run(con, "rectification_listed")
    # R3 is listed only from 07-15. R2 (05-01) holds K4 open and overdue; R1 (03-01) has K1 rectified.
    assert list(listed["enterprise_id"]) == ["R2", "R1"]
    assert list(listed["days_listed"]) == [60, 121]
    assert list(listed["open_major"]) == [1, 0]
    assert list(listed["overdue_major"]) == [1, 0]
    assert list(listed["rectified"]) == [False, True]
    assert list(listed["listed_inspections"]) == [0, 1]  # I2 on 04-05; I7 is after T


def test_tipoffs(con):
    tips = run(con, "rectification_tipoffs").iloc[0].to_dict()
    # T1 T2 T3 received; T1 linked (I3 03-05 after 03-01), T3's check I4 was before receipt;
    # closed by T: T1 only (T3 07-03); reward 500 for T1.
    assert tips == {"received": 3, "verified": 2, "linked_to_inspection": 1, "closed": 1, "still_open": 2,
                    "rewarded": 1, "reward_total": 500.0}
    west = run(con, "rectification_tipoffs", Filters(**{**PERIOD.__dict__, "towns": ("西镇",)})).iloc[0]
    assert (west["received"], west["verified"], west["linked_to_inspection"]) == (2, 1, 0)
    assert run(con, "rectification_tipoffs", squadrons=["二中队"]).iloc[0]["received"] == 2  # T1, T3


def test_inspection_mix(con):
    mix = run(con, "rectification_inspection_mix")
    by_type = dict(zip(mix[mix["dimension"] == "type"]["value"], mix[mix["dimension"] == "type"]["inspections"],
                       strict=True))
    assert by_type == {"routine": 1, "listed": 1, "tipoff": 2, "recheck": 1, "special": 2, "pre_recheck": 1}
    campaigns = mix[mix["dimension"] == "campaign"]
    assert sorted(campaigns["value"]) == ["危化品专项检查", "粉尘防爆专项整治"]


def test_laggards(con):
    story = rect.laggards(run(con, "rectification_by_dimension"))
    assert story["squadron"]["name"] == "一中队"  # verified 1 of 2, against 二中队's 1 of 1
    assert story["squadron"]["rate"] == 0.5 and story["squadron"]["overall"] == pytest.approx(2 / 3)
    assert story["town"] == {"name": "西镇", "overdue_major": 2, "overall": 3}
    empty = rect.laggards(run(con, "rectification_by_dimension", Filters(date(2030, 1, 1), date(2030, 1, 2),
                                                                         date(2024, 1, 1))))
    assert empty == {"squadron": None, "town": None}


def test_ageing_labels():
    assert rect.ageing_ranges() == [(1, 7), (8, 30), (31, 90), (91, None)]
    assert rect.ageing_label(1, "zh") == "逾期 1–7 天"
    assert rect.ageing_label(4, "en") == "over 90 days overdue"
    custom = {"rectification": {"ageing_bounds": [3, 10, 20]}}
    assert rect.ageing_ranges(custom) == [(1, 3), (4, 10), (11, 20), (21, None)]


def test_download_is_labelled_and_safe(con):
    due = run(con, "rectification_due_soon")
    header = rect.export_header(PERIOD, ["二中队"], ["general"], date(2026, 6, 30), "zh")
    text = exports.csv_bytes(rect.labelled(due, "zh"), header).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "整改闭环"
    assert "监察中队：二中队" in lines[1] and "隐患等级：一般隐患" in lines[1]
    assert lines[2] == "数据截至 2026-06-30"
    assert lines[4].startswith("监察中队,镇街,企业编号,企业名称")
    assert "一般隐患" in text and "2026-06-30" in text
    od = run(con, "rectification_overdue")
    english = exports.csv_bytes(rect.labelled(run(con, "rectification_by_dimension"), "en")).decode("utf-8-sig")
    assert "1–7 days overdue" in english
    labelled = rect.labelled(od, "zh")
    assert list(labelled["最近措施"]) == ["停产整顿/关闭", "温馨提示书", "未采取措施", "未采取措施"]
    formula = exports.csv_bytes(rect.labelled(queries.run(con, "rectification_due_soon", {
        **rect.params(Filters(date(2026, 3, 10), date(2026, 3, 10), date(2026, 3, 15)))}), "zh"))
    assert "'=HYPERLINK" in formula.decode("utf-8-sig")  # K2's description, neutralised


@pytest.fixture(scope="module")
def demo_con(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    warehouse.build_demo(path)
    c = warehouse.open_readonly(path)
    yield c
    c.close()


@pytest.mark.parametrize("towns", [(), (demo.STORY_OVERDUE_TOWN,)])
def test_demo_recombines_to_headline(demo_con, towns):
    f = Filters(start=date(2026, 1, 1), end=date(2026, 11, 27), as_of=date(2026, 11, 27), towns=towns)
    recombines(queries.run(demo_con, "rectification_by_dimension", rect.params(f)), metrics.headline(demo_con, f))
    od = queries.run(demo_con, "rectification_overdue", rect.params(f))
    assert len(od) == metrics.headline(demo_con, f)["overdue_open"]


def test_demo_tells_its_two_stories(demo_con):
    f = Filters(start=date(2026, 1, 1), end=date(2026, 11, 27), as_of=date(2026, 11, 27))
    story = rect.laggards(queries.run(demo_con, "rectification_by_dimension", rect.params(f)))
    assert story["squadron"]["name"] == demo.STORY_LAGGING_SQUADRON
    assert story["town"]["name"] == demo.STORY_OVERDUE_TOWN


def test_trend_months_mark_the_month_not_over():
    months = pd.Series(pd.to_datetime(["2026-09-01", "2026-10-01", "2026-11-01"]))
    assert rect.trend_months(months, date(2026, 11, 27)) == (["2026-09", "2026-10", "2026-11*"], "2026-11")
    assert rect.trend_months(months, date(2026, 11, 30)) == (["2026-09", "2026-10", "2026-11"], None)
