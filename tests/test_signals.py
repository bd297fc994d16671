"""Supervision-quality signals (docs/signals.md) on hand-made counties, the demo's stories and the CLI.

The hand-worked county is tests/fixtures/signals.sql: March 2026, as of 2026-03-31, rules from
config/rules.toml except min_volume = 2 in every family (so a tiny county can be judged).

Deadline day (rectified in March with a deadline; finder = lead of the finding inspection):
  H03 −12, H04 0*, H05 −15, H16 0* (S1); H07 −7, H08 0*, H09 −1 (S3); H17 −3 (S1).
  8 records, 3 on the day → 0.375; median of −15 −12 −7 −3 −1 0 0 0 = −2.
  S1/第一中队 5, 2 (0.4, median −3); S3/监管一科 3, 1 (median −1); 甲镇 6, 3 (0.5, median −0.5);
  乙镇 (H05, H07) 2, 0 (median −11). Offsets: −15, −12, −7, −3, −1 once each, 0 three times.
Long deadline (found in March with a deadline; general over 30 days, major over 90):
  H03 30 (major), H04 10, H05 18, H06 40*, H07 7, H08 7, H09 7, H10 10, H11 7, H12 30:
  10 records, 1 → 0.1 ≥ 0.05 needs a look; median 10.
Verified in March: H01 03-05, H02 03-12, H03 03-25, H05 03-06, H07 03-10, H17 03-05. Verifier:
  the lead of the enterprise's re-check that day (R3 03-05 S2, R1 03-25 S2, R2 03-10 S3), else the
  finder (H02, H05: S1).
  Same day: H07 found, rectified and verified 03-10*: 6, 1; days found → verified 59 38 23 4 0 31,
  median 27. S3 has 1 record (< 2): not ranked.
  Late (> 30 days from rectification): lags 30 35* 5 1 0 4: 6, 1, median 4.5.
  Major without a re-check: H03 (re-checks 03-05, 03-25 in (03-02, 03-25]) no; H05 (E3's only
  re-check is 03-10, after its verification on 03-06)*: 2, 1; median (23 + 4) / 2 = 13.5.
  Closure not holding (the repeat rule found_again within 180 days of the verification): H01
  "灭火器 过期。" at E1 is found again as H12 "灭火器过期" on 03-18*, 13 days later (neither records
  an item, so their normalised descriptions are compared): 6, 1, median 13. No other closure has
  a later hazard of its enterprise and category.
Never verified (rectified in March by 03-01, i.e. 30 days before the as-of date): H16* and H17
  (verified): 2, 1, median 30.
Busy day (more than 8 in a day): S1 03-02 2, 03-03 2; S2 03-03 1, 03-05 1, 03-16 9*, 03-25 1;
  S3 03-10 2, 03-18 4: 8, 1, median 2. S2: 4, 1 (0.25).
Far apart (over 40 km): S1 03-02 E1–E3 55.6* ; S1 03-03 E2–E1 0.9; S3 03-10 E3–E3 0.0;
  S3 03-18 E1, E2, E3 (E4 has no coordinates) E2–E3 55.6*: 4, 2, median 28.25.
Empty run (5th or later in a row at a red/orange enterprise): E1 I03, I06, I08 found something;
  E2 I05 is the 5th empty after I21–I24 (R4, a pre-re-check, does not count)*; I09 found: 5, 1.
Copied description (one finder, one day, 4+ enterprises): S3 on 03-18 "消防通道堵塞" at E1–E4
  (H08–H11, spaces and "！" normalised away)*: 10 hazards found in March, 4 → 0.4; median 1.
No work log: S1 03-02 (plan) and 03-03 (nothing)*, S3 03-10 and 03-18; S2 has no log in March
  and is not judged: 4, 1, median 2.
Stalled order (majors 7+ days overdue): H13 55 days, nothing*; H14 47 days, order: 2, 1, median 51.
Stalled case (30+ days overdue with an order): H14 47, no case*; H15 49, case C1: 2, 1, median 48.
"""

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from gridwatch import briefing, cli, demo, queries, rules, signals, warehouse
from gridwatch.filters import Filters
from tests.conftest import build_fixture_db

