"""Plotly figures of the pages, each a pure function of its small, aggregated input.

Pages draw them through ``ui.figure``, which builds each distinct figure once and
shares it between sessions: building a figure validates every property in Python,
and before this was cached it was a third of the server's CPU under load
(``bench/LOAD.md``). Nothing here reads the session, the language or the data; the
caller passes every label already translated.

Codes that look like numbers (town codes, ZIPs, licence numbers: "94110") stay text: plotly
would draw them on a numeric axis ("94.11k"), so every axis that draws categories is set to
``category`` here.
"""

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from gridwatch import chart_top, display

TOP_LEGEND = {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0}


def from_spec(data: list[dict], layout: dict) -> go.Figure:
    """A figure from plain trace and layout dicts (plotly's own JSON shape).

    An axis whose values are all text is a category axis unless ``layout`` gives it a type.
    """
    fig = go.Figure(data=data, layout=layout)
    categorical_text_axes(fig)
    return fig


def categorical_text_axes(fig: go.Figure) -> go.Figure:
    """Make every axis that draws text values (names, codes) a category axis, unless its type is set."""
    for trace in fig.data:
        for letter in ("x", "y"):
            values = getattr(trace, letter, None)
            if values is None or len(values) == 0 or not all(isinstance(v, str) for v in values):
                continue
            ref = getattr(trace, f"{letter}axis", None) or letter
            axis = fig.layout[f"{letter}axis{ref[1:]}"]
            if axis.type is None:
                axis.type = "category"
    return fig


def small_multiples(frame: pd.DataFrame, keys: list[str], titles: list[str], hover: str, labels: dict) -> go.Figure:
    """One line per key of ``frame`` against ``frame["week_start"]``, ``display.PANELS_PER_ROW`` panels a row at most.

    The rows are as even as ``display.rows`` makes them (4 keys → 2 + 2, 7 → 3 + 3 + 1).
    ``hover`` names the column shown on hover; ``labels`` holds ``y_axis``, ``x_axis``
    and ``title``.
    """
    grid = display.rows(list(zip(keys, titles, strict=True)), display.PANELS_PER_ROW)
    if not grid:
        raise ValueError("small_multiples needs at least one key")
    n_rows, n_cols = len(grid), len(grid[0])
    # An empty cell gets no axes (a None spec); titles go to the cells that have them, row by row.
    specs = [[{} if col < len(row) else None for col in range(n_cols)] for row in grid]
    fig = make_subplots(rows=n_rows, cols=n_cols, specs=specs, subplot_titles=titles,
                        vertical_spacing=0.36 / n_rows, horizontal_spacing=0.06)
    for r, row in enumerate(grid, start=1):
        for c, (key, title) in enumerate(row, start=1):
            fig.add_trace(go.Scatter(x=frame["week_start"], y=frame[key], mode="lines+markers", name=title,
                                     customdata=frame[hover], hovertemplate="%{customdata}: %{y}<extra></extra>"),
                          row=r, col=c)
    fig.update_yaxes(title_text=labels["y_axis"], rangemode="tozero", col=1)
    fig.update_yaxes(rangemode="tozero")
    fig.update_xaxes(tickformat="%m-%d", nticks=6)
    fig.update_xaxes(title_text=labels["x_axis"], row=n_rows)
    fig.update_layout(title_text=labels["title"], height=110 + 205 * n_rows, showlegend=False,
                      margin={"t": 70, "b": 40, "l": 50, "r": 20})
    return fig


def stacked_levels(frame: pd.DataFrame, x: str, y: str, colours: dict, level_order: list[str], labels: dict,
                   horizontal: bool = False, custom: list[str] | None = None) -> go.Figure:
    """Bars of ``y`` by ``x``, stacked by hazard level (column ``level``, already labelled).

    ``labels`` holds ``title``, one entry per column and ``level``; a horizontal chart
    keeps the order of ``frame`` from the top.
    """
    fig = px.bar(frame, x=y if horizontal else x, y=x if horizontal else y, color="level",
                 orientation="h" if horizontal else "v", custom_data=custom, color_discrete_map=colours,
                 category_orders={"level": level_order}, title=labels["title"],
                 labels={x: labels[x], y: labels[y], "level": labels["level"]})
    fig.update_layout(barmode="stack", legend_title_text=labels["level"], legend=TOP_LEGEND)
    return fig


def top_enterprises(bars: pd.DataFrame, order: list[str], colours: dict, level_order: list[str],
                    labels: dict) -> go.Figure:
    """The top enterprises' hazards, major and general stacked, the first of ``order`` at the top."""
    fig = stacked_levels(bars, "name", "hazards", colours, level_order, labels, horizontal=True,
                         custom=["enterprise_id"])
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=list(reversed(order)))
    fig.update_layout(height=420)
    return fig


