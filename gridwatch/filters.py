"""The global filters every page shares: period, as-of date, towns, departments, industries.

Pure Python so the CLI, exports and tests build the same parameters as the pages.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

PRESETS = ("this_week", "last_week", "this_month", "this_quarter", "this_year", "last_12_months", "custom")
DEFAULT_PRESET = "this_year"


@dataclass(frozen=True)
class Filters:
    """A period [start, end], the as-of date T, and enterprise filters (empty = all)."""

    start: date
    end: date
    as_of: date
    towns: tuple[str, ...] = field(default_factory=tuple)
    departments: tuple[str, ...] = field(default_factory=tuple)
    industries: tuple[str, ...] = field(default_factory=tuple)

    def params(self) -> dict:
        """Named query parameters for these filters."""
        return {
            "start": self.start,
            "end": self.end,
            "as_of": self.as_of,
            "towns": list(self.towns),
            "departments": list(self.departments),
            "industries": list(self.industries),
        }


def week_start(d: date) -> date:
    """The Monday of d's ISO week."""
    return d - timedelta(days=d.weekday())


def quarter_start(d: date) -> date:
    """The first day of d's calendar quarter."""
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def preset_period(preset: str, as_of: date) -> tuple[date, date]:
    """The period a preset names, relative to the data's as-of date."""
    if preset == "this_week":
        return week_start(as_of), as_of
    if preset == "last_week":
        monday = week_start(as_of) - timedelta(days=7)
        return monday, monday + timedelta(days=6)
    if preset == "this_month":
        return as_of.replace(day=1), as_of
    if preset == "this_quarter":
        return quarter_start(as_of), as_of
    if preset == "this_year":
        return date(as_of.year, 1, 1), as_of
    if preset == "last_12_months":
        return as_of - timedelta(days=364), as_of
    raise ValueError(f"unknown period preset {preset!r}")


def picker_bounds(first: date | None, as_of: date, today: date, *shown: date | None) -> tuple[date, date]:
    """The days the sidebar's date pickers offer: the data's first day to its as-of date or today.

    Whichever of the as-of date and today is later closes the range; ``shown`` (the values the
    pickers hold) widen it, so that a value set earlier is never outside. Streamlit's default is
    ten years either side of the value, which left a county's older history out of reach.
    """
    values = [d for d in shown if d is not None]
    low = min([d for d in (first, *values) if d is not None] or [as_of])
    return low, max(as_of, today, *values)


def status_date(shown: date | None, followed: date | None, follow: date) -> date:
    """The status date the sidebar shows: ``follow`` unless the user chose another.

    ``follow`` is the custom period's end (at most the data's as-of date) or the data's as-of
    date; ``shown`` is the picker's value now and ``followed`` the value last set by following.
    A value that differs from the one last followed was set by the user and stays.
    """
    return shown if shown is not None and shown != followed else follow