MARCH = Filters(start=date(2026, 3, 1), end=date(2026, 3, 31), as_of=date(2026, 3, 31))
YEAR = Filters(start=date(2026, 1, 1), end=date(2026, 11, 27), as_of=date(2026, 11, 27))
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def small_volumes(tmp_path, monkeypatch):
    """The rules file with min_volume = 2 in every signal family."""
    text = (ROOT / "config" / "rules.toml").read_text(encoding="utf-8")
    lines = ["min_volume = 2" if line.startswith("min_volume =") else line for line in text.splitlines()]
    path = tmp_path / "rules.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("GRIDWATCH_RULES", str(path))
    return path


def _connect(tmp_path, *files):
    return duckdb.connect(str(build_fixture_db(tmp_path / "signals.duckdb", *files)), read_only=True)


@pytest.fixture
def con(tmp_path, small_volumes):
    c = _connect(tmp_path, "signals.sql")
    yield c
    c.close()


def _run(c):
    return lambda name, params: queries.run(c, name, params)


def _summary(c, f=MARCH, units=()):
    return signals.summary(_run(c), f, units)


def _row(frame, measure, dimension="all", key=None):
    rows = frame[(frame["measure"] == measure) & (frame["dimension"] == dimension)]
    if dimension != "all":
        rows = rows[rows["key"] == key]
    assert len(rows) == 1, (measure, dimension, key)
    return rows.iloc[0]


# (records, flagged, share, median, needs a look) of every measure's overall row.
EXPECTED_ALL = {
    "deadline_day": (8, 3, 0.375, -2.0, False),
    "long_deadline": (10, 1, 0.1, 10.0, True),
    "same_day_verification": (6, 1, 1 / 6, 27.0, False),
    "late_verification": (6, 1, 1 / 6, 4.5, False),
    "never_verified": (2, 1, 0.5, 30.0, True),
    "major_without_recheck": (2, 1, 0.5, 13.5, True),
    "closure_not_holding": (6, 1, 1 / 6, 13.0, False),
    "busy_day": (8, 1, 0.125, 2.0, False),
    "far_apart_day": (4, 2, 0.5, 28.25, True),
    "empty_run": (5, 1, 0.2, 0.0, True),
    "copied_description": (10, 4, 0.4, 1.0, True),
    "no_worklog_day": (4, 1, 0.25, 2.0, True),
    "stalled_order": (2, 1, 0.5, 51.0, True),
    "stalled_case": (2, 1, 0.5, 48.0, False),
}


def test_every_measure_overall_on_the_hand_worked_county(con):
    frame = _summary(con)
    assert set(frame["measure"]) == set(signals.MEASURES)
    for measure, (records, flagged, share, median, look) in EXPECTED_ALL.items():
        row = _row(frame, measure)
        got = (int(row["records"]), int(row["flagged"]), row["share"], row["median_figure"], bool(row["needs_look"]))
        assert got == (records, flagged, pytest.approx(share), pytest.approx(median), look), measure
        assert row["recorded"] and pd.isna(row["missing_field"]), measure
    extended = _row(frame, "extended_deadline")
    assert not extended["recorded"] and extended["missing_field"] == "deadline_extension"
    assert pd.isna(extended["records"]) and pd.isna(extended["share"])


