"""Grid coverage (网格覆盖): gap lists, registers, tooltips and legend for the coverage page.

The rules (in scope, overdue for inspection, blind spot, placement in grids) live in
``queries/coverage_enterprises.sql`` and ``queries/coverage_grids.sql``; this module
only picks the flagged rows, orders them, labels them for people and builds files.
"""

import codecs
import csv
import html
import io
from datetime import date

import pandas as pd
import pydeck as pdk

from gridwatch import exports, i18n, maps
from gridwatch.filters import Filters
from gridwatch.rules import RISK_LEVELS

RISK_ORDER = {level: i for i, level in enumerate(RISK_LEVELS)}
MISSING_CODES = ("town", "village", "department", "squadron", "grid_id", "unknown_grid")

BLIND_SPOT_COLUMNS = ("enterprise_id", "name", "town", "village", "department", "squadron", "grid_id",
                      "risk_level", "missing")
OVERDUE_COLUMNS = ("enterprise_id", "name", "town", "village", "squadron", "risk_level", "last_inspection",
                   "days_since_inspection", "interval_days", "open_hazards")
GRID_GAP_COLUMNS = ("grid_id", "level", "town", "village", "name", "enterprises", "last_inspection")
GRID_ENTERPRISE_COLUMNS = ("enterprise_id", "name", "village", "department", "squadron", "risk_level",
                           "last_inspection", "days_since_inspection", "overdue_for_inspection",
                           "open_hazards", "overdue_hazards", "missing")
REGISTER_COLUMNS = ("enterprise_id", "name", "credit_code", "industry", "town", "village", "department",
                    "squadron", "grid_id", "risk_level", "status", "last_inspection", "days_since_inspection",
                    "overdue_for_inspection", "open_hazards", "overdue_hazards")
STAFFING_COLUMNS = ("town", "population", "squadron_staff", "village_inspectors", "inspectors",
                    "inspectors_per_10k", "required_inspectors", "inspector_shortfall", "villages",
                    "village_inspectors_per_village", "villages_below_rule")
REGISTERS = {"town": "town", "department": "department", "village": "village"}


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


def missing_text(codes, lang: str) -> str:
    """What a blind spot lacks, in words (``村居、监察中队``)."""
    if codes is None or (isinstance(codes, float) and codes != codes):
        return ""
    return i18n.join((i18n.text(f"coverage.missing.{c}", lang) for c in codes), lang)


def labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` for people: codes as labels, dates as text, flags as 是/否, headers translated."""
    out = frame.copy()
    yes, no = i18n.text("coverage.yes", lang), i18n.text("coverage.no", lang)
    for column in out.columns:
        if column == "risk_level":
            out[column] = out[column].map(lambda c: i18n.label("risk_level", c, lang))
        elif column == "status":
            out[column] = out[column].map(lambda c: i18n.label("status", c, lang))
        elif column == "level":
            out[column] = out[column].map(lambda c: i18n.label("grid_level", c, lang))
        elif column == "missing":
            out[column] = out[column].map(lambda c: missing_text(c, lang))
        elif pd.api.types.is_datetime64_any_dtype(out[column]):
            text = out[column].dt.strftime("%Y-%m-%d")
            never = i18n.text("coverage.gaps.never", lang)
            out[column] = text.where(out[column].notna(), never if column == "last_inspection" else "")
        elif pd.api.types.is_bool_dtype(out[column]):
            out[column] = out[column].map({True: yes, False: no})
        elif pd.api.types.is_string_dtype(out[column]) or out[column].dtype == object:
            out[column] = out[column].where(out[column].notna(), "")
    return out.rename(columns={c: i18n.text(f"coverage.col.{c}", lang) for c in out.columns})


def _sheet_names(keys: list[str]) -> dict[str, str]:
    """Distinct Excel sheet names (≤ 31 characters, no []:*?/\\) for the given keys."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for key in keys:
        base = "".join("_" if ch in '[]:*?/\\' else ch for ch in key).strip("'")[:31] or "Sheet"
        name, n = base, 2
        while name.lower() in used:
            suffix = f"~{n}"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        used.add(name.lower())
        names[key] = name
    return names


def register_sheets(enterprises: pd.DataFrame, by: str, lang: str) -> dict[str, pd.DataFrame]:
    """One labelled, formula-safe sheet per town, department or village (villages named 镇-村); blanks last."""
    frame = enterprises.sort_values(["town", "village", "enterprise_id"], na_position="last")
    if by == "village":
        keys = pd.Series([f"{t}-{v}" if isinstance(v, str) else None
                          for t, v in zip(frame["town"].fillna(""), frame["village"], strict=True)],
                         index=frame.index, dtype=object)
    else:
        keys = frame[by].astype(object).where(frame[by].notna(), None)
    # Label and neutralise once for the whole register, then split: per sheet it is slow.
    shown = exports.safe_frame(labelled(frame.loc[:, list(REGISTER_COLUMNS)], lang))
    unassigned = i18n.text(f"coverage.register.unassigned_{by}", lang)
    ordered = sorted(k for k in keys.dropna().unique())
    if keys.isna().any():
        ordered.append(None)
    names = _sheet_names([k if k is not None else unassigned for k in ordered])
    sheets = {}
    for key in ordered:
        mask = keys.isna() if key is None else keys == key
        sheets[names[key if key is not None else unassigned]] = shown[mask.to_numpy()].reset_index(drop=True)
    return sheets


def register_xlsx(enterprises: pd.DataFrame, by: str, lang: str, header_lines: list[str]) -> bytes:
    """The register workbook (一镇一册 / 一部门一册 / 一村一册): one sheet per town, department or village.

    Written with openpyxl's write-only workbook rather than ``exports.xlsx_bytes``,
    whose time through pandas grows with sheets × cells (24 s for the demo's ~260
    village sheets). Cells were neutralised by ``register_sheets`` (``exports.safe_frame``).
    """
    import openpyxl  # on click only: importing it costs the page's first render ~0.1 s

    sheets = register_sheets(enterprises, by, lang)
    if not sheets:
        sheets = {i18n.text(f"coverage.register.{by}", lang): exports.safe_frame(
            labelled(enterprises.loc[:, list(REGISTER_COLUMNS)], lang))}
    book = openpyxl.Workbook(write_only=True)
    for name, frame in sheets.items():
        ws = book.create_sheet(title=name)
        for line in header_lines:
            ws.append([exports.neutralise(line)])
        ws.append([])
        ws.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    return value.item() if hasattr(value, "item") else value


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
    deck = maps.coverage_deck(grid_records, point_records, None if grid_records else bins)
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


def csv_with_header(frame: pd.DataFrame, header_lines: list[str]) -> bytes:
    """CSV (UTF-8 with BOM, formulas neutralised) preceded by one-cell header lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for line in header_lines:
        writer.writerow([exports.neutralise(line)])
    body = exports.csv_bytes(frame)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8") + body[len(codecs.BOM_UTF8):]


CARDS = ("coverage_blind_spots", "coverage_overdue", "uninspected_grids", "short_towns")


def card_figures(found, idle_grids: pd.DataFrame, staffing: pd.DataFrame) -> dict[str, int]:
    """The page's cards (``gridwatch.display`` keys): blind spots and overdue for inspection (the
    headline's rules over the page's risk filter), grids not inspected, towns short of staff."""
    return {"coverage_blind_spots": len(found.blind), "coverage_overdue": len(found.overdue),
            "uninspected_grids": len(idle_grids), "short_towns": towns_short_of_staff(staffing)}


def towns_short_of_staff(staffing: pd.DataFrame) -> int:
    """Towns below either staffing rule (per 10,000 residents, or a village below its minimum)."""
    if staffing.empty:
        return 0
    short = ~(staffing["meets_inspector_rule"].fillna(False) & staffing["meets_village_rule"].fillna(False))
    return int(short.sum())


def register_sheet_count(enterprises: pd.DataFrame, by: str) -> int:
    """How many sheets the register by town, department or village will hold."""
    if by == "village":
        keys = enterprises[["town", "village"]].dropna(subset=["village"]).drop_duplicates()
        return len(keys) + int(enterprises["village"].isna().any())
    return enterprises[by].nunique() + int(enterprises[by].isna().any())


def staffing_styler(staffing: pd.DataFrame, lang: str):
    """The staffing table for people, with cells below the rules highlighted."""
    shown = labelled(staffing.loc[:, list(STAFFING_COLUMNS)], lang)
    short = "background-color: #fde2e2; color: #a61b1b; font-weight: 600"
    below_ratio = ~staffing["meets_inspector_rule"].fillna(False).to_numpy()
    below_village = ~staffing["meets_village_rule"].fillna(False).to_numpy()
    ratio_cols = {i18n.text(f"coverage.col.{c}", lang) for c in ("inspectors_per_10k", "inspector_shortfall")}
    village_cols = {i18n.text(f"coverage.col.{c}", lang)
                    for c in ("villages_below_rule",)}

    def paint(column: pd.Series) -> list[str]:
        if column.name in ratio_cols:
            return [short if flag else "" for flag in below_ratio]
        if column.name in village_cols:
            return [short if flag else "" for flag in below_village]
        return [""] * len(column)

    formats = {i18n.text(f"coverage.col.{c}", lang): "{:.1f}"
               for c in ("squadron_staff", "inspectors", "inspectors_per_10k", "inspector_shortfall",
                         "village_inspectors_per_village")}
    return shown.style.apply(paint).format(formats, na_rep="—")
