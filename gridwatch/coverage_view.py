"""The coverage page's data, lists and map, built once per (filters, data version) and shared read-only.

At province scale (180,000 enterprises, 15,840 grids) rebuilding these on every
rerun took seconds: a query result cached with ``st.cache_data`` is unpickled on
each rerun, and a deck with one record per enterprise took longer to build and
serialise than everything else together. The page reads each of these through
``ui.cached(..., shared=True)``: built on the first request for a (filters, data
version) and kept as one object that later reruns and other sessions reuse, and
callers must not change. Each function takes a ``gridwatch.reader.Reader`` first;
the lists and the map get the data through ``reader.compute``, so in pages it is
built once for all of them. Enterprise points are drawn only while they fit the
point budget (``POINT_BUDGET``): for one town, one chosen grid, or a small county.
"""

from dataclasses import dataclass

import pandas as pd
import pydeck as pdk

from gridwatch import coverage, maps, registers
from gridwatch.reader import Reader

# Points the map draws at most: ~5,000 records keep the deck under ~2 MB of JSON, which
# serialises and draws in well under a second; a town of a province holds a few hundred.
POINT_BUDGET = 5_000


@dataclass(frozen=True)
class CoverageData:
    """The query results and gap lists of one set of filters (read-only, shared between sessions)."""

    enterprises: pd.DataFrame
    in_scope: pd.DataFrame
    grids: pd.DataFrame
    blind: pd.DataFrame
    overdue: pd.DataFrame
    located: int
    register_units: dict[str, int]

    @property
    def unlocated(self) -> int:
        """In-scope enterprises without coordinates: the map cannot place them."""
        return len(self.in_scope) - self.located

    def level_grids(self, level: str) -> pd.DataFrame:
        """The grids of one level (town or village)."""
        return self.grids[self.grids["level"] == level].reset_index(drop=True)


@dataclass(frozen=True)
class CoverageMap:
    """A built map: the deck, what it holds, and how many enterprises were left out as points."""

    deck: pdk.Deck
    has_polygons: bool
    points: int
    hexagons: bool
    hidden_points: int


def data(read: Reader, params: dict) -> CoverageData:
    """coverage_enterprises and coverage_grids for ``params`` with the blind-spot and overdue lists."""
    enterprises = read("coverage_enterprises", params)
    grids = read("coverage_grids", params)
    in_scope = enterprises[enterprises["in_scope"]].reset_index(drop=True)
    return CoverageData(
        enterprises=enterprises,
        in_scope=in_scope,
        grids=grids,
        blind=coverage.blind_spots(enterprises),
        overdue=coverage.overdue_for_inspection(enterprises),
        located=int((in_scope["lat"].notna() & in_scope["lon"].notna()).sum()),
        register_units={by: registers.unit_count(enterprises, by) for by in registers.BY},
    )


def shown(read: Reader, params: dict, which: str, lang: str, level: str = "") -> pd.DataFrame:
    """A gap list labelled for people: 'blind_spots', 'overdue' or 'uninspected_grids' (of ``level``)."""
    found = read.compute(data, params, shared=True)
    frame = {"blind_spots": found.blind, "overdue": found.overdue}.get(which)
    if frame is None:
        frame = coverage.uninspected_grids(found.grids, level)
    return coverage.labelled(frame, lang)


def map_focus(found: CoverageData, chosen_grid: str | None) -> str | None:
    """The grid whose enterprises the map draws as points: the chosen one, and only over ``POINT_BUDGET``.

    Under the budget every point is drawn, so the map does not depend on the choice.
    """
    return chosen_grid if found.located > POINT_BUDGET else None


def coverage_map(read: Reader, params: dict, level: str, measure: str, lang: str, focus: str | None) -> CoverageMap:
    """The map of ``level`` grids coloured by ``measure``, with enterprise points within the budget.

    Over ``POINT_BUDGET`` located enterprises, only those of the ``focus`` grid (see
    ``map_focus``) are drawn; the rest are counted in ``hidden_points``.
    """
    found = read.compute(data, params, shared=True)
    located = found.in_scope[found.in_scope["lat"].notna() & found.in_scope["lon"].notna()]
    points, hidden = located, 0
    if len(located) > POINT_BUDGET:
        column = "town_grid_id" if level == "town" else "village_grid_id"
        points = located[located[column] == focus] if focus else located.iloc[:0]
        points = points.iloc[:POINT_BUDGET]
        hidden = len(located) - len(points)
    grids = found.level_grids(level)
    outlined = any(maps.parse_polygons(text) for text in grids["geometry"])
    bins = maps.point_bins(located) if hidden and not outlined else None
    deck, has_polygons, has_points = coverage.deck(grids, points, level, measure, lang, bins)
    hexagons = not has_polygons and (has_points or bool(bins))
    return CoverageMap(deck, has_polygons, len(points) if has_points else 0, hexagons, hidden)
