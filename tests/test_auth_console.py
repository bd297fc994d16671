"""The SQL console for a town-scoped user: an in-memory copy of only their towns' rows."""

import duckdb
import pytest

from gridwatch import console, console_worker, i18n
from gridwatch.paths import SCHEMA_FILE
from tests.conftest import build_fixture_db
from tests.test_auth_app import clock, fresh, open_url, served_through_app_py, sign_in  # noqa: F401


@pytest.fixture
def db(tmp_path):
    return build_fixture_db(tmp_path / "scope.duckdb", "tiny.sql", "auth_scope.sql")


def rows(db, sql, towns=("乙镇",)):
    return console.run(db, sql, towns=towns).frame


def test_scoped_copy_holds_only_the_towns_rows(db):
    # tiny.sql: 乙镇 has E3, E4, E5; grids G-B, G-B-1; inspections I4 (E3), I6 (E5);
    # hazards H4 (E3) only. auth_scope.sql: case C2; tip-offs T2 (E4) and T3 (town 乙镇).
    assert list(rows(db, "select distinct town from enterprises")["town"]) == ["乙镇"]
    assert sorted(rows(db, "select enterprise_id from enterprises")["enterprise_id"]) == ["E3", "E4", "E5"]
    assert sorted(rows(db, "select grid_id from grids")["grid_id"]) == ["G-B", "G-B-1"]
    assert sorted(rows(db, "select inspection_id from inspections")["inspection_id"]) == ["I4", "I6"]
    assert list(rows(db, "select hazard_id from hazards")["hazard_id"]) == ["H4"]
    assert list(rows(db, "select case_id from cases")["case_id"]) == ["C2"]
    assert sorted(rows(db, "select tipoff_id from tipoffs")["tipoff_id"]) == ["T2", "T3"]
    assert len(rows(db, "select * from staff")) == 2, "staff name no town: copied whole"
    assert rows(db, "select * from quarantine").empty, "raw rejected rows of any town: never copied"
    # The schema's macros work on the copy: H4 is overdue as of 2026-04-05.
    status = rows(db, "select hazard_id, is_overdue from hazard_status(date '2026-04-05')")
    assert status.to_dict("records") == [{"hazard_id": "H4", "is_overdue": True}]
    assert len(rows(db, "select * from scoped_enterprises([], [], [])")) == 3


def test_other_town_rows_cannot_be_named(db):
    for sql in ("select * from src.enterprises", "select * from w.enterprises",
                "select * from gridwatch.enterprises", "select * from scope.enterprises"):
        with pytest.raises(console.Refused) as refused:
            console.run(db, sql, towns=("乙镇",))
        assert refused.value.reason == "unknown_name", sql
    with pytest.raises(console.Refused) as refused:
        console.run(db, f"select * from '{db}'", towns=("乙镇",))
    assert refused.value.reason == "not_allowed"
    with pytest.raises(console.Refused) as refused:
        console.run(db, f"attach '{db}' as again", towns=("乙镇",))
    assert refused.value.reason == "not_select"
    assert "甲镇" not in rows(db, "select string_agg(town, ',') as t from tipoffs")["t"].iloc[0]


def test_whole_county_console_unchanged(db):
    assert sorted(rows(db, "select distinct town from enterprises", towns=())["town"]) == ["乙镇", "甲镇"]
    assert len(rows(db, "select * from hazards", towns=())) == 6


def test_unknown_table_is_never_copied_unscoped(tmp_path):
    from gridwatch import warehouse

    path = build_fixture_db(tmp_path / "extra.duckdb", "tiny.sql")
    with warehouse.rewrite(path) as con:
        con.execute("create table secrets_by_town as select 1 as x")
    with pytest.raises(console.Refused) as refused:
        console.run(path, "select 1", towns=("乙镇",))
    assert "secrets_by_town" in refused.value.detail


@pytest.mark.parametrize("sql", [
    "select * from read_blob('{db}')", "select * from read_blob('{db}.wal')", "select * from duckdb_databases()",
    "select * from duckdb_settings()", "select current_setting('allowed_paths')", "select * from glob('{dir}/*')",
])
def test_a_scoped_user_reads_no_file_and_no_path(db, sql):
    with pytest.raises(console.Refused) as refused:
        console.run(db, sql.format(db=db, dir=db.parent), towns=("乙镇",))
    assert refused.value.reason == "not_allowed"
    assert str(db.parent) not in refused.value.detail


def test_the_scoped_copy_keeps_no_trace_of_the_warehouse(db):
    limits = {"memory_limit": "256MB", "threads": 1, "time_limit_seconds": 1}
    con = console_worker.sandbox(str(db), SCHEMA_FILE.read_text(encoding="utf-8"), limits, towns=("乙镇",))
    try:
        assert [r[0] for r in con.execute("select database_name from duckdb_databases() where not internal")
                .fetchall()] == ["memory"]
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"select * from read_blob('{db}')").fetchall()
    finally:
        con.close()


def test_the_page_tells_a_scoped_user_what_the_console_holds(clock):  # noqa: F811
    at = sign_in(fresh("en"), "li")
    open_url(at, "explore")
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert i18n.text("explore.console.scope_towns", "en", towns="乙镇") in captions
    assert i18n.text("explore.console.scope_all", "en") not in captions


@pytest.mark.parametrize("sql, tables", [
    ("select 1", set()),
    ("select count(*) from worklogs", {"worklogs"}),
    # hazard_status reads hazards; scoped_enterprises reads enterprises.
    ("select * from hazard_status(date '2026-04-05') join scoped_enterprises([], [], []) using (enterprise_id)",
     {"hazards", "enterprises"}),
    # found_hazards: hazards and, through scoped_enterprises, enterprises; grid_gaps (a scalar macro) grids.
    ("select grid_gaps('甲镇', null, null, null, 'G-A') as gap, (select count(*) from found_hazards([], [], [])) as n",
     {"grids", "hazards", "enterprises"}),
    ("with hazards as (select 1 as x) select * from hazards", {"hazards"}),
])
def test_a_scoped_copy_takes_only_the_tables_a_statement_reads(db, sql, tables):
    con = console_worker._open(str(db), SCHEMA_FILE.read_text(encoding="utf-8"), ("乙镇",))
    try:
        _, tree = console_worker.one_select(con, sql)
        assert console_worker.tables_read(con, tree) == tables
    finally:
        con.close()
