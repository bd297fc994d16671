"""The headline metrics of DESIGN.md, defined once, and the comparison every page makes.

``headline`` runs ``queries/headline_metrics.sql`` (itself built on the schema macros
``hazard_period`` / ``hazard_status``) and turns a figure whose field the data in scope never
records into ``None`` listed under ``not_recorded`` with the reason, so "not recorded" never
reads as zero. Every page's cards, the weekly brief, its exports and
``python -m gridwatch metrics`` call it; nothing else computes these figures.

``compare`` gives the period a figure is compared with: the same period last year on the
overview and rectification pages, last week in the brief (the same days of last week while
the week is unfinished).
"""

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb

from gridwatch import formatting, i18n, queries
from gridwatch.filters import Filters

KEYS = (
    "enterprises_in_scope",
    "inspected_enterprises",
    "coverage_rate",
    "overdue_for_inspection",
    "blind_spots",
    "inspections",
    "hazards_found",
    "major_hazards_found",
    "rectified",
    "rectification_rate",
    "rectified_in_period",
    "due_in_period",
    "rectified_on_time",
    "on_time_rate",
    "overdue_open",
    "verification_rate",
    "median_days_to_rectify",
    "rectified_date_unknown",
)
RATES = ("coverage_rate", "rectification_rate", "on_time_rate", "verification_rate")

# What each field of queries/recorded_fields.sql is, as the CLI names it.
FIELDS = {
    "inspections": "inspections",
    "grids": "grids",
    "grids_population": "grids.population",
    "grids_staff": "grids.grid_staff",
    "hazards_deadline": "hazards.deadline",
    "hazards_rectification": "hazards.rectified_date|rectified|verified_date",
    "hazards_rectified_date": "hazards.rectified_date",
    "hazards_verified_date": "hazards.verified_date",
    "hazards_five": "hazards.responsibility|measures|funds|time_limit|plan",
    "cases_interview_date": "cases.interview_date",
    "cases_collective_review": "cases.collective_review",
    "tipoffs_verified": "tipoffs.verified",
}

# The fields each figure needs: when the data records none of a needed field (the export never
# carried it, or left it empty in every row), the figure is null with the reason "not recorded"
# (DESIGN.md "Honest figures on real data").
# Figures of the brief and the pages that are not headline keys are listed here too, so the
# rule lives in one place.
NEEDS = {
    "inspected_enterprises": ("inspections",),
    "coverage_rate": ("inspections",),
    "overdue_for_inspection": ("inspections",),
    "inspections": ("inspections",),
    "blind_spots": ("grids",),
    "rectified": ("hazards_rectification",),
    "rectification_rate": ("hazards_rectification",),
    "rectified_in_period": ("hazards_rectified_date",),
    "due_in_period": ("hazards_deadline",),
    "rectified_on_time": ("hazards_deadline", "hazards_rectified_date"),
    "on_time_rate": ("hazards_deadline", "hazards_rectified_date"),
    "overdue_open": ("hazards_deadline", "hazards_rectification"),
    "overdue_major": ("hazards_deadline", "hazards_rectification"),
    "verification_rate": ("hazards_verified_date",),
    "verified": ("hazards_verified_date",),
    "median_days_to_verify": ("hazards_verified_date",),
    "due_soon": ("hazards_deadline",),
    "median_days_to_rectify": ("hazards_rectified_date",),
    "p90_days_to_rectify": ("hazards_rectified_date",),
    "aged_1": ("hazards_deadline", "hazards_rectification"),
    "aged_2": ("hazards_deadline", "hazards_rectification"),
    "aged_3": ("hazards_deadline", "hazards_rectification"),
    "aged_4": ("hazards_deadline", "hazards_rectification"),
    "rectified_date_unknown": ("hazards_rectification",),
    "key_coverage_rate": ("inspections",),
    "tipoffs_verified": ("tipoffs_verified",),
    "coverage_blind_spots": ("grids",),
    "coverage_overdue": ("inspections",),
    "uninspected_grids": ("grids", "inspections"),
    "towns_below_ratio": ("grids_population",),
    "villages_short": ("grids_staff",),
    "five_complete": ("hazards_five",),
    "five_incomplete": ("hazards_five",),
    "interview_rate": ("cases_interview_date",),
    "review_rate": ("cases_collective_review",),
}


