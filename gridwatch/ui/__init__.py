"""Streamlit glue shared by ``app.py`` and every page: language, connection, cached queries, filters.

The base connection is read-only and cached per warehouse file identity (inode and
mtime), so an import that swaps in a new file is picked up on the next rerun;
query results are cached per (query, parameters, data version).
"""

import dataclasses
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from gridwatch import audit, auth, formatting, i18n, queries, safe, warehouse
from gridwatch import filters as gf
from gridwatch.navigation import PAGES, PageSpec
from gridwatch.paths import DATA_DIR, default_db

LANG_KEY = "lang"
FILTERS_KEY = "global_filters"
PAGE_ROWS = 500
FIGURE_CACHE_MAX_ROWS = 50_000


def lang() -> str:
    """The UI language of this session ('zh' unless switched)."""
    _route_through_app()
    if LANG_KEY not in st.session_state:
        wanted = st.query_params.get("lang", i18n.DEFAULT_LANG)
        st.session_state[LANG_KEY] = wanted if wanted in i18n.LANGS else i18n.DEFAULT_LANG
    return st.session_state[LANG_KEY]


def t(key: str, /, **values) -> str:
    """A UI string in the session's language."""
    return i18n.text(key, lang(), **values)


def md(key: str, /, **values) -> str:
    """A UI string for a Markdown element: ``t`` with every interpolated text escaped (``safe.md``).

    Use it for anything Streamlit renders as Markdown (markdown, captions, headers,
    alerts, metric and widget labels) whenever a value comes from the data or a user.
    """
    return t(key, **{name: safe.md(value) if isinstance(value, str) else value for name, value in values.items()})


def error_md(error: i18n.LocalisedError) -> str:
    """An error for a Markdown element in the session's language: its values escaped, its code spans kept."""
    return error.message(lang(), escape=safe.md)


def join(items) -> str:
    """Items joined for people in the session's language (``甲、乙`` / ``a, b``)."""
    return i18n.join(items, lang())


def label(kind: str, code) -> str:
    """A code's display label in the session's language."""
    return i18n.label(kind, code, lang())


def formatter(prefix: str):
    """A widget ``format_func``: code → the UI string ``<prefix>.<code>``.

    The language is bound now: Streamlit (and AppTest) may call a format_func
    outside the script run, where session state is not available.
    """
    current = lang()
    return lambda code: i18n.text(f"{prefix}.{code}", current)


def code_formatter(kind: str):
    """A widget ``format_func`` showing a code's label (``risk_level`` → 重大风险（红）)."""
    current = lang()
    return lambda code: i18n.label(kind, code, current)


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


@st.cache_resource(max_entries=256, show_spinner=False)
def _figure(name: str, args: tuple, kwargs: dict, _build: Callable):
    return safe.figure(_build(*args, **kwargs))


def figure(build: Callable, *args, **kwargs):
    """The plotly figure ``build(*args, **kwargs)`` draws, built once per distinct input.

    Building a figure validates every property in Python and was the largest share
    of a page run's CPU under load; the figure depends on its input alone, so every
    session drawing the same input shares one (``st.plotly_chart`` copies it before
    sending). ``build`` is a function of ``gridwatch.figures``; nobody may change the
    figure it returns. Every string of the figure is escaped (``safe.figure``): pass
    data as it is, never escaped already.
    """
    if any(isinstance(a, pd.DataFrame) and len(a) >= FIGURE_CACHE_MAX_ROWS for a in (*args, *kwargs.values())):
        # Streamlit hashes a frame this long by a sample of its rows, so two inputs
        # could share a key; charts draw aggregates, so this is a safety net only.
        return safe.figure(build(*args, **kwargs))
    return _figure(f"{build.__module__}.{build.__qualname__}", args, kwargs, _build=build)


