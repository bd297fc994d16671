"""The importer as a library: header and value matching, every date format, the bad-file corpus,
round trips through CSV, GBK and Excel, idempotent re-import, replace mode, dry run, quarantine."""

import hashlib
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from gridwatch import exports, metrics, warehouse
from gridwatch.columns import HEADERS
from gridwatch.filters import Filters
from gridwatch.ingest import Mapping, MappingError, import_files, issue_message, load_mapping, quarantine_download
from gridwatch.ingest.mapping import detect_table, fold
from tests.conftest import FIXTURES, build_fixture_db

BAD = FIXTURES / "bad"
GOOD = FIXTURES / "import"
TABLES = list(HEADERS)


def files(*paths: Path) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in paths]


def contents(db: Path) -> dict[str, list[tuple]]:
    con = warehouse.open_readonly(db)
    try:
        return {t: con.execute(f"select * from {t} order by all").fetchall() for t in TABLES}
    finally:
        con.close()


def meta_of(db: Path) -> dict[str, str]:
    con = warehouse.open_readonly(db)
    try:
        return warehouse.meta(con)
    finally:
        con.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_dir(db: Path, directory: Path) -> list[Path]:
    con = warehouse.open_readonly(db)
    try:
        return exports.export_tables_csv(con, directory)
    finally:
        con.close()


def test_headers_fold_case_spaces_and_full_width():
    assert fold("Enterprise ID") == fold("enterprise_id") == "enterpriseid"
    assert fold("整改资金（元）") == fold("整改资金(元)") == fold(" 整改资金 (元) ")
    table, matched = detect_table(["隐患 编号", "企业编号", "发现日期", "隐患等级", "隐患类别"])
    assert table == "hazards"
    assert matched == {"hazard_id": 0, "enterprise_id": 1, "found_date": 2, "level": 3, "category": 4}
    assert detect_table(["人员编号", "日期", "早五问", "晚五问"])[0] == "worklogs"
    assert detect_table(["姓名", "年龄"])[0] is None


def test_every_date_format_loads_the_same_day(tiny_db, tmp_path):
    report = import_files(tiny_db, files(GOOD / "date_formats.csv"), raw_dir=tmp_path / "raw")
    assert (report.loaded, report.rejected, report.exit_code) == (8, 0, 0)
    con = warehouse.open_readonly(tiny_db)
    rows = con.execute("select hazard_id, found_date, deadline from hazards where hazard_id like 'D%' "
                       "order by hazard_id").fetchall()
    con.close()
    # D1..D8 write 2016-06-07 (and deadline 2016-06-17) as ISO, slashes, dots, 年月日, 8 digits,
    # Excel serial 42528 (= 1899-12-30 + 42528 days), date-times and full-width digits.
    assert rows == [(f"D{i}", date(2016, 6, 7), date(2016, 6, 17)) for i in range(1, 9)]


def test_booleans_enums_numbers_and_spaces_normalise(tiny_db, tmp_path):
    report = import_files(tiny_db, files(GOOD / "values.csv"), raw_dir=tmp_path / "raw")
    assert (report.loaded, report.rejected) == (3, 0)
    con = warehouse.open_readonly(tiny_db)
    rows = con.execute("select hazard_id, enterprise_id, level, responsibility, measures, funds, time_limit, plan, "
                       "funds_amount from hazards where hazard_id like 'V%' order by hazard_id").fetchall()
    con.close()
    assert rows == [
        ("V1", "E1", "major", True, False, True, False, True, 1234.5),
        ("V2", "E2", "major", True, False, True, False, False, 123.0),
        # A blank yes/no cell is not recorded (null), not "no".
        ("V3", "E3", "general", True, False, True, False, None, None),
    ]


