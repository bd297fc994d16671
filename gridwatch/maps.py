"""Offline pydeck maps of grids and enterprises: geometry parsing, colour classes, tooltips, decks.

Everything here works without a tile server (``map_provider=None``). Values from
the data reach a tooltip only through ``tooltip_fields``, which neutralises them.
"""

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

GRID_LAYER = "grids"
POINT_LAYER = "enterprises"
OVERDUE_LAYER = "overdue"
HEX_LAYER = "hexagons"

RISK_COLOURS = {
    "red": (220, 38, 38),
    "orange": (234, 118, 22),
    "yellow": (234, 179, 8),
    "blue": (37, 99, 235),
}
NO_DATA_COLOUR = (210, 210, 210)
OVERDUE_RING = (17, 24, 39)
MEASURES = ("coverage_rate", "overdue_for_inspection", "open_hazards_per_enterprise", "blind_spots")
LEVELS = ("town", "village")


@dataclass(frozen=True)
class Scale:
    """Colour classes of a measure: class i holds values >= bounds[i] (and < bounds[i + 1])."""

    bounds: tuple[float, ...]
    colours: tuple[tuple[int, int, int], ...]
    percent: bool = False
    integer: bool = False

    def colour(self, value) -> tuple[int, int, int]:
        """The colour of ``value``; grey when it is missing."""
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            return NO_DATA_COLOUR
        index = 0
        for i, bound in enumerate(self.bounds):
            if value >= bound:
                index = i
        return self.colours[index]

    def labels(self) -> list[str]:
        """One range label per class (``0–9``, ``≥ 20``, ``60%–80%``)."""
        out = []
        for i, low in enumerate(self.bounds):
            high = self.bounds[i + 1] if i + 1 < len(self.bounds) else None
            out.append(_range_label(low, high, self.percent, self.integer))
        return out


def _show(value: float, percent: bool) -> str:
    return f"{value * 100:g}%" if percent else f"{value:g}"


def _range_label(low, high, percent, integer) -> str:
    if high is None:
        return f"≥ {_show(low, percent)}"
    if integer:
        return _show(low, False) if high - low == 1 else f"{low:g}–{high - 1:g}"
    return f"{_show(low, percent)} – {_show(high, percent)}"


GOOD_TO_BAD = ((26, 150, 65), (166, 217, 106), (253, 174, 97), (215, 25, 28))
LIGHT_TO_DARK = ((255, 245, 235), (253, 190, 133), (253, 141, 60), (217, 71, 1), (140, 45, 4))

SCALES = {
    ("coverage_rate", "town"): Scale((0, 0.6, 0.8, 0.95), tuple(reversed(GOOD_TO_BAD)), percent=True),
    ("coverage_rate", "village"): Scale((0, 0.6, 0.8, 0.95), tuple(reversed(GOOD_TO_BAD)), percent=True),
    ("overdue_for_inspection", "town"): Scale((0, 1, 10, 20, 40), LIGHT_TO_DARK, integer=True),
    ("overdue_for_inspection", "village"): Scale((0, 1, 2, 3, 5), LIGHT_TO_DARK, integer=True),
    ("blind_spots", "town"): Scale((0, 1, 5, 10, 20), LIGHT_TO_DARK, integer=True),
    ("blind_spots", "village"): Scale((0, 1, 2, 3, 5), LIGHT_TO_DARK, integer=True),
    ("open_hazards_per_enterprise", "town"): Scale((0, 0.1, 0.25, 0.5, 1), LIGHT_TO_DARK),
    ("open_hazards_per_enterprise", "village"): Scale((0, 0.1, 0.25, 0.5, 1), LIGHT_TO_DARK),
}

_NUMBER = r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_PAIR = re.compile(rf"({_NUMBER})\s+({_NUMBER})")
_RING = re.compile(r"\(([^()]*)\)")


