"""Plotly figures built once per distinct input and language, shared by every session, every string escaped,
and drawn in the UI language (``plotly_chart``)."""

from collections.abc import Callable

import pandas as pd
import streamlit as st

from gridwatch import plotly_locale, safe
from gridwatch.ui.text import lang

FIGURE_CACHE_MAX_ROWS = 50_000


@st.cache_resource(max_entries=256, show_spinner=False)
def _figure(name: str, args: tuple, kwargs: dict, language: str, _build: Callable):
    return _localised(safe.figure(_build(*args, **kwargs)), language)


def _localised(fig, language: str):
    plotly_locale.localise(fig, language)
    fig._gridwatch_lang = language
    return fig


def figure(build: Callable, *args, **kwargs):
    """The plotly figure ``build(*args, **kwargs)`` draws, built once per distinct input and language.

    Building a figure validates every property in Python and was the largest share
    of a page run's CPU under load; the figure depends on its input alone, so every
    session drawing the same input shares one (``st.plotly_chart`` copies it before
    sending). ``build`` is a function of ``gridwatch.figures``; nobody may change the
    figure it returns. Every string of the figure is escaped (``safe.figure``): pass
    data as it is, never escaped already. Its numbers are written for the UI language
    (``plotly_locale``).
    """
    if any(isinstance(a, pd.DataFrame) and len(a) >= FIGURE_CACHE_MAX_ROWS for a in (*args, *kwargs.values())):
        # Streamlit hashes a frame this long by a sample of its rows, so two inputs
        # could share a key; charts draw aggregates, so this is a safety net only.
        return _localised(safe.figure(build(*args, **kwargs)), lang())
    return _figure(f"{build.__module__}.{build.__qualname__}", args, kwargs, lang(), _build=build)


def plotly_chart(fig, *, where=None, **kwargs):
    """``st.plotly_chart`` in the UI language: every chart of the app is drawn through it.

    Passes the plotly.js locale (Chinese month and day names, date patterns, toolbar
    titles) and, for a figure not made by ``figure``, writes its numbers for the language.
    ``where`` is a container (column) to draw in; the rest goes to ``st.plotly_chart``.
    """
    language = lang()
    if getattr(fig, "_gridwatch_lang", None) != language:
        _localised(fig, language)
    kwargs["config"] = {**plotly_locale.config(language), **kwargs.get("config", {})}
    return (where or st).plotly_chart(fig, **kwargs)
