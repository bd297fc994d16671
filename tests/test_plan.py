"""The inspection plan on tests/fixtures/plan.sql, every figure worked out by hand from its header,
and the no-future-data property on the demo county cut at a date."""

import dataclasses
import itertools
from datetime import date

import numpy as np
import pytest

from gridwatch import plan, risk, warehouse
from gridwatch.reader import Reader
from tests.conftest import FIXTURES, build_fixture_db

T = date(2026, 6, 30)


@pytest.fixture
def plan_db(tmp_path):
    return build_fixture_db(tmp_path / "plan.duckdb", "plan.sql")


@pytest.fixture
def run(plan_db):
    con = warehouse.open_readonly(plan_db)
    yield Reader(con)
    con.close()


def settings(**changes) -> plan.Settings:
    return dataclasses.replace(plan.settings(), **changes)


def by_id(frame, column):
    return dict(zip(frame["enterprise_id"], frame[column], strict=True))


# --- features and labels --------------------------------------------------------------

def test_features_of_the_hand_worked_county(run):
    cfg = settings()
    frame = run("plan_features", {**cfg.params(), "as_of": T, "train_from": date(2025, 7, 1),
                                  "visits_start": None, "visits_end": None})
    score = frame[frame["role"] == "score"]
    assert sorted(score["enterprise_id"]) == [f"P{i}" for i in range(1, 9)]  # P9 is suspended
    assert by_id(score, "majors_recent") == {"P1": 6, "P2": 2, "P3": 0, "P4": 0, "P5": 4, "P6": 1, "P7": 0, "P8": 0}
    assert set(score["open_hazards"]) == {0} and set(score["overdue_open"]) == {0}  # all rectified in 10 days
    days = by_id(score, "days_since_inspection")
    assert days["P4"] == 228 and {days[e] for e in days if e != "P4"} == {46}  # 2025-11-14 / 2026-05-15
    assert by_id(score, "inspections_recent")["P4"] == 3 and by_id(score, "inspections_recent")["P1"] == 6
    assert by_id(score, "listed") == {**{f"P{i}": False for i in range(1, 8)}, "P8": True}
    train = frame[frame["role"] == "train"].set_index("inspection_id")
    assert len(train) == 45  # 8 enterprises × 6 rounds, P4 only 3
    assert train["found_major"].sum() == 13  # 6 + 4 + 2 + 1
    assert train.loc["I-P2-5", "found_major"]  # its hazard names no inspection: matched by enterprise and day
    assert not train.loc["I-P2-4", "found_major"]
    # Each example sees only the records before it: P1's sixth visit knows of five majors.
    assert train.loc["I-P1-6", "majors_recent"] == 5 and train.loc["I-P1-1", "never_inspected"]
    assert str(train.loc["I-P1-6", "as_of"])[:10] == "2026-05-14"


def test_rectification_after_the_as_of_date_has_not_happened_yet(tmp_path):
    db = tmp_path / "late.duckdb"
    with warehouse.rewrite(db, fresh=True) as con:
        con.execute((FIXTURES / "plan.sql").read_text(encoding="utf-8"))
        # P1's last major (found 05-15, deadline 06-14) rectified only on 07-20, after T.
        con.execute("update hazards set rectified_date = date '2026-07-20' where hazard_id = 'H-P1-6'")
    ro = warehouse.open_readonly(db)
    try:
        frame = Reader(ro)("plan_features", {**settings().params(), "as_of": T, "train_from": T,
                                                      "visits_start": None, "visits_end": None})
    finally:
        ro.close()
    p1 = frame[(frame["role"] == "score") & (frame["enterprise_id"] == "P1")].iloc[0]
    assert p1["open_hazards"] == 1 and p1["overdue_open"] == 1


