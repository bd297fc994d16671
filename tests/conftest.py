"""Shared fixtures: tiny hand-written warehouses and clean Streamlit caches."""

from pathlib import Path

import pytest
import streamlit as st

from gridwatch import warehouse

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def build_fixture_db(path: Path, *sql_files: str, is_demo: bool = False) -> Path:
    """A warehouse at ``path`` holding the schema plus the given fixture SQL files."""
    with warehouse.rewrite(path, fresh=True) as con:
        for name in sql_files:
            con.execute((FIXTURES / name).read_text(encoding="utf-8"))
        warehouse.set_meta(con, is_demo=str(is_demo).lower())
    return path


@pytest.fixture
def tiny_db(tmp_path) -> Path:
    """The tiny county of tests/fixtures/tiny.sql in a fresh warehouse file."""
    return build_fixture_db(tmp_path / "tiny.duckdb", "tiny.sql")


@pytest.fixture
def tiny_con(tiny_db):
    """A read-only connection to the tiny county."""
    con = warehouse.open_readonly(tiny_db)
    yield con
    con.close()


@pytest.fixture(autouse=True)
def clear_streamlit_caches():
    """AppTest instances in one process share caches: start each test clean."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield


@pytest.fixture(autouse=True)
def auth_off_and_audit_aside(tmp_path, monkeypatch):
    """Tests run with sign-in off (whatever config/auth.yaml this checkout has) and audit to tmp."""
    monkeypatch.setenv("GRIDWATCH_AUTH", str(tmp_path / "no-auth.yaml"))
    monkeypatch.setenv("GRIDWATCH_AUDIT", str(tmp_path / "audit.jsonl"))


@pytest.fixture
def deferred_downloads(monkeypatch) -> dict:
    """The builders download buttons registered for a click, by file name (AppTest never clicks them).

    A browser's click on a deferred download asks the server to run the builder; a test calls
    ``deferred_downloads[file_name]()`` for the same effect.
    """
    from streamlit.runtime.media_file_manager import MediaFileManager

    registered: dict = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        registered[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return registered
