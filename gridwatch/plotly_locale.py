"""Charts in the UI language: plotly.js's locale for month names and date patterns, and plain numbers.

Streamlit's bundled plotly.js carries only its English locale, and the app may fetch
nothing from the internet, so the Chinese locale travels with every chart: ``config``
is the chart's plotly.js configuration (the locale's words come from
``gridwatch/locales/plotly.toml``). ``localise`` writes numbers on axes and in hover
labels in full with thousands separators in Chinese (``880,000``, not plotly's
English ``880k`` / ``0.88M``). ``ui.plotly_chart`` applies both to every chart.
"""

import plotly.graph_objects as go

from gridwatch import i18n

PLOTLY_LOCALE = {"zh": "zh-CN", "en": "en-US"}

_LISTS = {"months": "months", "shortMonths": "short_months", "days": "days", "shortDays": "short_days",
          "periods": "periods"}
_PATTERNS = {"date": "date", "year": "year", "month": "month", "dayMonth": "day_month",
             "dayMonthYear": "day_month_year"}
# plotly.js looks its toolbar titles and tips up by their English text.
_TOOLBAR = {"Autoscale": "autoscale", "Box Select": "box_select", "Lasso Select": "lasso_select", "Pan": "pan",
            "Reset axes": "reset_axes", "Reset view": "reset_view", "Zoom": "zoom", "Zoom in": "zoom_in",
            "Zoom out": "zoom_out", "Download plot as a PNG": "download_png", "Toggle Spike Lines": "spike_lines",
            "Show closest data on hover": "closest", "Compare data on hover": "compare",
            "Double-click to zoom back out": "zoom_back",
            "Double-click on legend to isolate one trace": "isolate_trace"}


def locale(lang: str) -> dict:
    """The plotly.js locale of ``lang``: its date words and patterns and its toolbar dictionary."""
    fmt = {name: i18n.text(f"plotly.format.{key}", lang).split(",") for name, key in _LISTS.items()}
    fmt.update({name: i18n.text(f"plotly.format.{key}", lang) for name, key in _PATTERNS.items()})
    return {"dictionary": {english: i18n.text(f"plotly.toolbar.{key}", lang) for english, key in _TOOLBAR.items()},
            "format": fmt}


def config(lang: str) -> dict:
    """The plotly.js configuration for a chart in ``lang`` (``st.plotly_chart(config=...)``)."""
    name = PLOTLY_LOCALE[lang]
    return {"locale": name, "locales": {name: locale(lang)}}


def localise(figure: go.Figure, lang: str) -> go.Figure:
    """``figure`` with its numbers written for ``lang`` (changed in place and returned).

    plotly abbreviates large numbers with SI suffixes (``k``, ``M``, ``G``), which read as
    English in a Chinese page; in Chinese they are written in full with thousands separators.
    """
    if lang == "zh":
        plain = {"exponentformat": "none", "separatethousands": True}
        figure.update_xaxes(**plain)
        figure.update_yaxes(**plain)
        figure.update_coloraxes(colorbar=plain)
    return figure