def test_groups_on_the_hand_worked_county(con):
    frame = _summary(con)
    cols = ["key", "name", "unit", "records", "flagged", "share", "median_figure", "needs_look", "rank"]

    def rows(measure, dimension):
        got = signals.ranked(frame, measure, dimension)[cols]
        return [tuple(None if pd.isna(v) else v for v in r) for r in got.itertuples(index=False)]

    assert rows("deadline_day", "person") == [("S1", "张一", "第一中队", 5, 2, 0.4, -3.0, False, 1),
                                             ("S3", "王三", "监管一科", 3, 1, pytest.approx(1 / 3), -1.0, False, 2)]
    third = pytest.approx(1 / 3)
    assert rows("deadline_day", "unit") == [("第一中队", "第一中队", "第一中队", 5, 2, 0.4, -3.0, False, 1),
                                           ("监管一科", "监管一科", "监管一科", 3, 1, third, -1.0, False, 2)]
    assert rows("deadline_day", "town") == [("甲镇", "甲镇", None, 6, 3, 0.5, -0.5, False, 1),
                                           ("乙镇", "乙镇", None, 2, 0, 0.0, -11.0, False, 2)]
    # S3 has one verification: too few to rank or to need a look, listed last.
    # Equal shares share a rank; the one with more records is listed first.
    assert rows("same_day_verification", "person") == [("S2", "李二", "第一中队", 3, 0, 0.0, 31.0, False, 1),
                                                      ("S1", "张一", "第一中队", 2, 0, 0.0, 21.0, False, 1),
                                                      ("S3", "王三", "监管一科", 1, 1, 1.0, 0.0, False, None)]
    assert rows("copied_description", "town") == [("乙镇", "乙镇", None, 4, 2, 0.5, 2.5, True, 1),
                                                  ("甲镇", "甲镇", None, 6, 2, pytest.approx(1 / 3), 1.0, True, 2)]
    assert rows("busy_day", "person")[0] == ("S2", "李二", "第一中队", 4, 1, 0.25, 1.0, True, 1)
    # Person-day signals have no town.
    assert rows("busy_day", "town") == [] and rows("no_worklog_day", "town") == []
    assert rows("stalled_order", "person") == [("S1", "张一", "第一中队", 2, 1, 0.5, 51.0, True, 1)]


# The records behind each measure's count: (the id that identifies each, figure).
EXPECTED_RECORDS = {
    "deadline_day": {("H16", 0.0), ("H04", 0.0), ("H08", 0.0)},
    "long_deadline": {("H06", 40.0)},
    "same_day_verification": {("H07", 0.0)},
    "late_verification": {("H02", 35.0)},
    "never_verified": {("H16", 30.0)},
    "major_without_recheck": {("H05", 4.0)},
    "closure_not_holding": {("H01", 13.0)},
    "busy_day": {("S2 2026-03-16", 9.0)},
    "far_apart_day": {("S1 2026-03-02", 55.6), ("S3 2026-03-18", 55.6)},
    "empty_run": {("I05", 5.0)},
    "copied_description": {("H08", 4.0), ("H09", 4.0), ("H10", 4.0), ("H11", 4.0)},
    "no_worklog_day": {("S1 2026-03-03", 2.0)},
    "stalled_order": {("H13", 55.0)},
    "stalled_case": {("H14", 47.0)},
}


def _identify(frame):
    out = set()
    for r in frame.itertuples(index=False):
        key = r.hazard_id or r.inspection_id or f"{r.staff_id} {pd.Timestamp(r.period_date).date()}"
        out.add((key, r.figure))
    return out


# found_again, the one repeat rule (repeat_hazards uses it too), for a closure of E1's 消防安全 hazard
# with item XF-01, "灭火器过期", verified 2026-03-05, hold_days 180 (03-05 + 180 days = 09-01):
# (item, description, category, found date of the later hazard at E1, found again?).
FOUND_AGAIN = [
    (" xf-01 ", "仓库灭火器过期（3处）", "消防安全", "2026-03-18", True),   # the same item, worded otherwise
    (None, "灭火器 过期。", "消防安全", "2026-03-18", True),            # no item: the same description
    ("XF-02", "灭火器过期", "消防安全", "2026-03-18", False),            # both record items: they differ
    (None, "灭火器过期", "电气安全", "2026-03-18", False),               # another category
    ("XF-01", "灭火器过期", "消防安全", "2026-03-05", False),            # found on the closing day itself
    ("XF-01", "灭火器过期", "消防安全", "2026-09-01", True),             # the window's last day
    ("XF-01", "灭火器过期", "消防安全", "2026-09-02", False),            # one day later
]


def test_closures_are_judged_by_the_repeat_rule():
    c = duckdb.connect()
    c.execute((ROOT / "gridwatch" / "schema.sql").read_text(encoding="utf-8"))
    got = [c.execute(
        """
        select found_again(
            'E1', '消防安全', normalised_text('XF-01'), normalised_text('灭火器过期'), date '2026-03-05',
            'E1', $category, normalised_text($item), normalised_text($description), $found::date, 180)
        """, {"item": item, "description": text, "category": category, "found": found}).fetchone()[0]
        for item, text, category, found, _ in FOUND_AGAIN]
    assert got == [expected for *_, expected in FOUND_AGAIN]
    assert c.execute("select found_again('E1', 'c', null, 'x', date '2026-03-05', 'E2', 'c', null, 'x', "
                     "date '2026-03-18', 180)").fetchone()[0] is False


