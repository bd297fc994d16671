"""The SQL console: an attack corpus is refused with a reason and changes nothing; honest queries work."""

import hashlib
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from gridwatch import console, i18n, warehouse

APP = str(Path(__file__).resolve().parent.parent / "app.py")
FAST = console.Limits(time_limit_seconds=0.5, memory_limit="256MB", threads=1, max_rows_shown=3,
                      max_rows_download=5)

ATTACKS = [
    ("select * from read_csv('/etc/passwd')", "permission"),
    ("select * from read_text('/etc/passwd')", "permission"),
    ("select * from read_blob('/etc/hostname')", "permission"),
    ("select * from glob('/etc/*')", "permission"),
    ("copy enterprises to '/tmp/gridwatch_explore_leak.csv'", "not_select"),
    ("copy (select * from staff) to '/tmp/gridwatch_explore_leak.csv'", "not_select"),
    ("export database '/tmp/gridwatch_explore_leak'", "not_select"),
    ("attach '/tmp/gridwatch_explore_other.duckdb' as other", "not_select"),
    ("detach w", "not_select"),
    ("install httpfs", "not_select"),
    ("load httpfs", "not_select"),
    ("set threads = 64", "not_select"),
    ("set lock_configuration = false", "not_select"),
    ("reset max_execution_time", "not_select"),
    ("pragma threads = 64", "not_select"),
    ("create table loot (a int)", "not_select"),
    ("create table memory.main.loot as select * from staff", "not_select"),
    ("insert into staff values ('S9', '内鬼', '第一中队', '执法人员', false, true)", "not_select"),
    ("update hazards set rectified_date = found_date", "not_select"),
    ("delete from hazards", "not_select"),
    ("drop table hazards", "not_select"),
    ("with x as (select 1) delete from hazards", "not_select"),
    ("checkpoint", "not_select"),
    ("call pragma_version()", "not_select"),
    ("select 1; drop table hazards", "multiple"),
    ("select 1; select 2", "multiple"),
    ("select count(*) from range(1000000000) as a, range(1000000000) as b", "timeout"),
    ("select current_setting('enable_external_access') and false from loot", "unknown_name"),
    ("", "empty"),
    ("-- only a comment", "empty"),
    ("selec 1", "syntax"),
]


def fingerprint(path: Path) -> tuple:
    """What must not change: the file's bytes, its metadata and each table's row count."""
    con = warehouse.open_readonly(path)
    try:
        counts = tuple(con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("meta", *warehouse.TABLES))
        meta = tuple(sorted(warehouse.meta(con).items()))
    finally:
        con.close()
    return hashlib.sha256(path.read_bytes()).hexdigest(), meta, counts


@pytest.mark.parametrize("sql, reason", ATTACKS)
def test_attack_is_refused_and_changes_nothing(tiny_db, sql, reason):
    before = fingerprint(tiny_db)
    with pytest.raises(console.Refused) as caught:
        console.run(tiny_db, sql, FAST)
    assert caught.value.reason == reason
    # Every refusal has a message in both languages.
    for lang in i18n.LANGS:
        assert i18n.text(f"explore.console.refused.{reason}", lang, detail=caught.value.detail, seconds=0.5)
    assert fingerprint(tiny_db) == before
    assert not Path("/tmp/gridwatch_explore_leak.csv").exists()
    assert not Path("/tmp/gridwatch_explore_other.duckdb").exists()


def test_file_reads_inside_a_select_are_blocked_by_the_sandbox_itself(tiny_db):
    """Not only the statement check: the connection has no file access, no extensions, locked settings."""
    con = console.sandbox(tiny_db, FAST)
    try:
        settings = dict(con.execute(
            "select name, value from duckdb_settings() where name in ('enable_external_access', "
            "'lock_configuration', 'python_enable_replacements', 'autoload_known_extensions', "
            "'autoinstall_known_extensions', 'max_execution_time', 'threads')").fetchall())
        assert settings == {
            "enable_external_access": "false", "lock_configuration": "true", "python_enable_replacements": "false",
            "autoload_known_extensions": "false", "autoinstall_known_extensions": "false",
            "max_execution_time": "500", "threads": "1",
        }
        for statement in ("copy staff to '/tmp/gridwatch_explore_leak.csv'", "set lock_configuration = false",
                          "insert into staff values ('S9', 'x', 'u', 'r', false, true)"):
            with pytest.raises(duckdb.Error):
                con.execute(statement)
    finally:
        con.close()


