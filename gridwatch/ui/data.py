"""The one way pages read the warehouse: named queries and library computations, cached per data version.

A page reads data through these calls and nothing else:

- ``query(name, params)``: a named query of ``queries/``;
- ``cached(fn, *args)``: a library function ``fn(reader, *args)`` over the warehouse
  (``gridwatch.reader``); ``shared=True`` keeps a large result as one read-only object
  shared by every session (maps, the plan) instead of a copy per rerun;
- ``read(fn, *args)``: the same function run now and kept nowhere, for work done once
  on a click (a download of many rows) that no rerun asks for again;

plus the figures every page shares (``headline``, ``recorded``, ``filter_options``,
``meta`` and the dates). The reader given to ``fn`` runs its named queries straight (the
computation's result is what is cached: caching its inputs too would only double the
memory) and caches the computations it asks for with ``reader.compute``, so one
computation may build on another without running it twice. Pages hold no connection,
cursor or cache of their own (``tests/test_page_reads.py`` checks).

The base connection is read-only and cached per warehouse file identity (inode and
mtime), so an import that swaps in a new file is picked up on the next rerun; every
result is cached per (input, data version).
"""

import os
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from gridwatch import auth, i18n, queries, warehouse
from gridwatch import filters as gf
from gridwatch.paths import DATA_DIR, default_db
from gridwatch.reader import Reader
from gridwatch.ui.text import lang


def db_path() -> Path:
    """The warehouse this process serves."""
    return default_db()


def _identity(path: Path) -> tuple[str, int, int] | None:
    try:
        s = os.stat(path)
    except FileNotFoundError:
        return None
    return str(path), s.st_ino, s.st_mtime_ns


@st.cache_resource(max_entries=4, show_spinner=False)
def _base_connection(path: str, inode: int, mtime_ns: int) -> duckdb.DuckDBPyConnection:
    return warehouse.open_version(Path(path), inode, mtime_ns)


@st.cache_data(max_entries=8, show_spinner=False)
def _meta(path: str, inode: int, mtime_ns: int) -> dict[str, str]:
    return warehouse.meta(_base_connection(path, inode, mtime_ns))


@st.cache_data(max_entries=8, show_spinner=False)
def _is_current(path: str, inode: int, mtime_ns: int) -> bool:
    return warehouse.is_current(_base_connection(path, inode, mtime_ns))


def _ensure_demo(path: Path) -> None:
    if path.exists() or path.parent.resolve() != DATA_DIR.resolve():
        return
    with st.spinner(i18n.text("app.building_demo", lang())):
        warehouse.build_demo(path)


def connection() -> duckdb.DuckDBPyConnection | None:
    """The shared read-only base connection (None without a warehouse); pages read through ``query`` and ``cached``."""
    path = db_path()
    _ensure_demo(path)
    ident = _identity(path)
    if ident is None:
        return None
    if not _is_current(*ident):
        warehouse.upgrade(path)
        ident = _identity(path)
    return _base_connection(*ident)


def has_warehouse() -> bool:
    """True when there is a warehouse to read (the demo is built first where it is the default)."""
    return connection() is not None


def meta() -> dict[str, str]:
    """The warehouse metadata (data version, as-of date, demo flag); empty if none."""
    ident = _identity(db_path())
    return _meta(*ident) if ident else {}


def data_as_of() -> date:
    """The data's as-of date (its last day of activity), today if unknown."""
    return warehouse.data_as_of(meta()) or date.today()


def data_first_date() -> date | None:
    """The data's first day of activity (None without any dated record)."""
    from gridwatch import status

    return status.first_day(query("status_tables")) if connection() is not None else None


def is_demo() -> bool:
    """True while the demo county is shown."""
    return meta().get("is_demo") == "true"


@st.cache_data(max_entries=512, show_spinner=False)
def _cached_query(name: str, params: dict, version: str, path: str) -> pd.DataFrame:
    return queries.run(connection(), name, params)


def query(name: str, params: dict | None = None) -> pd.DataFrame:
    """Run a named query, cached per (query, parameters, data version)."""
    return _cached_query(name, dict(params or {}), meta().get("data_version", ""), str(db_path()))


def _key(fn) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


class _PageReader(Reader):
    """The reader computations get in pages: the warehouse of this process, nested computations cached."""

    def __init__(self):
        super().__init__(None)

    def __call__(self, name: str, params: dict | None = None) -> pd.DataFrame:
        return queries.run(connection(), name, params)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return connection().cursor()

    def compute(self, fn, *args, shared: bool = False):
        return cached(fn, *args, shared=shared)

    def uncached(self) -> Reader:
        return Reader(connection())


_READER = _PageReader()


# The function itself is passed as ``_fn`` (not hashed): the cache key is its dotted name.
@st.cache_data(max_entries=512, show_spinner=False)
def _copied(name: str, args: tuple, kwargs: dict, version: str, path: str, _fn):
    return _fn(_READER, *args, **kwargs)


# Shared results are the large ones (a province's coverage data, the plan): few are kept.
@st.cache_resource(max_entries=32, show_spinner=False)
def _shared(name: str, args: tuple, kwargs: dict, version: str, path: str, _fn):
    return _fn(_READER, *args, **kwargs)


def cached(fn, *args, shared: bool = False, **kwargs):
    """``fn(reader, *args, **kwargs)`` once per (function, arguments, data version).

    A page gets a copy of the result on each rerun; with ``shared`` every session gets
    the same object, which nobody may change (for results too large to copy each rerun).
    """
    store = _shared if shared else _copied
    return store(_key(fn), args, kwargs, meta().get("data_version", ""), str(db_path()), fn)


def read(fn, *args, **kwargs):
    """``fn(reader, *args, **kwargs)`` now, not cached: for a result used once (a download built on click)."""
    return fn(_READER, *args, **kwargs)


@st.cache_data(max_entries=64, show_spinner=False)
def _options(scope: tuple[str, ...], version: str, path: str) -> dict[str, list[str]]:
    frame = queries.run(connection(), "filter_options", {"towns": list(scope)})
    return {kind: list(group["value"]) for kind, group in frame.groupby("kind")}


def filter_options() -> dict[str, list[str]]:
    """Values offered by the global filters: 'town', 'department', 'industry', all within the town scope."""
    if connection() is None:
        return {}
    return dict(_options(tuple(auth.town_scope()), meta().get("data_version", ""), str(db_path())))


def headline(chosen: gf.Filters) -> dict:
    """The headline metrics for the filters (``metrics.headline``), cached per data version."""
    from gridwatch import metrics

    return cached(metrics.headline, chosen)


def recorded() -> dict[str, bool]:
    """Which fields the data records (``metrics.recorded``), cached per data version."""
    from gridwatch import metrics

    return metrics.from_row(query("recorded_fields").to_dict("records")[0])
