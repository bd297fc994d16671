"""The question builder: allow-listed SQL, hand-computed group-bys, the DESIGN.md rates, URL round trips."""

import json
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gridwatch import explore, metrics, queries, warehouse
from gridwatch.filters import Filters

APP = str(Path(__file__).resolve().parent.parent / "app.py")
ALL = {"towns": [], "departments": [], "industries": [], "as_of": date(2026, 3, 31)}


def rows(frame):
    return [tuple(r) for r in frame.itertuples(index=False)]


def test_every_dataset_matches_its_query_header(tiny_con):
    for name, columns in explore.DATASETS.items():
        assert set(columns) == set(queries.get(f"explore_{name}").columns), name
        for dimension in explore.dimensions(name):
            frame = explore.run(tiny_con, explore.View(dataset=name, group1=dimension), ALL)
            # An enterprise's name carries its id (the link to its register, and two of one name stay apart).
            linked = dimension in explore.LINKED_DIMENSIONS and "enterprise_id" in columns
            assert list(frame.columns) == (["g1", "g1_id", "value"] if linked else ["g1", "value"])
        for measure in explore.measures(name):
            assert len(explore.run(tiny_con, explore.View(dataset=name, measure=measure), ALL)) == 1


def test_group_by_town_and_status_by_hand(tiny_con):
    # As of 2026-03-31 (tests/fixtures/tiny.sql): H1 verified (03-25); H2 rectified 03-28, H6 rectified
    # 03-15 (verified only 04-01); H3 open (deadline 04-10); H5 overdue (deadline 03-30, rectified
    # 04-02 > T); H4 overdue (乙镇, 2025). 乙 (U+4E59) sorts before 甲 (U+7532).
    view = explore.View(dataset="hazards", group1="town", group2="hazard_status")
    assert rows(explore.run(tiny_con, view, ALL)) == [
        ("乙镇", "overdue", 1),
        ("甲镇", "open", 1),
        ("甲镇", "overdue", 1),
        ("甲镇", "rectified", 2),
        ("甲镇", "verified", 1),
    ]


def test_town_scope_restricts_every_enterprise_dataset(tiny_con):
    scoped = {**ALL, "towns": ["乙镇"]}
    # 乙镇: E3, E4, E5; hazard H4 (E3); inspections I4 (E3), I6 (E5); no cases; no tip-offs.
    count = explore.View(measure="count")
    assert rows(explore.run(tiny_con, count, scoped)) == [(1,)]
    assert rows(explore.run(tiny_con, explore.View(dataset="enterprises"), scoped)) == [(3,)]
    assert rows(explore.run(tiny_con, explore.View(dataset="inspections"), scoped)) == [(2,)]
    # Staff have no enterprise: the scope does not apply (2 staff).
    assert rows(explore.run(tiny_con, explore.View(dataset="staff"), scoped)) == [(2,)]


def test_example_question_without_sql(tiny_con):
    # "How many 粉尘防爆 hazards in 食品加工 enterprises of 甲镇 were overdue on 2026-04-15?"
    # H3 (E2 甲二食品厂, 甲镇, 粉尘防爆) was due 04-10 and never rectified: 1. As of 04-05 it was still open: 0.
    view = explore.View(
        dataset="hazards", as_of=date(2026, 4, 15),
        codes=(("category", ("粉尘防爆",)), ("industry", ("食品加工",)), ("town", ("甲镇",)),
               ("hazard_status", ("overdue",))),
    )
    assert rows(explore.run(tiny_con, view, ALL)) == [(1,)]
    earlier = explore.View(**{**view.__dict__, "as_of": date(2026, 4, 5)})
    assert rows(explore.run(tiny_con, earlier, ALL)) == [(0,)]