def test_records_behind_each_count(con):
    for measure, expected in EXPECTED_RECORDS.items():
        assert _identify(signals.records(_run(con), MARCH, measure)) == expected, measure
    closure = signals.records(_run(con), MARCH, "closure_not_holding").iloc[0]
    assert (closure["related_id"], closure["related_date"].date()) == ("H12", date(2026, 3, 18))
    assert closure["staff_id"] == "S2" and closure["enterprise_name"] == "甲一机械厂"
    far = signals.records(_run(con), MARCH, "far_apart_day")
    assert set(far["detail"]) == {"I03 I04", "I09 I10"}
    busy = signals.records(_run(con), MARCH, "busy_day").iloc[0]
    assert busy["detail"] == " ".join(f"I{k}" for k in range(12, 21))
    stalled = signals.records(_run(con), MARCH, "stalled_case").iloc[0]
    assert stalled["related_date"].date() == date(2026, 2, 25)


def test_every_count_drills_to_as_many_records(con):
    frame = _summary(con)
    for row in frame[frame["recorded"]].itertuples(index=False):
        key = None if pd.isna(row.key) else row.key
        found = signals.records(_run(con), MARCH, row.measure, row.dimension, key)
        assert len(found) == row.flagged, (row.measure, row.dimension, key)


def test_deadline_offsets(con):
    offsets = queries.run(con, "quality_deadline_offsets", signals.params(MARCH))
    assert dict(zip(offsets["days_from_deadline"], offsets["rectified"], strict=True)) == {
        -15: 1, -12: 1, -7: 1, -3: 1, -1: 1, 0: 3}
    town = queries.run(con, "quality_deadline_offsets", signals.params(MARCH, (), "town", "乙镇"))
    assert dict(zip(town["days_from_deadline"], town["rectified"], strict=True)) == {-15: 1, -7: 1}


def test_unit_filter_and_town_scope(con):
    by_section = _summary(con, units=["监管一科"])
    row = _row(by_section, "deadline_day")
    assert (row["records"], row["flagged"]) == (3, 1)
    assert set(by_section.loc[by_section["dimension"] == "unit", "key"]) == {"监管一科"}
    # In 乙镇 alone, S3's description was written at two enterprises that day, not four.
    town = _summary(con, Filters(start=MARCH.start, end=MARCH.end, as_of=MARCH.as_of, towns=("乙镇",)))
    row = _row(town, "copied_description")
    assert (row["records"], row["flagged"]) == (4, 0)


def test_a_clean_county_finds_nothing(tmp_path, small_volumes):
    c = _connect(tmp_path, "signals_clean.sql")
    try:
        frame = _summary(c)
    finally:
        c.close()
    recorded = frame[frame["recorded"]]
    assert set(recorded["measure"]) == set(signals.MEASURES) - {"extended_deadline"}
    assert (recorded["flagged"] == 0).all()
    assert not frame["needs_look"].any()
    judged = recorded[recorded["dimension"] == "all"].set_index("measure")["records"]
    assert (judged.drop(["never_verified", "stalled_order", "stalled_case"]) > 0).all(), "each signal is computed"


def test_unrecorded_facts_say_not_recorded(tmp_path, small_volumes):
    c = _connect(tmp_path, "signals.sql", "signals_unrecorded.sql")
    try:
        frame = _summary(c)
    finally:
        c.close()
    missing = frame[frame["dimension"] == "all"].set_index("measure")["missing_field"].dropna().to_dict()
    assert missing == {
        "extended_deadline": "deadline_extension",
        "same_day_verification": "verified_date", "late_verification": "verified_date",
        "never_verified": "verified_date", "major_without_recheck": "verified_date",
        "closure_not_holding": "verified_date", "far_apart_day": "coordinates",
        "empty_run": "inspection_link", "copied_description": "inspection_link",
        "no_worklog_day": "worklogs", "stalled_order": "order_date", "stalled_case": "order_date",
    }
    unrecorded = frame[frame["measure"].isin(missing)]
    assert (unrecorded["dimension"] == "all").all(), "no group rows for what is not recorded"
    assert unrecorded[["records", "flagged", "share"]].isna().all().all(), "not recorded is not zero"
    assert _row(frame, "deadline_day")["records"] == 8


