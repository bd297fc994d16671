"""The metric layer's parts, each against cases worked out by hand: the schema macros (status,
repeats), "not recorded" for a system that records only a rectified flag, the comparison every
page makes, and the registry that writes every card."""

from datetime import date

import duckdb
import pytest

from gridwatch import display, i18n, metrics, warehouse
from gridwatch.filters import Filters
from gridwatch.paths import SCHEMA_FILE
from tests.conftest import build_fixture_db

T = date(2026, 3, 31)
MARCH = Filters(start=date(2026, 3, 1), end=T, as_of=T)


@pytest.fixture
def mem():
    con = duckdb.connect()
    con.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
    con.execute("""
        insert into enterprises (enterprise_id, name, risk_level, status) values ('E1', 'e', 'red', 'operating');
    """)
    yield con
    con.close()


def add(con, hazard_id, found, category="电气安全", item=None, description="配电箱无防护", deadline=None,
        rectified_date=None, rectified=None, verified=None):
    con.execute("insert into hazards (hazard_id, enterprise_id, found_date, level, category, item, description, "
                "deadline, rectified_date, rectified, verified_date) values "
                "(?, 'E1', ?, 'general', ?, ?, ?, ?, ?, ?, ?)",
                [hazard_id, found, category, item, description, deadline, rectified_date, rectified, verified])


def status(con, as_of=T):
    return {r[0]: r[1:] for r in con.execute(
        "select hazard_id, status, is_overdue, rectified_date_unknown, on_time from hazard_status($t)",
        {"t": as_of}).fetchall()}


def test_status_rules(mem):
    add(mem, "A", "2026-03-01", deadline="2026-03-10")                               # overdue
    add(mem, "B", "2026-03-01", deadline="2026-03-10", rectified=True)               # flag, no date
    add(mem, "C", "2026-03-01", deadline="2026-02-01")                               # bad deadline
    add(mem, "D", "2026-03-01", deadline="2026-03-10", rectified_date="2026-02-20")  # bad rectification
    add(mem, "E", "2026-03-01", deadline="2026-03-10", rectified_date="2026-04-05")  # after T
    add(mem, "F", "2026-03-01", deadline="2026-03-10", verified="2026-03-09")        # verified, no date
    add(mem, "G", "2026-03-01", deadline="2026-03-31")                               # due today: not yet overdue
    add(mem, "H", "2026-04-02")                                                      # not found yet
    assert status(mem) == {
        "A": ("overdue", True, False, False),
        "B": ("rectified", False, True, None),  # counts as rectified, left out of on-time
        "C": ("open", False, False, None),  # the deadline is emptied: never due, never overdue
        "D": ("overdue", True, False, False),  # the rectification is emptied: still open
        "E": ("overdue", True, False, False),
        "F": ("verified", False, True, None),
        "G": ("open", False, False, False),  # due on T, not rectified: not on time, not overdue
    }
    assert mem.execute("select hazard_id from valid_hazards() where date_error order by 1").fetchall() == [
        ("C",), ("D",)]
    # On 04-06 E is rectified, late.
    assert status(mem, date(2026, 4, 6))["E"] == ("rectified", False, False, False)


def test_normalised_text(mem):
    got = mem.execute("select normalised_text(' 配电箱 无防护。A-1（2处）'), normalised_text(' 。 ')").fetchone()
    assert got == ("配电箱无防护a12处", None)


def test_repeat_rule(mem):
    # An earlier finding rectified 01-10, then at the same enterprise and in the same category:
    add(mem, "R0", "2026-01-05", description="配电箱无防护", rectified_date="2026-01-10")
    add(mem, "R1", "2026-03-02", description=" 配电箱 无防护。")                   # same text, written differently
    add(mem, "R2", "2026-03-03", description="电线私拉乱接")                       # same category, another item
    add(mem, "R3", "2026-03-04", category="消防安全", description="配电箱无防护")  # another category
    add(mem, "R4", "2026-01-05", item="DQ-07", description="线路老化", rectified=True)  # flag only, no date
    add(mem, "R5", "2026-03-05", item="DQ-07", description="仓库线路老化（2处）")  # same item, other words
    add(mem, "R6", "2026-03-06", item="DQ-08", description="配电箱无防护")         # both items known: they differ
    got = mem.execute("select hazard_id, earlier_hazard_id from repeat_hazards($s, $t, $t, 365) order by 1",
                      {"s": MARCH.start, "t": T}).fetchall()
    # R1 repeats R0 by description (R0 records no item); R5 repeats R4 by item, anchored on R4's
    # found date since its rectification has no date; R6 compares with R0 by description (R0 has no item).
    assert got == [("R1", "R0"), ("R5", "R4"), ("R6", "R0")]
    # Outside the window nothing repeats.
    assert mem.execute("select count(*) from repeat_hazards($s, $t, $t, 30)", {"s": MARCH.start, "t": T}
                       ).fetchone() == (0,)


def test_follow_through_ignores_a_bad_deadline(mem):
    add(mem, "P1", "2026-03-01", deadline="2026-02-01", verified="2026-03-05")
    add(mem, "P2", "2026-03-01", deadline="2026-03-10", verified="2026-03-15")
    add(mem, "P3", "2026-03-01", deadline="2026-03-28")
    rows = mem.execute("select hazard_id, is_due, followed_through, pending from follow_through($s, $t, 7) "
                       "order by 1", {"s": date(2026, 1, 1), "t": T}).fetchall()
    assert rows == [("P1", False, False, False), ("P2", True, True, False), ("P3", True, False, True)]


