"""The warehouse as pages read it: the read-only connection, named queries, metadata and headline, all cached.

The base connection is read-only and cached per warehouse file identity (inode and
mtime), so an import that swaps in a new file is picked up on the next rerun;
query results, filter options and headlines are cached per (input, data version).
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
    """The shared read-only base connection; run queries on ``.cursor()`` of it."""
    path = db_path()
    _ensure_demo(path)
    ident = _identity(path)
    if ident is None:
        return None
    if not _is_current(*ident):
        warehouse.upgrade(path)
        ident = _identity(path)
    return _base_connection(*ident)


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


@st.cache_data(max_entries=64, show_spinner=False)
def _options(scope: tuple[str, ...], version: str, path: str) -> dict[str, list[str]]:
    frame = queries.run(connection(), "filter_options", {"towns": list(scope)})
    return {kind: list(group["value"]) for kind, group in frame.groupby("kind")}


def filter_options() -> dict[str, list[str]]:
    """Values offered by the global filters: 'town', 'department', 'industry', all within the town scope."""
    if connection() is None:
        return {}
    return dict(_options(tuple(auth.town_scope()), meta().get("data_version", ""), str(db_path())))


@st.cache_data(max_entries=256, show_spinner=False)
def _cached_headline(chosen: gf.Filters, version: str, path: str) -> dict:
    from gridwatch import metrics

    return metrics.headline(connection(), chosen)


def headline(chosen: gf.Filters) -> dict:
    """The headline metrics for the filters, cached per data version."""
    return _cached_headline(chosen, meta().get("data_version", ""), str(db_path()))


def recorded() -> dict[str, bool]:
    """Which fields the data records (``metrics.recorded``), cached per data version."""
    from gridwatch import metrics

    return metrics.from_row(query("recorded_fields").to_dict("records")[0])