def test_repeats_follow_the_metric_layer_rule_as_of_each_example(tmp_path):
    """repeats_recent counts what the macro repeat_hazards calls a repeat, known by each probe's as_of.

    P3 (no hazards in the fixture) gets one fire-extinguisher finding per visit, written four ways
    that normalise alike: R1 (09-15, rectified only 12-01, after its 10-15 deadline); R2 (11-14, while
    R1 was still open: found again, yet no repeat, as nothing was rectified before it); R3 (2026-01-14,
    after R1's rectification: a repeat); R4 (05-15, after R2's and R3's: a repeat, and the 05-15
    visit's own finding).
    """
    db = tmp_path / "repeats.duckdb"
    with warehouse.rewrite(db, fresh=True) as con:
        con.execute((FIXTURES / "plan.sql").read_text(encoding="utf-8"))
        con.execute("""
            insert into hazards (hazard_id, inspection_id, enterprise_id, found_date, level, category,
                                 description, deadline, rectified_date) values
            ('R1', 'I-P3-2', 'P3', '2025-09-15', 'general', '消防安全', '灭火器过期', '2025-10-15', '2025-12-01'),
            ('R2', 'I-P3-3', 'P3', '2025-11-14', 'general', '消防安全', '灭火器 过期。', '2025-12-14', '2025-11-24'),
            ('R3', 'I-P3-4', 'P3', '2026-01-14', 'general', '消防安全', '灭火器过期！', '2026-02-14', '2026-01-24'),
            ('R4', 'I-P3-6', 'P3', '2026-05-15', 'general', '消防安全', '灭火器过期', '2026-06-14', '2026-05-25')
        """)
    ro = warehouse.open_readonly(db)
    try:
        assert {r[0] for r in ro.execute(
            "select hazard_id from repeat_hazards('0001-01-01'::date, ?, ?, 365)", [T, T]).fetchall()} == {"R3", "R4"}
        frame = Reader(ro)("plan_features", {**settings().params(), "as_of": T, "train_from": date(2025, 7, 1),
                                                      "visits_start": None, "visits_end": None})
    finally:
        ro.close()
    p3 = frame[frame["enterprise_id"] == "P3"]
    p3 = p3.set_index(p3["inspection_id"].fillna("score"))
    # The day before the 11-14 visit: R1 only, open and past its deadline.
    assert list(p3.loc["I-P3-3", ["repeats_recent", "open_hazards", "overdue_open"]]) == [0, 1, 1]
    # The day before the 2026-01-14 visit: R1 and R2, both rectified; R2 is no repeat.
    assert list(p3.loc["I-P3-4", ["repeats_recent", "open_hazards", "overdue_open"]]) == [0, 0, 0]
    assert p3.loc["I-P3-5", "repeats_recent"] == 1  # R3
    assert p3.loc["I-P3-6", "repeats_recent"] == 1  # R4 is what this visit found, not yet history
    assert p3.loc["I-P3-6", "found_any"] and not p3.loc["I-P3-6", "found_major"]
    assert p3.loc["score", "repeats_recent"] == 2 and p3.loc["score", "generals_recent"] == 4


# --- the ranking and the plan -----------------------------------------------------------

def test_ranking_known_by_hand(run):
    made = plan.make(run, T, settings())
    p = by_id(made.rows, "p_major")
    # P1, P5, P2, P6, P3 and P7 differ only in past majors (6, 4, 2, 1, 0, 0): the more, the higher.
    assert p["P1"] > p["P5"] > p["P2"] > p["P6"] > p["P3"]
    assert p["P3"] == p["P7"]
    model = made.scored.model
    assert model.usable and model.not_recorded == ("cases", "tipoffs")
    # Constant over the examples, so left out: risk level, employees, the source flag.
    assert {"risk_yellow", "employees", "major_hazard_source", "open_hazards"} <= set(model.dropped)
    weights = model.coefficients().set_index("column")["major"]
    assert weights["majors_recent"] > 0
    everyone = plan.plan_rows(made.rows, everyone=True)
    order = [e for e in everyone["enterprise_id"] if e in ("P1", "P2", "P3", "P5", "P6", "P7")]
    assert order == ["P1", "P5", "P2", "P6", "P3", "P7"]  # the tie of P3 and P7 goes by id
    assert list(everyone["rank"]) == list(range(1, 9)) and "P9" not in set(everyone["enterprise_id"])


