"""The demo badge stays while rows of the demo county remain, and goes once none does."""

import pytest

from gridwatch import ingest, status, warehouse
from tests.test_app import start

STAFF = "人员编号,姓名,所在单位,职务,注册安全工程师,在岗\nZS1,王一,第一中队,执法人员,是,是\n".encode()
GRIDS = "网格编号,网格层级,镇街,村居,网格名称,常住人口\nZG1,镇街网格,新镇,,新镇网格,10000\n".encode()
ENTERPRISES = ("企业编号,企业名称,所属镇街,风险等级,经营状态,网格编号\n"
               "ZE1,新一厂,新镇,一般风险（黄）,正常生产,ZG1\n").encode()


def meta_of(db) -> dict:
    con = warehouse.open_readonly(db)
    try:
        return warehouse.meta(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    counts = warehouse.build_demo(path)
    # Rows the demo marks: its grids, enterprises and staff (everything else hangs off them).
    assert counts["grids"] + counts["enterprises"] + counts["staff"] == 264 + 3000 + 59
    return path


def test_a_small_import_into_the_demo_keeps_the_badge(demo_db, tmp_path, monkeypatch):
    db = tmp_path / "demo.duckdb"
    db.write_bytes(demo_db.read_bytes())
    assert meta_of(db)["is_demo"] == "true"
    report = ingest.import_files(db, [("staff.csv", STAFF)], raw_dir=tmp_path / "raw")
    assert report.loaded == 1
    after = meta_of(db)
    assert (after["is_demo"], after["demo_rows"]) == ("true", "3323")
    at = start(db, monkeypatch)
    assert any("演示数据" in w.value for w in at.sidebar.warning)
    con = warehouse.open_readonly(db)
    try:
        assert status.of_connection(con)["is_demo"] is True
    finally:
        con.close()


def test_a_demo_row_overwritten_by_an_import_is_no_longer_a_demo_row(demo_db, tmp_path):
    db = tmp_path / "demo.duckdb"
    db.write_bytes(demo_db.read_bytes())
    renamed = "人员编号,姓名,所在单位,职务,注册安全工程师,在岗\nS001,赵六,第一中队,执法人员,是,是\n".encode()
    ingest.import_files(db, [("staff.csv", renamed)], raw_dir=tmp_path / "raw")
    assert meta_of(db)["demo_rows"] == "3322"


def test_replacing_every_demo_register_removes_the_badge(demo_db, tmp_path, monkeypatch):
    db = tmp_path / "demo.duckdb"
    db.write_bytes(demo_db.read_bytes())
    ingest.import_files(db, [("grids.csv", GRIDS), ("staff.csv", STAFF), ("enterprises.csv", ENTERPRISES)],
                        replace=True, raw_dir=tmp_path / "raw")
    after = meta_of(db)
    assert (after["is_demo"], after["demo_rows"]) == ("false", "0")
    con = warehouse.open_readonly(db)
    try:
        assert not con.execute("select count(*) from duckdb_tables() where table_name = 'demo_keys'").fetchone()[0]
    finally:
        con.close()
    at = start(db, monkeypatch)
    assert not any("演示数据" in w.value for w in at.sidebar.warning)
