"""The quarterly staff score: hand-computed components, scaled values, scores and ranks.

Fixture tests/fixtures/performance.sql, quarter 2026Q1, T = 2026-01-09 (the data's last
activity), seven working days (Jan 1, 2, 5, 6, 7, 8, 9). Peer group 执法人员 = A1..A6.

Raw components, worked out by hand from the fixture:

    id  led joined ents hazards_w follow_through cases worklog
    A1   3    1     3      6        1/1 = 1.0      1     7/7
    A2   1    1     2      1        1/2 = 0.5      1     5/7
    A3   1    1     2      5        none due       1     7/7
    A4   1    1     2      1        1/1 = 1.0      0     0/7
    A5   0    1     1      0        none due       1     5/7
    A6   1    1     2      5        none due       1     7/7

A1 led N1 (P1), N2 (P2), N3 (P1) and joined N4 (P3): 3 enterprises; Z1 major (5) + Z2 (1) = 6.
A2: Z3 due 01-08 unverified, grace runs to 01-15 > T → pending, left out; Z6 verified 01-09 >
01-01 + 7 → not followed; Z7 verified 01-05 ≤ 01-02 + 7 → followed: 1 of 2 judged.
Cases: K1 (P2, 01-07) counts for A1 (N2) and A2 (N8 in 2025Q4); K2 (P6) for A5 (N7 in 2025Q4);
K4 (P4) for A3 and A6 (N5, N13); K3 was filed in 2025Q4.

Scaled (min–max in the group): joined is 1 for everyone → left out.
    led: 0..3 → A1 100, A2/A3/A4/A6 33.33, A5 0      ents: 1..3 → 100, 50 ×4, 0
    hazards: 0..6 → A1 100, A2 16.67, A3 83.33, A4 16.67, A5 0, A6 83.33
    follow-through: 0.5..1 → A1 100, A2 0, A4 100      cases: 0..1 → A4 0, others 100
    worklog: 0..1 → A1/A3/A6 100, A2/A5 71.43, A4 0
Weights 15/5/15/20/20/10/15 without joined: 95; without joined and follow-through: 75.
    A1 = (1500+1500+2000+2000+1000+1500)/95 = 100.00
    A2 = (500+750+333.33+0+1000+1071.43)/95 = 38.47
    A3 = A6 = (500+750+1666.67+1000+1500)/75 = 72.22   (tie: rank 2, 2, then 4)
    A4 = (500+750+333.33+2000+0+0)/95 = 37.72
    A5 = (0+0+0+1000+1071.43)/75 = 27.62
B1 is alone in 中队长: every component is equal across the group → no score, rank 1.
"""

import json
from datetime import date

import openpyxl
import pandas as pd
import pytest

from gridwatch import cli, queries, scoring, warehouse
from tests.conftest import build_fixture_db

Q1 = scoring.Quarter(2026, 1)
T = date(2026, 1, 9)
EXPECTED_SCORES = {"A1": 100.00, "A3": 72.22, "A6": 72.22, "A2": 38.47, "A4": 37.72, "A5": 27.62}
EXPECTED_RANKS = {"A1": 1, "A3": 2, "A6": 2, "A2": 4, "A4": 5, "A5": 6, "B1": 1}


@pytest.fixture
def perf_db(tmp_path):
    return build_fixture_db(tmp_path / "performance.duckdb", "performance.sql")


@pytest.fixture
def perf_con(perf_db):
    con = warehouse.open_readonly(perf_db)
    yield con
    con.close()


@pytest.fixture
def components(perf_con):
    return queries.run(perf_con, "performance_components", scoring.component_params(Q1, T))


def by_id(frame):
    return frame.set_index("staff_id")


def test_raw_components_by_hand(components):
    raw = by_id(components)
    assert "X1" not in raw.index, "inactive staff are not scored"
    expected = {
        "A1": (3, 1, 3, 6, 1.0, 1, 7),
        "A2": (1, 1, 2, 1, 0.5, 1, 5),
        "A3": (1, 1, 2, 5, None, 1, 7),
        "A4": (1, 1, 2, 1, 1.0, 0, 0),
        "A5": (0, 1, 1, 0, None, 1, 5),
        "A6": (1, 1, 2, 5, None, 1, 7),
        "B1": (1, 0, 1, 1, None, 0, 1),
    }
    for staff_id, (led, joined, ents, hz, ft, cases, days) in expected.items():
        row = raw.loc[staff_id]
        assert (row.inspections_led, row.inspections_joined, row.enterprises_inspected) == (led, joined, ents)
        assert row.hazards_found_weighted == hz
        assert (pd.isna(row.follow_through_rate) if ft is None else row.follow_through_rate == ft), staff_id
        assert row.cases_handled == cases, staff_id
        assert row.working_days == 7
        assert row.worklog_completeness == pytest.approx(days / 7), staff_id
    assert tuple(raw.loc["A2", ["hazards_due", "hazards_pending", "hazards_followed_through"]]) == (3, 1, 1)