def test_a_pandas_frame_is_not_readable_by_variable_name(tiny_db, monkeypatch):
    secret = pd.DataFrame({"password": ["hunter2"]})
    # The attack is real: on a plain connection DuckDB finds a frame by its variable name.
    assert duckdb.connect().execute("select password from secret").fetchall() == [("hunter2",)]
    # The console's own module scope is where a replacement scan would look; put the frame there.
    monkeypatch.setattr(console, "secret", secret, raising=False)
    with pytest.raises(console.Refused) as caught:
        console.run(tiny_db, "select password from secret", FAST)
    assert caught.value.reason == "unknown_name"


def test_legitimate_queries_return_the_right_rows(tiny_db):
    # tests/fixtures/tiny.sql: 甲镇 E1 E2 E6, 乙镇 E3 E4 E5; 乙 (U+4E59) sorts before 甲 (U+7532).
    result = console.run(tiny_db, "select town, count(*) as n from enterprises group by town order by town", FAST)
    assert result.frame.values.tolist() == [["乙镇", 3], ["甲镇", 3]]
    assert not result.truncated
    # WITH … SELECT and the table macros: overdue as of 2026-03-31 are H4 and H5.
    sql = """with s as (select * from hazard_status(date '2026-03-31'))
             select hazard_id from s where status = 'overdue' order by hazard_id;"""
    assert console.run(tiny_db, sql, FAST).frame["hazard_id"].tolist() == ["H4", "H5"]


def test_rows_are_capped_for_the_page_and_the_download(tiny_db):
    # 6 hazards, download cap 5, page cap 3.
    result = console.run(tiny_db, "select hazard_id from hazards order by hazard_id", FAST)
    assert result.truncated
    assert result.frame["hazard_id"].tolist() == ["H1", "H2", "H3", "H4", "H5"]
    assert result.shown["hazard_id"].tolist() == ["H1", "H2", "H3"]


def test_limits_come_from_the_rules_file():
    lim = console.limits()
    assert (lim.time_limit_seconds, lim.memory_limit, lim.max_rows_shown, lim.max_rows_download) == (
        5, "1GB", 10_000, 200_000)


def test_console_and_the_app_connection_share_the_file_in_either_order(tiny_db):
    """STACK.md: one process cannot open a file twice with different settings; ATTACH READ_ONLY can."""
    app = warehouse.open_readonly(tiny_db)
    try:
        assert console.run(tiny_db, "select count(*) as n from staff", FAST).frame["n"][0] == 2
        assert app.execute("select count(*) from staff").fetchone()[0] == 2
    finally:
        app.close()
    sandbox = console.sandbox(tiny_db, FAST)
    try:
        app = warehouse.open_readonly(tiny_db)
        assert app.execute("select count(*) from hazards").fetchone()[0] == 6
        assert sandbox.execute("select count(*) from hazards").fetchone()[0] == 6
        app.close()
    finally:
        sandbox.close()


def test_missing_warehouse_is_a_message(tmp_path):
    with pytest.raises(console.Refused) as caught:
        console.run(tmp_path / "none.duckdb", "select 1", FAST)
    assert caught.value.reason == "error"


def start(db, monkeypatch, lang):
    monkeypatch.setenv("GRIDWATCH_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    return at.switch_page("pages/explore.py").run()


def test_console_in_the_page_refuses_with_a_message(tiny_db, monkeypatch):
    at = start(tiny_db, monkeypatch, "zh")
    at.text_area(key="ex_sql").set_value("select 1; drop table hazards").run()
    at.button(key="ex_run").click().run()
    assert not at.exception, at.exception
    assert any("一次只能执行一条语句" in e.value for e in at.error)
    at.text_area(key="ex_sql").set_value("select name from staff order by staff_id").run()
    at.button(key="ex_run").click().run()
    assert not at.exception
    answers = [d.value for d in at.dataframe if list(d.value.columns) == ["name"]]
    assert [a["name"].tolist() for a in answers] == [["张三", "李四"]]


def test_example_and_schema_browser(tiny_db, monkeypatch):
    at = start(tiny_db, monkeypatch, "en")
    at.selectbox(key="ex_example").set_value("penalties").run()
    at.button(key="ex_use_example").click().run()
    assert "from cases" in at.text_area(key="ex_sql").value
    labels = [e.label for e in at.expander]
    for table in warehouse.TABLES:
        assert any(label.startswith(f"{table} — ") for label in labels), table
    schema = pd.concat([d.value for d in at.dataframe if "Description" in d.value.columns])
    # meta 2 + grids 8 + enterprises 16 + staff 6 + inspections 10 + hazards 20 + cases 9 + tipoffs 7
    # + worklogs 4 = 82, plus the importer's import_log 14 + quarantine 12 = 108.
    assert len(schema) == 108
    assert not schema["Description"].eq("").any()