def test_gbk_file_loads_exactly(tiny_db, tmp_path):
    report = import_files(tiny_db, files(GOOD / "hazards_gbk.csv"), raw_dir=tmp_path / "raw")
    assert report.sheets[0].encoding == "gbk"
    assert (report.loaded, report.rejected) == (3, 0)
    con = warehouse.open_readonly(tiny_db)
    rows = con.execute("select * from hazards where hazard_id like 'X%' order by hazard_id").fetchall()
    con.close()
    assert rows == [
        ("X1", "I1", "E1", date(2026, 3, 11), "major", "电气安全", "配电柜接线混乱", date(2026, 3, 21),
         date(2026, 3, 19), None, None, None, True, True, False, True, False, 1200.0, None, None),
        ("X2", "I3", "E2", date(2026, 3, 21), "general", "粉尘防爆", "除尘管道积尘", date(2026, 4, 1),
         None, None, None, None, False, False, False, False, False, None, None, None),
        ("X3", None, "E4", date(2026, 3, 22), "general", "消防安全", "疏散通道堵塞“临时”", date(2026, 3, 29),
         date(2026, 3, 28), date(2026, 4, 2), None, None, True, True, True, True, True, 300.5, None, None),
    ]


# Files nothing can be read from: one clear message, the warehouse byte-identical.
UNREADABLE = {
    "empty.csv": ("empty", "文件是空的"),
    "binary_junk.csv": ("binary", "不是文本表格文件"),
    "truncated.xlsx": ("damaged", "已损坏或不完整"),
    "header_only.csv": ("header_only", "只有表头"),
    "unknown_table.csv": ("unknown_table", "无法从表头（姓名、年龄、爱好）识别"),
    "wrong_encoding.csv": ("mojibake", "用错了编码"),
}


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_unreadable_file_gets_one_message_and_changes_nothing(tiny_db, tmp_path, name):
    before = digest(tiny_db)
    report = import_files(tiny_db, files(BAD / name), raw_dir=tmp_path / "raw")
    code, words = UNREADABLE[name]
    assert [p.code for p in report.problems] == [code]
    message = report.problems[0].message("zh")
    assert message.startswith(name) and words in message
    assert "、" not in report.problems[0].message("en")
    assert report.exit_code == 2
    assert digest(tiny_db) == before
    assert not (tmp_path / "raw").exists()


# Files with bad rows: every problem as (file row, column, code, severity), worked out from the file by
# hand, and the rows loaded. A bad key or required value rejects the row; a bad value anywhere else
# empties that field and loads the row with a warning (DESIGN.md "Honest figures on real data").
ROW_PROBLEMS = {
    "duplicate_ids.csv": ({(2, "hazard_id", "duplicate", "error"), (3, "hazard_id", "duplicate", "error")}, 1),
    # H12 names inspection I99 (none such: the optional reference is emptied); H13 names enterprise E99 (required).
    "orphans.csv": ({(3, "inspection_id", "orphan", "warning"), (4, "enterprise_id", "orphan", "error")}, 2),
    # 2026-02-30, 2026-13-01 and 1900-01-01 as the (required) found date reject H21..H23; H24's deadline
    # before its finding is emptied and H24 loads.
    "impossible_dates.csv": ({(2, "found_date", "bad_date", "error"), (3, "found_date", "bad_date", "error"),
                              (4, "found_date", "impossible_date", "error"), (5, "deadline", "date_order", "warning")},
                             2),
    "truncated.csv": ({(3, None, "field_count", "error")}, 1),
    # 特别重大 is no hazard level (required); 也许 is no yes/no and 一千 no number (both optional: emptied);
    # the last row has no id.
    "bad_values.csv": ({(2, "level", "bad_code", "error"), (3, "responsibility", "bad_bool", "warning"),
                        (4, "funds_amount", "bad_number", "warning"), (5, "hazard_id", "required", "error")}, 2),
    # lat 119.5 > 90 is emptied (lon 36.0 is in range); both enterprises load.
    "bad_coordinates.csv": ({(2, "lat", "coordinate", "warning")}, 2),
}


