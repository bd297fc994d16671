"""How figures are written for people: rates as percentages, missing as a dash."""

import math

import pandas as pd

DASH = "—"


def is_missing(value) -> bool:
    """True for None and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def plain(value):
    """A plain Python value for JSON and comparisons: numpy scalars unwrapped, NaN as None."""
    if hasattr(value, "item"):
        value = value.item()
    return None if is_missing(value) else value


def rate(value, digits: int = 1) -> str:
    """A fraction in [0, 1] as a percentage (``0.8321`` → ``83.2%``)."""
    return DASH if is_missing(value) else f"{value * 100:.{digits}f}%"


def count(value) -> str:
    """An integer with thousands separators."""
    return DASH if is_missing(value) else f"{int(value):,}"


def number(value, digits: int = 1) -> str:
    """A decimal number, trailing zeros kept to ``digits``."""
    return DASH if is_missing(value) else f"{value:,.{digits}f}"


def _cell_text(value, percent: bool, digits: int, missing: str) -> str:
    if is_missing(value) or value is pd.NA or value is pd.NaT:
        return missing
    if percent:
        return rate(value)
    return f"{value:,.{digits}f}"


def screen_frame(frame: pd.DataFrame, percent: tuple[str, ...] = (), missing: str = DASH,
                 digits: dict[str, int] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` for ``st.dataframe`` without a literal "None": Streamlit draws every missing
    cell as "None" (a Styler's ``na_rep`` does not reach them). Number columns holding a
    missing value, and the ``percent`` columns (fractions), become text (``missing`` for the
    gaps, ``digits[column]`` decimals, else none for whole numbers and two otherwise,
    percentages with one); missing dates and text become empty. Returns the frame and the
    names of the columns turned into text, to align right."""
    out = frame.copy()
    numeric_text = []
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_bool_dtype(series):
            continue
        if pd.api.types.is_numeric_dtype(series):
            if column not in percent and not series.isna().any():
                continue
            values = series.dropna()
            whole = values.empty or bool((values == values.round()).all())
            places = (digits or {}).get(column, 0 if whole else 2)
            out[column] = [_cell_text(v, column in percent, places, missing) for v in series]
            numeric_text.append(column)
        elif pd.api.types.is_datetime64_any_dtype(series):
            out[column] = series.dt.strftime("%Y-%m-%d").fillna("")
        elif series.isna().any():
            out[column] = series.astype(object).where(series.notna(), "")
    return out, numeric_text
