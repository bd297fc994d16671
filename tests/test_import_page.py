"""The import page under AppTest: both languages, the import log and quarantine after an import,
the demo badge gone after it, and the button that restores the demo."""

from pathlib import Path

import pytest

from gridwatch import warehouse
from gridwatch.ingest import import_files
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


def test_log_and_quarantine_after_an_import(tmp_path, monkeypatch):
    db = build_fixture_db(tmp_path / "demo_like.duckdb", "tiny.sql", is_demo=True)
    at = start(db, monkeypatch)
    assert any("演示数据" in w.value for w in at.sidebar.warning)
    orphans = FIXTURES / "bad" / "orphans.csv"
    import_files(db, [(orphans.name, orphans.read_bytes())], raw_dir=tmp_path / "raw")
    at = start(db, monkeypatch, "en")
    at.switch_page(PAGE).run()
    assert not at.exception
    assert not any("Demo data" in w.value for w in at.sidebar.warning)
    log, quarantine = at.dataframe[0].value, at.dataframe[1].value
    # orphans.csv: 3 rows read, H11 loaded, H12 (row 3, I99) and H13 (row 4, E99) rejected.
    assert log[["File", "Rows read", "Loaded", "Rejected"]].values.tolist() == [["orphans.csv", 3, 1, 2]]
    # The rejected rows, then one warning per optional column the file does not have (not recorded).
    assert quarantine["Row"].dropna().tolist() == [3, 4]
    assert "'I99' does not exist in inspections" in quarantine["Problem"].iloc[0]
    assert any(b.label.startswith("Download rejected rows") for b in at.get("download_button"))


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