@pytest.mark.parametrize("name", sorted(ROW_PROBLEMS))
def test_bad_rows_are_quarantined_with_file_row_column(tiny_db, tmp_path, name):
    expected, loaded = ROW_PROBLEMS[name]
    report = import_files(tiny_db, files(BAD / name), raw_dir=tmp_path / "raw")
    rows = report.issues[report.issues["row_number"].notna()]
    got = {(int(r.row_number), None if pd.isna(r.column_name) else r.column_name, r.code, r.severity)
           for r in rows.itertuples() if r.code != "unknown_industry"}
    assert got == expected
    assert report.loaded == loaded
    rejected = {row for row, _, _, severity in expected if severity == "error"}
    assert report.rejected == len(rejected)
    assert report.exit_code == (2 if not loaded else 1 if rejected else 0)
    for _, row in rows.iterrows():
        text = issue_message(row, "zh")
        assert text.startswith(f"{name} 第 {row['row_number']} 行"), text
    con = warehouse.open_readonly(tiny_db)
    kept = con.execute("select count(distinct row_number) from quarantine where file = $f and severity = 'error'",
                       {"f": name}).fetchone()[0]
    con.close()
    # Nothing lost: every rejected row is in the warehouse's quarantine, unless nothing loaded at all.
    assert kept == (report.rejected if loaded else 0)


def test_a_bad_field_is_emptied_and_its_record_kept(tiny_db, tmp_path):
    for name in ("orphans.csv", "impossible_dates.csv", "bad_values.csv"):
        import_files(tiny_db, files(BAD / name), raw_dir=tmp_path / "raw")
    con = warehouse.open_readonly(tiny_db)
    rows = con.execute("select hazard_id, inspection_id, deadline, responsibility, funds_amount from hazards "
                       "where hazard_id in ('H12', 'H24', 'H42', 'H43') order by 1").fetchall()
    con.close()
    assert rows == [("H12", None, date(2026, 3, 25), False, None),
                    ("H24", "I1", None, False, None),
                    ("H42", "I1", date(2026, 3, 25), None, None),
                    ("H43", "I1", date(2026, 3, 25), False, None)]


def test_warnings_load_the_row(tiny_db, tmp_path):
    report = import_files(tiny_db, files(BAD / "bad_coordinates.csv"), raw_dir=tmp_path / "raw")
    warnings = report.issues[report.issues["severity"] == "warning"]
    assert ("industry", "unknown_industry", "外星采矿") in {(r.column_name, r.code, r.value)
                                                         for r in warnings.itertuples()}
    assert "credit_code" in set(warnings[warnings["code"] == "missing_column"]["column_name"])
    con = warehouse.open_readonly(tiny_db)
    assert con.execute("select industry from enterprises where enterprise_id = 'E22'").fetchall() == [("外星采矿",)]
    con.close()


def test_quarantine_download_gives_the_rows_back_as_the_file_had_them(tiny_db, tmp_path):
    report = import_files(tiny_db, files(BAD / "orphans.csv"), raw_dir=tmp_path / "raw")
    con = warehouse.open_readonly(tiny_db)
    sheets = quarantine_download(con, report.import_id)
    con.close()
    frame = sheets["orphans.csv"]
    # Only H13 (row 4, enterprise E99) is rejected; H12's unknown inspection was emptied and it loaded.
    assert list(frame["行号"]) == [4]
    assert list(frame["隐患编号"]) == ["H13"]
    assert list(frame["企业编号"]) == ["E99"]
    assert list(frame["列"]) == ["企业编号"]
    assert frame["问题"].iloc[0] == "“E99”在企业中不存在，请先导入企业或核对编号"


def test_round_trip_of_an_export_into_an_empty_warehouse(tiny_db, tmp_path):
    written = export_dir(tiny_db, tmp_path / "export")
    fresh = tmp_path / "fresh.duckdb"
    report = import_files(fresh, files(*written), raw_dir=tmp_path / "raw")
    assert report.rejected == 0 and report.exit_code == 0
    assert contents(fresh) == contents(tiny_db)
    assert meta_of(fresh)["is_demo"] == "false"
    period = Filters(start=date(2026, 3, 1), end=date(2026, 3, 31), as_of=date(2026, 3, 31))
    a, b = warehouse.open_readonly(tiny_db), warehouse.open_readonly(fresh)
    try:
        assert metrics.headline(a, period) == metrics.headline(b, period)
    finally:
        a.close()
        b.close()