def test_recorded_is_judged_as_the_metric_layer_judges_it(tmp_path, small_volumes):
    # One rule (the macro recorded_fields): over the whole warehouse, never the filters. 乙镇
    # has no verification date and no coordinates (E4) of its own, but the warehouse records both:
    # scoped to 乙镇, those signals are computed (a real count), not "not recorded".
    db = build_fixture_db(tmp_path / "signals.duckdb", "signals.sql")
    with warehouse.rewrite(db) as w:
        w.execute("update hazards set verified_date = null where enterprise_id in ('E3', 'E4')")
    c = duckdb.connect(str(db), read_only=True)
    try:
        scoped = Filters(start=MARCH.start, end=MARCH.end, as_of=MARCH.as_of, towns=("乙镇",))
        frame = _summary(c, scoped)
        whole = queries.run(c, "recorded_fields").iloc[0]
    finally:
        c.close()
    assert whole["hazards_verified_date"] and whole["hazards_rectified_date"]
    missing = frame[frame["dimension"] == "all"].set_index("measure")["missing_field"].dropna().to_dict()
    assert missing == {"extended_deadline": "deadline_extension"}
    assert _row(frame, "same_day_verification")["records"] == 0


def test_cli_json(small_volumes, tmp_path, capsys):
    db = build_fixture_db(tmp_path / "cli.duckdb", "signals.sql")
    assert cli.main(["signals", "--db", str(db), "--start", "2026-03-01", "--end", "2026-03-31", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["period"] == {"start": "2026-03-01", "end": "2026-03-31", "as_of": "2026-03-31"}
    by_measure = {s["measure"]: s for s in out["signals"]}
    assert list(by_measure) == list(signals.MEASURES)
    deadline = by_measure["deadline_day"]
    assert deadline["parameters"] == {"day_share": 0.6, "min_volume": 2}
    assert deadline["overall"] == {"records": 8, "flagged": 3, "share": 0.375, "median_figure": -2.0,
                                   "needs_a_look": False, "rank": None}
    assert [p["staff_id"] for p in deadline["per_person"]] == ["S1", "S3"]
    assert deadline["per_unit"][0] == {"unit": "第一中队", "records": 5, "flagged": 2, "share": 0.4,
                                       "median_figure": -3.0, "needs_a_look": False, "rank": 1}
    assert by_measure["closure_not_holding"]["parameters"]["hold_days"] == 180
    assert by_measure["stalled_order"]["parameters"]["order_after_overdue_days"] == 7
    assert by_measure["extended_deadline"]["recorded"] is False
    assert by_measure["extended_deadline"]["not_recorded"] == "deadline_extension"
    assert by_measure["extended_deadline"]["overall"]["share"] is None

    assert cli.main(["signals", "--db", str(db), "--start", "2026-03-01", "--end", "2026-03-31",
                     "--unit", "监管一科", "--json"]) == 0
    unit = {s["measure"]: s for s in json.loads(capsys.readouterr().out)["signals"]}
    assert unit["deadline_day"]["overall"]["records"] == 3
    logged = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["event"], e["kind"], e["what"], e["file"]) for e in logged[-2:]] == [
        ("export", "report", "signals 2026-03-01..2026-03-31", "-"),
        ("export", "report", "signals 2026-03-01..2026-03-31 unit 监管一科", "-")]
    assert cli.main(["signals", "--db", str(db), "--start", "2026-03-01", "--end", "2026-03-31",
                     "--unit", "第九中队", "--json"]) == 2
    assert "no staff in unit '第九中队'" in capsys.readouterr().err
    assert cli.main(["signals", "--db", str(db), "--start", "2026-03-31", "--end", "2026-03-01", "--json"]) == 2
    assert cli.main(["signals", "--db", str(tmp_path / "none.duckdb"), "--start", "2026-03-01",
                     "--end", "2026-03-31", "--json"]) == 2
    assert "no warehouse" in capsys.readouterr().err


