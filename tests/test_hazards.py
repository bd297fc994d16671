"""Hazard counts per enterprise and the repeat rule, on the hand-made county of tests/fixtures/hazards.sql.

Period 2026-01-01..2026-06-30, as of 2026-06-30, repeat window 365 days (config/rules.toml).
Hazards by enterprise (found date, level, category, deadline, rectified):
  A1 K1 2025-01-10 general 电气安全 rectified 2025-01-20   (before the period)
     K2 2026-01-20 general 电气安全 rectified 2026-02-10   repeat: 365 days after K1 (just inside)
     K3 2026-03-05 major   粉尘防爆 deadline 04-05, open   overdue 86 days
     K4 2026-05-10 major   电气安全 deadline 07-10, open   repeat: 89 days after K2
  A2 K5 2025-02-01 general 消防安全 rectified 2025-02-14   (before the period)
     K6 2026-02-15 general 消防安全 rectified 2026-03-20   not a repeat: 366 days after K5 (just outside)
     K7 2026-04-01 general 粉尘防爆 deadline 06-01, rectified 07-05 (after as-of) → open, overdue
     K12 2026-04-01 general 机械防护 rectified on the spot the same day: not open, not its own repeat
  A3 K8 2026-06-01 major   危化品储存 deadline 06-20, open → overdue
     K9 2026-06-01 general 危化品储存 deadline 07-31, open; not a repeat (K8 never rectified)
     K10 2025-11-01 general 消防安全 deadline 2025-11-30, open → overdue (found before the period)
     K11 2026-07-02 found after the as-of date: counts nowhere
  A4 no hazards → no row.
"""

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from gridwatch import exports, hazards, queries, warehouse
from gridwatch.filters import Filters
from gridwatch.hazards import HazardFilters
from gridwatch.reader import Reader
from tests.conftest import build_fixture_db

PERIOD = Filters(start=date(2026, 1, 1), end=date(2026, 6, 30), as_of=date(2026, 6, 30))
ALL = HazardFilters()
COLUMNS = ["enterprise_id", "total", "major", "general", "still_open", "overdue", "repeats"]


@pytest.fixture
def hz_db(tmp_path):
    return build_fixture_db(tmp_path / "hazards.duckdb", "hazards.sql")


@pytest.fixture
def run(hz_db):
    con = warehouse.open_readonly(hz_db)
    yield Reader(con)
    con.close()


def counts(frame: pd.DataFrame) -> list[list]:
    return frame[COLUMNS].astype({c: int for c in COLUMNS[1:]}).values.tolist()


def test_per_enterprise_counts(run):
    table = hazards.enterprise_table(run, PERIOD, ALL, sort_by="total")
    # total: A1 K2,K3,K4 = 3; A2 K6,K7,K12 = 3; A3 K8,K9 = 2 (K10 before the period, K11 after as-of).
    # still open at 06-30: A1 K3,K4; A2 K7 (rectified 07-05); A3 K8,K9,K10.
    # overdue: A1 K3; A2 K7 (deadline 06-01); A3 K8 (06-20), K10.
    # Ties on total (A1, A2 = 3) are ordered by name: 安 (U+5B89) < 百 (U+767E).
    assert counts(table) == [
        ["A1", 3, 2, 1, 2, 1, 2],
        ["A2", 3, 0, 3, 1, 1, 0],
        ["A3", 2, 1, 1, 3, 2, 0],
    ]


def test_sorting_by_major_and_overdue(run):
    assert list(hazards.enterprise_table(run, PERIOD, ALL, sort_by="major")["enterprise_id"]) == ["A1", "A3", "A2"]
    # overdue: A3 2, then A1 1 (total 3) before A2 1 (total 2).
    assert list(hazards.enterprise_table(run, PERIOD, ALL, sort_by="overdue")["enterprise_id"]) == ["A3", "A1", "A2"]
    with pytest.raises(ValueError, match="cannot sort"):
        hazards.enterprise_table(run, PERIOD, ALL, sort_by="name; drop table hazards")


def test_repeat_rule_inside_and_outside_the_window(run):
    found = hazards.repeats(run, PERIOD, ALL)
    assert found[["hazard_id", "earlier_hazard_id", "days_after_rectified"]].values.tolist() == [
        ["K4", "K2", 89],   # the latest earlier rectification (K2 on 02-10), not K1
        ["K2", "K1", 365],  # 2025-01-20 → 2026-01-20: exactly the window, inside
    ]
    assert "K6" not in set(found["hazard_id"])  # 2025-02-14 → 2026-02-15 = 366 days: outside


def test_repeat_window_comes_from_the_rules(hz_db):
    con = warehouse.open_readonly(hz_db)
    try:
        params = {**PERIOD.params(), **ALL.params(), "limit": 10, "repeat_window_days": 364}
        assert list(queries.run(con, "hazards_repeats", params)["hazard_id"]) == ["K4"]
    finally:
        con.close()


def test_page_filters(run):
    major = hazards.enterprise_table(run, PERIOD, HazardFilters(hazard_levels=("major",)))
    # major only: A1 K3,K4 (open both, K3 overdue, K4 a repeat); A3 K8 (open, overdue); A2 has none.
    assert counts(major) == [["A1", 2, 2, 0, 2, 1, 1], ["A3", 1, 1, 0, 1, 1, 0]]
    red = hazards.enterprise_table(run, PERIOD, HazardFilters(risk_levels=("red",)))
    assert list(red["enterprise_id"]) == ["A1"]
    dust = hazards.enterprise_table(run, PERIOD, HazardFilters(categories=("粉尘防爆",)))
    assert counts(dust) == [["A1", 1, 1, 0, 1, 1, 0], ["A2", 1, 0, 1, 1, 1, 0]]