def test_gbk_and_excel_copies_give_the_same_result(tiny_db, tmp_path):
    written = export_dir(tiny_db, tmp_path / "export")
    gbk = []
    for path in written:
        target = tmp_path / "gbk" / path.name
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(path.read_text(encoding="utf-8-sig").encode("gbk"))
        gbk.append(target)
    con = warehouse.open_readonly(tiny_db)
    sheets = {t: exports.chinese_export(con, t) for t in TABLES}
    con.close()
    # Title lines above the header, as gridwatch's own exports write them: the header row is found.
    workbook = exports.xlsx_bytes(sheets, header_lines=["导出：某县应急管理局", "数据截至 2026-04-05"])
    for name, payload in (("gbk", files(*gbk)), ("xlsx", [("全部数据.xlsx", workbook)])):
        target = tmp_path / f"{name}.duckdb"
        report = import_files(target, payload, raw_dir=tmp_path / "raw")
        assert report.rejected == 0, report.issues
        assert contents(target) == contents(tiny_db), name
    assert {s.encoding for s in report.sheets} == {"xlsx"}
    # Two title lines, a blank row (xlsx_bytes starts the table at len(header_lines) + 1), header on row 4.
    assert {s.header_row for s in report.sheets} == {4}


def test_reimport_is_idempotent_and_replace_swaps_a_table(tiny_db, tmp_path):
    written = export_dir(tiny_db, tmp_path / "export")
    fresh = tmp_path / "fresh.duckdb"
    import_files(fresh, files(*written), raw_dir=tmp_path / "raw")
    first = contents(fresh)
    again = import_files(fresh, files(*written), raw_dir=tmp_path / "raw")
    assert again.rejected == 0
    assert contents(fresh) == first
    con = warehouse.open_readonly(fresh)
    assert con.execute("select count(distinct import_id) from import_log").fetchone()[0] == 2
    con.close()
    # --replace with a file of two hazards leaves exactly those two.
    report = import_files(fresh, files(GOOD / "hazards_gbk.csv"), replace=True, raw_dir=tmp_path / "raw")
    assert report.loaded == 3
    assert [r[0] for r in contents(fresh)["hazards"]] == ["X1", "X2", "X3"]
    assert contents(fresh)["inspections"] == first["inspections"]


def test_dry_run_changes_nothing(tiny_db, tmp_path):
    before = digest(tiny_db)
    report = import_files(tiny_db, files(GOOD / "hazards_gbk.csv"), dry_run=True, raw_dir=tmp_path / "raw")
    assert report.loaded == 3 and report.dry_run
    assert digest(tiny_db) == before
    assert not (tmp_path / "raw").exists()


def test_import_archives_raw_files_and_logs_them(tiny_db, tmp_path):
    content = (GOOD / "hazards_gbk.csv").read_bytes()
    sha = hashlib.sha256(content).hexdigest()
    old_version = meta_of(tiny_db)["data_version"]
    import_files(tiny_db, [("hazards_gbk.csv", content)], raw_dir=tmp_path / "raw")
    assert (tmp_path / "raw" / f"{sha[:16]}-hazards_gbk.csv").read_bytes() == content
    con = warehouse.open_readonly(tiny_db)
    log = con.execute("select file, sha256, table_name, encoding, rows_read, rows_loaded, rows_rejected "
                      "from import_log").fetchall()
    con.close()
    assert log == [("hazards_gbk.csv", sha, "hazards", "gbk", 3, 3, 0)]
    assert meta_of(tiny_db)["data_version"] != old_version


