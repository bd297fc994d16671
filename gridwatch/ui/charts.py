"""Plotly figures built once per distinct input and shared by every session, every string escaped."""

from collections.abc import Callable

import pandas as pd
import streamlit as st

from gridwatch import safe

FIGURE_CACHE_MAX_ROWS = 50_000


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
