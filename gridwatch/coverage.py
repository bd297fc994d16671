"""Grid coverage (网格覆盖): gap lists, registers, tooltips and legend for the coverage page.

The rules (in scope, overdue for inspection, blind spot, placement in grids) live in
``queries/coverage_enterprises.sql`` and ``queries/coverage_grids.sql``; this module
only picks the flagged rows, orders them, labels them for people and builds files.
"""

import html
from datetime import date

import pandas as pd
import pydeck as pdk

from gridwatch import i18n, labelling, links, maps
from gridwatch.filters import Filters
from gridwatch.rules import RISK_LEVELS

RISK_ORDER = {level: i for i, level in enumerate(RISK_LEVELS)}

BLIND_SPOT_COLUMNS = ("enterprise_id", "name", "town", "village", "department", "squadron", "grid_id",
                      "risk_level", "missing")
OVERDUE_COLUMNS = ("enterprise_id", "name", "town", "village", "squadron", "risk_level", "last_inspection",
                   "days_since_inspection", "interval_days", "open_hazards")
GRID_GAP_COLUMNS = ("grid_id", "level", "town", "village", "name", "enterprises", "last_inspection")
GRID_ENTERPRISE_COLUMNS = ("enterprise_id", "name", "village", "department", "squadron", "risk_level",
                           "last_inspection", "days_since_inspection", "overdue_for_inspection",
                           "open_hazards", "overdue_hazards", "missing")
STAFFING_COLUMNS = ("town", "population", "squadron_staff", "village_inspectors", "inspectors",
                    "inspectors_per_10k", "required_inspectors", "inspector_shortfall", "meets_inspector_rule")
VILLAGE_SHORT_COLUMNS = ("town", "village", "name", "grid_id", "population", "village_inspectors",
                         "required_village_inspectors", "village_inspector_shortfall")
# Columns of the staffing table that are null when the data does not record what they need.
STAFFING_RECORDED = ("population", "village_inspectors", "inspectors", "inspectors_per_10k",
                     "required_inspectors", "inspector_shortfall", "meets_inspector_rule")


def blind_spots(enterprises: pd.DataFrame) -> pd.DataFrame:
    """The blind-spot enterprises (盲区) with the list of what each is missing."""
    rows = enterprises[enterprises["blind_spot"]]
    return rows.loc[:, list(BLIND_SPOT_COLUMNS)].reset_index(drop=True)


def overdue_for_inspection(enterprises: pd.DataFrame) -> pd.DataFrame:
    """Enterprises overdue for inspection, red first, then longest without inspection (never first)."""
    rows = enterprises[enterprises["overdue_for_inspection"]].copy()
    rows["_risk"] = rows["risk_level"].map(RISK_ORDER)
    rows["_never"] = rows["last_inspection"].isna()
    rows = rows.sort_values(["_risk", "_never", "days_since_inspection", "enterprise_id"],
                            ascending=[True, False, False, True])
    return rows.loc[:, list(OVERDUE_COLUMNS)].reset_index(drop=True)


def overdue_by_risk(overdue: pd.DataFrame) -> dict[str, int]:
    """How many overdue enterprises each risk level has (every level present, zeros kept)."""
    counts = overdue["risk_level"].value_counts()
    return {level: int(counts.get(level, 0)) for level in RISK_LEVELS}


def uninspected_grids(grids: pd.DataFrame, level: str | None = None) -> pd.DataFrame:
    """Grids holding in-scope enterprises of which none was inspected in the period."""
    rows = grids[(grids["enterprises"] > 0) & (grids["inspected"] == 0)]
    if level:
        rows = rows[rows["level"] == level]
    return rows.loc[:, list(GRID_GAP_COLUMNS)].reset_index(drop=True)


def grid_enterprises(enterprises: pd.DataFrame, grid_id: str, level: str) -> pd.DataFrame:
    """The enterprises placed in one grid (by the placement of coverage_enterprises.sql)."""
    column = "town_grid_id" if level == "town" else "village_grid_id"
    rows = enterprises[enterprises[column] == grid_id]
    return rows.loc[:, list(GRID_ENTERPRISE_COLUMNS)].reset_index(drop=True)


def with_register_links(members: pd.DataFrame) -> pd.DataFrame:
    """A grid's enterprise list with the link to each one's register (一企一册) after its name."""
    out = members.copy()
    out.insert(list(out.columns).index("name") + 1, "register", out["enterprise_id"].map(links.enterprise_url))
    return out


def missing_text(codes, lang: str) -> str:
    """What a blind spot lacks, in words (``村居、监察中队``)."""
    if codes is None or (isinstance(codes, float) and codes != codes):
        return ""
    return i18n.join((i18n.text(f"coverage.missing.{c}", lang) for c in codes), lang)


def labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` for people: codes as labels, dates as text (a last inspection never made reads
    "never"), flags as 是/否, what a blind spot lacks in words, headers translated."""
    return labelling.for_people(
        frame, lang, headers="coverage.col.",
        codes={"risk_level": "risk_level", "status": "status", "level": "grid_level"},
        special={"missing": lambda codes: missing_text(codes, lang)},
        yes_no=(i18n.text("coverage.yes", lang), i18n.text("coverage.no", lang)),
        missing={"last_inspection": i18n.text("coverage.gaps.never", lang)})


def enterprise_tips(enterprises: pd.DataFrame, lang: str) -> list[dict]:
    """Tooltip fields for each enterprise: name, town, village, risk, last inspection, open hazards."""
    t = lambda key: i18n.text(f"coverage.col.{key}", lang)  # noqa: E731
    overdue_note = i18n.text("coverage.tip_overdue", lang)
    tips = []
    columns = zip(enterprises["name"], enterprises["town"], enterprises["village"], enterprises["risk_level"],
                  enterprises["last_inspection"], enterprises["open_hazards"],
                  enterprises["overdue_for_inspection"], strict=True)
    for name, town, village, risk, last, open_hazards, overdue in columns:
        rows = [
            (t("town"), town),
            (t("village"), village),
            (t("risk_level"), i18n.label("risk_level", risk, lang)),
            (t("last_inspection"), last),
            (t("open_hazards"), open_hazards),
        ]
        if overdue:
            rows.append(("⚠", overdue_note))
        tips.append(maps.tooltip_fields(name, rows))
    return tips


def grid_tips(grids: pd.DataFrame, lang: str) -> list[dict]:
    """Tooltip fields for each grid with all four measures."""
    t = lambda key: i18n.text(f"coverage.col.{key}", lang)  # noqa: E731
    tips = []
    for g in grids.itertuples(index=False):
        rate = "—" if pd.isna(g.coverage_rate) else f"{g.coverage_rate * 100:.1f}%"
        per = "—" if pd.isna(g.open_hazards_per_enterprise) else f"{g.open_hazards_per_enterprise:.2f}"
        tips.append(maps.tooltip_fields(g.name, [
            (t("enterprises"), g.enterprises),
            (t("coverage_rate"), rate),
            (t("overdue_for_inspection"), g.overdue_for_inspection),
            (t("open_hazards_per_enterprise"), per),
            (t("blind_spots"), g.blind_spots),
        ]))
    return tips


def _swatch(colour, label: str, shape: str = "square") -> str:
    r, g, b = colour
    radius = "2px" if shape == "square" else "50%"
    fill = (f"border:2px solid rgb({r},{g},{b});background:transparent;" if shape == "ring"
            else f"background:rgb({r},{g},{b});border:1px solid #888;")
    style = (f"display:inline-block;width:12px;height:12px;margin:0 4px 0 10px;"
             f"vertical-align:middle;border-radius:{radius};{fill}")
    return f'<span style="{style}"></span>{html.escape(label)}'


def legend_html(measure: str, level: str, lang: str, with_grids: bool = True, with_points: bool = True) -> str:
    """The map legend: measure classes (if grids are drawn), risk colours and the overdue ring (if points are)."""
    parts = []
    if with_grids:
        scale = maps.SCALES[(measure, level)]
        classes = "".join(_swatch(c, label) for c, label in zip(scale.colours, scale.labels(), strict=True))
        classes += _swatch(maps.NO_DATA_COLOUR, i18n.text("coverage.legend.no_enterprises", lang))
        parts.append(f"<b>{html.escape(i18n.text(f'coverage.measure.{measure}', lang))}</b>{classes}")
    if with_points:
        risks = "".join(_swatch(maps.RISK_COLOURS[r], i18n.label("risk_level", r, lang), "dot")
                        for r in RISK_LEVELS)
        risks += _swatch(maps.OVERDUE_RING, i18n.text("coverage.legend.overdue_ring", lang), "ring")
        parts.append(f"<b>{html.escape(i18n.text('coverage.legend.points', lang))}</b>{risks}")
    return '<div style="font-size:0.85rem;line-height:1.9">' + "<br/>".join(parts) + "</div>"


def deck(grids: pd.DataFrame, enterprises: pd.DataFrame, level: str, measure: str,
         lang: str, bins: list[dict] | None = None) -> tuple[pdk.Deck, bool, bool]:
    """The coverage map and whether it has grid polygons and enterprise points.

    ``grids`` are the chosen level's rows of coverage_grids; ``enterprises`` the
    in-scope rows of coverage_enterprises to draw as points (none when there are
    too many: then ``bins`` of their coordinates feed the hexagon fallback).
    """
    grid_records = maps.grid_rows(grids, measure, level, grid_tips(grids, lang))
    column = "town_grid_id" if level == "town" else "village_grid_id"
    point_records = maps.point_rows(enterprises, enterprise_tips(enterprises, lang), column)
    labels = maps.label_rows(grids, level) if grid_records else []
    deck = maps.coverage_deck(grid_records, point_records, None if grid_records else bins, labels)
    return deck, bool(grid_records), bool(point_records)


def clicked_grid(event) -> str | None:
    """The grid id a map click selected: the grid clicked, or the grid of the enterprise clicked.

    ``event`` is what ``st.pydeck_chart`` returns or what session state holds under
    the chart's key (attribute or key access).
    """
    selection = getattr(event, "selection", None)
    if selection is None and isinstance(event, dict):
        selection = event.get("selection")
    try:
        objects = selection.get("objects", {}) or {}
    except AttributeError:
        return None
    for layer in (maps.GRID_LAYER, maps.POINT_LAYER, maps.OVERDUE_LAYER):
        picked = objects.get(layer) or []
        if picked and picked[0].get("grid_id"):
            return str(picked[0]["grid_id"])
    return None


def export_header(title: str, filters: Filters, risks: list[str], data_as_of: date, lang: str) -> list[str]:
    """The header lines of every coverage export: what the filters were and the data-as-of date."""
    parts = [i18n.join(filters.towns, lang) if filters.towns else i18n.text("coverage.whole_county", lang)]
    if filters.departments:
        parts.append(i18n.text("coverage.departments", lang, names=i18n.join(filters.departments, lang)))
    if filters.industries:
        parts.append(i18n.text("coverage.industries", lang, names=i18n.join(filters.industries, lang)))
    scope = i18n.join(parts, lang, clauses=True)
    risk_text = (i18n.join((i18n.label("risk_level", r, lang) for r in risks), lang) if risks
                 else i18n.text("coverage.all_risks", lang))
    return [i18n.text("coverage.export_header", lang, title=title, start=filters.start, end=filters.end,
                      as_of=filters.as_of, scope=scope, risks=risk_text, data_as_of=data_as_of)]


CARDS = ("coverage_blind_spots", "coverage_overdue", "uninspected_grids", "towns_below_ratio", "villages_short")


def card_figures(found, idle_grids: pd.DataFrame, staffing: pd.DataFrame,
                 villages_short: pd.DataFrame) -> dict[str, int | None]:
    """The page's cards (``gridwatch.display`` keys): blind spots and overdue for inspection (the
    headline's rules over the page's risk filter), grids not inspected, and the two staffing rules."""
    return {"coverage_blind_spots": len(found.blind), "coverage_overdue": len(found.overdue),
            "uninspected_grids": len(idle_grids), **staffing_figures(staffing, villages_short)}


def _verdicts(series: pd.Series) -> list:
    """A yes/no column that may hold nulls as True, False or None."""
    return [None if pd.isna(v) else bool(v) for v in series]


def staffing_figures(staffing: pd.DataFrame, villages_short: pd.DataFrame) -> dict[str, int | None]:
    """The two staffing rules' cards, each on its own (None: the data does not record what it needs).

    ``towns_below_ratio``: towns below the inspectors-per-10,000 rule, over the towns whose
    population and inspectors are recorded. ``villages_short``: villages with fewer
    village inspectors than the rule, over the villages that record them.
    """
    verdicts = _verdicts(staffing["meets_inspector_rule"]) if len(staffing) else []
    judged = [v for v in verdicts if v is not None]
    recorded = int((staffing["villages"] - staffing["villages_not_recorded"]).sum()) if len(staffing) else 0
    return {"towns_below_ratio": sum(1 for v in judged if not v) if judged else None,
            "villages_short": len(villages_short) if recorded else None}


def staffing_table(staffing: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The first rule per town for people and CSV: headers translated, 是/否, 未记录 where not recorded."""
    not_recorded = i18n.text("coverage.not_recorded", lang)
    return labelling.for_people(
        staffing.loc[:, list(STAFFING_COLUMNS)], lang, headers="coverage.col.",
        yes_no=(i18n.text("coverage.yes", lang), i18n.text("coverage.no", lang), not_recorded),
        missing=dict.fromkeys(STAFFING_RECORDED[:-1], not_recorded))


def staffing_styler(staffing: pd.DataFrame, lang: str):
    """The first rule's table with the towns below it highlighted (ratio, shortfall and verdict)."""
    shown = staffing_table(staffing, lang)
    short = "background-color: #fde2e2; color: #a61b1b; font-weight: 600"
    below = [v is False for v in _verdicts(staffing["meets_inspector_rule"])]
    painted = {i18n.text(f"coverage.col.{c}", lang)
               for c in ("inspectors_per_10k", "inspector_shortfall", "meets_inspector_rule")}

    def paint(column: pd.Series) -> list[str]:
        if column.name in painted:
            return [short if flag else "" for flag in below]
        return [""] * len(column)

    def decimals(digits: int):
        return lambda v: v if isinstance(v, str) else f"{v:,.{digits}f}"

    formats = {i18n.text(f"coverage.col.{c}", lang): decimals(d)
               for c, d in (("squadron_staff", 1), ("inspectors", 1), ("inspectors_per_10k", 2))}
    return shown.style.apply(paint).format(formats)


def villages_short_table(villages: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The villages short of village inspectors, named with their town, for people and CSV."""
    return labelled(villages.loc[:, list(VILLAGE_SHORT_COLUMNS)], lang)