def test_mapping_file_maps_other_headers_and_codes(tiny_db, tmp_path):
    mapping_file = tmp_path / "other.yaml"
    mapping_file.write_text(
        "tables:\n  hazards:\n    columns: {隐患ID号: hazard_id, 单位代码: enterprise_id, 查出日: found_date,"
        " 级别: level, 类型: category}\n    values:\n      level: {A类: major, B类: general}\n",
        encoding="utf-8")
    mapping = load_mapping(mapping_file)
    other = "隐患ID号,单位代码,查出日,级别,类型\nM1,E1,2026-03-01,A类,电气\nM2,E2,2026-03-02,B类,消防\n"
    report = import_files(tiny_db, [("other.csv", other.encode("gbk"))], mapping=mapping, raw_dir=tmp_path / "r")
    assert (report.loaded, report.rejected) == (2, 0)
    con = warehouse.open_readonly(tiny_db)
    rows = con.execute("select hazard_id, level from hazards where hazard_id like 'M%' order by 1").fetchall()
    con.close()
    assert rows == [("M1", "major"), ("M2", "general")]
    round_trip = tmp_path / "again.yaml"
    round_trip.write_text(mapping.to_yaml(), encoding="utf-8")
    assert load_mapping(round_trip) == mapping


def test_bad_mapping_file_is_named(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[tables.hazards.columns]\n"编号" = "no_such_column"\n', encoding="utf-8")
    with pytest.raises(MappingError, match="no_such_column") as error:
        load_mapping(bad)
    # The page shows it in the reader's language; str() (logs) is English.
    assert str(error.value) == f"{bad} · tables.hazards.columns: 'no_such_column' is not a column of hazards"
    assert error.value.message("zh") == f"{bad} · tables.hazards.columns：“no_such_column”不是 hazards 表的字段"
    with pytest.raises(MappingError, match="no such mapping file"):
        load_mapping(tmp_path / "missing.yaml")
    assert Mapping().to_dict() == {"tables": {}}


def test_import_into_missing_warehouse_creates_it(tmp_path):
    fresh = tmp_path / "sub" / "new.duckdb"
    report = import_files(fresh, files(GOOD / "hazards_gbk.csv"), raw_dir=tmp_path / "raw")
    # No enterprises or inspections yet: every hazard is an orphan, nothing loads, nothing is written.
    assert report.loaded == 0 and report.exit_code == 2
    assert not fresh.exists()


def test_fixture_builder_still_works(tmp_path):
    db = build_fixture_db(tmp_path / "x.duckdb", "tiny.sql")
    assert contents(db)["staff"][0][0] == "S1"


def test_demo_export_round_trip_gives_the_same_warehouse_and_metrics(tmp_path):
    demo = tmp_path / "demo.duckdb"
    warehouse.build_demo(demo)
    written = export_dir(demo, tmp_path / "export")
    fresh = tmp_path / "fresh.duckdb"
    report = import_files(fresh, files(*written), raw_dir=tmp_path / "raw")
    assert report.rejected == 0 and report.exit_code == 0
    # The demo's industries are all known; its few enterprises outside any grid are warnings only.
    assert set(report.issues["code"]) <= {"unknown_reference"}
    assert contents(fresh) == contents(demo)
    assert meta_of(fresh)["data_as_of"] == meta_of(demo)["data_as_of"]
    as_of = date.fromisoformat(meta_of(demo)["data_as_of"])
    period = Filters(start=date(as_of.year, 1, 1), end=as_of, as_of=as_of)
    a, b = warehouse.open_readonly(demo), warehouse.open_readonly(fresh)
    try:
        assert metrics.headline(a, period) == metrics.headline(b, period)
    finally:
        a.close()
        b.close()


def test_a_reader_sees_an_import_while_an_old_connection_is_still_open(tiny_db, tmp_path):
    """DuckDB reuses one instance per path in a process; the app must still see a swapped-in file."""
    import os

    s = os.stat(tiny_db)
    old = warehouse.open_version(tiny_db, s.st_ino, s.st_mtime_ns)
    import_files(tiny_db, files(GOOD / "hazards_gbk.csv"), raw_dir=tmp_path / "raw")
    s = os.stat(tiny_db)
    new = warehouse.open_version(tiny_db, s.st_ino, s.st_mtime_ns)
    try:
        count = "select count(*) from hazards"
        assert (old.execute(count).fetchone()[0], new.execute(count).fetchone()[0]) == (6, 9)
        assert len(list(tiny_db.parent.glob(f".{tiny_db.name}.*.ro.tmp"))) == 1
    finally:
        old.close()
        new.close()
