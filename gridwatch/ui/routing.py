"""Which page a run is drawing, and sending a fresh server's first deep link through app.py."""

from pathlib import Path

import streamlit as st

from gridwatch.navigation import PAGES, PageSpec


def current_page() -> PageSpec | None:
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


def route_through_app(session_key: str) -> None:
    """Make a fresh server's first visitor of a deep link (``/hazards``) go through app.py.

    Streamlit starts in its legacy ``pages/`` directory mode until ``st.navigation``
    has run once in the process; a first request for a page in that mode runs the
    page script alone, without app.py's navigation, language switch and filters.
    Leaving that mode and rerunning routes the same request through app.py. Called
    at run time (never while a module is being imported: a rerun raised inside an
    import breaks the same import in concurrent sessions). ``session_key`` is a
    session-state key every run of app.py sets (the language): present, the session
    has been through app.py already.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if not PagesManager.uses_pages_directory:
        return
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    if session_key in st.session_state:
        return  # not a session's first run: app.py has run in it (AppTest re-enters the legacy mode every run)
    manager = ctx.pages_manager
    if manager.current_page_script_hash in ("", manager.main_script_hash):
        return  # app.py itself is running; its st.navigation takes over
    PagesManager.uses_pages_directory = False
    st.rerun()