def monthly_levels(frame: pd.DataFrame, colours: dict, level_order: list[str], labels: dict) -> go.Figure:
    """Hazards found per month, stacked by level."""
    fig = stacked_levels(frame, "month", "hazards", colours, level_order, labels)
    fig.update_layout(height=420)
    fig.update_xaxes(dtick="M1", tickformat="%Y-%m")
    return fig


def town_levels(frame: pd.DataFrame, colours: dict, level_order: list[str], labels: dict) -> go.Figure:
    """Hazards found per town, stacked by level, in the order ``chart_top`` ranks them (the caption's).

    Ties keep the frame's order, as the caption and the table below the chart do.
    """
    fig = stacked_levels(frame, "town", "hazards", colours, level_order, labels)
    fig.update_layout(height=460)
    fig.update_xaxes(type="category", categoryorder="array",
                     categoryarray=chart_top.ranked(frame, "town", "hazards"))
    return fig


def heatmap(table: pd.DataFrame, labels: dict) -> go.Figure:
    """A count heatmap of a pivot table, numbers written in the cells."""
    fig = px.imshow(table, text_auto=True, aspect="auto", color_continuous_scale="Reds", title=labels["title"],
                    labels={"x": labels["x"], "y": labels["y"], "color": labels["colour"]})
    fig.update_layout(height=460)
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category")
    return fig


def completeness_bars(frame: pd.DataFrame, state_order: list[str], colours: dict, labels: dict) -> go.Figure:
    """Per field (``field``) the share of rows recording it (``share``, 0–1) as % bars, coloured by ``state``.

    Fields keep the frame's order from the top; ``labels`` holds ``title``, ``x``, ``y`` and ``legend``.
    """
    shown = frame.assign(percent=frame["share"].fillna(0) * 100,
                         text=[f"{v * 100:.1f}%" if v == v else "" for v in frame["share"].fillna(float("nan"))])
    fig = px.bar(shown, x="percent", y="field", color="state", orientation="h", text="text",
                 color_discrete_map=colours, category_orders={"state": state_order}, title=labels["title"],
                 labels={"percent": labels["x"], "field": labels["y"], "state": labels["legend"]})
    fig.update_traces(textposition="outside", cliponaxis=False)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=list(reversed(list(frame["field"]))))
    fig.update_xaxes(range=[0, 112], ticksuffix="%")
    fig.update_layout(legend_title_text=labels["legend"], legend=TOP_LEGEND, height=max(280, 26 * len(frame) + 140),
                      margin={"t": 90})
    return fig


def freshness_bars(frame: pd.DataFrame, labels: dict) -> go.Figure:
    """Days since each table (``table``) was last imported (``days``), one bar per table.

    Days are whole numbers: the axis never shows fractions, and when every import is under
    five days old (all today, say) it spans 0–5 in steps of one rather than 0–1 in fifths.
    """
    top = max(frame["days"], default=0)
    days_axis = {"title": {"text": labels["y"]}, "rangemode": "tozero", "tickformat": ",d"}
    if top < 5:
        days_axis.update(range=[0, 5], dtick=1)
    fig = go.Figure(go.Bar(x=list(frame["table"]), y=list(frame["days"]), name=labels["series"],
                           text=[str(d) for d in frame["days"]], textposition="outside",
                           hovertemplate="%{x}: %{y}<extra></extra>"))
    fig.update_layout(title_text=labels["title"], showlegend=True, legend=TOP_LEGEND, height=360,
                      xaxis={"title": {"text": labels["x"]}, "type": "category"},
                      yaxis=days_axis, margin={"t": 90})
    return fig


def hindsight(frame: pd.DataFrame, labels: dict) -> go.Figure:
    """The plan's hindsight test per window: the share of majors in the first half, three orders as lines.

    ``frame`` has ``end`` (the window's last day, text) and ``model_share``,
    ``actual_share``, ``random_share`` (fractions, NaN where no major was found);
    ``labels`` holds ``title``, ``x_axis``, ``y_axis`` and one name per share column.
    """
    fig = go.Figure()
    styles = {"model_share": {"width": 3}, "actual_share": {"width": 2}, "random_share": {"width": 1, "dash": "dot"}}
    for column, line in styles.items():
        fig.add_trace(go.Scatter(x=frame["end"], y=frame[column], mode="lines+markers", name=labels[column],
                                 line=line, hovertemplate="%{x}: %{y:.0%}<extra>" + labels[column] + "</extra>"))
    fig.update_yaxes(title_text=labels["y_axis"], tickformat=".0%", range=[0, 1.05])
    fig.update_xaxes(title_text=labels["x_axis"], type="category")
    fig.update_layout(title_text=labels["title"], height=320, legend=TOP_LEGEND,
                      margin={"t": 80, "b": 40, "l": 50, "r": 20})
    return fig
