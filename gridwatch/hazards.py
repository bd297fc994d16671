"""Hazard counts per enterprise (隐患分析): the page's filters, the paginated table and the charts' data.

Every figure comes from a ``hazards_*`` query; this module only binds parameters
(the global filters plus the page's own: risk level, hazard level, category,
search, sort, page) and names columns for people. Queries run through a runner
(``gridwatch.reader``): ``ui.query`` in the page, ``Reader(con)`` elsewhere.
"""

import math
from dataclasses import dataclass, field

import pandas as pd

from gridwatch import i18n, labelling
from gridwatch.filters import Filters
from gridwatch.reader import Runner

__all__ = ["HazardFilters", "EnterprisePage", "enterprise_page", "top_enterprises",
           "enterprise_table", "repeats", "summary", "SUMMARY_CARDS", "by_town", "monthly", "category_industry",
           "categories", "for_people",
           "context_line"]

SORT_KEYS = ("major", "total", "general", "still_open", "overdue", "repeats")
HAZARD_LEVELS = ("major", "general")
PAGE_SIZE = 20
TOP_N = 10
REPEAT_LIST_LIMIT = 500
COUNT_COLUMNS = ("total", "major", "general", "still_open", "overdue", "repeats")
TABLE_COLUMNS = ("register", "name", "town", "industry", "risk_level", *COUNT_COLUMNS)
REPEAT_COLUMNS = ("name", "town", "category", "item", "description", "level", "hazard_id", "found_date",
                  "earlier_hazard_id", "earlier_description", "earlier_rectified_date", "days_after_rectified",
                  "status")
SUMMARY_CARDS = ("hazards_found", "major_hazards_found", "repeat_hazards", "repeat_share")


@dataclass(frozen=True)
class HazardFilters:
    """The hazards page's own filters (empty = all)."""

    risk_levels: tuple[str, ...] = field(default_factory=tuple)
    hazard_levels: tuple[str, ...] = field(default_factory=tuple)
    categories: tuple[str, ...] = field(default_factory=tuple)

    def params(self) -> dict:
        """Named query parameters for these filters."""
        return {
            "risk_levels": [str(v) for v in self.risk_levels],
            "hazard_levels": [str(v) for v in self.hazard_levels],
            "categories": [str(v) for v in self.categories],
        }


@dataclass(frozen=True)
class EnterprisePage:
    """One page of the per-enterprise table and where it sits in the whole result."""

    rows: pd.DataFrame
    total_rows: int
    page: int
    pages: int


def _params(filters: Filters, hazard_filters: HazardFilters) -> dict:
    return {**filters.params(), **hazard_filters.params()}


def _table_params(filters, hazard_filters, search, sort_by) -> dict:
    if sort_by not in SORT_KEYS:
        raise ValueError(f"cannot sort by {sort_by!r}; choose one of {', '.join(SORT_KEYS)}")
    return {**_params(filters, hazard_filters), "search": (search or "").strip(), "sort_by": sort_by}


def enterprise_page(run: Runner, filters: Filters, hazard_filters: HazardFilters, search: str = "",
                    sort_by: str = "major", page: int = 1, page_size: int = PAGE_SIZE) -> EnterprisePage:
    """Page ``page`` (from 1) of the per-enterprise counts; a page past the end shows the last page."""
    params = _table_params(filters, hazard_filters, search, sort_by)
    page = max(1, int(page))
    rows = run("hazards_by_enterprise", {**params, "limit": page_size, "offset": (page - 1) * page_size})
    if rows.empty and page > 1:
        first = run("hazards_by_enterprise", {**params, "limit": 1, "offset": 0})
        total = int(first["total_rows"].iloc[0]) if not first.empty else 0
        page = max(1, math.ceil(total / page_size))
        rows = run("hazards_by_enterprise", {**params, "limit": page_size, "offset": (page - 1) * page_size})
    total = int(rows["total_rows"].iloc[0]) if not rows.empty else 0
    return EnterprisePage(rows=rows.drop(columns="total_rows"), total_rows=total, page=page,
                          pages=max(1, math.ceil(total / page_size)))


