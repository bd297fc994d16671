"""Who may see what: the signed-in role, its town scope, and the gate every page passes (``require_data``)."""

import duckdb
import streamlit as st

from gridwatch import auth
from gridwatch.ui.data import connection, db_path
from gridwatch.ui.routing import current_page
from gridwatch.ui.text import join, t


def _require_role() -> None:
    """Stop unless someone is signed in whose role may open this page (app.py routes the same way)."""
    user = auth.current_user()
    if user is None:
        st.warning(t("app.sign_in_first"))
        st.stop()
    spec = current_page()
    if spec is not None and not auth.may_open(user.role, spec.roles):
        st.error("⛔ " + t("auth.refused", role=t(f"auth.role.{user.role}"),
                          roles=join(t(f"auth.role.{r}") for r in spec.roles)))
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
