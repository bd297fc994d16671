"""The coverage page's data, lists and map, built once per (filters, data version) and shared read-only.

At province scale (180,000 enterprises, 15,840 grids) rebuilding these on every
rerun took seconds: a query result cached with ``st.cache_data`` is unpickled on
each rerun, and a deck with one record per enterprise took longer to build and
serialise than everything else together. Here the query results, the gap lists
and the decks are built on the first request for a (filters, data version) and
kept with ``st.cache_resource``: later reruns reuse the same objects, which
callers must not change. Enterprise points are drawn only while they fit the
point budget (``POINT_BUDGET``): for one town, one chosen grid, or a small county.
"""

from dataclasses import dataclass

import pandas as pd
import pydeck as pdk
import streamlit as st

from gridwatch import coverage, maps, queries, registers, ui

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


def _version() -> tuple[str, str]:
    return ui.meta().get("data_version", ""), str(ui.db_path())


@st.cache_resource(max_entries=4, show_spinner=False)
def _data(params: dict, version: str, path: str) -> CoverageData:
    con = ui.connection()
    enterprises = queries.run(con, "coverage_enterprises", params)
    grids = queries.run(con, "coverage_grids", params)
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


def data(params: dict) -> CoverageData:
    """coverage_enterprises and coverage_grids for ``params`` with the blind-spot and overdue lists."""
    return _data(dict(params), *_version())


@st.cache_resource(max_entries=24, show_spinner=False)
def _shown(params: dict, which: str, level: str, lang: str, version: str, path: str) -> pd.DataFrame:
    found = _data(params, version, path)
    frame = {"blind_spots": found.blind, "overdue": found.overdue}.get(which)
    if frame is None:
        frame = coverage.uninspected_grids(found.grids, level)
    return coverage.labelled(frame, lang)


def shown(params: dict, which: str, lang: str, level: str = "") -> pd.DataFrame:
    """A gap list labelled for people: 'blind_spots', 'overdue' or 'uninspected_grids' (of ``level``)."""
    return _shown(dict(params), which, level if which == "uninspected_grids" else "", lang, *_version())


@st.cache_resource(max_entries=16, show_spinner=False)
def _map(params: dict, level: str, measure: str, lang: str, focus: str | None,
         version: str, path: str) -> CoverageMap:
    found = _data(params, version, path)
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


def coverage_map(params: dict, level: str, measure: str, lang: str, focus: str | None) -> CoverageMap:
    """The map of ``level`` grids coloured by ``measure``, with enterprise points within the budget.

    Over ``POINT_BUDGET`` located enterprises, only those of the ``focus`` grid (the
    one chosen, if any) are drawn; the rest are counted in ``hidden_points``.
    """
    wide = data(params).located > POINT_BUDGET
    return _map(dict(params), level, measure, lang, focus if wide else None, *_version())