def top_enterprises(run: Runner, filters: Filters, hazard_filters: HazardFilters, search: str = "",
                    sort_by: str = "major", n: int = TOP_N) -> pd.DataFrame:
    """The first ``n`` rows of the per-enterprise table (the chart), read from the table's first page.

    Asking for the same page as the table's first page lets a cached runner answer both
    from one query instead of aggregating every enterprise twice.
    """
    size = max(PAGE_SIZE, int(n))
    return enterprise_page(run, filters, hazard_filters, search, sort_by, 1, size).rows.head(int(n))


def enterprise_table(run: Runner, filters: Filters, hazard_filters: HazardFilters, search: str = "",
                     sort_by: str = "major") -> pd.DataFrame:
    """The whole filtered per-enterprise table, in the chosen order (for the CSV download)."""
    params = _table_params(filters, hazard_filters, search, sort_by)
    return run("hazards_by_enterprise", {**params, "limit": None, "offset": 0}).drop(columns="total_rows")


def repeats(run: Runner, filters: Filters, hazard_filters: HazardFilters,
            limit: int = REPEAT_LIST_LIMIT) -> pd.DataFrame:
    """The repeat hazards found in the period, newest first (at most ``limit``)."""
    return run("hazards_repeats", {**_params(filters, hazard_filters), "limit": int(limit)})


def summary(run: Runner, filters: Filters, hazard_filters: HazardFilters) -> dict:
    """The page's cards: hazards found, major ones, repeat hazards and the share that repeat."""
    row = run("hazards_summary", _params(filters, hazard_filters)).iloc[0]
    return {key: row[key] for key in SUMMARY_CARDS}


def by_town(run: Runner, filters: Filters, hazard_filters: HazardFilters) -> pd.DataFrame:
    """Hazards found per town and level."""
    return run("hazards_by_town", _params(filters, hazard_filters))


def monthly(run: Runner, filters: Filters, hazard_filters: HazardFilters) -> pd.DataFrame:
    """Hazards found per month and level."""
    return run("hazards_monthly", _params(filters, hazard_filters))


def category_industry(run: Runner, filters: Filters, hazard_filters: HazardFilters) -> pd.DataFrame:
    """Hazards found per industry and category."""
    return run("hazards_category_industry", _params(filters, hazard_filters))


def categories(run: Runner, filters: Filters) -> list[str]:
    """The hazard categories offered by the category filter: those recorded at the enterprises in scope."""
    return list(run("hazards_categories", filters.params())["category"])


def for_people(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A hazards frame with code labels, plain dates and column headers in ``lang`` (tables and CSV)."""
    return labelling.for_people(frame, lang, headers="hazards.column.", blank=None,
                                codes={"risk_level": "risk_level", "level": "hazard_level", "status": "hazard_status"})


def context_line(filters: Filters, hazard_filters: HazardFilters, search: str, data_as_of, lang: str) -> str:
    """What an export of the hazards page was filtered by, and the data's as-of date."""
    everything = i18n.text("hazards.all", lang)

    def joined(values, kind=None):
        shown = [i18n.label(kind, v, lang) if kind else str(v) for v in values]
        return i18n.join(shown, lang) or everything

    return i18n.text(
        "hazards.export_context", lang, start=filters.start, end=filters.end, as_of=filters.as_of,
        data_as_of=data_as_of, towns=joined(filters.towns), departments=joined(filters.departments),
        industries=joined(filters.industries), risk=joined(hazard_filters.risk_levels, "risk_level"),
        levels=joined(hazard_filters.hazard_levels, "hazard_level"),
        categories=joined(hazard_filters.categories), search=(search or "").strip() or everything,
    )


