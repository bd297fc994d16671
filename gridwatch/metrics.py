"""The headline metrics of DESIGN.md, defined once (``queries/headline_metrics.sql``).

The overview page, the weekly brief and ``python -m gridwatch metrics`` all call
``headline``; nothing else computes these figures.
"""


import duckdb

from gridwatch import formatting, queries
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
    "due_in_period",
    "rectified_on_time",
    "on_time_rate",
    "overdue_open",
    "verification_rate",
    "median_days_to_rectify",
)
RATES = ("coverage_rate", "rectification_rate", "on_time_rate", "verification_rate")


def headline(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict:
    """The headline figures for the filters, as plain Python values (None where undefined)."""
    row = queries.run(con, "headline_metrics", filters.params()).to_dict("records")[0]
    return {key: formatting.plain(row[key]) for key in KEYS}
