"""Tables for people: ``dataframe`` without a literal "None", ``page_of`` for lists too long to send whole,
and ``table``: a titled grid on screen with a plain copy (``paper_table``) that is what a printout shows."""

import html
import re

import pandas as pd
import streamlit as st

from gridwatch import formatting
from gridwatch.ui.text import t

PAGE_ROWS = 500
PRINT_ROWS = 200


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


def table(frame: pd.DataFrame, *, key: str, title: str = "", where=None, print_columns: list[str] | None = None,
          **kwargs):
    """A titled ``st.dataframe`` on screen, and a plain copy of the table that is what a printout shows.

    The interactive grid draws on a canvas: printed, it is a picture of the part in view, cut at
    the paper's edge and holding no text. The copy (``print_columns``, at most ``PRINT_ROWS``
    rows) is an HTML table with the title as its caption: hidden on screen, on paper its text
    wraps, its header repeats on every page and the title stays with it (``app.css``).
    Returns what ``st.dataframe`` returns.
    """
    where = where or st
    screen = where.container(key=f"gw_screen_grid_{key}")
    if title:
        screen.markdown(f"**{title}**")
    shown = screen.dataframe(frame, key=key, **kwargs)
    paper = frame if print_columns is None else frame[print_columns]
    where.container(key=f"gw_print_copy_{key}").html(paper_table(paper.head(PRINT_ROWS), title))
    return shown


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Texts this short (a status, a town, a level) print on one line.
SHORT = 6


def paper_table(frame: pd.DataFrame, title: str = "") -> str:
    """``frame`` as an HTML table for printing, every header and value escaped; missing values blank."""
    def cell(value) -> str:
        value = formatting.plain(value) if not isinstance(value, str) else value
        value = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else value
        number = isinstance(value, int | float) and not isinstance(value, bool)
        shown = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
        if number:
            return f'<td class="num">{html.escape(shown)}</td>'
        if shown and (_DATE.fullmatch(shown) or len(shown) <= SHORT):
            # Dates and short words never break across lines ("2026-11-" / "16" reads as two values).
            return f'<td class="whole">{html.escape(shown)}</td>'
        return f"<td>{html.escape(shown)}</td>"

    caption = f"<caption>{html.escape(title)}</caption>" if title else ""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in frame.itertuples(index=False))
    return f'<table class="gw-paper-table">{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
