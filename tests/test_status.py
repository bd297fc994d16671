"""`gridwatch status`: the data-quality status on tests/fixtures/status.sql, every value worked out by hand."""

import json
from datetime import date

import duckdb
import pytest

from gridwatch import cli, field_figures, i18n, queries, status, warehouse
from gridwatch.paths import SCHEMA_FILE
from tests.conftest import build_fixture_db

TODAY = date(2026, 4, 11)


@pytest.fixture
def status_db(tmp_path):
    return build_fixture_db(tmp_path / "status.duckdb", "status.sql")


@pytest.fixture
def report(status_db):
    con = warehouse.open_readonly(status_db)
    try:
        yield status.of_connection(con, TODAY)
    finally:
        con.close()


def test_tables_rows_and_dates(report):
    # Data as of the last inspection or finding, 2026-04-05; the 2099 dates are in columns that never set it.
    assert report["data_as_of"] == "2026-04-05"
    assert report["is_demo"] is False
    assert report["written_on"] == date.today().isoformat()  # the fixture was written just now
    shown = {name: (t["rows"], t["date_column"], t["first_date"], t["last_date"])
             for name, t in report["tables"].items()}
    assert shown == {
        "grids": (0, None, None, None),
        "enterprises": (3, None, None, None),
        "staff": (2, None, None, None),
        "inspections": (4, "date", "2012-03-05", "2026-04-05"),
        "hazards": (6, "found_date", "2012-03-05", "2026-04-05"),
        "cases": (0, "filed_date", None, None),
        "tipoffs": (1, "received_date", "2026-03-01", "2026-03-01"),
        "worklogs": (0, "date", None, None),
    }
    assert report["empty_tables"] == ["grids", "cases", "worklogs"]


def test_completeness_per_field(report):
    assert report["tables"]["enterprises"]["completeness"] == {
        "enterprise_id": 1.0, "name": 1.0, "credit_code": 0.0, "industry": 2 / 3, "town": 1.0, "village": 2 / 3,
        "department": 0.0, "squadron": 1.0, "grid_id": 0.0, "risk_level": 1.0, "status": 1.0, "lat": 0.0,
        "lon": 0.0, "employees": 0.0, "major_hazard_source": 0.0, "listed_since": 2 / 3,
    }
    assert report["tables"]["hazards"]["completeness"] == {
        "hazard_id": 1.0, "inspection_id": 1.0, "enterprise_id": 1.0, "found_date": 1.0, "level": 1.0,
        "category": 1.0, "description": 0.0, "deadline": 2 / 6, "rectified_date": 1 / 6, "verified_date": 0.0,
        "reminder_date": 0.0, "order_date": 1 / 6, "responsibility": 0.0, "measures": 0.0, "funds": 0.0,
        "time_limit": 0.0, "plan": 0.0, "funds_amount": 0.0, "item": 0.0, "rectified": 0.0,
    }
    # staff.active is filled by its default (true) in both rows, though never recorded.
    assert report["tables"]["staff"]["completeness"] == {
        "staff_id": 1.0, "name": 1.0, "unit": 1.0, "role": 1.0, "certified": 0.5, "active": 1.0}
    assert report["tables"]["inspections"]["completeness"]["score"] == 0.25
    assert set(report["tables"]["grids"]["completeness"].values()) == {None}, "no rows: no share"


def test_fields_never_recorded(report):
    assert report["never_recorded"] == {
        "enterprises": ["credit_code", "department", "grid_id", "lat", "lon", "employees", "major_hazard_source"],
        # The only staff import (A) lacked 在岗: the default true is not a record.
        "staff": ["active"],
        "inspections": ["campaign", "checklist", "outcome"],
        "hazards": ["description", "verified_date", "reminder_date", "responsibility", "measures", "funds",
                    "time_limit", "plan", "funds_amount", "item", "rectified"],
        "tipoffs": ["reward_amount"],
    }


def test_figures_switched_off(report):
    assert report["switched_off"] == {
        "verification_rate": ["hazards.verified_date"],
        "five_in_place": ["hazards.responsibility", "hazards.measures", "hazards.funds", "hazards.time_limit",
                          "hazards.plan"],
        "escalation": ["cases", "hazards.reminder_date"],
        "grid_coverage": ["grids"],
        "blind_spots": ["grids", "enterprises.department", "enterprises.grid_id"],
        "uninspected_grids": ["grids"],
        "staffing": ["grids"],
        "scoring_peer_group": ["staff.active"],
        "register_outcome": ["inspections.outcome"],
        "map_placement": ["enterprises.lat", "enterprises.lon"],
        "cases": ["cases"],
        "worklog_completeness": ["worklogs"],
    }


def test_future_dates_flagged_but_not_a_deadline(report):
    # H2's deadline 2099-12-31 may lie ahead; its order date 2099-01-01 cannot.
    assert report["future_dates"] == {
        "enterprises": {"listed_since": {"count": 1, "examples": [{"id": "E2", "date": "2099-05-01"}]}},
        "hazards": {"order_date": {"count": 1, "examples": [{"id": "H2", "date": "2099-01-01"}]}},
        "tipoffs": {"closed_date": {"count": 1, "examples": [{"id": "T1", "date": "2099-02-02"}]}},
    }


