"""Tables for people: ``dataframe`` without a literal "None", and ``page_of`` for lists too long to send whole."""

import pandas as pd
import streamlit as st

from gridwatch import formatting
from gridwatch.ui.text import t

PAGE_ROWS = 500


def page_of(frame: pd.DataFrame, key: str, where=None) -> pd.DataFrame:
    """One page (``PAGE_ROWS`` rows) of a long list, with a page box and a caption saying which rows.

    The whole frame when it fits on one page. Sending every row of a list that
    runs to tens of thousands at province scale cost megabytes on every rerun;
    the list's download still holds every row.
    """
    pages = max(1, -(-len(frame) // PAGE_ROWS))
    if pages == 1:
        return frame
    where = where or st
    page = where.columns([1, 3])[0].number_input(t("app.paging.page", pages=pages), min_value=1, max_value=pages,
                                                 value=1, step=1, key=f"{key}_page_{pages}")
    first = (page - 1) * PAGE_ROWS
    where.caption(t("app.paging.rows_shown", first=f"{first + 1:,}", last=f"{min(len(frame), first + PAGE_ROWS):,}",
                    n=f"{len(frame):,}"))
    return frame.iloc[first:first + PAGE_ROWS]


def dataframe(frame: pd.DataFrame, *, where=None, percent: tuple[str, ...] = (), widths: dict | None = None,
              column_config: dict | None = None, digits: dict[str, int] | None = None, **kwargs):
    """``st.dataframe`` without a literal "None" (``formatting.screen_frame``): gaps read "—"
    in number columns and blank elsewhere, ``percent`` columns as percentages; ``widths``
    (column → pixels or "small"/"medium"/"large") set column widths; ``digits`` the decimals of
    number columns that have gaps (``column_config`` formats apply to the others). Returns the
    selection event like ``st.dataframe``."""
    shown, as_text = formatting.screen_frame(frame, percent, digits=digits)
    config: dict = {}
    for column in shown.columns:
        width = (widths or {}).get(column)
        if width is not None or column in as_text:
            config[column] = st.column_config.Column(width=width, alignment="right" if column in as_text else None)
    # A number format would read "—" as no number: columns turned into text keep their text.
    config.update({k: v for k, v in (column_config or {}).items() if k not in as_text})
    return (where or st).dataframe(shown, column_config=config, **kwargs)
