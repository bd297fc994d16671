"""The SQL console: hostile statements are refused with a reason and change nothing; answers are bounded.

The statements run in a worker process (gridwatch/console_worker.py) exactly as on the
server; the tiny county of tests/fixtures/tiny.sql is the warehouse.
"""

import hashlib
import io
import resource
import threading
import time
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from gridwatch import console, console_worker, explore, i18n, warehouse
from gridwatch.paths import SCHEMA_FILE

APP = str(Path(__file__).resolve().parent.parent / "app.py")
FAST = console.Limits(time_limit_seconds=2, memory_limit="256MB", threads=1, max_rows_shown=3,
                      max_rows_download=5, max_columns=8, max_cell_chars=10, max_result_mb=1, max_shown_mb=1,
                      max_xlsx_cells=1000, max_sql_chars=10_000, max_concurrent=2)
LEAKS = (Path("/tmp/gridwatch_explore_leak.csv"), Path("/tmp/gridwatch_explore_other.duckdb"),
         Path("/tmp/gridwatch_explore_leak"))

# {db} is the warehouse file. Every statement must be refused for the reason given (or one of them).
ATTACKS = [
    # Files: the warehouse, its WAL, DuckDB's temporary directory, anything else.
    ("select * from read_csv('/etc/passwd')", "not_allowed"),
    ("select * from read_csv_auto('/etc/passwd')", "not_allowed"),
    ("select * from read_text('/etc/passwd')", "not_allowed"),
    ("select * from read_blob('{db}')", "not_allowed"),
    ("select * from read_blob('{db}.wal')", "not_allowed"),
    ("select * from read_blob('{db}.tmp/*')", "not_allowed"),
    ("select * from read_blob('/proc/self/environ')", "not_allowed"),
    ("select * from read_parquet('/tmp/x.parquet')", "not_allowed"),
    ("select * from read_json('/etc/passwd')", "not_allowed"),
    ("select * from read_duckdb('{db}', table_name := 'staff')", "not_allowed"),
    ("select * from parquet_metadata('/tmp/x.parquet')", "not_allowed"),
    ("select * from sniff_csv('/etc/passwd')", "not_allowed"),
    ("select * from glob('/etc/*')", "not_allowed"),
    ("select * from '/etc/passwd'", "not_allowed"),
    ("select * from '{db}'", "not_allowed"),
    ("select (select count(*) from read_blob('{db}')) as n", "not_allowed"),
    ("select 1 where exists (select * from read_text('/etc/passwd'))", "not_allowed"),
    ("select name from staff union all select content from read_text('/etc/passwd')", "not_allowed"),
    ("select * from staff, lateral (select * from read_blob(staff.name))", "not_allowed"),
    ("with x as (select * from read_blob('{db}')) select count(*) from x", "not_allowed"),
    ("describe select * from read_blob('{db}')", "not_allowed"),
    ("summarize select * from read_csv('/etc/passwd')", "not_allowed"),
    # Paths and settings.
    ("select * from duckdb_databases()", "not_allowed"),
    ("select * from duckdb_databases", "not_allowed"),
    ("select * from pragma_database_list", "not_allowed"),
    ("select * from duckdb_settings()", "not_allowed"),
    ("select * from system.main.duckdb_settings()", "not_allowed"),
    ("select * from pg_catalog.pg_settings", "not_allowed"),
    ("select * from pg_settings", "not_allowed"),
    ("select current_setting('temp_directory')", "not_allowed"),
    ("select upper(system.main.current_setting('allowed_paths'))", "not_allowed"),
    ("select getvariable('x')", "not_allowed"),
    ("select * from duckdb_temporary_files()", "not_allowed"),
    ("select * from duckdb_extensions()", "not_allowed"),
    ("select * from duckdb_secrets()", "not_allowed"),
    ("select * from which_secret('s3://x', 's3')", "not_allowed"),
    ("select * from duckdb_logs", "not_allowed"),
    ("select * from pragma_storage_info('hazards')", "not_allowed"),
    ("describe duckdb_settings", "not_allowed"),
    ("select * from DuckDB_Settings()", "not_allowed"),
    ('select * from "duckdb_settings"()', "not_allowed"),
    ("from duckdb_settings() select name, value", "not_allowed"),
    ("select * from memory.main.duckdb_settings()", "not_allowed"),
    ("select * from (values (1)) as t(x), lateral (select * from duckdb_settings())", "not_allowed"),
    ("select * from unnest((select list(path) from duckdb_databases()))", "not_allowed"),
    ("select * from read_blob(['{db}', '/etc/passwd'])", "not_allowed"),
    ("select * from 'file:///etc/passwd'", "not_allowed"),
    ("select * from 'https://example.com/x.csv'", "not_allowed"),
    # A CTE may not borrow a name that would reach those where it does not apply.
    ("with duckdb_settings as (select 1) select * from duckdb_settings", "not_allowed"),
    ("with x as (select 1) select * from x, duckdb_settings()", "not_allowed"),
    ("select * from (with pragma_database_list as (select 1 a) select a from pragma_database_list)", "not_allowed"),
    # SQL in a string, side effects.
    ("select * from query('select * from duckdb_settings()')", "not_allowed"),
    ("select * from query_table('staff')", "not_allowed"),
    ("select * from json_execute_serialized_sql(json_serialize_sql('select 1'))", "not_allowed"),
    ("select * from checkpoint()", "not_allowed"),
    ("select * from force_checkpoint()", "not_allowed"),
    ("select * from enable_logging()", "not_allowed"),
    ("select * from truncate_duckdb_logs()", "not_allowed"),
    ("select write_log('x')", "not_allowed"),
    # Statements other than one SELECT.
    ("copy enterprises to '/tmp/gridwatch_explore_leak.csv'", "not_select"),
    ("copy (select * from staff) to '/tmp/gridwatch_explore_leak.csv'", "not_select"),
    ("copy staff from '/etc/passwd'", "not_select"),
    ("export database '/tmp/gridwatch_explore_leak'", "not_select"),
    ("import database '/tmp/gridwatch_explore_leak'", "not_select"),
    ("attach '/tmp/gridwatch_explore_other.duckdb' as other", "not_select"),
    ("attach ':memory:' as m", "not_select"),
    ("detach w", "not_select"),
    ("use memory", "not_select"),
    ("install httpfs", "not_select"),
    ("force install httpfs", "not_select"),
    ("load httpfs", "not_select"),
    ("update extensions", "not_select"),
    ("set threads = 64", "not_select"),
    ("set lock_configuration = false", "not_select"),
    ("set global enable_external_access = true", "not_select"),
    ("reset max_execution_time", "not_select"),
    ("pragma threads = 64", "not_select"),
    ("pragma database_list", "not_select"),
    ("call pragma_version()", "not_select"),
    ("call duckdb_settings()", "not_select"),
    ("create table loot (a int)", "not_select"),
    ("create table memory.main.loot as select * from staff", "not_select"),
    ("create temp table loot as select * from staff", "not_select"),
    ("create view v as select * from staff", "not_select"),
    ("create macro m() as 1", "not_select"),
    ("create secret (type s3, key_id 'x', secret 'y')", "not_select"),
    ("insert into staff values ('S9', '内鬼', '第一中队', '执法人员', false, true)", "not_select"),
    ("update hazards set rectified_date = found_date", "not_select"),
    ("delete from hazards", "not_select"),
    ("drop table hazards", "not_select"),
    ("alter table hazards rename to h2", "not_select"),
    ("truncate hazards", "not_select"),
    ("with x as (select 1) delete from hazards", "not_select"),
    ("checkpoint", "not_select"),
    ("vacuum", "not_select"),
    ("begin transaction", "not_select"),
    ("prepare p as select 1", "not_select"),
    ("explain select 1", "not_select"),
    ("explain analyze select * from staff", "not_select"),
    ("pivot (select 1 as x) on x using count(*)", "not_select"),
    ("select 1; drop table hazards", "multiple"),
    ("select 1; select 2", "multiple"),
    ("select 1 -- ;\n; drop table hazards", "multiple"),
    ("", "empty"),
    ("-- only a comment", "empty"),
    ("selec 1", "syntax"),
    ("select * from hazardz", "unknown_name"),
    # Runaway statements.
    ("select sum(a.range * b.range) from range(100000) as a, range(100000) as b", "timeout"),
    # Materialising a billion rows passes 256 MB in about a second; on a busy machine the time limit may come first.
    ("select count(*) from range(1000000000) as a, range(1000000000) as b", ("memory", "timeout")),
    ("select length(repeat('x', 3000000000)) as n", "memory"),
    ("select * from " + ", ".join(f"range(1) as r{i}" for i in range(300)), "too_complex"),
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
    Path(f"{tiny_db}.tmp").mkdir(exist_ok=True)
    Path(f"{tiny_db}.tmp/duckdb_temp_block-1.block").write_text("another statement's spilled rows")
    before = fingerprint(tiny_db)
    with pytest.raises(console.Refused) as caught:
        console.run(tiny_db, sql.format(db=tiny_db), FAST)
    assert caught.value.reason in ((reason,) if isinstance(reason, str) else reason), caught.value
    # Every refusal has a message in both languages, and none names the warehouse's place on disk.
    for lang in i18n.LANGS:
        assert i18n.text(f"explore.console.refused.{caught.value.reason}", lang, detail=caught.value.detail, seconds=2,
                         columns=8, sql_chars=10_000, memory="256MB")
    assert str(tiny_db.parent) not in caught.value.detail
    assert fingerprint(tiny_db) == before
    assert not any(p.exists() for p in LEAKS)


ALLOWED = [
    # tests/fixtures/tiny.sql: 甲镇 E1 E2 E6, 乙镇 E3 E4 E5; 乙 (U+4E59) sorts before 甲 (U+7532).
    ("select town, count(*) as n from enterprises group by town order by town", [["乙镇", 3], ["甲镇", 3]]),
    # Overdue as of 2026-03-31 are H4 and H5.
    ("with s as (select * from hazard_status(date '2026-03-31')) select hazard_id from s "
     "where status = 'overdue' order by hazard_id;", [["H4"], ["H5"]]),
    ("select 1 /* ; drop table hazards */ as x", [[1]]),
    ("select '; drop table hazards' as s", [["; drop table hazards"]]),
    ("select 1;", [[1]]),
    ("from staff select name order by staff_id", [["张三"], ["李四"]]),
    ("values (1, 'a'), (2, 'b')", [[1, "a"], [2, "b"]]),
    ("select count(*) as n from information_schema.tables where table_name = 'hazards'", [[1]]),
    ("select table_name from duckdb_tables() where table_name = 'staff'", [["staff"]]),
    ("select count(*) as n from (describe staff)", [[6]]),
    ("with recursive r(n) as (select 1 union all select n + 1 from r where n < 3) select sum(n) as s from r", [[6]]),
    ("select unnest([1, 2, 3]) as v", [[1], [2], [3]]),
    ("select sum(range) as s from range(5)", [[10]]),
    ("select count(*) as n from scoped_enterprises(['乙镇'], [], [])", [[3]]),
    ("select hazard_id from hazards qualify row_number() over (order by hazard_id) <= 2", [["H1"], ["H2"]]),
    ("select * from (select town, count(*) as c from enterprises group by town) "
     "pivot (sum(c) for town in ('甲镇', '乙镇'))", [[3, 3]]),
    # E1 has H1 and H2, E2 has H3 and H5; 一 (U+4E00) sorts before 二 (U+4E8C).
    ("select e.name from enterprises e, lateral (select count(*) as n from hazards h "
     "where h.enterprise_id = e.enterprise_id) x where x.n = 2 order by 1", [["甲一机械厂"], ["甲二食品厂"]]),
    ("with hazards as (select * from hazards where level = 'major') select hazard_id from hazards", [["H1"]]),
]


@pytest.mark.parametrize("sql, rows", ALLOWED)
def test_honest_queries_return_the_right_rows(tiny_db, sql, rows):
    result = console.run(tiny_db, sql, console.Limits())
    assert result.frame.values.tolist() == rows
    assert not (result.more_rows or result.size_cut or result.cells_cut)


def test_every_example_runs(tiny_db):
    for key in explore.EXAMPLES:
        frame = console.run(tiny_db, explore.example(key, date(2026, 3, 31)), console.Limits()).frame
        assert isinstance(frame, pd.DataFrame), key


def test_show_tables_names_the_warehouse_tables(tiny_db):
    names = set(console.run(tiny_db, "show tables", console.Limits()).frame["name"])
    assert set(warehouse.TABLES) <= names
    every = console.run(tiny_db, "show all tables", console.Limits()).frame
    assert set(warehouse.TABLES) <= set(every["name"]) and set(every["database"]) == {"w"}
    assert console.run(tiny_db, "show databases", console.Limits()).frame["database_name"].tolist() == [
        "memory", "w"]


def test_the_sandbox_itself_reads_no_file(tiny_db):
    """Not only the checks: the connection has no file system, no spill directory, locked settings."""
    Path(f"{tiny_db}.tmp").mkdir(exist_ok=True)
    Path(f"{tiny_db}.tmp/spill.block").write_text("rows")
    limits = {"memory_limit": "256MB", "threads": 1, "time_limit_seconds": 2}
    con = console_worker.sandbox(str(tiny_db), SCHEMA_FILE.read_text(encoding="utf-8"), limits)
    try:
        settings = dict(con.execute(
            "select name, value from duckdb_settings() where name in ('enable_external_access', "
            "'lock_configuration', 'python_enable_replacements', 'autoload_known_extensions', "
            "'autoinstall_known_extensions', 'max_execution_time', 'threads', 'temp_directory')").fetchall())
        assert settings == {
            "enable_external_access": "false", "lock_configuration": "true", "python_enable_replacements": "false",
            "autoload_known_extensions": "false", "autoinstall_known_extensions": "false",
            "max_execution_time": "2000", "threads": "1", "temp_directory": "",
        }
        assert con.execute("select count(*) from hazards").fetchone()[0] == 6
        # DuckDB lets enable_external_access = false read these; disabled_filesystems does not (duckdb_settings()
        # shows that setting empty on 2.0.1 even when it is on, so the reads themselves are the test).
        for path in (tiny_db, f"{tiny_db}.wal", f"{tiny_db}.tmp/spill.block", "/etc/passwd"):
            with pytest.raises(duckdb.PermissionException):
                con.execute(f"select * from read_blob('{path}')").fetchall()
        for statement in ("copy staff to '/tmp/gridwatch_explore_leak.csv'", "set lock_configuration = false",
                          "set disabled_filesystems = ''",
                          "insert into staff values ('S9', 'x', 'u', 'r', false, true)"):
            with pytest.raises(duckdb.Error):
                con.execute(statement)
    finally:
        con.close()
    assert not any(p.exists() for p in LEAKS)


def test_rows_are_capped_for_the_page_and_the_download(tiny_db):
    # 6 hazards, download cap 5, page cap 3.
    result = console.run(tiny_db, "select hazard_id from hazards order by hazard_id", FAST)
    assert result.more_rows
    assert result.frame["hazard_id"].tolist() == ["H1", "H2", "H3", "H4", "H5"]
    assert result.shown["hazard_id"].tolist() == ["H1", "H2", "H3"]


def test_too_many_columns_are_refused(tiny_db):
    with pytest.raises(console.Refused) as caught:
        console.run(tiny_db, "select * from hazards", FAST)
    assert (caught.value.reason, caught.value.detail) == ("columns", "20")


def test_fifty_thousand_columns_are_refused_within_the_limit(tiny_db):
    sql = "select " + ", ".join(f"{i} as c{i}" for i in range(50_000))
    with pytest.raises(console.Refused) as caught:
        console.run(tiny_db, sql, console.Limits())
    assert (caught.value.reason, caught.value.detail) == ("too_long", f"{len(sql):,}")
    started = time.monotonic()
    wide = console.Limits(max_sql_chars=len(sql))
    with pytest.raises(console.Refused) as caught:
        console.run(tiny_db, sql, wide)
    # Binding 50,000 columns takes seconds DuckDB's own limit does not see (21.6 s past it before).
    assert caught.value.reason in ("columns", "timeout")
    assert time.monotonic() - started < console.STARTUP_SECONDS + wide.time_limit_seconds + console.GRACE_SECONDS


def test_the_deadline_kills_what_duckdb_cannot_interrupt(tiny_db, monkeypatch):
    started = []
    real = console.subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(console.subprocess, "Popen", popen)
    monkeypatch.setattr(console, "GRACE_SECONDS", 0.2)
    sql = "select " + ", ".join(f"{i} as c{i}" for i in range(50_000))
    with pytest.raises(console.Refused) as caught:
        console.run(tiny_db, sql, console.Limits(time_limit_seconds=0.3, max_sql_chars=len(sql)))
    # Not "columns": the binding was stopped half-way, and the worker is gone.
    assert caught.value.reason == "timeout"
    assert started[0].returncode == -9


def test_long_cells_are_cut_and_counted(tiny_db):
    result = console.run(tiny_db, "select repeat('x', 25) as s, 'short' as t, 'x' || repeat('é', 9) as u", FAST)
    assert result.frame.values.tolist() == [["x" * 10 + console_worker.CUT_MARK, "short", "x" + "é" * 9]]
    assert result.cells_cut == 1
    # The 113 MB string_agg that crashed a tab: one cell of 10 characters and the mark.
    result = console.run(tiny_db, "select string_agg(repeat('y', 1000), ',') as s from range(113000)",
                         console.Limits(max_cell_chars=10))
    assert result.frame["s"].tolist() == ["y" * 10 + console_worker.CUT_MARK]
    assert result.cells_cut == 1


def test_the_answer_stops_at_its_size(tiny_db):
    lim = console.Limits(max_rows_download=100_000, max_result_mb=0.01, max_shown_mb=0.002, max_cell_chars=100)
    result = console.run(tiny_db, "select range as i, repeat('z', 50) as s from range(5000)", lim)
    assert result.size_cut and not result.more_rows
    rows = len(result.frame)
    # Each row holds 8 bytes of i, 50 of s and its 4-byte offset: 10,485 bytes hold at most 169.
    assert 0 < rows <= 10_485 // 62
    assert result.frame["i"].tolist() == list(range(rows))
    assert 0 < result.shown_rows <= 2_097 // 62


def test_memory_is_bounded_in_the_worker_not_the_server(tiny_db):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    lim = console.Limits()
    started = time.monotonic()
    with pytest.raises(console.Refused) as caught:
        console.run(tiny_db, "select repeat('x', 1000000000) as x", lim)
    # repeat() allocates its gigabyte inside one call DuckDB neither interrupts nor counts.
    assert caught.value.reason in ("memory", "timeout")
    assert time.monotonic() - started < console.STARTUP_SECONDS + lim.time_limit_seconds + console.GRACE_SECONDS
    # ru_maxrss is in KiB: this process grew by less than 100 MB (it was 8.7 GB in the server).
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024


def test_statements_wait_for_a_turn_then_are_busy(tiny_db):
    one = console.Limits(time_limit_seconds=0.5, max_concurrent=1, max_sql_chars=10**6)
    wide = "select " + ", ".join(f"{i} as c{i}" for i in range(50_000))
    first = threading.Thread(target=lambda: pytest.raises(console.Refused, console.run, tiny_db, wide, one))
    first.start()
    time.sleep(0.3)
    try:
        with pytest.raises(console.Refused) as caught:
            console.run(tiny_db, "select 1", one)
        assert caught.value.reason == "busy"
    finally:
        first.join()
    assert console.run(tiny_db, "select 1 as x", one).frame["x"].tolist() == [1]


def test_limits_come_from_the_rules_file():
    lim = console.limits()
    assert (lim.time_limit_seconds, lim.memory_limit, lim.threads, lim.max_rows_shown, lim.max_rows_download,
            lim.max_columns, lim.max_cell_chars, lim.max_result_mb, lim.max_shown_mb, lim.max_xlsx_cells,
            lim.max_sql_chars, lim.max_concurrent) == (5, "1GB", 1, 10_000, 200_000, 200, 2_000, 20, 4, 100_000,
                                                       50_000, 2)


def test_every_reason_has_a_message_and_cells_fit_excel():
    for reason in console.REASONS:
        for lang in i18n.LANGS:
            assert i18n.text(f"explore.console.refused.{reason}", lang, detail="x", seconds=1, columns=1,
                             sql_chars=1, memory="1GB")
    assert console.limits({"console": {"max_cell_chars": 10**6}}).max_cell_chars == 32_766


def test_sizes_parse_as_duckdb_writes_them():
    assert [console_worker.parse_bytes(s) for s in ("1GB", "256MB", "2GiB", "512 KiB", "100")] == [
        10**9, 256 * 10**6, 2 * 2**30, 512 * 2**10, 100]
    with pytest.raises(ValueError):
        console_worker.parse_bytes("lots")


def test_console_and_the_app_connection_share_the_file(tiny_db):
    """STACK.md: one process cannot open a file twice with different settings; the worker is another process."""
    app = warehouse.open_readonly(tiny_db)
    try:
        assert console.run(tiny_db, "select count(*) as n from staff", FAST).frame["n"][0] == 2
        assert app.execute("select count(*) from staff").fetchone()[0] == 2
    finally:
        app.close()


def test_missing_warehouse_is_a_message(tmp_path):
    with pytest.raises(console.Refused) as caught:
        console.run(tmp_path / "none.duckdb", "select 1", FAST)
    assert caught.value.reason == "no_data"


# Values every download must hold: (SQL expression, as the frame holds it, as Excel holds it).
# None means "the same as the frame".
VALUES = [
    ("timestamptz '2026-03-01 08:00:00+00'", "2026-03-01 08:00:00+00", None),
    ("chr(1) || 'a' || chr(11) || 'b'", "\x01a\x0bb", "\ufffda\ufffdb"),
    ("'=1+1'", "=1+1", "'=1+1"),
    ("date '20000-01-01'", "20000-01-01", None),
    ("time '24:00:00'", "24:00:00", None),
    ("interval 3 day", "3 days", None),
    ("340282366920938463463374607431768211455::uhugeint", "340282366920938463463374607431768211455", None),
    ("[1, 2]", "[1, 2]", None),
    ("{'a': 1}", "{'a': 1}", None),
    ("map {'k': 'v'}", "{k=v}", None),
    ("'\\xAA'::blob", "\\xAA", None),
    ("'a'::enum('a', 'b')", "a", None),
    ("union_value(k := 1)", "1", None),
]


def test_downloads_hold_any_value(tiny_db):
    sql = "select " + ", ".join(f"{expr} as v{i}" for i, (expr, *_) in enumerate(VALUES))
    lim = console.Limits(max_columns=len(VALUES))
    result = console.run(tiny_db, sql, lim)
    assert result.frame.iloc[0].tolist() == [shown for _, shown, _ in VALUES]
    sheet = openpyxl.load_workbook(io.BytesIO(console.xlsx_bytes(result, "SQL: select chr(1)\x01"))).active
    assert sheet.cell(1, 1).value == "SQL: select chr(1)\ufffd"
    # Row 1 the header line, row 3 the column names, row 4 the answer.
    assert [sheet.cell(4, i + 1).value for i in range(len(VALUES))] == [
        excel if excel is not None else shown for _, shown, excel in VALUES]
    csv = console.csv_bytes(result, "SQL: select chr(1)\x01").decode("utf-8-sig")
    assert csv.startswith("SQL: select chr(1)\x01\n\n") and "\x01a\x0bb" in csv and "'=1+1" in csv


def test_dates_and_names_excel_cannot_hold(tiny_db):
    sql = ("select date '0500-01-01' as old, timestamp '2026-03-01 08:30:00' as ts, date '2026-03-01' as d, "
           "1 as \"a\x01\", 2 as a, 3 as a, 1.5::double as f, 'nan'::double as nan")
    result = console.run(tiny_db, sql, console.Limits())
    assert list(result.frame.columns) == ["old", "ts", "d", "a\ufffd", "a", "a (2)", "f", "nan"]
    sheet = openpyxl.load_workbook(io.BytesIO(console.xlsx_bytes(result, "h"))).active
    assert [sheet.cell(3, i).value for i in range(1, 7)] == ["old", "ts", "d", "a\ufffd", "a", "a (2)"]
    assert [sheet.cell(4, i).value for i in range(1, 8)] == [
        "0500-01-01", pd.Timestamp("2026-03-01 08:30:00").to_pydatetime(),
        pd.Timestamp("2026-03-01").to_pydatetime(), 1, 2, 3, 1.5]


def test_excel_is_offered_only_for_small_answers(tiny_db):
    result = console.run(tiny_db, "select * from range(5) as t(a), range(2) as u(b)", console.Limits())
    assert console.xlsx_fits(result, console.Limits(max_xlsx_cells=20))
    assert not console.xlsx_fits(result, console.Limits(max_xlsx_cells=19))


def start(db, monkeypatch, lang, rules: Path | None = None):
    monkeypatch.setenv("GRIDWATCH_DB", str(db))
    if rules:
        monkeypatch.setenv("GRIDWATCH_RULES", str(rules))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    return at.switch_page("pages/explore.py").run()


def ask(at: AppTest, sql: str) -> AppTest:
    at.text_area(key="ex_sql").set_value(sql).run()
    return at.button(key="ex_run").click().run()


def test_console_in_the_page_refuses_with_a_message(tiny_db, monkeypatch):
    at = start(tiny_db, monkeypatch, "zh")
    ask(at, "select 1; drop table hazards")
    assert not at.exception, at.exception
    assert any("一次只能执行一条语句" in e.value for e in at.error)
    ask(at, "select * from read_blob('x')")
    assert any("不允许" in e.value for e in at.error)
    assert [c.value for c in at.code if c.value == "read_blob()"]
    ask(at, "select name from staff order by staff_id")
    assert not at.exception
    answers = [d.value for d in at.dataframe if list(d.value.columns) == ["name"]]
    assert [a["name"].tolist() for a in answers] == [["张三", "李四"]]


def small_rules(tmp_path: Path) -> Path:
    from gridwatch import rules

    text = rules.rules_file().read_text(encoding="utf-8")
    for key, value in (("max_rows_download", "4"), ("max_rows_shown", "2"), ("max_cell_chars", "5"),
                       ("max_xlsx_cells", "3")):
        text = text.replace(f"\n{key} = ", f"\n{key} = {value}\n_was_{key} = ", 1)
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_page_states_every_cut(tiny_db, monkeypatch, tmp_path):
    at = start(tiny_db, monkeypatch, "en", small_rules(tmp_path))
    ask(at, "select hazard_id, description || repeat('!', 5) as d from hazards order by hazard_id")
    assert not at.exception, at.exception
    warnings = [w.value for w in at.warning]
    assert "More than 4 rows; only the first 4 are kept. Filter or aggregate more." in warnings
    assert "4 cells were longer than 5 characters and were cut (they end in “…”)." in warnings
    assert "4 rows; the first 2 are shown, the download holds all 4." in [c.value for c in at.caption]
    shown = next(d.value for d in at.dataframe if "hazard_id" in d.value.columns)
    # 配电箱无防护!!!!! cut at 5 characters.
    assert shown.values.tolist() == [["H1", "配电箱无防…"], ["H2", "灭火器过期…"]]
    assert any("Excel downloads hold at most 3 cells (this answer has 8)" in c.value for c in at.caption)


def test_a_rerun_shows_the_answer_without_running_it_again(tiny_db, monkeypatch):
    calls = []
    real = console.run

    def counted(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(console, "run", counted)
    at = start(tiny_db, monkeypatch, "en")
    ask(at, "select count(*) as n from hazards")
    assert calls == ["select count(*) as n from hazards"]
    at.selectbox(key="ex_example").set_value("penalties").run()
    at.text_area(key="ex_sql").set_value("select 2").run()
    assert calls == ["select count(*) as n from hazards"]
    assert [d.value["n"].tolist() for d in at.dataframe if list(d.value.columns) == ["n"]] == [[6]]


def test_the_page_says_what_the_console_sees(tiny_db, monkeypatch):
    at = start(tiny_db, monkeypatch, "en")
    captions = [c.value for c in at.caption]
    assert i18n.text("explore.console.scope_all", "en") in captions
    assert not any("sees all data" in c for c in captions)


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
