"""The Streamlit side of sign-in: the gate before navigation, the sidebar box, refusals.

``app.py`` calls ``gate()`` before it builds the navigation: with auth off it returns
None and nothing changes; with auth on it returns the signed-in user or draws the
sign-in form and stops the run. Pages a role may not open are routed to ``refusal``
(the page script never runs), so typing a page's URL does not get round the role.
"""

import math

import streamlit as st

from gridwatch import audit, auth, i18n, ui
from gridwatch.navigation import PAGES, PageSpec

NAME_KEY = "auth_name"
PASSWORD_KEY = "auth_password"
LANG_KEY = "auth_lang"


def _request() -> tuple[dict, str | None]:
    """The request's headers and peer address (a seam for tests: AppTest has no request)."""
    return dict(st.context.headers), st.context.ip_address


def _config() -> auth.Config | None:
    try:
        return auth.load_config()
    except auth.AuthConfigError as exc:
        st.error(ui.md("auth.bad_config", error=str(exc)))
        st.stop()


def gate() -> auth.User | None:
    """The signed-in user (None when auth is off), or the sign-in form and a stopped run."""
    config = _config()
    if config is None:
        return None
    token = st.session_state.get(auth.TOKEN_KEY)
    user, why = auth.STATE.resolve(config, token)
    if user is not None:
        return user
    st.session_state.pop(auth.TOKEN_KEY, None)
    if why in ("expired", "unknown"):
        audit.record("session_refused", user="", reason=why)
    headers, ip = _request()
    named = auth.proxy_user(config, headers, ip)
    if named is not None:
        st.session_state[auth.TOKEN_KEY] = auth.STATE.open_session(named.name, via="proxy")
        audit.record("sign_in", user=named.name, via="proxy", ip=ip or "")
        return named
    _route_to_form(config, why)
    st.stop()


def _route_to_form(config: auth.Config, why: str) -> None:
    """Route every page's URL to the sign-in form, so no page script can run before sign-in.

    The requested URL is kept: after signing in, the rerun opens the page that was asked for.
    """
    def form() -> None:
        _form(config, why)

    pages = [st.Page(form, title=ui.t(f"app.page.{spec.key}"), url_path=spec.key, default=spec.default)
             for spec in PAGES]
    st.navigation(pages, position="hidden").run()


def _switch_language() -> None:
    st.session_state[ui.LANG_KEY] = st.session_state.get(LANG_KEY) or ui.lang()


def _form(config: auth.Config, why: str) -> None:
    st.segmented_control(ui.t("app.language"), options=list(i18n.LANGS), default=ui.lang(), key=LANG_KEY,
                         format_func=lambda code: {"zh": "中文", "en": "English"}[code], on_change=_switch_language)
    st.title(ui.t("app.title"))
    if why == "expired":
        st.warning(ui.t("auth.expired"))
    elif why == "unknown":
        st.warning(ui.t("auth.unknown_session"))
    with st.form("auth_form"):
        st.subheader(ui.t("auth.sign_in"))
        name = st.text_input(ui.t("auth.name"), key=NAME_KEY)
        password = st.text_input(ui.t("auth.password"), type="password", key=PASSWORD_KEY)
        submitted = st.form_submit_button(ui.t("auth.submit"), type="primary")
    if not submitted:
        st.caption(ui.t("auth.help"))
        return
    if not name.strip() or not password:
        st.error(ui.t("auth.missing"))
        return
    outcome = auth.STATE.sign_in(config, name, password)
    if outcome.ok:
        st.session_state[auth.TOKEN_KEY] = outcome.token
        audit.record("sign_in", user=name.strip(), via="password")
        st.rerun()
    audit.record("sign_in_failed", user=name.strip(), reason=outcome.reason)
    if outcome.reason == "locked":
        st.error(ui.t("auth.locked", seconds=math.ceil(outcome.wait_seconds)))
    else:
        st.error(ui.t("auth.wrong"))
        if outcome.wait_seconds > 0:
            st.warning(ui.t("auth.slowed", seconds=math.ceil(outcome.wait_seconds)))


def sidebar(user: auth.User | None) -> None:
    """Who is signed in, their role and scope, and the sign-out button (nothing when auth is off)."""
    if user is None:
        return
    scope = "、".join(user.towns) if user.towns else ui.t("auth.whole_county")
    st.sidebar.caption("👤 " + ui.md("auth.signed_in_as", name=user.shown_name,
                                       role=ui.t(f"auth.role.{user.role}"), scope=scope))
    st.sidebar.button(ui.t("auth.sign_out"), key="auth_sign_out", on_click=_sign_out)


def _sign_out() -> None:
    token = st.session_state.get(auth.TOKEN_KEY)
    user = auth.current_user_for(token)
    auth.STATE.sign_out(token)
    audit.record("sign_out", user=user.name if user else "")
    # Whatever the last user left in the session (filters, console results) goes with them.
    language = ui.lang()
    st.session_state.clear()
    st.session_state[ui.LANG_KEY] = language


def refusal(spec: PageSpec, user: auth.User):
    """A page body that refuses ``user`` the page ``spec`` and says which roles may open it."""
    def refuse() -> None:
        st.title(ui.t(f"app.page.{spec.key}"))
        st.error("⛔ " + ui.t("auth.refused", role=ui.t(f"auth.role.{user.role}"),
                              roles="、".join(ui.t(f"auth.role.{r}") for r in spec.roles)))
        audit.record("page_refused", user=user.name, page=spec.key)

    refuse.__name__ = f"refuse_{spec.key}"
    return refuse