def parse_polygons(text) -> list[list[list[float]]]:
    """The outer rings ``[[lon, lat], …]`` of a WKT or GeoJSON (Multi)Polygon; [] if unreadable.

    Holes are dropped: a grid's outline is what the map shows. Results are memoised
    by the geometry text (a province has ~16,000 grids whose outlines rarely change),
    so treat the returned lists as read-only.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return []
    return _parse_text(str(text).strip())


@lru_cache(maxsize=65_536)
def _parse_text(text: str) -> list[list[list[float]]]:
    if not text:
        return []
    if text.startswith("{"):
        return _geojson_rings(text)
    upper = text.upper()
    if upper.startswith("MULTIPOLYGON"):
        polygons = re.split(r"\)\s*\)\s*,\s*\(\s*\(", text)
        rings = []
        for part in polygons:
            rings.extend(_wkt_rings(part)[:1])
        return rings
    if upper.startswith("POLYGON"):
        return _wkt_rings(text)[:1]
    return []


def _wkt_rings(text: str) -> list[list[list[float]]]:
    body = text[text.find("("):] if "(" in text else text
    rings = []
    for chunk in _RING.findall(body) or [body]:
        pts = [[float(x), float(y)] for x, y in _PAIR.findall(chunk)]
        if len(pts) >= 3:
            rings.append(pts)
    return rings


def _geojson_rings(text: str) -> list[list[list[float]]]:
    try:
        geo = json.loads(text)
    except json.JSONDecodeError:
        return []
    if geo.get("type") == "Feature":
        geo = geo.get("geometry") or {}
    kind, coords = geo.get("type"), geo.get("coordinates") or []
    try:
        if kind == "Polygon":
            return [[[float(x), float(y)] for x, y, *_ in coords[0]]] if coords else []
        if kind == "MultiPolygon":
            return [[[float(x), float(y)] for x, y, *_ in poly[0]] for poly in coords if poly]
    except (TypeError, ValueError):
        return []
    return []


# Full-width look-alikes of the HTML-special characters. Streamlit 1.67 itself
# HTML-escapes every value it puts into a tooltip template, so html.escape here
# would reach the user as a visible "&lt;"; these look-alikes read naturally and
# are inert in HTML whatever the frontend does.
_INERT = str.maketrans({"<": "＜", ">": "＞", "&": "＆", '"': "＂", "'": "＇"})
TOOLTIP = {
    "html": "<b>{tip_title}</b><br/>{tip_body}",
    "style": {"fontSize": "12px", "maxWidth": "340px", "whiteSpace": "pre-line"},
}


def inert(value) -> str:
    """``value`` as text that no HTML parser can read as markup (``<`` → ``＜`` …)."""
    return _text(value).translate(_INERT)


def tooltip_fields(title, rows: list[tuple[str, object]]) -> dict[str, str]:
    """The tooltip fields of one map record: a title and ``label: value`` lines, all neutralised."""
    return {
        "tip_title": inert(title),
        "tip_body": "\n".join(f"{inert(label)}: {inert(value)}" for label, value in rows),
    }


def _text(value) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def view_for(points: list[list[float]], width: int = 900, height: int = 560) -> pdk.ViewState:
    """A view that frames the given [lon, lat] points in a map of about width × height pixels."""
    if not points:
        return pdk.ViewState(latitude=36.0, longitude=120.0, zoom=8)
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    mid_lat = (min(lats) + max(lats)) / 2
    # deck.gl's Web Mercator: 512 px span 360° of longitude at zoom 0 (its tile size, not the
    # 256 px of classic web maps); latitude stretches by 1/cos. A fifth of a zoom step of margin.
    d_lon = max(max(lons) - min(lons), 1e-3)
    d_lat = max((max(lats) - min(lats)) / max(math.cos(math.radians(mid_lat)), 0.1), 1e-3)
    zoom = min(math.log2(width * 360 / (512 * d_lon)), math.log2(height * 360 / (512 * d_lat))) - 0.2
    return pdk.ViewState(latitude=mid_lat, longitude=(min(lons) + max(lons)) / 2,
                         zoom=round(max(1.0, min(15.0, zoom)), 2), pitch=0, bearing=0)


def grid_rows(grids: pd.DataFrame, measure: str, level: str, tips: list[dict]) -> list[dict]:
    """Polygon records for the grid layer: one per outer ring, coloured by ``measure``."""
    scale = SCALES[(measure, level)]
    rows = []
    columns = zip(grids["grid_id"], grids["geometry"], grids["enterprises"], grids[measure], tips, strict=True)
    for grid_id, geometry, enterprises, value, tip in columns:
        rings = parse_polygons(geometry)
        if not rings:
            continue
        fill = [*scale.colour(value if enterprises else None), 170]
        for ring in rings:
            rows.append({"grid_id": str(grid_id), "polygon": ring, "fill": fill, **tip})
    return rows


def point_rows(enterprises: pd.DataFrame, tips: list[dict], grid_column: str) -> list[dict]:
    """Point records for enterprises with coordinates, coloured by risk level.

    Each carries the id of the grid it is placed in (``grid_column``), so a click on
    a point selects its grid like a click on the polygon.
    """
    rows = []
    columns = zip(enterprises["enterprise_id"], enterprises[grid_column], enterprises["lon"], enterprises["lat"],
                  enterprises["risk_level"], enterprises["overdue_for_inspection"], tips, strict=True)
    for enterprise_id, grid, lon, lat, risk, overdue, tip in columns:
        if pd.isna(lat) or pd.isna(lon):
            continue
        rows.append({"enterprise_id": str(enterprise_id), "grid_id": grid if isinstance(grid, str) else "",
                     "position": [float(lon), float(lat)],
                     "fill": [*RISK_COLOURS.get(risk, NO_DATA_COLOUR), 230],
                     "overdue": bool(overdue), **tip})
    return rows


def point_bins(enterprises: pd.DataFrame, step: float = 0.01) -> list[dict]:
    """Enterprise coordinates counted in ``step``-degree cells: a few thousand records instead of one per point.

    Feeds the hexagon layer (weighted by ``count``) when there are too many
    enterprises to ship as points.
    """
    located = enterprises.loc[enterprises["lat"].notna() & enterprises["lon"].notna(), ["lon", "lat"]]
    if located.empty:
        return []
    cells = (located.astype(float) / step).round().astype("int64")
    counts = cells.value_counts().sort_index()
    return [{"position": [lon * step, lat * step], "count": int(n)} for (lon, lat), n in counts.items()]


class FrozenDeck(pdk.Deck):
    """A deck whose JSON is compact and computed once: Streamlit serialises the deck on every rerun.

    pydeck writes JSON indented by two spaces with non-ASCII text escaped, which
    for a province's 15,840 village polygons made about three times the bytes the
    browser needs. Only for decks that are never changed after they are built (the
    coverage page caches them per data version and filters).
    """

    def to_json(self):
        """The deck's JSON (compact, UTF-8 text as is), computed on the first call."""
        if getattr(self, "_frozen_json", None) is None:
            self._frozen_json = json.dumps(self, sort_keys=True, default=default_serialize,
                                           separators=(",", ":"), ensure_ascii=False)
        return self._frozen_json