def test_capacity_measured_over_the_last_quarter(run):
    capacity = plan.capacities(run, T, settings()).set_index("squadron")
    # 13 weeks up to 06-30: only the 05-15 round (P1-P3; P5-P8). 3/13 and 4/13 round to 0, at least 1.
    assert capacity.loc["第一中队", "inspections"] == 3 and capacity.loc["第二中队", "inspections"] == 4
    assert capacity.loc["第二中队", "enterprises"] == 4  # P9 is suspended
    assert list(capacity["capacity"]) == [1, 1]
    assert list(plan.capacities(run, T, settings(capacity_per_week=3))["capacity"]) == [3, 3]
    overridden = plan.capacities(run, T, settings(capacity={"第二中队": 5})).set_index("squadron")
    assert overridden.loc["第二中队", "capacity"] == 5 and overridden.loc["第一中队", "capacity"] == 1


@pytest.mark.parametrize(("per_week", "first", "second"), [
    (0, ["P4"], ["P8"]),
    (2, ["P4", "P1"], ["P8", "P5"]),
    (3, ["P4", "P1", "P2"], ["P8", "P5", "P6"]),
])
def test_plan_puts_required_visits_first_then_probability(run, per_week, first, second):
    made = plan.make(run, T, settings(capacity_per_week=per_week))
    assert (made.week_start, made.week_end) == (date(2026, 7, 6), date(2026, 7, 12))
    rows = plan.plan_rows(made.rows)
    assert list(rows.loc[rows["squadron"] == "第一中队", "enterprise_id"]) == first
    assert list(rows.loc[rows["squadron"] == "第二中队", "enterprise_id"]) == second
    assert list(rows.loc[rows["squadron"] == "第二中队", "rank"]) == list(range(1, len(second) + 1))
    required = by_id(made.rows, "required")
    # P4: 240 days since 2025-11-14 by Sunday 07-12 (> 180); P8: listed, 58 days since 05-15 (> 30).
    assert {e for e, r in required.items() if r} == {"P4", "P8"}


def test_reasons_name_real_features_of_the_enterprise(run):
    made = plan.make(run, T, settings(capacity_per_week=2))
    rows = plan.plan_rows(made.rows, everyone=True)
    zh = {r["enterprise_id"]: r["reasons"] for r in plan.as_json(rows, "zh", 30)}
    en = {r["enterprise_id"]: r["reasons"] for r in plan.as_json(rows, "en", 30)}
    assert zh["P4"][0] == "按风险等级须检查：到周日距上次检查 240 天，超过 180 天的检查周期"
    assert zh["P8"][0] == "挂牌督办须检查：到周日距上次检查 58 天（每 30 天至少一次）"
    assert zh["P1"][0] == "近一年发现重大隐患 6 项"
    assert zh["P5"][0] == "近一年发现重大隐患 4 项"
    assert en["P1"][0] == "major hazards in the last year: 6"
    assert en["P4"][0] == ("required by its risk level: 240 days since the last inspection by Sunday, "
                           "over the 180-day interval")
    words = " ".join(" ".join(r) for r in zh.values())
    assert "举报" not in words and "立案" not in words and "从业人员" not in words  # not recorded, or the same for all


# --- hindsight ---------------------------------------------------------------------

def test_first_half_share_by_hand():
    found = [True, False, True, False]
    assert plan.first_half_share([1, 2, 3, 4], found) == 0.5  # positions 1 and 2 of 4: one of two
    assert plan.first_half_share([3, 2, 1, 0], found) == 0.5
    assert plan.first_half_share([1, 3, 2, 4], found) == 1.0
    # Five rows, half is 2.5: the third position counts half. Found at positions 1 and 3: (1 + 0.5) / 2.
    assert plan.first_half_share([1, 2, 3, 4, 5], [True, False, True, False, False]) == 0.75
    # A tie shares its positions: rows 2-4 tied over positions 2-4, 1.5 of them in the first half.
    assert plan.first_half_share([1, 2, 2, 2, 5], [False, True, False, False, False]) == pytest.approx(0.5)
    assert plan.first_half_share([1, 2], [False, False]) is None
    assert plan.first_half_share([], []) is None


@pytest.mark.parametrize("found", [[True, False, False, True, False], [True, True, True, False, False],
                                   [False, False, False, False, True, True]])
def test_a_random_order_is_the_mean_of_all_orders(found):
    n = len(found)
    every = [plan.first_half_share(order, found) for order in itertools.permutations(range(n))]
    assert plan.first_half_share(np.zeros(n), found) == pytest.approx(np.mean(every)) == pytest.approx(0.5)