def test_ranges_text_sums_and_date_parts(tiny_con):
    # Found in March 2026 by month: H1, H2, H3, H5, H6 → ("2026-03", 5); H4 (2025-10) is outside.
    view = explore.View(ranges=(("found_date", "2026-03-01", "2026-03-31"),), group1="found_date:month")
    assert rows(explore.run(tiny_con, view, ALL)) == [("2026-03", 5)]
    # Quarter and week: H4 2025-10-01 is 2025-Q4, the week starting Monday 2025-09-29.
    by_quarter = explore.View(group1="found_date:quarter")
    assert rows(explore.run(tiny_con, by_quarter, ALL)) == [("2025-Q4", 1), ("2026-Q1", 5)]
    assert rows(explore.run(tiny_con, explore.View(group1="found_date:week"), ALL))[0] == ("2025-09-29", 1)
    # Description search (case-insensitive text): '灭火器过期' is H2 only.
    assert rows(explore.run(tiny_con, explore.View(texts=(("description", "灭火器"),)), ALL)) == [(1,)]
    # Employees of enterprises in 甲镇: E1 50 + E2 20 + E6 60 = 130; mean 130 / 3.
    emp = explore.View(dataset="enterprises", group1="town", measure="sum.employees")
    assert rows(explore.run(tiny_con, emp, ALL)) == [("乙镇", 120.0), ("甲镇", 130.0)]
    mean = explore.View(dataset="enterprises", measure="mean.employees",
                        ranges=(("employees", "20", "60"),))
    # Employees in [20, 60]: E1 50, E2 20, E4 30, E6 60 → 160 / 4 = 40.
    assert rows(explore.run(tiny_con, mean, ALL)) == [(40.0,)]
    ins = explore.View(dataset="inspections", measure="nunique.enterprise_id")
    assert rows(explore.run(tiny_con, ins, ALL)) == [(5,)]  # E1, E2, E3, E5, E6


def test_rates_equal_the_headline_definition(tiny_con):
    # March 2026 as of 03-31: found H1 H2 H3 H5 H6, rectified by T H1 H2 H6 → 3/5 = 0.6.
    # Due in March and by T: H1 (03-20) H2 (03-25) H5 (03-30) H6 (03-15); on time H1, H6 → 2/4 = 0.5.
    period = ("2026-03-01", "2026-03-31")
    rect = explore.View(measure="rectification_rate", ranges=(("found_date", *period),))
    on_time = explore.View(measure="on_time_rate", ranges=(("deadline", *period),))
    head = metrics.headline(tiny_con, Filters(date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 31)))
    # Each rate comes with its numerator and denominator.
    assert rows(explore.run(tiny_con, rect, ALL)) == [(0.6, 3, 5)] and head["rectification_rate"] == 0.6
    assert rows(explore.run(tiny_con, on_time, ALL)) == [(0.5, 2, 4)] and head["on_time_rate"] == 0.5


def test_rates_equal_headline_on_the_demo_county(tmp_path):
    path = tmp_path / "demo.duckdb"
    warehouse.build_demo(path)
    con = warehouse.open_readonly(path)
    try:
        as_of = warehouse.data_as_of(warehouse.meta(con))
        towns = [con.execute("select min(town) from enterprises").fetchone()[0]]
        chosen = Filters(date(as_of.year, 1, 1), as_of, as_of, towns=tuple(towns))
        head = metrics.headline(con, chosen)
        period = (chosen.start.isoformat(), chosen.end.isoformat())
        base = {**chosen.params(), "as_of": as_of}
        rect = explore.run(con, explore.View(measure="rectification_rate", ranges=(("found_date", *period),)), base)
        on_time = explore.run(con, explore.View(measure="on_time_rate", ranges=(("deadline", *period),)), base)
        found = explore.run(con, explore.View(ranges=(("found_date", *period),)), base)
    finally:
        con.close()
    assert head["hazards_found"] > 0 and found["value"][0] == head["hazards_found"]
    assert rect["value"][0] == pytest.approx(head["rectification_rate"])
    assert on_time["value"][0] == pytest.approx(head["on_time_rate"])