# --- the weekly brief's line ------------------------------------------------------------

def _weekly(shares, records=100, measure="deadline_day", start=date(2026, 8, 24)):
    return pd.DataFrame({
        "measure": measure,
        "week_start": [pd.Timestamp(start + timedelta(days=7 * k)) for k in range(len(shares))],
        "records": records,
        "flagged": [round(s * records) for s in shares],
    })


def test_a_week_above_its_usual_range_is_a_move():
    weekly = _weekly([0.30, 0.34, 0.31, 0.33, 0.29, 0.35, 0.32, 0.30, 0.31, 0.34, 0.33, 0.32, 0.55])
    week = date(2026, 8, 24) + timedelta(days=7 * 12)
    (move,) = signals.moves(weekly, week)
    assert (move.measure, move.share, move.records, move.flagged) == ("deadline_day", 0.55, 100, 55)
    assert (move.low, move.high) == (0.29, 0.35)
    line = signals.brief_line((move,), "zh")
    assert line == ("监管质量需关注：期限当天整改占比 55.0%（通常 29.0%–35.0%），"
                    "高于近 12 周的通常范围，详见“监管质量”页。")
    assert "rectified on the deadline day 55.0% (usually 29.0%–35.0%)" in signals.brief_line((move,), "en")


def test_noise_few_records_and_short_histories_are_not_moves():
    week = date(2026, 8, 24) + timedelta(days=7 * 12)
    baseline = [0.30, 0.34, 0.31, 0.33, 0.29, 0.35, 0.32, 0.30, 0.31, 0.34, 0.33, 0.32]
    # Just above the highest week, but not clearly above the pooled share (Wilson lower bound).
    assert signals.moves(_weekly([*baseline, 0.37]), week) == ()
    # Too few records this week, or too few needing a look.
    assert signals.moves(_weekly([*baseline, 0.6], records=8), week) == ()
    assert signals.moves(_weekly([0.0] * 12 + [0.04]), week) == ()
    # Fewer than half the baseline weeks have records.
    assert signals.moves(_weekly([*baseline, 0.55]).iloc[7:], week) == ()
    assert signals.brief_line((), "zh") is None


def test_wilson_lower_bound():
    assert signals.wilson_lower(0, 10, 3.0) == pytest.approx(0.0, abs=1e-12)
    # p = 0.55, z² = 9: (0.55 + 0.045 − 3·√(0.2475/100 + 9/40000)) / 1.09 = (0.595 − 0.155885) / 1.09
    assert signals.wilson_lower(55, 100, 3.0) == pytest.approx(0.402858, abs=1e-6)
    assert signals.wilson_lower(1, 0, 3.0) == 0.0


def test_the_brief_carries_the_line_in_its_summary(tiny_con):
    week = briefing.Week.parse("2026-W14")
    real = briefing.source_for(tiny_con)
    monday = week.monday
    shares = [0.30, 0.34, 0.31, 0.33, 0.29, 0.35, 0.32, 0.30, 0.31, 0.34, 0.33, 0.32, 0.55]
    weekly = _weekly(shares, start=monday - timedelta(days=7 * 12))

    def query(name, params):
        if name == "quality_weekly":
            assert params["end"] == week.sunday and params["weeks"] == 13
            return weekly
        return real.query(name, params)

    brief = briefing.compute(briefing.Source(query=query, headline=real.headline), week, briefing.Scope(),
                             date(2026, 4, 5))
    assert brief.quality and brief.quality[0].measure == "deadline_day"
    assert briefing.summary(brief, "zh")[-1].startswith("监管质量需关注：期限当天整改占比 55.0%")
    plain = briefing.compute(real, week, briefing.Scope(), date(2026, 4, 5))
    assert plain.quality == ()
    assert not any("监管质量" in s for s in briefing.summary(plain, "zh"))


