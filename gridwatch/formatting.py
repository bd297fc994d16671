"""How figures are written for people: rates as percentages, missing as a dash."""

import math

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