def _current_page() -> PageSpec | None:
    """The page this run is drawing: by the hash Streamlit derives from its URL path, or its script."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    from streamlit.util import calc_hash

    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    info = ctx.pages_manager.get_pages().get(ctx.page_script_hash) or {}
    script = Path(str(info.get("script_path") or "")).resolve()
    return next((spec for spec in PAGES
                 if calc_hash(spec.key) == ctx.page_script_hash or spec.path.resolve() == script), None)


def _require_role() -> None:
    """Stop unless someone is signed in whose role may open this page (app.py routes the same way)."""
    user = auth.current_user()
    if user is None:
        st.warning(t("app.sign_in_first"))
        st.stop()
    spec = _current_page()
    if spec is not None and not auth.may_open(user.role, spec.roles):
        st.error("⛔ " + t("auth.refused", role=t(f"auth.role.{user.role}"),
                          roles=i18n.join((t(f"auth.role.{r}") for r in spec.roles), lang())))
        st.stop()


def require_data() -> duckdb.DuckDBPyConnection:
    """The connection, or stop the page with a message saying why there is nothing to show.

    With sign-in on, also stop unless the signed-in role may open the page being drawn:
    a second, page-side check behind app.py's routing.
    """
    if auth.enabled():
        _require_role()
    con = connection()
    if con is None:
        st.info(t("app.no_warehouse", path=str(db_path())))
        st.stop()
    return con


def language_switch() -> None:
    """The sidebar switch between Chinese and English."""
    lang()
    st.sidebar.segmented_control(
        t("app.language"),
        options=list(i18n.LANGS),
        format_func=i18n.language_name,
        key=LANG_KEY,
        selection_mode="single",
        # st.switch_page interrupts the run and drops every widget's state: the language must outlive it.
        persist_state="session",
    )
    if not st.session_state.get(LANG_KEY):
        st.session_state[LANG_KEY] = i18n.DEFAULT_LANG


@st.cache_data(max_entries=64, show_spinner=False)
def _options(scope: tuple[str, ...], version: str, path: str) -> dict[str, list[str]]:
    frame = queries.run(connection(), "filter_options", {"towns": list(scope)})
    return {kind: list(group["value"]) for kind, group in frame.groupby("kind")}


def filter_options() -> dict[str, list[str]]:
    """Values offered by the global filters: 'town', 'department', 'industry', all within the town scope."""
    if connection() is None:
        return {}
    return dict(_options(tuple(auth.town_scope()), meta().get("data_version", ""), str(db_path())))


def sidebar_filters() -> gf.Filters:
    """Draw the global filters in the sidebar and remember them for the pages."""
    as_of_data = data_as_of()
    options = filter_options()
    sb = st.sidebar
    sb.subheader(t("app.filters.header"))
    preset = sb.selectbox(
        t("app.filters.period"),
        gf.PRESETS,
        index=gf.PRESETS.index(gf.DEFAULT_PRESET),
        format_func=formatter("app.filters.preset"),
        key="gf_preset",
    )
    as_of_key = f"gf_as_of_{preset}"
    state = st.session_state
    low, high = gf.picker_bounds(data_first_date(), as_of_data, date.today(),
                                 *gf.preset_period(gf.DEFAULT_PRESET, as_of_data),
                                 *(state.get(k) for k in ("gf_start", "gf_end", as_of_key)))
    if preset == "custom":
        default_start, default_end = gf.preset_period(gf.DEFAULT_PRESET, as_of_data)
        start = sb.date_input(t("app.filters.start"), value=default_start, min_value=low, max_value=high,
                              key="gf_start")
        end = sb.date_input(t("app.filters.end"), value=default_end, min_value=low, max_value=high, key="gf_end")
        if end < start:
            sb.warning(t("app.filters.bad_period"))
            end = start
    else:
        start, end = gf.preset_period(preset, as_of_data)
        sb.caption(f"{start.isoformat()} — {end.isoformat()}")
    # The status date follows the period's end (or the data's as-of date) until the user sets it.
    follow = min(end, as_of_data) if preset == "custom" else as_of_data
    state[as_of_key] = gf.status_date(state.get(as_of_key), state.get(f"{as_of_key}_followed"), follow)
    if state[as_of_key] == follow:
        state[f"{as_of_key}_followed"] = follow
    as_of = sb.date_input(t("app.filters.as_of"), min_value=low, max_value=high,
                          help=t("app.filters.as_of_help"), key=as_of_key)
    scope = auth.town_scope()
    towns = sb.multiselect(t("app.filters.towns"), options.get("town", []),
                           placeholder=i18n.join(scope, lang()) if scope else t("app.filters.all"), key="gf_towns")
    departments = sb.multiselect(t("app.filters.departments"), options.get("department", []),
                                 placeholder=t("app.filters.all"), key="gf_departments")
    industries = sb.multiselect(t("app.filters.industries"), options.get("industry", []),
                                placeholder=t("app.filters.all"), key="gf_industries")
    chosen = gf.Filters(
        start=start, end=end, as_of=as_of,
        towns=auth.restrict_towns(towns, scope),
        departments=tuple(departments), industries=tuple(industries),
    )
    st.session_state[FILTERS_KEY] = chosen
    return chosen


def filters() -> gf.Filters:
    """The global filters chosen in the sidebar (defaults if the sidebar has not run).

    Towns are always within the signed-in user's scope: the choice, or the whole scope.
    """
    chosen = st.session_state.get(FILTERS_KEY)
    if chosen is None:
        as_of = data_as_of()
        start, end = gf.preset_period(gf.DEFAULT_PRESET, as_of)
        chosen = gf.Filters(start=start, end=end, as_of=as_of)
    return dataclasses.replace(chosen, towns=auth.restrict_towns(chosen.towns, auth.town_scope()))


def role() -> str | None:
    """The signed-in user's role (None when sign-in is off: everything allowed)."""
    user = auth.current_user()
    return user.role if user else None


def town_scope() -> tuple[str, ...]:
    """The signed-in user's towns (empty: whole county, also when sign-in is off)."""
    return auth.town_scope()


def in_scope(town) -> bool:
    """True if the signed-in user may see an enterprise of ``town`` (always, with no scope)."""
    scope = auth.town_scope()
    return not scope or town in scope