def test_scaled_values_scores_and_ranks(components):
    scored = by_id(scoring.score(components, scoring.rule_weights()))
    assert scored["inspections_joined_scaled"].isna().all(), "equal across the group → left out"
    assert (scored["inspections_joined_weight"] == 0).all()
    assert scored.loc["A2", "inspections_led_scaled"] == pytest.approx(100 / 3)
    assert scored.loc["A3", "hazards_found_weighted_scaled"] == pytest.approx(500 / 6)
    assert scored.loc["A2", "follow_through_rate_scaled"] == 0
    assert scored.loc["A4", "follow_through_rate_scaled"] == 100
    assert scored.loc["A5", "worklog_completeness_scaled"] == pytest.approx(500 / 7)
    for staff_id, expected in EXPECTED_SCORES.items():
        assert scored.loc[staff_id, "score"] == expected, staff_id
    assert {k: int(v) for k, v in scored["rank"].items()} == EXPECTED_RANKS
    assert pd.isna(scored.loc["B1", "score"])


def test_weights_shares_add_up_to_the_score(components):
    scored = scoring.score(components, scoring.rule_weights())
    usable = scored.loc[scored["score"].notna()]
    shares = usable[[f"{c}_weight" for c in scoring.COMPONENTS]].sum(axis=1)
    assert shares.to_numpy() == pytest.approx(1.0)
    points = scoring.contributions(usable)[list(scoring.COMPONENTS)].sum(axis=1)
    assert points.to_numpy() == pytest.approx(usable["score"].to_numpy(), abs=0.005)


def test_nothing_to_measure_neither_rewards_nor_punishes(components):
    """A3 has no hazard due: follow-through is left out of A3's mean, other weights renormalised."""
    weights = scoring.rule_weights()
    scored = by_id(scoring.score(components, weights))
    assert pd.isna(scored.loc["A3", "follow_through_rate_scaled"])
    assert scored.loc["A3", "follow_through_rate_weight"] == 0
    assert scored.loc["A3", "worklog_completeness_weight"] == pytest.approx(15 / 75)
    for ft_weight in (0, 5, 80):
        changed = by_id(scoring.score(components, {**weights, "follow_through_rate": ft_weight}))
        assert changed.loc["A3", "score"] == 72.22, "the weight of what A3 cannot be measured on is irrelevant"


def test_doubling_every_weight_changes_no_score(components):
    weights = scoring.rule_weights()
    once = scoring.score(components, weights)
    twice = scoring.score(components, {k: 2 * v for k, v in weights.items()})
    pd.testing.assert_series_equal(once["score"], twice["score"])
    pd.testing.assert_series_equal(once["rank"], twice["rank"])


def test_a_weight_change_reranks(components):
    """Without cases (weight 0): A2 = 2654.76/85 = 31.23, A4 = 3583.33/85 = 42.16 → A4 above A2."""
    scored = by_id(scoring.score(components, {**scoring.rule_weights(), "cases_handled": 0}))
    assert scored.loc["A4", "score"] == 42.16
    assert scored.loc["A2", "score"] == 31.23
    assert scored.loc["A4", "rank"] < scored.loc["A2", "rank"]


def test_competition_ranking_and_missing_scores():
    ranks = scoring.competition_rank(pd.Series([50.0, 70.0, 70.0, None, 10.0]))
    assert list(ranks) == [3, 1, 1, 5, 4]


def test_negative_weight_is_refused(components):
    with pytest.raises(ValueError, match="negative"):
        scoring.score(components, {**scoring.rule_weights(), "cases_handled": -1})


@pytest.mark.parametrize("text, expected", [("2026Q3", (2026, 3)), ("2025q1", (2025, 1)),
                                            (" 2024-Q4 ", (2024, 4))])
