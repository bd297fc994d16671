"""The first N categories of a frame for a chart, and the caption that says so.

At province scale a category axis runs to hundreds of towns or squadrons and thousands of staff:
one bar each is unreadable. A chart therefore draws the N categories ranked first by its measure
and says "N of M"; the complete list stays in the page's table and download. The ranking uses the
figures the frame already holds (computed by the queries and functions that own them); this module
only orders and cuts. With N or fewer categories the frame comes back unchanged, so small counties
see the charts exactly as before.
"""

from dataclasses import dataclass

import pandas as pd

from gridwatch import i18n

# Small enough that 25 labels stay legible side by side on a laptop-width chart.
CHART_TOP_N = 25


@dataclass(frozen=True)
class ChartTop:
    """Rows of the categories a chart draws, with how many it draws out of how many there are."""

    frame: pd.DataFrame
    shown: int
    total: int
    ascending: bool = False

    @property
    def cut(self) -> bool:
        """True when the chart leaves categories out (the page then shows the caption)."""
        return self.shown < self.total


def ranked(frame: pd.DataFrame, category: str, measure: str | None = None, ascending: bool = False,
           agg: str = "sum") -> list:
    """Every category of ``frame``, first-ranked first.

    ``measure`` None keeps the frame's own order (it is already ranked, e.g. by a score's rank).
    A category with several rows (one per level, per colour group) ranks by ``agg`` of its rows.
    Missing measures rank last; ties keep the frame's order.
    """
    order = list(pd.unique(frame[category]))
    if measure is None or frame.empty:
        return order
    totals = frame.groupby(category, sort=False)[measure].agg(agg, skipna=True)
    if agg == "sum":
        # A category whose every row is missing has no total, not a total of 0.
        totals = totals.where(frame.groupby(category, sort=False)[measure].count() > 0)
    totals = totals.reindex(order)
    position = pd.Series(range(len(order)), index=totals.index)
    keys = pd.DataFrame({"missing": totals.isna().to_numpy(),
                         "value": totals.to_numpy() if ascending else -totals.to_numpy(),
                         "position": position.to_numpy()})
    return [order[i] for i in keys.sort_values(["missing", "value", "position"]).index]


def top_categories(frame: pd.DataFrame, category: str, measure: str | None = None, n: int | None = None,
                   ascending: bool = False, agg: str = "sum") -> ChartTop:
    """The rows of the ``n`` (default ``CHART_TOP_N``) first-ranked categories (see ``ranked``).

    When the frame has more categories than ``n``, rows come in ranking order; otherwise the frame
    is returned as it is.
    """
    n = CHART_TOP_N if n is None else int(n)
    order = ranked(frame, category, measure, ascending, agg)
    if len(order) <= n:
        return ChartTop(frame, len(order), len(order), ascending)
    keep = order[:n]
    rank = {value: i for i, value in enumerate(keep)}
    rows = frame[frame[category].isin(keep)]
    rows = rows.iloc[rows[category].map(rank).argsort(kind="stable")]
    return ChartTop(rows, n, len(order), ascending)


def caption(top: ChartTop, measure_label: str, lang: str = i18n.DEFAULT_LANG) -> str:
    """'Showing the top N of M by <measure>; the full list is in the table / download', in ``lang``."""
    key = "charts.bottom_caption" if top.ascending else "charts.top_caption"
    return i18n.text(key, lang, n=top.shown, total=f"{top.total:,}", measure=measure_label)
