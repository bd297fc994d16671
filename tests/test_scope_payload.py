"""A town-scoped user's pages send nothing of another town (issue 15, point 2).

Two users scoped to 乙镇 of the tiny county sign in: ``li`` (staff S2, who led I3 at E2
and I5 at E6, both 甲镇) and ``yi_office`` (office). Every page is opened and its choices
are walked (each quarter and person on the scoring page, each enterprise, each grid,
dimension, squadron, category, dataset and grouping), and everything each state sends
(tests/page_payload.py) is searched for 甲镇 and its enterprises' names, ids, credit codes,
grids, hazard descriptions and record ids.
"""


import pytest
import yaml

from gridwatch.navigation import PAGES
from tests import page_payload
from tests.conftest import build_fixture_db
from tests.test_auth_app import FIXTURE, clock, fresh, open_url, served_through_app_py, sign_in  # noqa: F401

# Everything of 甲镇 in tiny.sql and auth_scope.sql that a page could show: the town, its
# enterprises' names, ids, credit codes and grids, the department and industries found only
# there, the hazard categories and descriptions and the campaign of its records, and the
# record ids.
OTHER_TOWN = (
    "甲镇", "甲一机械厂", "甲二食品厂", "甲三冶炼厂", "E1", "E2", "E6",
    "91370000000000001A", "91370000000000002B", "91370000000000006F", "G-A", "G-A-1", "一村网格",
    "市场监管局", "机械制造", "食品加工", "冶金",
    "机械防护", "配电箱无防护", "灭火器过期", "除尘器未接地", "台账不全", "防护罩缺失",
    "I1", "I2", "I3", "I5", "H1", "H2", "H3", "H5", "H6", "C1", "T1", "T4",
)
USERS = {"li": "li-pass-2026", "yi_office": "office-pass-2026"}


@pytest.fixture
def scoped(request, monkeypatch, tmp_path):
    """Sign-in on (as tests/test_auth_app.py signs in) with the fixture users plus an office user scoped to 乙镇,
    on the tiny county with cases and tip-offs."""
    request.getfixturevalue("clock")
    config = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    config["users"]["yi_office"] = {**config["users"]["office"], "towns": ["乙镇"]}
    users = tmp_path / "auth.yaml"
    users.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    db = build_fixture_db(tmp_path / "tiny.duckdb", "tiny.sql", "auth_scope.sql")
    monkeypatch.setenv("GRIDWATCH_AUTH", str(users))
    monkeypatch.setenv("GRIDWATCH_DB", str(db))
    return db


@pytest.mark.parametrize("user", list(USERS))
@pytest.mark.parametrize("page", [spec.key for spec in PAGES])
def test_scoped_user_is_sent_nothing_of_another_town(scoped, user, page):
    at = sign_in(fresh(), user, USERS[user])
    assert not at.exception
    seen = 0
    for state in page_payload.walk(at, page, open_url, enterprises=("E3", "E4", "E5")):
        assert not at.exception, (state, at.exception)
        assert not page_payload.leaks(at, OTHER_TOWN), (state, page_payload.leaks(at, OTHER_TOWN)[:10])
        seen += 1
    assert seen >= 1


@pytest.mark.parametrize("user", list(USERS))
def test_stored_filters_naming_another_town_send_nothing_of_it(scoped, user):
    at = sign_in(fresh(gf_towns=["甲镇"]), user, USERS[user])
    for spec in PAGES:
        open_url(at, spec.key)
        assert not at.exception, (spec.key, at.exception)
        assert not page_payload.leaks(at, OTHER_TOWN), (spec.key, page_payload.leaks(at, OTHER_TOWN)[:10])


@pytest.mark.parametrize("user", list(USERS))
def test_another_towns_enterprise_reads_as_unknown(scoped, user):
    """Asking for E1 (甲镇) by URL gets the page a made-up id gets: it does not tell that E1 exists."""
    at = sign_in(fresh(), user, USERS[user])
    shown = {}
    for enterprise_id in ("E1", "E999"):
        at.query_params["enterprise"] = enterprise_id
        open_url(at, "enterprise")
        assert not at.exception
        shown[enterprise_id] = [(p.where, p.text.replace(enterprise_id, "<id>"))
                                for p in page_payload.pieces(at) if not p.where.endswith(".id")]
        words = tuple(w for w in OTHER_TOWN if w != enterprise_id)
        assert not page_payload.leaks(at, words)
    assert shown["E1"] == shown["E999"]


def test_the_scan_finds_what_a_whole_county_user_sees(scoped):
    """The scan is not blind: the same walk finds 甲镇's records for a user without a scope."""
    at = sign_in(fresh(), "office", "office-pass-2026")
    found = set()
    for page in ("performance", "hazards", "coverage"):
        for _ in page_payload.walk(at, page, open_url, enterprises=("E1",)):
            found |= {line.split(" in ")[0] for line in page_payload.leaks(at, OTHER_TOWN)}
    assert {"'甲镇'", "'甲一机械厂'", "'甲二食品厂'", "'E1'", "'I1'", "'市场监管局'", "'机械防护'"} <= found


# The queries that take no town scope, each with why: none returns an enterprise, a town or a record of one.
UNSCOPED = {
    "explore_schema": "the warehouse's tables and columns, no rows",
    "explore_staff": "staff belong to squadrons, not towns",
    "explore_worklogs": "a person's work log days, no enterprise",
    "performance_components": "a person's whole quarter, counted: names of staff and numbers only",
    "performance_worklogs": "a person's work log days, no enterprise",
    "import_log": "the clerk's page: files loaded, counts",
    "import_quarantine": "the clerk's page: an import replaces the whole county",
    "recorded_fields": "whether each field holds a value anywhere: booleans, no rows",
    "quality_units": "the names of staff units, no enterprise",
    "plan_capacity": "the plan's county-wide model inputs; the page keeps only the user's towns (plan_view.scoped)",
    "plan_enterprises": "the plan's county-wide model inputs; the page keeps only the user's towns (plan_view.scoped)",
    "plan_features": "the plan's county-wide model inputs; the page keeps only the user's towns (plan_view.scoped)",
    "plan_sources": "the plan's county-wide model inputs; the page keeps only the user's towns (plan_view.scoped)",
    "plan_visits": "the plan's county-wide model inputs; the page keeps only the user's towns (plan_view.scoped)",
    "import_problem_groups": "the clerk's page: an import's problems, whole files",
    "status_columns": "the data-quality page, which a town-scoped user is refused",
    "status_defaulted_columns": "the data-quality page, which a town-scoped user is refused",
    "status_future_dates": "the data-quality page, which a town-scoped user is refused",
    "status_sources": "the data-quality page, which a town-scoped user is refused",
    "status_tables": "the data-quality page, which a town-scoped user is refused",
    "status_warnings": "the data-quality page, which a town-scoped user is refused",
}


def test_every_query_takes_the_town_scope_or_says_why_not():
    from gridwatch import queries

    unscoped = {name for name, q in queries.catalogue().items() if "towns" not in q.used_params}
    assert unscoped == set(UNSCOPED), "a new query must take $towns (scoped_enterprises) or be listed here"