def test_parse_quarter(text, expected):
    q = scoring.parse_quarter(text)
    assert (q.year, q.number) == expected


@pytest.mark.parametrize("text", ["2026Q5", "2026", "Q3", "26Q1", "", "2026Q3; drop table staff"])
def test_parse_quarter_refuses(text):
    with pytest.raises(ValueError, match="2026Q3"):
        scoring.parse_quarter(text)


def test_quarter_bounds_and_as_of():
    q = scoring.Quarter(2026, 4)
    assert (q.start, q.end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert q.as_of(date(2026, 11, 27)) == date(2026, 11, 27), "the data's as-of date when earlier"
    assert scoring.Quarter(2026, 3).as_of(date(2026, 11, 27)) == date(2026, 9, 30)
    assert scoring.Quarter(2026, 1).previous() == scoring.Quarter(2025, 4)
    assert [str(x) for x in scoring.recent_quarters(scoring.Quarter(2026, 2), 4)] == \
        ["2026Q2", "2026Q1", "2025Q4", "2025Q3"]


def test_records_agree_with_components(perf_con, components):
    """The records a person can open add up to their components."""
    raw = by_id(components)
    for staff_id in raw.index:
        params = {**scoring.component_params(Q1, T), "staff_id": staff_id, "towns": []}
        insp = queries.run(perf_con, "performance_inspections", params)
        hz = queries.run(perf_con, "performance_hazards", params)
        cases = queries.run(perf_con, "performance_cases", params)
        logs = queries.run(perf_con, "performance_worklogs", params)
        row = raw.loc[staff_id]
        assert insp["is_lead"].sum() == row.inspections_led
        assert (~insp["is_lead"]).sum() == row.inspections_joined
        assert insp["enterprise_id"].nunique() == row.enterprises_inspected
        assert hz["found_weight"].sum() == row.hazards_found_weighted
        assert (hz["is_due"].sum(), hz["pending"].sum(), hz["followed_through"].sum()) == \
            (row.hazards_due, row.hazards_pending, row.hazards_followed_through)
        assert len(cases) == row.cases_handled
        assert (len(logs), logs["complete"].sum()) == (row.working_days, row.complete_days)
    a2_cases = queries.run(perf_con, "performance_cases",
                           {**scoring.component_params(Q1, T), "staff_id": "A2", "towns": []})
    assert list(a2_cases["case_id"]) == ["K1"]


@pytest.mark.parametrize("staff_id, towns, inspections, hazards, cases", [
    # A1 led N1 (P1), N2 (P2), N3 (P1), all 甲镇, and joined N4 (P3, 乙镇); Z1, Z2 and K1 are 甲镇's.
    ("A1", ["乙镇"], ["N4"], [], []),
    ("A1", ["甲镇"], ["N1", "N2", "N3"], ["Z1", "Z2"], ["K1"]),
    # A3 led N5 (P4, 乙镇: Z4, K4) and joined N3 (P1, 甲镇).
    ("A3", ["乙镇"], ["N5"], ["Z4"], ["K4"]),
    ("A3", ["甲镇"], ["N3"], [], []),
    ("A3", ["甲镇", "乙镇"], ["N3", "N5"], ["Z4"], ["K4"]),
])
def test_records_list_only_the_viewers_towns(perf_con, staff_id, towns, inspections, hazards, cases):
    """A town-scoped viewer sees a person's records at enterprises of their towns only (the score is whole)."""
    params = {**scoring.component_params(Q1, T), "staff_id": staff_id, "towns": towns}
    assert sorted(queries.run(perf_con, "performance_inspections", params)["inspection_id"]) == inspections
    assert sorted(queries.run(perf_con, "performance_hazards", params)["hazard_id"]) == hazards
    assert sorted(queries.run(perf_con, "performance_cases", params)["case_id"]) == cases


def test_breakdown_and_unit_averages(components):
    scored = scoring.score(components, scoring.rule_weights())
    detail = scoring.breakdown(scored, "A2").set_index("component")
    # group hazards_found_weighted: 6, 1, 5, 1, 0, 5 → min 0, median 3, max 6
    assert tuple(detail.loc["hazards_found_weighted", ["raw", "group_min", "group_median", "group_max"]]) == \
        (1, 0, 3, 6)
    assert detail["points"].sum() == pytest.approx(38.47, abs=0.005)
    units = scoring.unit_averages(scored).set_index("unit")
    # 第一中队: A1 100, A2 38.47, A3 72.22 (B1 has no score) → 70.23; 第二中队: 37.72, 27.62, 72.22 → 45.85
    assert units.loc["第一中队", "score"] == 70.23
    assert units.loc["第二中队", "score"] == 45.85
    assert units.loc["第一中队", "staff"] == 4


def test_person_trend(perf_con):
    """A1 over 2025Q2..2026Q1.

    2025Q4 (T = 12-31): only A2 (N8: 1 led, P2, Z6+Z7 = 2) and A5 (N7: 1 led, P6, Z8 = 1) did
    anything; A1 is at the group minimum on led, enterprises and hazards → 0.00; follow-through
    (Z8 pending at T), cases, work logs and joined are equal or missing for all → left out.
    2025Q2 and 2025Q3 have no activity: nothing differs, no score, not drawn.
    """
    by_quarter = {str(q): queries.run(perf_con, "performance_components", scoring.component_params(q, T))
                  for q in scoring.recent_quarters(Q1, 4)}
    trend = scoring.person_trend(by_quarter, scoring.rule_weights(), "A1")
    assert list(trend["quarter"]) == ["2025Q4", "2026Q1"]
    assert list(trend["score"]) == [0.0, 100.0]
    assert list(trend["rank"]) == [3, 1]


def run_cli(capsys, *argv):
    code = cli.main(["score", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_json(perf_db, capsys):
    code, out, err = run_cli(capsys, "--db", str(perf_db), "--quarter", "2026Q1", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows), "rank order"
    first = rows[0]
    assert set(first) == {"staff_id", "name", "unit", "score", "rank", "components"}
    got = {r["staff_id"]: r for r in rows}
    assert {k: got[k]["score"] for k in EXPECTED_SCORES} == EXPECTED_SCORES
    assert {k: got[k]["rank"] for k in EXPECTED_RANKS} == EXPECTED_RANKS
    assert got["B1"]["score"] is None
    a2 = got["A2"]["components"]
    assert set(a2) == set(scoring.COMPONENTS)
    assert a2["follow_through_rate"] == {"raw": 0.5, "scaled": 0.0, "weight": round(20 / 95, 4)}
    assert a2["inspections_joined"] == {"raw": 1, "scaled": None, "weight": 0}
    assert a2["inspections_led"]["scaled"] == 33.33


def test_cli_unit_filter(perf_db, capsys):
    code, out, _ = run_cli(capsys, "--db", str(perf_db), "--quarter", "2026Q1", "--unit", "第二中队", "--json")
    assert code == 0
    assert [(r["staff_id"], r["rank"]) for r in json.loads(out)] == [("A6", 2), ("A4", 5), ("A5", 6)]


@pytest.mark.parametrize("argv, message", [
    (["--quarter", "2026Q5"], "not a quarter like 2026Q3"),
    (["--quarter", "2026Q2"], "starts after the data's last day 2026-01-09"),
    (["--quarter", "2026Q1", "--unit", "第九中队"], "no active staff in unit"),
])
def test_cli_bad_input_is_one_clear_line(perf_db, capsys, argv, message):
    code, out, err = run_cli(capsys, "--db", str(perf_db), *argv, "--json")
    assert code == 2
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_export_workbook_recomputes_to_the_cli(components, tmp_path):
    weights = scoring.rule_weights()
    scored = scoring.score(components, weights)
    data = scoring.export_workbook(scored, weights, Q1, T, T, "en")
    path = tmp_path / "q.xlsx"
    path.write_bytes(data)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Ranking", "Components", "Weights"]
    header = [book["Ranking"].cell(row=i, column=1).value for i in (1, 2, 3)]
    assert "2026Q1" in header[0] and "data as of 2026-01-09" in header[1]
    assert "follow_through_rate=20" in header[2]
    long = pd.read_excel(path, sheet_name="Components", skiprows=4)
    recomputed = (long["Scaled"].fillna(0) * long["Weight share"]).groupby(long["Staff ID"]).sum().round(2)
    for staff_id, expected in EXPECTED_SCORES.items():
        assert recomputed[staff_id] == pytest.approx(expected, abs=0.01)
    weights_sheet = pd.read_excel(path, sheet_name="Weights", skiprows=4)
    assert list(weights_sheet["Weight used"]) == [15, 5, 15, 20, 20, 10, 15]
