"""Pages read the warehouse one way: ``ui.query`` for a named query, ``ui.cached`` (or ``ui.read``) for the rest.

The first tests read every page's source: no page holds a connection, a cursor, a cache
of its own or SQL, and none hands ``ui.query`` to a library function (library functions
are called through ``ui.cached``, which gives them the page's reader). The others check
what ``ui.cached`` promises on a real warehouse: one run per (function, arguments, data
version), a copy per call or one shared object, nested computations reused, and a new run
once an import changes the data version.
"""

import ast
from pathlib import Path

import pytest
import streamlit as st

from gridwatch import queries, ui, warehouse
from gridwatch.reader import Reader
from tests.conftest import build_fixture_db

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]
# Modules of gridwatch that may import Streamlit besides the UI glue: sign-in (its session and
# form) and the server that runs Streamlit (its middleware and the serve command).
STREAMLIT_MODULES = {"auth.py", "signin.py", "web.py", "serve.py"}


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    called = _called(tree)
    found = []
    for node in ast.walk(tree):
        where = f"{path.name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + [node.module or ""] if isinstance(node, ast.ImportFrom) \
                else [a.name for a in node.names]
            if any(n.split(".")[0] == "duckdb" or n in ("queries", "gridwatch.queries") for n in names):
                found.append(f"{where} imports {names}")
        elif isinstance(node, ast.Attribute):
            if node.attr in ("cache_data", "cache_resource", "connection", "cursor", "execute", "sql"):
                found.append(f"{where} uses .{node.attr}")
            handed = node.attr == "query" and isinstance(node.value, ast.Name) and node.value.id == "ui" \
                and id(node) not in called
            if handed:
                found.append(f"{where} hands ui.query to a function")
    return found


def _called(tree: ast.AST) -> set[int]:
    return {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_pages_read_only_through_ui(script):
    assert _problems(script) == []


def test_the_check_finds_what_it_forbids(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import duckdb\nimport streamlit as st\nfrom gridwatch import hazards, ui\n"
                   "@st.cache_data\ndef f():\n    return ui.connection().cursor().execute('select 1')\n"
                   "rows = hazards.summary(ui.query, None, None)\nui.query('x')\n", encoding="utf-8")
    found = " ".join(_problems(bad))
    for word in ("duckdb", ".cache_data", ".connection", ".cursor", ".execute", "bad.py:7 hands ui.query"):
        assert word in found
    assert "bad.py:8" not in found  # a page's own named query is how pages read


def test_library_modules_leave_streamlit_to_the_ui():
    importing = set()
    for path in (ROOT / "gridwatch").rglob("*.py"):
        if "ui" in path.relative_to(ROOT / "gridwatch").parts[:-1]:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n.split(".")[0] == "streamlit" for n in names):
                importing.add(path.name)
    assert importing <= STREAMLIT_MODULES


CALLS: list[tuple] = []


def counted(read, name: str, start: str) -> list:
    """The global filters' values (a named query), counting each run under its arguments."""
    CALLS.append((name, start))
    return sorted(read("filter_options", {"towns": []})["value"])


def nested(read, name: str) -> tuple:
    return tuple(read.compute(counted, name, "2026-01-01", shared=True))


@pytest.fixture
def served(tmp_path, monkeypatch):
    db = build_fixture_db(tmp_path / "tiny.duckdb", "tiny.sql")
    monkeypatch.setenv("GRIDWATCH_DB", str(db))
    st.cache_data.clear()
    st.cache_resource.clear()
    CALLS.clear()
    yield db
    st.cache_data.clear()
    st.cache_resource.clear()


def test_cached_runs_once_per_arguments_and_data_version(served):
    first = ui.cached(counted, "a", "2026-01-01")
    again = ui.cached(counted, "a", "2026-01-01")
    assert CALLS == [("a", "2026-01-01")]
    assert first == again and first is not again  # a copy per call
    con = warehouse.open_readonly(served)
    try:
        assert first == sorted(queries.run(con, "filter_options", {"towns": []})["value"])
    finally:
        con.close()
    ui.cached(counted, "b", "2026-01-01")
    assert len(CALLS) == 2
    with warehouse.rewrite(served) as con:
        warehouse.set_meta(con, data_version="after-an-import")
    ui.cached(counted, "a", "2026-01-01")
    assert len(CALLS) == 3 and CALLS[-1] == ("a", "2026-01-01")


def test_shared_results_are_one_object_and_nested_computations_are_reused(served):
    one = ui.cached(counted, "a", "2026-01-01", shared=True)
    assert ui.cached(counted, "a", "2026-01-01", shared=True) is one
    ui.cached(nested, "a")
    ui.cached(nested, "a")
    assert CALLS == [("a", "2026-01-01")]  # the nested computation found the shared result


def test_read_runs_every_time(served):
    ui.read(counted, "a", "2026-01-01")
    ui.read(counted, "a", "2026-01-01")
    assert len(CALLS) == 2


def test_outside_pages_a_reader_caches_nothing(served):
    con = warehouse.open_readonly(served)
    try:
        reader = Reader(con)
        assert reader.compute(nested, "a") == reader.compute(nested, "a")
        assert len(CALLS) == 2
        assert list(reader("filter_options", {"towns": []})["value"]) == \
            list(queries.run(con, "filter_options", {"towns": []})["value"])
    finally:
        con.close()
