"""Every named query runs on the tiny county and returns exactly the columns its header documents."""

from datetime import date

import pytest

from gridwatch import queries

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


@pytest.mark.parametrize("name", sorted(queries.catalogue()))
def test_header_matches_columns(tiny_con, name):
    query = queries.get(name)
    assert query.purpose, f"{name}.sql has no '-- purpose:' line"
    assert set(query.params) == query.used_params, f"{name}.sql header params differ from the SQL"
    frame = queries.run(tiny_con, name, SAMPLE_PARAMS)
    assert tuple(frame.columns) == query.columns


def test_missing_parameter_is_named(tiny_con):
    with pytest.raises(ValueError, match="start"):
        queries.run(tiny_con, "headline_metrics", {"end": date(2026, 3, 31)})


def test_values_are_parameters_not_text(tiny_con):
    """A town name that looks like SQL is just a value."""
    frame = queries.run(tiny_con, "headline_metrics", {**SAMPLE_PARAMS, "towns": ["x') or 1=1 --"]})
    assert frame.loc[0, "enterprises_in_scope"] == 0
SAMPLE_PARAMS["risk_levels"] = []
