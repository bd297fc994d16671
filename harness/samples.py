"""A value for every parameter a named query takes (ids from tests/fixtures/tiny.sql).

The query-header test runs every query with these; the benchmark runs every query with
them too, its own period and ids put over them.
"""

from datetime import date

# Sample values for every parameter a query may take; rule-derived ones come from the rules file.
# A query with a new parameter adds its sample here.
SAMPLE_PARAMS = {
    "start": date(2026, 3, 1),
    "end": date(2026, 3, 31),
    "as_of": date(2026, 3, 31),
    "towns": [],
    "departments": [],
    "industries": [],
    "staff_id": "S1",
    "squadrons": [],
    "levels": [],
    "risk_levels": [],
    "hazard_levels": [],
    "categories": [],
    "search": "",
    "sort_by": "major",
    "limit": 10,
    "offset": 0,
    "enterprise_id": "E1",
    "weeks": 12,
    "top_n": 10,
    "import_id": "20260401T000000-000000",
    "written_on": date(2026, 4, 5),
    "is_demo": False,
    "units": [],
    "measure": "deadline_day",
    "dimension": "all",
    "key": None,
    "train_from": date(2025, 4, 1),
    "max_examples": 1000,
    "visits_start": None,
    "visits_end": None,
    "example_types": ["routine", "special", "tipoff", "listed"],
    "recent_days": 365,
    "industry_months": 12,
    "industry_prior": 20,
    "week_end": date(2026, 4, 5),
    "listed_visit_days": 30,
    "capacity_weeks": 13,
}
