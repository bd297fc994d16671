"""The session's language and the UI strings a page draws: ``t``, ``md``, ``error_md``, ``join``, labels, formatters.

Also ``follows_language``: the keys of widgets whose option labels change with the language.
"""

import streamlit as st

from gridwatch import i18n, safe
from gridwatch.ui.routing import route_through_app

LANG_KEY = "lang"
FOLLOWERS_KEY = "_follows_language"


def lang() -> str:
    """The UI language of this session ('zh' unless switched)."""
    route_through_app(LANG_KEY)
    if LANG_KEY not in st.session_state:
        wanted = st.query_params.get("lang", i18n.DEFAULT_LANG)
        st.session_state[LANG_KEY] = wanted if wanted in i18n.LANGS else i18n.DEFAULT_LANG
    return st.session_state[LANG_KEY]


def follows_language(key: str) -> str:
    """``key``, for a widget whose option labels depend on the language: a switch redraws its choice.

    Streamlit identifies a keyed selectbox by its key alone, so after a language switch
    the browser keeps showing the chosen option in the old language although the options
    are new. Re-asserting the widget's value on the switch (``sidebar._relabel``) makes Streamlit
    send the value again, and the browser shows it in the new language.
    """
    st.session_state.setdefault(FOLLOWERS_KEY, set()).add(key)
    return key


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
