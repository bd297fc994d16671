"""The sidebar every page shares: language switch, global filters (and ``filters()`` to read them), stamps."""

import dataclasses
from datetime import date

import streamlit as st

from gridwatch import auth, i18n
from gridwatch import filters as gf
from gridwatch.ui.data import data_as_of, data_first_date, filter_options, is_demo, meta
from gridwatch.ui.text import FOLLOWERS_KEY, LANG_KEY, follows_language, formatter, join, lang, t

FILTERS_KEY = "global_filters"


def _relabel() -> None:
    """On a language switch: re-assert the value of each widget drawn in the last run that follows the language."""
    if not st.session_state.get(LANG_KEY):
        st.session_state[LANG_KEY] = i18n.DEFAULT_LANG
    for key in st.session_state.get(FOLLOWERS_KEY, ()):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def _keep_language_in_address() -> None:
    """Keep ``?lang=`` in the address bar, so a reload, a copied address or a new tab keeps the language."""
    current = st.session_state[LANG_KEY]
    if st.query_params.get("lang") != current:
        st.query_params["lang"] = current


def language_switch() -> None:
    """The sidebar switch between Chinese and English (drawn before the page and its widgets)."""
    lang()
    # The widgets of this run register again: a switch re-asserts only what is on screen.
    st.session_state[FOLLOWERS_KEY] = set()
    st.sidebar.segmented_control(
        t("app.language"),
        options=list(i18n.LANGS),
        format_func=i18n.language_name,
        key=LANG_KEY,
        selection_mode="single",
        # st.switch_page interrupts the run and drops every widget's state: the language must outlive it.
        persist_state="session",
        on_change=_relabel,
    )
    if not st.session_state.get(LANG_KEY):
        st.session_state[LANG_KEY] = i18n.DEFAULT_LANG
    _keep_language_in_address()


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
        key=follows_language("gf_preset"),
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
    # Nothing chosen already means all; Streamlit's own "Select all" entry would only add every
    # chip, and its label is English in either language (Streamlit offers no way to change it).
    towns = sb.multiselect(t("app.filters.towns"), options.get("town", []), select_all=False,
                           placeholder=join(scope) if scope else t("app.filters.all"), key="gf_towns")
    departments = sb.multiselect(t("app.filters.departments"), options.get("department", []), select_all=False,
                                 placeholder=t("app.filters.all"), key="gf_departments")
    industries = sb.multiselect(t("app.filters.industries"), options.get("industry", []), select_all=False,
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


def stamps() -> None:
    """The data-as-of stamp and, while the demo is shown, a visible demo badge."""
    m = meta()
    if not m:
        return
    if is_demo():
        st.sidebar.warning("🧪 " + t("app.demo_badge"))
    st.sidebar.caption("📅 " + t("app.data_as_of", date=data_as_of().isoformat()))
