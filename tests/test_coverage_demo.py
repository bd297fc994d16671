"""The demo county's coverage stories are visible in the coverage queries and map colours."""

from datetime import date

import pytest

from gridwatch import coverage, demo, maps, metrics, queries, warehouse
from gridwatch.filters import Filters

YEAR = Filters(start=date(2026, 1, 1), end=demo.DEMO_END, as_of=demo.DEMO_END)


@pytest.fixture(scope="module")
def demo_con(tmp_path_factory):
    path = tmp_path_factory.mktemp("coverage_demo") / "demo.duckdb"
    warehouse.build_demo(path)
    con = warehouse.open_readonly(path)
    yield con
    con.close()


def test_ungridded_town_stands_out(demo_con):
    grids = queries.run(demo_con, "coverage_grids", {**YEAR.params(), "risk_levels": []})
    towns = grids[grids.level == "town"].set_index("town")
    assert towns.blind_spots.idxmax() == demo.STORY_UNGRIDDED_TOWN
    worst = towns.loc[demo.STORY_UNGRIDDED_TOWN]
    assert worst.blind_spots >= demo.STORY_UNGRIDDED_COUNT
    scale = maps.SCALES[("blind_spots", "town")]
    assert scale.colour(worst.blind_spots) == scale.colours[-1]


def test_demo_gap_lists_match_headline(demo_con):
    enterprises = queries.run(demo_con, "coverage_enterprises", {**YEAR.params(), "risk_levels": []})
    figures = metrics.headline(demo_con, YEAR)
    assert len(coverage.blind_spots(enterprises)) == figures["blind_spots"]
    assert len(coverage.overdue_for_inspection(enterprises)) == figures["overdue_for_inspection"]
    # Every village grid of the demo has a boundary: the map never falls back there.
    grids = queries.run(demo_con, "coverage_grids", {**YEAR.params(), "risk_levels": []})
    assert all(maps.parse_polygons(g) for g in grids.geometry)
