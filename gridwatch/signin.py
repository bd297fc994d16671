"""The Streamlit side of sign-in: the gate before navigation, the sidebar box, refusals.

The password form is not here: only an HTTP response can set the HttpOnly session
cookie, so the sign-in page is served outside Streamlit (``gridwatch/web.py``).
``app.py`` calls ``gate()`` before it builds the navigation: with auth off it returns
None and nothing changes; with auth on it returns the user that this run's request
names (its session cookie, or a trusted proxy's header), or routes every page to a
notice with a link to the sign-in page and stops the run. Pages a role may not open
are routed to ``refusal`` (the page script never runs), so typing a page's URL does
not get round the role.
"""

import html

import streamlit as st

from gridwatch import audit, auth, ui, web
from gridwatch.navigation import PAGES, PageSpec

# Who this Streamlit session last ran for. Never used to decide who is signed in (the
# request does that on every run); only to notice a change and drop what the previous
# user left in the session.
SEEN_KEY = "auth_seen"
# Every open tab checks this often whether its browser's session still stands, so that
# signing out in one tab (or the idle limit) signs out the others without a click.
WATCH_SECONDS = 15
# The sign-in link drawn as the theme's primary button.
LINK_STYLE = ("display: inline-block; padding: .45rem 1.25rem; border-radius: .5rem; background: #c0392b; "
              "color: #fff; text-decoration: none")


def _served() -> bool:
    """True behind the sign-in page's server (a seam for tests: AppTest has no server)."""
    return web.installed()


def _config() -> auth.Config | None:
    try:
        return auth.load_config()
    except auth.AuthConfigError as exc:
        st.error(ui.t("auth.bad_config", error=ui.error_md(exc)))
        st.stop()


def _forget_session() -> None:
    """Drop everything the previous user left in this Streamlit session (filters, console results)."""
    language = ui.lang()
    st.session_state.clear()
    st.session_state[ui.LANG_KEY] = language


def gate() -> auth.User | None:
    """The signed-in user (None when auth is off), or a notice with the way to sign in and a stopped run."""
    config = _config()
    if config is None:
        return None
    if not _served():
        st.error(ui.t("auth.not_served"))
        st.stop()
    request = auth.browser_request()
    user, why, via = auth.identify(config, request)
    seen = st.session_state.get(SEEN_KEY)
    if seen is not None and (user is None or user.name != seen):
        _forget_session()
        if user is None and why != "signed_out":
            audit.record("session_refused", user=seen, reason=why, ip=request.ip or "")
    if user is None:
        _route_to_notice(why)
        st.stop()
    if user.name != seen:
        st.session_state[SEEN_KEY] = user.name
        if via == "proxy":
            audit.record("sign_in", user=user.name, via="proxy", ip=request.ip or "")
    return user


def _route_to_notice(why: str) -> None:
    """Route every page's URL to the notice, so that no page script runs without a signed-in user.

    The notice links to the sign-in page, which comes back to the page that was asked for.
    """
    def page_for(spec: PageSpec):
        def notice() -> None:
            _notice(spec, why)

        notice.__name__ = f"sign_in_{spec.key}"
        return notice

    pages = [st.Page(page_for(spec), title=ui.t(f"app.page.{spec.key}"), url_path=spec.key, default=spec.default)
             for spec in PAGES]
    st.navigation(pages, position="hidden").run()


def _here(spec: PageSpec) -> str:
    """The path and query of the page being asked for, to come back to after signing in."""
    from urllib.parse import urlencode

    path = f"{web.base_path()}/{'' if spec.default else spec.key}"
    query = urlencode({key: st.query_params.get(key) for key in st.query_params})
    return f"{path}?{query}" if query else path


def _notice(spec: PageSpec, why: str) -> None:
    st.title(ui.t("app.title"))
    message = {"expired": "auth.expired", "unknown": "auth.unknown_session",
               "signed_out": "auth.signed_out"}.get(why, "app.sign_in_first")
    (st.info if why in ("signed_out", "none") else st.warning)(ui.t(message))
    url = web.sign_in_url(web.safe_next(_here(spec)), ui.lang())
    # A plain link in this tab (st.link_button opens a new one); the URL is built here and escaped.
    st.markdown(f'<a href="{html.escape(url)}" target="_self" style="{LINK_STYLE}">'
                f'{html.escape(ui.t("auth.sign_in"))}</a>', unsafe_allow_html=True)


def sidebar(user: auth.User | None) -> None:
    """Who is signed in, their role and scope, and the sign-out button (nothing when auth is off)."""
    if user is None:
        return
    scope = ui.join(user.towns) if user.towns else ui.t("auth.whole_county")
    st.sidebar.caption("👤 " + ui.md("auth.signed_in_as", name=user.shown_name,
                                       role=ui.t(f"auth.role.{user.role}"), scope=scope))
    config = auth.load_config()
    via = auth.identify(config, auth.browser_request(), touch=False)[2] if config else ""
    if via == "proxy":
        st.sidebar.caption(ui.t("auth.by_proxy"))
    else:
        st.sidebar.button(ui.t("auth.sign_out"), key="auth_sign_out", on_click=_sign_out)
    with st.sidebar:
        _watch()


@st.fragment(run_every=WATCH_SECONDS)
def _watch() -> None:
    """Rerun the whole app as soon as this browser's session has ended (signed out elsewhere, idle)."""
    try:
        config = auth.load_config()
    except auth.AuthConfigError:
        config = None
    if config is None or auth.identify(config, auth.browser_request(), touch=False)[0] is None:
        st.rerun()


def _sign_out() -> None:
    """End this browser's session: every tab of it is signed out, here at once, elsewhere within seconds."""
    name = auth.STATE.sign_out(auth.browser_request().cookies.get(auth.COOKIE))
    audit.record("sign_out", user=name or "")
    _forget_session()


def refusal(spec: PageSpec, user: auth.User, home):
    """A page body that refuses ``user`` the page ``spec``, says which roles may open it and links home.

    ``home`` is the role's first page (an ``st.Page``): a shared link to a page the role may
    not open still leaves the way to the pages it may.
    """
    def refuse() -> None:
        st.title(ui.t(f"app.page.{spec.key}"))
        st.error("⛔ " + ui.t("auth.refused", role=ui.t(f"auth.role.{user.role}"),
                              roles=ui.join(ui.t(f"auth.role.{r}") for r in spec.roles)))
        st.page_link(home, label=ui.t("auth.go_home", page=home.title), icon="➡️")
        audit.record("page_refused", user=user.name, page=spec.key)

    refuse.__name__ = f"refuse_{spec.key}"
    return refuse