@pytest.mark.parametrize("pairs, key", [
    ({"ds": ["passwords"]}, "unknown_dataset"),
    ({"g1": ['town" from hazards; drop table hazards; --']}, "unknown_column"),
    ({"f.town\"; drop": ["x"]}, "unknown_column"),
    ({"m": ["sum.town"]}, "unknown_measure"),
    ({"m": ["max(1)"]}, "unknown_measure"),
    ({"g1": ["found_date:decade"]}, "unknown_column"),
    ({"r.found_date": ["yesterday~"]}, "bad_value"),
    ({"chart": ["pie"]}, "unknown_chart"),
    ({"as_of": ["soon"]}, "bad_value"),
])
def test_links_outside_the_allow_list_are_refused(pairs, key, tiny_con):
    with pytest.raises(explore.ViewError) as caught:
        view = explore.from_query_params(pairs)
        explore.run(tiny_con, view, ALL)
    assert caught.value.key == key


def test_values_travel_as_parameters(tiny_con):
    view = explore.View(codes=(("town", ("甲镇') or 1=1 --",)),), texts=(("description", "%' or '1'='1"),))
    sql, params = explore.build(view, ALL)
    assert "1=1" not in sql and "'1'='1" not in sql
    assert params["f0"] == ["甲镇') or 1=1 --"]
    assert rows(explore.run(tiny_con, view, ALL)) == [(0,)]


def test_view_round_trips_through_query_params():
    view = explore.View(dataset="hazards", as_of=date(2026, 5, 31),
                        codes=(("category", ("粉尘防爆", "电气安全")), ("is_overdue", ("true",))),
                        ranges=(("found_date", "2026-03-01", ""),), texts=(("enterprise_name", "机械"),),
                        group1="town", group2="found_date:quarter", measure="mean.days_overdue", chart="heatmap")
    params = view.to_query_params()
    pairs = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    assert explore.from_query_params(pairs) == view
    assert "f.category=%E7%B2%89%E5%B0%98%E9%98%B2%E7%88%86&f.category=" in explore.share_url(view, "zh")


def start(db, monkeypatch, params):
    monkeypatch.setenv("GRIDWATCH_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    return at.switch_page("pages/explore.py").run()


def test_builder_view_is_restored_from_the_link(tiny_db, monkeypatch):
    at = start(tiny_db, monkeypatch, {"lang": "zh"})
    at.date_input(key="ex_as_of").set_value(date(2026, 4, 15)).run()
    at.multiselect(key="ex_fcols_hazards").set_value(["category", "hazard_status"]).run()
    at.multiselect(key="ex_f_hazards_category").set_value(["粉尘防爆", "安全管理"]).run()
    at.multiselect(key="ex_f_hazards_hazard_status").set_value(["overdue"]).run()
    at.selectbox(key="ex_g1_hazards").set_value("town").run()
    assert not at.exception, at.exception
    made = at.dataframe[0].value
    # As of 04-15 overdue among 粉尘防爆/安全管理: H3 (due 04-10, open) only; H5 was rectified 04-02.
    assert made.values.tolist() == [["甲镇", 1]]
    link = {k: at.query_params[k] for k in at.query_params}
    assert link["ds"] == ["hazards"] or link["ds"] == "hazards"

    again = start(tiny_db, monkeypatch, link)
    assert not again.exception, again.exception
    assert again.dataframe[0].value.equals(made)
    assert again.multiselect(key="ex_f_hazards_category").value == ["粉尘防爆", "安全管理"]
    assert again.selectbox(key="ex_g1_hazards").value == "town"
    chart = json.loads(again.get("plotly_chart")[0].proto.spec)
    assert chart["layout"]["title"]["text"] == "隐患数（条）（按镇街）"
    assert chart["layout"]["xaxis"]["title"]["text"] == "镇街"


def test_bad_link_says_why(tiny_db, monkeypatch):
    at = start(tiny_db, monkeypatch, {"lang": "en", "ds": "hazards", "g1": "password"})
    assert not at.exception
    assert any("unknown column: password" in w.value for w in at.warning)


def test_english_and_empty_state(tiny_db, monkeypatch):
    at = start(tiny_db, monkeypatch, {"lang": "en", "ds": "cases", "g1": "measure"})
    assert not at.exception
    assert any("No record matches" in i.value for i in at.info)
    assert at.title[0].value == "Explore"
