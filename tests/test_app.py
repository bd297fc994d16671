"""AppTest: every page renders in both languages; the global filters change what the overview shows."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gridwatch.navigation import PAGES

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def start(db, monkeypatch, lang="zh", **state) -> AppTest:
    """Run the app once on ``db``; ``state`` presets widget values by key.

    AppTest 1.67 drops sidebar elements from the tree on reruns under
    ``st.navigation``, so sidebar filters are set before the first run.
    """
    monkeypatch.setenv("GRIDWATCH_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = lang
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", [p.key for p in PAGES])
def test_every_page_renders(tiny_db, monkeypatch, page, lang):
    at = start(tiny_db, monkeypatch, lang)
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    assert at.title, "every page has a title"


def test_overview_shows_hand_computed_figures(tiny_db, monkeypatch):
    at = start(tiny_db, monkeypatch).switch_page("pages/overview.py").run()
    assert not at.exception
    # Data as of 2026-04-05 (the last activity), default period this year: 2026-01-01..04-05.
    # In scope E1..E5; inspected in the period: E1 (I1, I2), E2 (I3), E5 (I6) = 3 → 60.0%.
    shown = {m.label: m.value for m in at.metric}
    assert shown["在营企业"] == "5"
    assert shown["已检查企业"] == "3"
    assert shown["检查覆盖率"] == "60.0%"
    assert shown["网格盲区企业"] == "2"


def test_town_filter_changes_overview(tiny_db, monkeypatch):
    at = start(tiny_db, monkeypatch, gf_towns=["乙镇"]).switch_page("pages/overview.py").run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["在营企业"] == "3"  # E3, E4, E5
    assert shown["已检查企业"] == "1"  # E5 on 04-05
    assert shown["网格盲区企业"] == "2"


def test_english_switch(tiny_db, monkeypatch):
    # Each language is named in its own script, whichever is chosen.
    english = start(tiny_db, monkeypatch, "en")
    assert list(english.segmented_control(key="lang").options) == ["中文", "English"]
    at = start(tiny_db, monkeypatch)
    assert list(at.segmented_control(key="lang").options) == ["中文", "English"]
    at.segmented_control(key="lang").set_value("en").run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "Inspections" in labels
    assert at.title[0].value == "Weekly briefing"


def test_demo_badge_only_on_demo(tmp_path, monkeypatch):
    from tests.conftest import build_fixture_db

    demo_like = build_fixture_db(tmp_path / "demo.duckdb", "tiny.sql", is_demo=True)
    at = start(demo_like, monkeypatch)
    assert any("演示数据" in w.value for w in at.sidebar.warning)
    real = build_fixture_db(tmp_path / "real.duckdb", "tiny.sql", is_demo=False)
    at = start(real, monkeypatch)
    assert not any("演示数据" in w.value for w in at.sidebar.warning)


def test_missing_warehouse_says_why(tmp_path, monkeypatch):
    at = start(tmp_path / "nowhere" / "none.duckdb", monkeypatch)
    assert not at.exception
    assert any("none.duckdb" in i.value for i in at.info)


def test_warehouse_from_an_older_gridwatch_is_upgraded(tmp_path, monkeypatch):
    """A warehouse without the import tables (made before they existed) still opens every page."""
    import duckdb

    from tests.conftest import build_fixture_db

    db = build_fixture_db(tmp_path / "old.duckdb", "tiny.sql")
    con = duckdb.connect(str(db))
    con.execute("drop table import_log; drop table quarantine")
    con.close()
    at = start(db, monkeypatch)
    at.switch_page("pages/data_import.py").run()
    assert not at.exception
    con = duckdb.connect(str(db), read_only=True)
    assert {"import_log", "quarantine"} <= {r[0] for r in con.execute("show tables").fetchall()}
    assert con.execute("select count(*) from hazards").fetchone()[0] == 6
    con.close()