def test_weekly_query_counts_by_week(con):
    weekly = queries.run(con, "quality_weekly", {"end": date(2026, 3, 29), "weeks": 5, "as_of": MARCH.as_of,
                                                 "towns": [], "departments": [], "industries": []})
    assert not weekly["measure"].isin(["never_verified", "closure_not_holding", "stalled_order",
                                       "stalled_case"]).any()
    busy = weekly[weekly["measure"] == "busy_day"]
    busy = busy.set_index(busy["week_start"].dt.date)
    # S1 03-02, 03-03 and S2 03-03, 03-05 in the week of 03-02; S2's nine on 03-16.
    assert busy.loc[date(2026, 3, 2), "records"] == 4 and busy.loc[date(2026, 3, 16), "flagged"] == 1


# --- the demo's stories -------------------------------------------------------------------

@pytest.fixture(scope="module", params=[None, 7])
def demo_county(request):
    tables = demo.generate() if request.param is None else demo.generate(seed=request.param)
    c = duckdb.connect()
    c.execute((ROOT / "gridwatch" / "schema.sql").read_text(encoding="utf-8"))
    for name, frame in tables.items():
        c.register("frame", frame)
        c.execute(f"insert into {name} select * from frame")
        c.unregister("frame")
    yield tables, c
    c.close()


def _top(frame, measure, dimension):
    first = signals.ranked(frame, measure, dimension).iloc[0]
    assert first["rank"] == 1 and first["needs_look"], (measure, dimension, first.to_dict())
    return first["key"]


def test_demo_stories_are_found(demo_county):
    tables, c = demo_county
    frame = signals.summary(_run(c), YEAR)
    assert _top(frame, "deadline_day", "unit") == demo.STORY_DEADLINE_SECTION
    assert _top(frame, "same_day_verification", "unit") == demo.STORY_SAME_DAY_SQUADRON
    assert _top(frame, "major_without_recheck", "unit") == demo.STORY_SAME_DAY_SQUADRON
    assert _top(frame, "closure_not_holding", "town") == demo.STORY_CLOSURES_TOWN
    assert _top(frame, "stalled_order", "town") == demo.STORY_STALLED_TOWN
    assert _top(frame, "late_verification", "unit") == demo.STORY_LAGGING_SQUADRON
    staff = tables["staff"]
    members = staff[(staff["unit"] == demo.STORY_PAPER_SQUADRON) & staff["active"] & (staff["role"] == "执法人员")]
    inspector = members["staff_id"].iloc[0]
    for measure in ("busy_day", "far_apart_day", "copied_description", "no_worklog_day"):
        assert _top(frame, measure, "person") == inspector, measure
    # The paper inspector's copied description is pasted word for word (the generator varies how
    # people write a finding, never a story's copies): one text, not one wording per visit.
    h, i = tables["hazards"], tables["inspections"]
    pasted = h.loc[h["inspection_id"].map(i.set_index("inspection_id")["lead_staff_id"]).eq(inspector)
                   & h["description"].str.contains(demo.STORY_PAPER_DESCRIPTION), "description"]
    assert len(pasted) > demo.STORY_PAPER_DAYS * demo.STORY_PAPER_PER_DAY / 2
    assert pasted.value_counts().iloc[0] / len(pasted) > 0.95
    # Each story stands out: the rest of its dimension stays below the line.
    for measure, dimension in (("deadline_day", "unit"), ("same_day_verification", "unit"),
                               ("closure_not_holding", "town"), ("stalled_order", "town")):
        rows = frame[(frame["measure"] == measure) & (frame["dimension"] == dimension)]
        # A unit with a handful of records can cross the line by chance (seed 7: a town with 2 of
        # its 5 orders stalled); among those with twice the minimum volume only the story does.
        sizable = rows[rows["records"] >= 2 * rows["min_volume"]]
        assert sizable["needs_look"].sum() == 1, (measure, dimension)


