"""The import page under AppTest: both languages, the import log and problems grouped by column and
reason after an import, the demo badge while demo rows remain, a quarantine holding any string, and
the button that restores the demo."""

import io
from pathlib import Path

import duckdb
import openpyxl
import pytest

from gridwatch import exports, warehouse
from gridwatch.ingest import import_files, quarantine_download
from tests.conftest import FIXTURES, build_fixture_db
from tests.test_app import start

PAGE = "pages/data_import.py"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_renders_without_imports(tiny_db, monkeypatch, lang):
    at = start(tiny_db, monkeypatch, lang)
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.title[0].value == ("数据导入" if lang == "zh" else "Import data")
    assert any(("尚无导入记录" if lang == "zh" else "No imports yet") in c.value for c in at.caption)


def frame_with(at, column: str):
    """The first dataframe on the page that has ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_log_and_grouped_problems_after_an_import(tmp_path, monkeypatch):
    db = build_fixture_db(tmp_path / "real.duckdb", "tiny.sql")
    orphans = FIXTURES / "bad" / "orphans.csv"
    import_files(db, [(orphans.name, orphans.read_bytes())], raw_dir=tmp_path / "raw")
    at = start(db, monkeypatch, "en")
    at.switch_page(PAGE).run()
    assert not at.exception
    log = frame_with(at, "Rows read")
    # orphans.csv: 3 rows read; H11 and H12 (its unknown inspection I99 emptied) loaded; H13 (E99) rejected.
    assert log[["File", "Rows read", "Loaded", "Rejected", "Warned"]].values.tolist() == [["orphans.csv", 3, 2, 1, 1]]
    groups = frame_with(at, "First rows")
    # One line per column and reason: rejections first, then warnings on rows, then columns the file
    # lacks; the column as the file heads it.
    assert groups[["Severity", "Column", "Rows", "First rows"]].values.tolist() == [
        ["Rejected", "企业编号", "1", "4"],
        ["Warning", "检查编号", "1", "3"],
        ["Warning", "item (检查项目)", "", ""],  # said of the file, not of rows
        ["Warning", "rectified (是否已整改)", "", ""],
    ]
    assert groups["Problem"].iloc[0] == "'E99' does not exist in Enterprises: import Enterprises first or check the id"
    assert groups["Problem"].iloc[1].endswith("(that field was left empty; the rest loaded)")
    rows = frame_with(at, "Row")
    assert rows[["Row", "Column"]].values.tolist()[:2] == [[4, "企业编号"], [3, "检查编号"]]
    assert any(b.label.startswith("Download rejected rows") for b in at.get("download_button"))


def test_demo_badge_stays_while_demo_rows_remain(tmp_path, monkeypatch):
    db = build_fixture_db(tmp_path / "demo_like.duckdb", "tiny.sql", is_demo=True)
    orphans = FIXTURES / "bad" / "orphans.csv"
    import_files(db, [(orphans.name, orphans.read_bytes())], raw_dir=tmp_path / "raw")
    # A few rows imported into the demo: its enterprises, inspections and staff are all still there.
    assert any("Demo data" in w.value for w in start(db, monkeypatch, "en").sidebar.warning)
    con = warehouse.open_readonly(Path(db))
    try:
        export = {t: exports.chinese_export(con, t) for t in ("grids", "staff", "enterprises", "inspections",
                                                               "hazards")}
    finally:
        con.close()
    # The demo's own rows exported and loaded back with --replace are still the demo's rows (same
    # keys, same names): the badge stays. tests/test_demo_badge.py replaces them with real ones.
    payload = [(f"{t}.csv", frame.to_csv(index=False).encode("utf-8")) for t, frame in export.items()]
    report = import_files(db, payload, replace=True, raw_dir=tmp_path / "raw")
    assert report.rejected == 0
    assert any("Demo data" in w.value for w in start(db, monkeypatch, "en").sidebar.warning)


def test_quarantine_holding_control_characters_never_breaks_the_page(tmp_path, monkeypatch):
    """A quarantine written before control characters were stripped (or by hand) still shows and downloads."""
    db = build_fixture_db(tmp_path / "real.duckdb", "tiny.sql")
    orphans = FIXTURES / "bad" / "orphans.csv"
    report = import_files(db, [(orphans.name, orphans.read_bytes())], raw_dir=tmp_path / "raw")
    con = duckdb.connect(str(db))
    con.execute("update quarantine set value = 'E\x01\x0b99', header = '企业\x00编号', "
                "record = '[\"H13\\u0001\", \"=1+2\"]' where severity = 'error'")
    con.close()
    at = start(db, monkeypatch, "en")
    at.switch_page(PAGE).run()
    assert not at.exception
    con = warehouse.open_readonly(Path(db))
    try:
        sheets = quarantine_download(con, report.import_id, "en")
    finally:
        con.close()
    workbook = exports.xlsx_bytes(sheets, header_lines=["quarantine"])
    cells = [c.value for row in openpyxl.load_workbook(io.BytesIO(workbook)).active.iter_rows() for c in row]
    assert "H13\u2401" in cells and "'=1+2" in cells


def test_restore_demo_button(tmp_path, monkeypatch):
    db = build_fixture_db(tmp_path / "real.duckdb", "tiny.sql", is_demo=False)
    at = start(db, monkeypatch, "en")
    at.switch_page(PAGE).run()
    assert at.button(key="restore_demo").disabled
    at.checkbox(key="restore_sure").check().run()
    at.button(key="restore_demo").click().run()
    assert not at.exception
    con = warehouse.open_readonly(Path(db))
    try:
        assert warehouse.meta(con)["is_demo"] == "true"
        assert con.execute("select count(*) from enterprises").fetchone()[0] > 1000
    finally:
        con.close()
