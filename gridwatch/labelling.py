"""Frames as people read them: one rule for every table, download and sheet that shows records.

A query's frame holds codes (``red``, ``overdue``), datetimes, booleans and gaps; people
read labels in their language (``i18n.label``), ``YYYY-MM-DD`` dates, yes/no words and
blank cells, under translated headers. ``for_people`` applies that rule once; what
really differs between pages (which columns hold which code kind, the words for yes and
no, what a gap reads as — "never" for a last inspection, "not recorded" for a yes/no the
data does not hold — and the header source) are its parameters.

Lists run to hundreds of thousands of rows at province scale, so each label is worked
out once per distinct value, never once per row.
"""

from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from gridwatch import formatting, i18n

DATE_FORMAT = "%Y-%m-%d"
Headers = str | Callable[[str], str] | None


def each_once(series: pd.Series, label: Callable) -> pd.Series:
    """``series`` with ``label`` applied once per distinct value (an object series, gaps left
    missing). Values that cannot be hashed (a list of codes) are told apart by their items."""
    present = series.notna()
    try:
        keys = series
        distinct = series[present].unique()
    except TypeError:
        keys = series.map(lambda v: tuple(v) if isinstance(v, (list, tuple, np.ndarray)) else v)
        distinct = keys[present].unique()
        originals = dict(zip(keys[present], series[present], strict=True))
        labels = {key: label(originals[key]) for key in distinct}
    else:
        labels = {value: label(value) for value in distinct}
    return keys.map(labels).astype(object).where(present, None)


def header(column: str, headers: Headers, lang: str) -> str:
    """A column's header: ``headers`` is a locale prefix (``coverage.col.`` + column), a
    function of the column, or None to keep the column's name."""
    if headers is None:
        return column
    if callable(headers):
        return headers(column)
    return i18n.text(f"{headers}{column}", lang)


def _filled(shown: pd.Series, present: pd.Series, gap) -> pd.Series:
    """``shown`` with the cells where ``present`` is False reading ``gap`` (None: left missing,
    an empty cell in a workbook)."""
    return shown if gap is None else shown.astype(object).where(present, gap)


def for_people(frame: pd.DataFrame, lang: str, *, headers: Headers = None,
               codes: Mapping[str, str] | None = None,
               special: Mapping[str, Callable] | None = None,
               yes_no: tuple[str, ...] | None = None,
               dates: Iterable[str] = (),
               date_format: str | None = DATE_FORMAT,
               rates: Iterable[str] = (),
               numbers: Callable[[pd.Series], pd.Series] | None = None,
               missing: Mapping[str, str | None] | None = None,
               blank: str | None = "") -> pd.DataFrame:
    """``frame`` for people, column by column (the first rule that fits):

    - ``codes`` (column → code kind): each code as ``i18n.label(kind, code, lang)``;
    - ``special`` (column → function): each value as the function says (a step's name, an
      ageing bucket, a list of codes in words);
    - datetime columns and ``dates`` (columns holding dates as objects): ``date_format`` text
      (``YYYY-MM-DD``), or the dates themselves when it is None (a workbook's real dates);
    - boolean columns, when ``yes_no`` gives the words: ``(yes, no)`` or ``(yes, no, not recorded)``;
    - ``rates`` (fractions): percentages (``formatting.rate``);
    - other number columns: ``numbers(series)`` when given, else as they are (a gap reads as
      ``missing[column]`` only when named: a count's gap is not a zero, nor is it text);
    - text: as it is.

    A missing value reads as ``missing[column]`` if named (None leaves it missing), else as
    the not-recorded word for a yes/no and "" for a labelled column; a missing text as
    ``blank`` (None leaves it missing). Labels are worked out once per distinct value.
    Headers come from ``headers`` (see ``header``); the index and column order are kept.
    """
    codes, special, missing = codes or {}, special or {}, missing or {}
    dates, rates = set(dates), set(rates)
    out = {}
    for column in frame.columns:
        series = frame[column]
        # What a gap reads as unless ``missing`` names the column: "" beside labels, a real
        # date's gap stays an empty cell, a number's gap stays missing.
        gap = ""
        if column in codes:
            shown = each_once(series, lambda c, k=codes[column]: i18n.label(k, c, lang))
        elif column in special:
            shown = each_once(series, special[column])
        elif column in dates or pd.api.types.is_datetime64_any_dtype(series):
            shown = pd.to_datetime(series)
            if date_format is None:
                gap = None
            else:
                shown = shown.dt.strftime(date_format)
        elif yes_no and pd.api.types.is_bool_dtype(series):
            shown = series.map({True: yes_no[0], False: yes_no[1]})
            gap = yes_no[2] if len(yes_no) > 2 else ""
        elif column in rates:
            shown, gap = series.map(formatting.rate).astype(object), None
        elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            shown, gap = (numbers(series) if numbers else series), None
        else:
            shown, gap = series, blank
        out[column] = _filled(shown, series.notna(), missing.get(column, gap))
    labelled = pd.DataFrame(out, index=frame.index, columns=list(frame.columns))
    labelled.columns = [header(c, headers, lang) for c in frame.columns]
    return labelled