def test_backtest_three_figures_by_hand(run):
    test = plan.backtest(run, date(2026, 1, 12), date(2026, 1, 18), settings())
    assert test.as_of == date(2026, 1, 11)
    overall = test.overall
    # Visited in the week: P1 P2 P3 P5 P6 P7 P8 (7), a major at P1, P5, P6 (3); half = 3.5.
    # Model as of 01-11 (trained on rounds 1-3): P1 (3 majors), P5 (1), then P2 P3 P6 P7 P8 tied
    # over positions 3-7 (1.5 of 5 in the first half): (1 + 1 + 0.3) / 3.
    # Actual: P1 01-12, P5 01-13, P3 01-14, P2 and P6 01-15 (positions 4-5, 0.5 of 2), P7 P8 01-16:
    # (1 + 1 + 0.25) / 3. Random: 1/2.
    assert (overall.enterprises, overall.with_major) == (7, 3)
    assert overall.model_share == pytest.approx(2.3 / 3)
    assert overall.actual_share == pytest.approx(0.75)
    assert overall.random_share == pytest.approx(0.5)
    squadrons = {h.squadron: h for h in test.by_squadron}
    # 第一中队: P1 P2 P3, a major at P1 only, first by model and by date.
    first = squadrons["第一中队"]
    assert (first.enterprises, first.with_major, first.model_share, first.actual_share) == (3, 1, 1.0, 1.0)
    # 第二中队: P5 P6 P7 P8 (half 2), majors at P5, P6. Model: P5, then P6 P7 P8 tied over
    # positions 2-4 (1 of 3 in the first half): (1 + 1/3) / 2. Actual: P5 01-13, P6 01-15: both.
    second = squadrons["第二中队"]
    assert (second.enterprises, second.with_major) == (4, 2)
    assert second.model_share == pytest.approx(2 / 3)
    assert second.actual_share == pytest.approx(1.0) and second.random_share == pytest.approx(0.5)


def test_hindsight_windows_and_pooling(run):
    assert plan.windows(T, 2, 28) == [(date(2026, 5, 6), date(2026, 6, 2)), (date(2026, 6, 3), date(2026, 6, 30))]
    table = plan.hindsight_table(run, T, settings(hindsight_windows=2))
    county = table[table["scope"] == "county"]
    assert list(county["end"]) == [date(2026, 6, 2), date(2026, 6, 30)]
    # 05-06..06-02 holds the 05-15 round: 7 visited, majors at P1, P2, P5; 06-03..06-30 none.
    assert list(county["enterprises"]) == [7, 0] and list(county["with_major"]) == [3, 0]
    pooled = plan.pooled(county)
    assert pooled["with_major"] == 3 and pooled["model_share"] == pytest.approx(county["model_share"].iloc[0])


def test_constant_model_when_nothing_to_learn(run):
    # Up to 2025-09-30 only 16 examples exist (fewer than risk.MIN_EXAMPLES): no fit, rules only.
    made = plan.make(run, date(2025, 9, 30), settings())
    assert not made.scored.model.usable
    assert made.scored.model.major.examples == 16
    assert made.rows["p_major"].nunique() == 1


# --- no future data ------------------------------------------------------------------

CUT = """
    delete from inspections where date > $t;
    delete from hazards where found_date > $t;
    delete from cases where filed_date > $t;
    delete from tipoffs where received_date > $t;
    delete from worklogs where date > $t;
    update hazards set rectified_date = null where rectified_date > $t;
    update hazards set verified_date = null where verified_date > $t;
    update hazards set reminder_date = null where reminder_date > $t;
    update hazards set order_date = null where order_date > $t;
    update cases set interview_date = null where interview_date > $t;
    update cases set decided_date = null where decided_date > $t;
    update tipoffs set closed_date = null where closed_date > $t;
    update enterprises set listed_since = null where listed_since > $t;
"""


