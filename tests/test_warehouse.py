"""The warehouse file: atomic rewrites, schema upgrades, and the rule macros shared by queries."""

import duckdb
import pytest

from gridwatch import warehouse


def test_failed_rewrite_leaves_the_file_untouched(tiny_db):
    before = tiny_db.read_bytes()
    with pytest.raises(RuntimeError), warehouse.rewrite(tiny_db) as con:
        con.execute("delete from hazards")
        raise RuntimeError("interrupted")
    assert tiny_db.read_bytes() == before
    assert not list(tiny_db.parent.glob(".*.tmp"))


def test_rewrite_stamps_a_new_data_version(tiny_db):
    con = warehouse.open_readonly(tiny_db)
    old = warehouse.meta(con)["data_version"]
    con.close()
    with warehouse.rewrite(tiny_db) as con:
        con.execute("delete from tipoffs")
    con = warehouse.open_readonly(tiny_db)
    assert warehouse.meta(con)["data_version"] != old
    con.close()


def test_an_older_warehouse_is_upgraded_with_its_data(tiny_db):
    con = duckdb.connect(str(tiny_db))
    con.execute("drop macro grid_gaps; drop table quarantine")
    con.close()
    con = warehouse.open_readonly(tiny_db)
    assert not warehouse.is_current(con)
    con.close()
    warehouse.upgrade(tiny_db)
    con = warehouse.open_readonly(tiny_db)
    assert warehouse.is_current(con)
    assert con.execute("select count(*) from enterprises").fetchone()[0] == 6
    con.close()


def test_an_older_warehouse_gains_new_columns_and_keeps_its_data(tiny_db):
    """A warehouse written before a column existed (and with an old not-null flag) is brought up to date."""
    con = duckdb.connect(str(tiny_db))
    before = con.execute("select hazard_id, found_date, deadline from hazards order by hazard_id").fetchall()
    con.execute("alter table hazards drop column item")
    con.execute("alter table inspections drop column outcome")
    con.execute("update hazards set responsibility = coalesce(responsibility, false)")
    con.execute("alter table hazards alter column responsibility set not null")
    con.close()
    con = warehouse.open_readonly(tiny_db)
    assert not warehouse.is_current(con)
    con.close()

    warehouse.upgrade(tiny_db)

    con = warehouse.open_readonly(tiny_db)
    assert warehouse.is_current(con)
    columns = {(r[0], r[1]): r[2] for r in con.execute(
        "select table_name, column_name, is_nullable from duckdb_columns() where schema_name = 'main'").fetchall()}
    assert ("hazards", "item") in columns and ("inspections", "outcome") in columns
    assert columns[("hazards", "responsibility")] is True
    assert con.execute("select hazard_id, found_date, deadline from hazards order by hazard_id").fetchall() == before
    assert con.execute("select count(*) from hazards where item is not null").fetchone()[0] == 0
    con.close()


def test_rule_macros(tiny_con):
    cur = tiny_con.cursor()
    rows = cur.execute("""
        select
            inspection_interval('orange', 30, 90, 180, 365),
            inspection_interval('blue', 30, 90, 180, 365),
            overdue_for_inspection(null, date '2026-03-31', 30),
            overdue_for_inspection(date '2026-03-01', date '2026-03-31', 30),
            overdue_for_inspection(date '2026-02-28', date '2026-03-31', 30),
            grid_gaps('甲镇', '一村', '应急局', '第一中队', 'G-A-1'),
            grid_gaps('乙镇', null, '经信局', '第二中队', 'G-X')
    """).fetchone()
    # 30 days since 03-01 is within a 30-day interval; 31 days since 02-28 is not.
    assert rows == (90, 365, True, False, True, [], ["village", "unknown_grid"])