def own_staff_id() -> str | None:
    """For a staff-role user, their staff id: pages show them only their own personal figures."""
    user = auth.current_user()
    return user.staff_id if user and user.role == "staff" else None


def download_button(label: str, data, *, kind: str, what: str, file_name: str, where=None, **kwargs) -> None:
    """``st.download_button`` that the role must be allowed (``auth.may_download``), built on click, audited.

    ``data``: bytes, text, or a callable without arguments returning them (preferred: nothing
    is built until someone clicks). ``kind``: report, register, gap_list or quarantine;
    ``what``: a short description for the audit log (the query or sheet and the filters);
    ``where``: a container (column) to draw in. A refused role sees why instead of the button.

    The file is always deferred: Streamlit serves it at ``/media/…`` only after the click asked
    for it, and the ``export`` record is written then, once the bytes exist. An eager file sat
    at its URL from the page's first run, fetched by the browser without any click. The click
    does not rerun the page.
    """
    where = where or st
    if not auth.may_download(role(), kind):
        where.caption("🔒 " + t("app.download_refused"))
        return
    # The builder runs on a Streamlit worker thread with no session: who and where are bound now.
    user = audit.signed_in_user()
    spec = _current_page()
    page = spec.key if spec is not None else ""

    def build() -> bytes:
        raw = data() if callable(data) else data
        raw = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        audit.record("export", user=user, kind=kind, what=what, file=file_name, bytes=len(raw),
                     **({"page": page} if page else {}))
        return raw

    kwargs.pop("on_click", None)
    kwargs.setdefault("key", f"dl_{file_name}")
    where.download_button(label, build, file_name=file_name, on_click="ignore", **kwargs)


def page_of(frame: pd.DataFrame, key: str, where=None) -> pd.DataFrame:
    """One page (``PAGE_ROWS`` rows) of a long list, with a page box and a caption saying which rows.

    The whole frame when it fits on one page. Sending every row of a list that
    runs to tens of thousands at province scale cost megabytes on every rerun;
    the list's download still holds every row.
    """
    pages = max(1, -(-len(frame) // PAGE_ROWS))
    if pages == 1:
        return frame
    where = where or st
    page = where.columns([1, 3])[0].number_input(t("app.paging.page", pages=pages), min_value=1, max_value=pages,
                                                 value=1, step=1, key=f"{key}_page_{pages}")
    first = (page - 1) * PAGE_ROWS
    where.caption(t("app.paging.rows_shown", first=f"{first + 1:,}", last=f"{min(len(frame), first + PAGE_ROWS):,}",
                    n=f"{len(frame):,}"))
    return frame.iloc[first:first + PAGE_ROWS]


def dataframe(frame: pd.DataFrame, *, where=None, percent: tuple[str, ...] = (), widths: dict | None = None,
              column_config: dict | None = None, digits: dict[str, int] | None = None, **kwargs):
    """``st.dataframe`` without a literal "None" (``formatting.screen_frame``): gaps read "—"
    in number columns and blank elsewhere, ``percent`` columns as percentages; ``widths``
    (column → pixels or "small"/"medium"/"large") set column widths; ``digits`` the decimals of
    number columns that have gaps (``column_config`` formats apply to the others). Returns the
    selection event like ``st.dataframe``."""
    shown, as_text = formatting.screen_frame(frame, percent, digits=digits)
    config: dict = {}
    for column in shown.columns:
        width = (widths or {}).get(column)
        if width is not None or column in as_text:
            config[column] = st.column_config.Column(width=width, alignment="right" if column in as_text else None)
    # A number format would read "—" as no number: columns turned into text keep their text.
    config.update({k: v for k, v in (column_config or {}).items() if k not in as_text})
    return (where or st).dataframe(shown, column_config=config, **kwargs)


def stamps() -> None:
    """The data-as-of stamp and, while the demo is shown, a visible demo badge."""
    m = meta()
    if not m:
        return
    if is_demo():
        st.sidebar.warning("🧪 " + t("app.demo_badge"))
    st.sidebar.caption("📅 " + t("app.data_as_of", date=data_as_of().isoformat()))


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


def _route_through_app() -> None:
    """Make a fresh server's first visitor of a deep link (``/hazards``) go through app.py.

    Streamlit starts in its legacy ``pages/`` directory mode until ``st.navigation``
    has run once in the process; a first request for a page in that mode runs the
    page script alone, without app.py's navigation, language switch and filters.
    Leaving that mode and rerunning routes the same request through app.py. Called
    at run time (never while a module is being imported: a rerun raised inside an
    import breaks the same import in concurrent sessions).
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if not PagesManager.uses_pages_directory:
        return
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    if LANG_KEY in st.session_state:
        return  # not a session's first run: app.py has run in it (AppTest re-enters the legacy mode every run)
    manager = ctx.pages_manager
    if manager.current_page_script_hash in ("", manager.main_script_hash):
        return  # app.py itself is running; its st.navigation takes over
    PagesManager.uses_pages_directory = False
    st.rerun()