def recorded(con: duckdb.DuckDBPyConnection) -> dict[str, bool]:
    """Which fields the data records (``queries/recorded_fields.sql``: over the whole warehouse)."""
    return from_row(queries.run(con, "recorded_fields").to_dict("records")[0])


def from_row(row: dict) -> dict[str, bool]:
    """The recorded-fields flags of a ``recorded_fields`` result row."""
    return {field: bool(row[field]) for field in FIELDS}


def missing_fields(key: str, fields_recorded: dict[str, bool]) -> tuple[str, ...]:
    """The fields figure ``key`` needs that the data does not record (empty: it can be shown)."""
    return tuple(f for f in NEEDS.get(key, ()) if not fields_recorded.get(f, True))


def reason(fields: tuple[str, ...], lang: str = "en") -> str:
    """Why a figure is not shown: the fields the data never records, in words."""
    return i18n.join((i18n.text(f"metrics.not_recorded.{f}", lang) for f in fields), lang)


def blank_unrecorded(figures: dict, fields_recorded: dict[str, bool], lang: str = "en") -> dict:
    """``figures`` with every figure whose field is not recorded set to None, and the list of them.

    Returns a new dict holding ``not_recorded``: one entry per blanked figure with its
    ``key``, the ``fields`` it lacks and the ``reason`` in ``lang``.
    """
    out = dict(figures)
    blanked = []
    for key in figures:
        lacking = missing_fields(key, fields_recorded)
        if lacking:
            out[key] = None
            blanked.append({"key": key, "fields": [FIELDS[f] for f in lacking], "reason": reason(lacking, lang)})
    out["not_recorded"] = blanked
    return out


def blank_unrecorded_columns(frame, fields_recorded: dict[str, bool]):
    """``frame`` (a breakdown, a trend) with every column of a figure the data does not record emptied."""
    lacking = [c for c in frame.columns if missing_fields(c, fields_recorded)]
    return frame.assign(**{c: None for c in lacking}) if lacking else frame


def headline(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict:
    """The headline figures for the filters, as plain Python values (None where undefined).

    Also ``not_recorded``: the figures set to None because the data never records a field
    they need, each with its ``key``, ``fields`` and an English ``reason``.
    """
    row = queries.run(con, "headline_metrics", filters.params()).to_dict("records")[0]
    figures = {key: formatting.plain(row[key]) for key in KEYS}
    return blank_unrecorded(figures, recorded(con))


@dataclass(frozen=True)
class Comparison:
    """A period and the one it is compared with.

    ``basis``: ``last_year`` (the same period a year before), ``last_week`` or, for a week
    not over at the status date, ``same_days_last_week`` (``current`` then ends at the status
    date and the baseline holds the same weekdays of the week before).
    """

    current: Filters
    baseline: Filters
    basis: str

    @property
    def unfinished(self) -> bool:
        """True when the current period is a week not over yet (compared day for day)."""
        return self.basis == "same_days_last_week"


def _shift_year(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def compare(current: Filters, basis: str = "last_year") -> Comparison:
    """The comparison every page makes: ``last_year`` (overview, rectification) or ``last_week`` (brief).

    ``last_year`` moves the period and the status date back one calendar year (29 February
    becomes the 28th). ``last_week`` moves them back seven days; when the status date falls
    before the period's end (an unfinished week) the period is cut at the status date and
    compared with the same days of last week.
    """
    if basis == "last_year":
        baseline = dataclasses.replace(current, start=_shift_year(current.start, -1),
                                       end=_shift_year(current.end, -1), as_of=_shift_year(current.as_of, -1))
        return Comparison(current, baseline, basis)
    if basis != "last_week":
        raise ValueError(f"unknown comparison basis {basis!r}")
    if current.as_of < current.end:
        current = dataclasses.replace(current, end=max(current.as_of, current.start))
        basis = "same_days_last_week"
    week = timedelta(days=7)
    baseline = dataclasses.replace(current, start=current.start - week, end=current.end - week,
                                   as_of=current.as_of - week)
    return Comparison(current, baseline, basis)