def coverage_deck(grid_records: list[dict], point_records: list[dict],
                  bins: list[dict] | None = None) -> pdk.Deck:
    """Grid polygons with enterprise points on top; overdue enterprises carry a dark ring.

    With no polygons the enterprises are binned into hexagons under the points
    instead: from the points themselves, or from ``bins`` (weighted by ``count``)
    when the points are too many to draw. ``map_provider=None`` with pydeck's
    default map style (a placeholder Streamlit drops) gives a plain background;
    ``map_style=None`` would make Streamlit fetch a CARTO basemap.
    """
    layers = []
    if grid_records:
        layers.append(pdk.Layer(
            "PolygonLayer", grid_records, id=GRID_LAYER, get_polygon="polygon", get_fill_color="fill",
            get_line_color=[90, 90, 90, 200], line_width_min_pixels=1, stroked=True, filled=True,
            pickable=True, auto_highlight=True,
        ))
    elif point_records or bins:
        cells = bins or [{"position": r["position"], "count": 1} for r in point_records]
        layers.append(pdk.Layer(
            "HexagonLayer", cells, id=HEX_LAYER, get_position="position", get_color_weight="count",
            color_aggregation='"SUM"', radius=1500, extruded=False, coverage=0.9, opacity=0.35,
            pickable=False,
        ))
    if point_records:
        layers.append(pdk.Layer(
            "ScatterplotLayer", point_records, id=POINT_LAYER, get_position="position",
            get_fill_color="fill", get_radius=120, radius_min_pixels=2.5, radius_max_pixels=8,
            pickable=True,
        ))
        overdue = [r for r in point_records if r["overdue"]]
        if overdue:
            layers.append(pdk.Layer(
                "ScatterplotLayer", overdue, id=OVERDUE_LAYER, get_position="position",
                filled=False, stroked=True, get_line_color=[*OVERDUE_RING, 255], line_width_min_pixels=1.5,
                get_radius=260, radius_min_pixels=5, radius_max_pixels=12, pickable=True,
            ))
    framed = ([pt for r in grid_records for pt in r["polygon"]] or [r["position"] for r in point_records]
              or [c["position"] for c in bins or []])
    return FrozenDeck(
        layers=layers, initial_view_state=view_for(framed), map_provider=None,
        tooltip=TOOLTIP,
    )
