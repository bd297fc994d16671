"""Every named query runs on the tiny county and returns exactly the columns its header documents."""

from datetime import date

import pytest

from gridwatch import queries
from harness.samples import SAMPLE_PARAMS


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