def test_town_scope_reaches_the_table(run):
    west = Filters(**{**PERIOD.__dict__, "towns": ("西镇",)})
    assert list(hazards.enterprise_table(run, west, ALL)["enterprise_id"]) == ["A3"]
    assert hazards.by_town(run, west, ALL)["town"].unique().tolist() == ["西镇"]


def test_search_by_name_or_credit_code(run):
    assert list(hazards.enterprise_table(run, PERIOD, ALL, search="百盛")["enterprise_id"]) == ["A2"]
    assert list(hazards.enterprise_table(run, PERIOD, ALL, search="cc0000000000000a3")["enterprise_id"]) == ["A3"]
    assert hazards.enterprise_table(run, PERIOD, ALL, search="%").empty  # no wildcard


def test_pagination_in_sql(run):
    first = hazards.enterprise_page(run, PERIOD, ALL, sort_by="total", page=1, page_size=2)
    assert (first.total_rows, first.pages, list(first.rows["enterprise_id"])) == (3, 2, ["A1", "A2"])
    second = hazards.enterprise_page(run, PERIOD, ALL, sort_by="total", page=2, page_size=2)
    assert list(second.rows["enterprise_id"]) == ["A3"]
    past_end = hazards.enterprise_page(run, PERIOD, ALL, sort_by="total", page=9, page_size=2)
    assert (past_end.page, list(past_end.rows["enterprise_id"])) == (2, ["A3"])
    nothing = hazards.enterprise_page(run, PERIOD, ALL, search="不存在")
    assert (nothing.total_rows, nothing.pages, len(nothing.rows)) == (0, 1, 0)


def test_top_enterprises_reuse_the_first_table_page(run):
    # By major (see test_sorting_by_major_and_overdue): A1, A3, A2; the top two are A1, A3.
    asked = []

    def recording(name, params):
        asked.append((name, params["limit"], params["offset"]))
        return run(name, params)

    top = hazards.top_enterprises(recording, PERIOD, ALL, sort_by="major", n=2)
    assert list(top["enterprise_id"]) == ["A1", "A3"]
    hazards.enterprise_page(recording, PERIOD, ALL, sort_by="major", page=1)
    assert asked == [("hazards_by_enterprise", hazards.PAGE_SIZE, 0)] * 2, "one query shape for both"


def test_chart_data(run):
    monthly = hazards.monthly(run, PERIOD, ALL)
    # Jan K2 general; Feb K6 general; Mar K3 major; Apr K7, K12 general; May K4 major; Jun K8 major, K9 general.
    assert [(m.month, level, n) for m, level, n in monthly.itertuples(index=False)] == [
        (1, "general", 1), (2, "general", 1), (3, "major", 1), (4, "general", 2), (5, "major", 1),
        (6, "general", 1), (6, "major", 1),
    ]
    towns = hazards.by_town(run, PERIOD, ALL)
    # 东镇: general K2, K6, K7, K12; major K3, K4. 西镇: general K9; major K8.
    assert towns.values.tolist() == [["东镇", "general", 4], ["东镇", "major", 2],
                                     ["西镇", "general", 1], ["西镇", "major", 1]]
    heat = hazards.category_industry(run, PERIOD, ALL)
    assert heat.values.tolist() == [
        ["危险化学品", "危化品储存", 2],
        ["木材加工", "机械防护", 1], ["木材加工", "消防安全", 1], ["木材加工", "粉尘防爆", 1],
        ["金属制品", "电气安全", 2], ["金属制品", "粉尘防爆", 1],
    ]
    assert hazards.categories(run, PERIOD) == sorted({"电气安全", "粉尘防爆", "消防安全", "危化品储存", "机械防护"})
    # 西镇 holds A3 (K8, K9, K11 危化品储存; K10 消防安全) and A4 (none).
    assert hazards.categories(run, replace(PERIOD, towns=("西镇",))) == ["危化品储存", "消防安全"]


def test_csv_export_has_context_and_every_row(run):
    table = hazards.for_people(hazards.enterprise_table(run, PERIOD, ALL), "zh")
    context = hazards.context_line(PERIOD, ALL, "", date(2026, 7, 5), "zh")
    data = exports.csv_bytes(table, [context])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "2026-01-01" in text.splitlines()[0] and "数据截至 2026-07-05" in text.splitlines()[0]
    assert text.splitlines()[1] == "" and "企业名称" in text.splitlines()[2]
    assert sum(name in text for name in ("安康五金厂", "百盛木业", "川河化工")) == 3
    assert "重大风险（红）" in text


def test_repeat_flags_agree_with_the_register(run):
    from gridwatch import register

    flagged = set()
    for enterprise_id in ("A1", "A2", "A3"):
        reg = register.load(run, enterprise_id, PERIOD.as_of)
        in_period = reg.hazards[reg.hazards["found_date"] >= pd.Timestamp(PERIOD.start)]
        flagged |= set(in_period.loc[in_period["is_repeat"], "hazard_id"])
    assert flagged == set(hazards.repeats(run, PERIOD, ALL)["hazard_id"]) == {"K2", "K4"}