def test_ranking_is_identical_on_a_warehouse_cut_at_the_as_of_date(tmp_path):
    """What an import of only the records up to T would hold gives the very same model and plan."""
    full = tmp_path / "full.duckdb"
    warehouse.build_demo(full)
    cut = tmp_path / "cut.duckdb"
    as_of = date(2026, 6, 30)
    with warehouse.rewrite(cut, fresh=True) as con:
        con.execute(f"attach '{full}' as src (read_only)")
        for table in warehouse.TABLES:
            con.execute(f"insert into {table} select * from src.{table}")
        con.execute("detach src")
        for statement in CUT.split(";"):
            if statement.strip():
                con.execute(statement, {"t": as_of})
    # A subset of the examples (max_examples) checks the sampling gives the same subset too.
    cfg = settings(max_examples=3000)
    made = {}
    for name, path in (("full", full), ("cut", cut)):
        con = warehouse.open_readonly(path)
        try:
            later = con.execute("select count(*) from hazards where found_date > ? or rectified_date > ?",
                                [as_of, as_of]).fetchone()[0]
            made[name] = (plan.make(Reader(con), as_of, cfg), later)
        finally:
            con.close()
    assert made["full"][1] > 1000 and made["cut"][1] == 0  # the full warehouse does know the future
    full_plan, cut_plan = made["full"][0], made["cut"][0]
    assert full_plan.scored.model.major.examples == cut_plan.scored.model.major.examples <= 3000 + 200
    a = full_plan.rows.sort_values("enterprise_id").reset_index(drop=True)
    b = cut_plan.rows.sort_values("enterprise_id").reset_index(drop=True)
    assert np.array_equal(a["p_major"].to_numpy(), b["p_major"].to_numpy())
    assert np.array_equal(a["p_any"].to_numpy(), b["p_any"].to_numpy())
    ranked = [list(plan.plan_rows(m.rows, everyone=True)["enterprise_id"]) for m in (full_plan, cut_plan)]
    assert ranked[0] == ranked[1]
    planned = [plan.as_json(plan.plan_rows(m.rows), "zh", 30) for m in (full_plan, cut_plan)]
    assert planned[0] == planned[1] and len(planned[0]) > 50


def test_features_ignore_records_dated_after_each_example(run):
    """An example's features are what was known the day before it, whatever came later."""
    frame = run("plan_features", {**settings().params(), "as_of": T, "train_from": date(2025, 7, 1),
                                  "visits_start": None, "visits_end": None})
    train = frame[frame["role"] == "train"].set_index("inspection_id")
    assert train.loc["I-P5-3", "majors_recent"] == 0  # its own major (found that day) is its label
    assert train.loc["I-P5-3", "found_major"]
    assert train.loc["I-P5-4", "majors_recent"] == 1


def test_risk_fit_drops_unrecorded_sources_and_imputes_missing_values():
    import pandas as pd

    rows = 60
    base = {
        "risk_level": ["red", "blue"] * (rows // 2), "industry": ["x"] * rows, "interval_days": [30] * rows,
        "days_since_inspection": list(range(rows)), "never_inspected": [False] * rows,
        **{c: [i % 3 for i in range(rows)] for c in risk.COUNT_COLUMNS},
        "employees": [None if i % 4 == 0 else 10 + i for i in range(rows)],
        "major_hazard_source": [None] * rows, "listed": [False] * rows, "industry_examples": [100] * rows,
        "industry_major_rate": [0.1] * rows, "industry_any_rate": [0.5] * rows, "visit_type": ["routine"] * rows,
        "found_major": [i % 5 == 0 for i in range(rows)], "found_any": [i % 2 == 0 for i in range(rows)],
    }
    frame = pd.DataFrame(base)
    sources = {"employees": 45, "major_hazard_source": 0, "industry": rows, "listed": 0, "tipoffs": 0, "cases": 3}
    model = risk.fit(frame, T, sources, 1.0)
    assert model.not_recorded == ("listed", "major_hazard_source", "tipoffs")
    assert "employees_missing" in model.columns and "tipoffs_recent" not in model.columns
    assert model.fill["employees"] == pytest.approx(float(np.median(np.log1p([10 + i for i in range(rows) if i % 4]))))
    scored = risk.score(model, frame)
    assert np.all((scored.p_major > 0) & (scored.p_major < 1))
    # Contributions add up to the log-odds: intercept + their sum + the visit covariates (none here).
    z = model.standardised(frame)
    assert np.allclose(model.major.logits(z), model.major.intercept + scored.contributions.sum(axis=1))