def test_a_system_that_records_only_a_rectified_flag(tmp_path):
    """One export has 整改完成 是/否 and no dates: rectified counts, the dated figures are not recorded."""
    path = build_fixture_db(tmp_path / "flag.duckdb", "tiny.sql")
    with warehouse.rewrite(path) as con:
        con.execute("update hazards set rectified = rectified_date is not null, rectified_date = null, "
                    "verified_date = null")
    con = warehouse.open_readonly(path)
    try:
        h = metrics.headline(con, MARCH)
    finally:
        con.close()
    # H1 H2 H6 and H5 (whose 04-02 rectification is now only a flag) are rectified; with no date
    # nobody can tell when, so they count as rectified from their finding on.
    assert (h["hazards_found"], h["rectified"], h["rectification_rate"]) == (5, 4, 0.8)
    assert h["overdue_open"] == 1  # H4 only: H5 is rectified, date unknown, so not overdue
    assert h["rectified_date_unknown"] == 4  # H1 H2 H5 H6, found or due in March
    missing = {e["key"]: e["fields"] for e in h["not_recorded"]}
    assert set(missing) == {"rectified_in_period", "rectified_on_time", "on_time_rate", "verification_rate",
                            "median_days_to_rectify"}
    assert missing["verification_rate"] == ["hazards.verified_date"]
    assert all(h[k] is None for k in missing)


def test_compare():
    year = metrics.compare(MARCH)
    assert (year.basis, year.baseline.start, year.baseline.end, year.baseline.as_of) == (
        "last_year", date(2025, 3, 1), date(2025, 3, 31), date(2025, 3, 31))
    week = Filters(start=date(2026, 11, 16), end=date(2026, 11, 22), as_of=date(2026, 11, 22), towns=("甲镇",))
    done = metrics.compare(week, "last_week")
    assert (done.unfinished, done.current, done.baseline.start, done.baseline.as_of, done.baseline.towns) == (
        False, week, date(2026, 11, 9), date(2026, 11, 15), ("甲镇",))
    partial = metrics.compare(Filters(start=date(2026, 11, 23), end=date(2026, 11, 29), as_of=date(2026, 11, 25)),
                              "last_week")
    assert partial.unfinished and partial.current.end == date(2026, 11, 25)
    assert (partial.baseline.start, partial.baseline.end, partial.baseline.as_of) == (
        date(2026, 11, 16), date(2026, 11, 18), date(2026, 11, 18))
    with pytest.raises(ValueError):
        metrics.compare(MARCH, "last_month")


@pytest.mark.parametrize("key, value, previous, zh, en, judgement", [
    ("on_time_rate", 0.832, 0.811, "+2.1 个百分点", "+2.1 pp", display.BETTER),
    ("overdue_open", 442, 240, "+202", "+202", display.WORSE),
    ("major_hazards_found", 12, 9, "+3", "+3", display.WORSE),
    ("hazards_found", 169, 159, "+10", "+10", display.NEUTRAL),  # neither better nor worse
    ("overdue_open", 442, 442, "0", "0", display.NEUTRAL),  # zero change is neutral
    ("on_time_rate", 0.5, 0.5, "0.0 个百分点", "0.0 pp", display.NEUTRAL),
    ("penalties", 30000.0, 5000.0, "+25,000", "+25,000", display.NEUTRAL),
    ("median_days_to_rectify", 4.0, 5.5, "-1.5", "-1.5", display.BETTER),
])
def test_how_a_change_is_written(key, value, previous, zh, en, judgement):
    card = display.Card(key, value, previous, compared=True)
    assert (card.delta("zh"), card.delta("en"), card.judgement) == (zh, en, judgement)
    args = card.metric_args("zh")
    if judgement == display.NEUTRAL:
        assert (args["delta_color"], card.unchanged or card.spec.worse == display.NEITHER) == ("off", True)
    else:
        assert args["delta_color"] == ("inverse" if card.spec.worse == display.HIGHER else "normal")


def test_meaningless_and_unrecorded_figures():
    # The enterprises in scope do not depend on the period: their change is always 0, never shown.
    assert display.Card("enterprises_in_scope", 2790, 2790, compared=True).delta("zh") is None
    card = display.card("verification_rate", {"verification_rate": None, "not_recorded": [
        {"key": "verification_rate", "fields": ["hazards.verified_date"], "reason": "x"}]},
        {"verification_rate": 0.5})
    assert card.shown("zh") == "未记录" and card.shown("en") == "not recorded"
    assert card.delta("zh") is None and card.judgement == display.NEUTRAL
    assert i18n.text("metrics.not_recorded.hazards_verified_date", "zh") in card.help("zh")
    assert display.Card("on_time_rate", None).shown("zh") == "—"  # undefined (nothing due) is not "not recorded"


def test_every_card_is_registered_and_labelled():
    from gridwatch import briefing, coverage, hazards, rectification

    shown = (*metrics.KEYS, *(k for k, _ in briefing.CARDS), *rectification.HEADLINE_CARDS,
             *rectification.CASE_CARDS, *rectification.TIPOFF_CARDS, *rectification.FIVE_CARDS,
             *hazards.SUMMARY_CARDS, *coverage.CARDS, "p90_days_to_rectify", "aged_1", "aged_4")
    for key in shown:
        card = display.Card(key, 1)
        assert card.label("zh") and card.label("en") and card.help("en"), key