def test_last_import_per_table_and_source(report):
    assert report["last_import"] == {
        "grids": None,
        "enterprises": {"import_id": "B", "imported_at": "2026-04-01 09:30:00", "days_since": 10,
                        "files": ["enterprises.csv"], "rows_loaded": 3, "rows_rejected": 0, "rows_warned": 3},
        "staff": {"import_id": "A", "imported_at": "2026-03-01 10:00:00", "days_since": 41,
                  "files": ["staff.csv"], "rows_loaded": 2, "rows_rejected": 0, "rows_warned": 0},
        "inspections": None,
        "hazards": {"import_id": "B", "imported_at": "2026-04-01 09:30:00", "days_since": 10,
                    "files": ["hazards.xlsx [隐患]"], "rows_loaded": 3, "rows_rejected": 2, "rows_warned": 0},
        "cases": None,
        "tipoffs": None,
        "worklogs": None,
    }
    assert [(s["table"], s["file"], s["sheet"], s["import_id"], s["imports"]) for s in report["sources"]] == [
        ("enterprises", "enterprises.csv", "", "B", 2),
        ("staff", "staff.csv", "", "A", 1),
        ("hazards", "hazards.xlsx", "隐患", "B", 1),
    ]


def test_problems_of_the_latest_import_of_each_file_grouped_by_kind(report):
    # Import A's enterprises.csv rejection is superseded by import B of the same file.
    grouped = [(w["table"], w["severity"], w["code"], w["column"], w["count"], w["files"],
                [(e["row"], e["value"]) for e in w["examples"]]) for w in report["warnings"]]
    assert grouped == [
        ("hazards", "error", "orphan", "inspection_id", 2, ["hazards.xlsx"], [(4, "I8"), (6, "I9")]),
        ("enterprises", "warning", "unknown_industry", "industry", 3, ["enterprises.csv"],
         [(2, "机械"), (3, "机械"), (4, "机器")]),
        ("enterprises", "warning", "missing_column", "lat", 1, ["enterprises.csv"], [(None, None)]),
        ("staff", "warning", "missing_column", "active", 1, ["staff.csv"], [(None, None)]),
    ]


def test_cli_prints_the_status_as_json_and_audits_it(status_db, tmp_path, capsys):
    assert cli.main(["status", "--db", str(status_db), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["data_as_of"] == "2026-04-05"
    assert printed["never_recorded"]["staff"] == ["active"]
    assert printed["future_dates"]["hazards"]["order_date"]["count"] == 1
    assert printed["last_import"]["enterprises"]["days_since"] == (date.today() - date(2026, 4, 1)).days
    events = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["event"], e["kind"], e["file"], e["via"]) for e in events] == [("export", "report", "-", "cli")]
    assert str(status_db) in events[0]["what"]


def test_cli_without_a_warehouse_says_so(tmp_path, capsys):
    assert cli.main(["status", "--db", str(tmp_path / "none.duckdb"), "--json"]) == 2
    assert "no warehouse at" in capsys.readouterr().err


def test_a_column_from_an_import_that_had_it_is_recorded(status_db, tmp_path):
    """A second staff import with 在岗 records active: the default no longer stands alone."""
    with warehouse.rewrite(status_db) as con:
        con.execute("insert into import_log values ('C', '2026-04-02 08:00:00', 'staff2.csv', 'cc', 'cc-staff2.csv', "
                    "null, 'staff', 'utf-8', '[]', 'upsert', 1, 1, 0, 0)")
    con = warehouse.open_readonly(status_db)
    try:
        assert status.of_connection(con, TODAY)["never_recorded"]["staff"] == []
    finally:
        con.close()


def test_first_day_is_the_earliest_dated_record(status_db):
    con = warehouse.open_readonly(status_db)
    try:
        assert status.first_day(queries.run(con, "status_tables")) == date(2012, 3, 5)
    finally:
        con.close()


def test_written_on_is_the_local_day_of_the_stamp():
    assert status.written_on({"written_at": "2026-04-05T10:00:00+00:00"}) == date(2026, 4, 5)
    assert status.written_on({}) is None


def test_field_figures_name_real_fields_and_labelled_figures():
    probe = duckdb.connect()
    try:
        probe.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
        have = {(t, c) for t, c in probe.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = 'main'").fetchall()}
    finally:
        probe.close()
    for table, column in field_figures.NEEDS:
        assert table in warehouse.TABLES
        assert column is None or (table, column) in have, (table, column)
    for figure in field_figures.figures():
        assert f"data_quality.figure.{figure}" in i18n.catalogue(), figure


def test_switched_off_maps_missing_fields_to_figures_in_one_order():
    assert field_figures.switched_off({"hazards": ["plan", "verified_date"], "staff": ["active"]}, ["worklogs"]) == {
        "verification_rate": ["hazards.verified_date"],
        "five_in_place": ["hazards.plan"],
        "scoring_peer_group": ["staff.active"],
        "worklog_completeness": ["worklogs"],
    }
    assert field_figures.switched_off({"hazards": ["description"]}, []) == {}, "a field no figure needs"