def test_json_deadline_share_equals_a_count_from_the_exported_csvs(tmp_path, capsys):
    db, out = tmp_path / "demo.duckdb", tmp_path / "csv"
    assert cli.main(["demo", "--db", str(db), "--export", str(out)]) == 0
    capsys.readouterr()
    assert cli.main(["signals", "--db", str(db), "--start", "2026-01-01", "--end", "2026-11-27", "--json"]) == 0
    deadline = next(s for s in json.loads(capsys.readouterr().out)["signals"] if s["measure"] == "deadline_day")

    hazards = pd.read_csv(out / "hazards.csv", encoding="utf-8-sig", dtype=str)
    inspections = pd.read_csv(out / "inspections.csv", encoding="utf-8-sig", dtype=str)
    staff = pd.read_csv(out / "staff.csv", encoding="utf-8-sig", dtype=str)
    found = pd.to_datetime(hazards["发现日期"])
    deadline_day = pd.to_datetime(hazards["整改期限"])
    rectified = pd.to_datetime(hazards["整改完成日期"])
    # A deadline or rectification before the finding is a data error: that date is not recorded.
    counted = (rectified.between("2026-01-01", "2026-11-27") & (rectified >= found)
               & deadline_day.notna() & (deadline_day >= found))
    on_day = counted & (rectified == deadline_day)
    assert deadline["overall"]["records"] == int(counted.sum())
    assert deadline["overall"]["flagged"] == int(on_day.sum())
    assert deadline["overall"]["share"] == pytest.approx(on_day.sum() / counted.sum())

    lead = hazards["检查编号"].map(inspections.set_index("检查编号")["带队人员编号"])
    unit = lead.map(staff.set_index("人员编号")["所在单位"])
    per_unit = {u["unit"]: (u["records"], u["flagged"]) for u in deadline["per_unit"]}
    expected = {u: (int(counted[unit == u].sum()), int(on_day[unit == u].sum())) for u in set(unit.dropna())}
    assert per_unit == {u: v for u, v in expected.items() if v[0]}


def test_every_measure_has_its_rules_and_strings():
    rule_set = rules.load()
    for measure in signals.MEASURES:
        params = signals.parameters(measure, rule_set)
        text = signals.i18n.text(f"quality.measure.{measure}.definition", "zh", **params)
        assert "{" not in text, measure
        assert signals.FAMILY_OF[measure] in dict(signals.FAMILIES)


def test_imported_exports_lacking_facts_say_not_recorded(tmp_path, small_volumes, capsys):
    """An enforcement-system export without verified dates, orders, coordinates, work logs or cases."""
    from gridwatch import exports, warehouse

    source = build_fixture_db(tmp_path / "source.duckdb", "signals.sql")
    out = tmp_path / "csv"
    c = warehouse.open_readonly(source)
    try:
        exports.export_tables_csv(c, out)
    finally:
        c.close()
    dropped = {"hazards": ["复查销号日期", "责令整改指令书日期"], "enterprises": ["纬度", "经度"]}
    for table, columns in dropped.items():
        frame = pd.read_csv(out / f"{table}.csv", encoding="utf-8-sig", dtype=str)
        frame.drop(columns=columns).to_csv(out / f"{table}.csv", index=False, encoding="utf-8-sig")
    files = [str(out / f"{t}.csv") for t in ("grids", "staff", "enterprises", "inspections", "hazards")]
    db = tmp_path / "imported.duckdb"
    assert cli.main(["import", *files, "--db", str(db)]) == 0
    capsys.readouterr()
    assert cli.main(["signals", "--db", str(db), "--start", "2026-03-01", "--end", "2026-03-31", "--json"]) == 0
    by_measure = {s["measure"]: s for s in json.loads(capsys.readouterr().out)["signals"]}
    missing = {m: s["not_recorded"] for m, s in by_measure.items() if not s["recorded"]}
    assert missing == {
        "extended_deadline": "deadline_extension", "same_day_verification": "verified_date",
        "late_verification": "verified_date", "never_verified": "verified_date",
        "major_without_recheck": "verified_date", "closure_not_holding": "verified_date",
        "far_apart_day": "coordinates", "no_worklog_day": "worklogs", "stalled_order": "order_date",
        "stalled_case": "order_date",
    }
    assert all(by_measure[m]["overall"]["share"] is None and by_measure[m]["per_unit"] == [] for m in missing)
    # What the export does hold is judged as on the hand-made county.
    assert by_measure["deadline_day"]["overall"]["flagged"] == 3
    assert by_measure["copied_description"]["overall"]["flagged"] == 4
