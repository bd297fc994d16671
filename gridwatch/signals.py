"""Supervision-quality signals (监管质量): does the loop from finding to closure really close?

Every figure comes from ``queries/quality_signals.sql`` (per measure: the records it is
judged over, those that need a look, their share, overall and per unit, person and town),
``quality_records`` (the records behind a count), ``quality_deadline_offsets`` (the
deadline chart) and ``quality_weekly`` (the weekly brief's line); the rules behind them are
macros in ``gridwatch/schema.sql`` and numbers in ``config/rules.toml`` ``[signals]``
(docs/signals.md). This module builds their parameters, says which measures belong
together, writes the CLI's JSON and the brief's line, and labels record lists for people.
A signal is a prompt to look at records, never a finding: the wording says "needs a look".
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from gridwatch import exports, formatting, i18n, labelling, rules
from gridwatch.filters import Filters
from gridwatch.links import enterprise_url

# The five signal families of docs/signals.md and their measures, in display order.
FAMILIES = (
    ("deadline", ("deadline_day", "long_deadline", "extended_deadline")),
    ("rechecks", ("same_day_verification", "late_verification", "never_verified", "major_without_recheck")),
    ("closures", ("closure_not_holding",)),
    ("inspections", ("busy_day", "far_apart_day", "empty_run", "copied_description", "no_worklog_day")),
    ("escalation", ("stalled_order", "stalled_case")),
)
MEASURES = tuple(m for _, measures in FAMILIES for m in measures)
FAMILY_OF = {m: family for family, measures in FAMILIES for m in measures}
DIMENSIONS = ("unit", "person", "town")
# Measures judged as a stock at the as-of date rather than over the period.
STOCK = ("stalled_order", "stalled_case")
# The rules that define each measure: (section, key) of config/rules.toml.
PARAMETERS = {
    "deadline_day": (("signals.deadline", "day_share"), ("signals.deadline", "min_volume")),
    "long_deadline": (("signals.deadline", "max_days_general"), ("signals.deadline", "max_days_major"),
                      ("signals.deadline", "long_share"), ("signals.deadline", "min_volume")),
    "extended_deadline": (),
    "same_day_verification": (("signals.rechecks", "same_day_share"), ("signals.rechecks", "min_volume")),
    "late_verification": (("signals.rechecks", "verify_within_days"), ("signals.rechecks", "late_share"),
                          ("signals.rechecks", "min_volume")),
    "never_verified": (("signals.rechecks", "verify_within_days"), ("signals.rechecks", "unverified_share"),
                       ("signals.rechecks", "min_volume")),
    "major_without_recheck": (("signals.rechecks", "major_without_recheck_share"),
                              ("signals.rechecks", "min_volume")),
    "closure_not_holding": (("hazards", "repeat_key"), ("signals.closures", "hold_days"),
                            ("signals.closures", "not_holding_share"), ("signals.closures", "min_volume")),
    "busy_day": (("signals.inspections", "max_per_day"), ("signals.inspections", "busy_day_share"),
                 ("signals.inspections", "min_volume")),
    "far_apart_day": (("signals.inspections", "travel_allowance_km"), ("signals.inspections", "far_apart_share"),
                      ("signals.inspections", "min_volume")),
    "empty_run": (("signals.inspections", "empty_run_length"), ("signals.inspections", "empty_run_share"),
                  ("signals.inspections", "min_volume")),
    "copied_description": (("signals.inspections", "copied_min_enterprises"),
                           ("signals.inspections", "copied_share"), ("signals.inspections", "min_volume")),
    "no_worklog_day": (("signals.inspections", "no_worklog_share"), ("signals.inspections", "min_volume")),
    "stalled_order": (("rectification", "order_after_overdue_days"), ("signals.escalation", "stalled_order_share"),
                      ("signals.escalation", "min_volume")),
    "stalled_case": (("rectification", "case_after_overdue_days"), ("signals.escalation", "stalled_case_share"),
                     ("signals.escalation", "min_volume")),
}
# The repeat key is a definition, not a number: DESIGN.md's repeat hazard.
REPEAT_KEY = "category + item, else category + normalised description"

RECORD_COLUMNS = ("period_date", "enterprise_name", "register", "town", "staff_id", "staff_name", "unit",
                  "hazard_id", "inspection_id", "found_date", "deadline", "rectified_date", "verified_date",
                  "figure", "detail", "related_id", "related_date")
DATE_COLUMNS = ("period_date", "found_date", "deadline", "rectified_date", "verified_date", "related_date")


def params(f: Filters, units=(), dimension: str = "all", key: str | None = None,
           measure: str | None = None) -> dict:
    """Query parameters: the global filters, the unit filter and (for records) the group and measure."""
    out = {**f.params(), "units": [str(u) for u in units], "dimension": dimension, "key": key}
    if measure is not None:
        out["measure"] = measure
    return out


def parameters(measure: str, rule_set: dict | None = None) -> dict:
    """The definition's parameters of a measure, by rule name (``hold_days`` → 180)."""
    r = rule_set or rules.load()
    out = {}
    for section, key in PARAMETERS[measure]:
        if (section, key) == ("hazards", "repeat_key"):
            out["repeat_key"] = REPEAT_KEY
            continue
        table = r
        for part in section.split("."):
            table = table[part]
        out[key] = table[key]
    return out


def summary(run: Callable[[str, dict], pd.DataFrame], f: Filters, units=()) -> pd.DataFrame:
    """Every measure's figures (``quality_signals``), overall and per unit, person and town."""
    return run("quality_signals", params(f, units))


def records(run: Callable[[str, dict], pd.DataFrame], f: Filters, measure: str, dimension: str = "all",
            key: str | None = None, units=()) -> pd.DataFrame:
    """The records behind one count of ``summary``: those of the group that need a look."""
    return run("quality_records", params(f, units, dimension, key, measure))


def overall(frame: pd.DataFrame, measure: str) -> dict:
    """The ``all`` row of a measure as plain values."""
    row = frame[(frame["measure"] == measure) & (frame["dimension"] == "all")].iloc[0]
    return {k: _plain(row[k]) for k in frame.columns}


def ranked(frame: pd.DataFrame, measure: str, dimension: str) -> pd.DataFrame:
    """The groups of one dimension, ranked: largest share first (equal shares: more records first),
    groups with too few records to be judged last."""
    rows = frame[(frame["measure"] == measure) & (frame["dimension"] == dimension)]
    return rows.sort_values(["rank", "share", "records", "key"], ascending=[True, False, False, True],
                            na_position="last", kind="stable")


def _plain(value):
    """A JSON value: numpy scalars unwrapped; NaN, NaT and pandas' NA as None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return formatting.plain(value)


def _group_json(row: pd.Series, dimension: str) -> dict:
    out = {}
    if dimension == "person":
        out |= {"staff_id": _plain(row["key"]), "name": _plain(row["name"]),
                "unit": _plain(row["unit"])}
    elif dimension == "unit":
        out["unit"] = _plain(row["key"])
    elif dimension == "town":
        out["town"] = _plain(row["key"])
    return out | {
        "records": _plain(row["records"]),
        "flagged": _plain(row["flagged"]),
        "share": _plain(row["share"]),
        "median_figure": _plain(row["median_figure"]),
        "needs_a_look": bool(row["needs_look"]),
        "rank": _plain(row["rank"]),
    }


def as_json(frame: pd.DataFrame, f: Filters, units=(), rule_set: dict | None = None) -> dict:
    """The CLI's JSON: per measure its definition's parameters, overall figure, per unit, person and town."""
    r = rule_set or rules.load()
    out = []
    for measure in MEASURES:
        all_row = frame[(frame["measure"] == measure) & (frame["dimension"] == "all")].iloc[0]
        recorded = bool(all_row["recorded"])
        item = {
            "family": FAMILY_OF[measure],
            "measure": measure,
            "recorded": recorded,
            "not_recorded": None if recorded else all_row["missing_field"],
            "parameters": parameters(measure, r),
            "threshold": _plain(all_row["threshold"]),
            "overall": _group_json(all_row, "all"),
        }
        for dimension in DIMENSIONS:
            rows = ranked(frame, measure, dimension)
            item[f"per_{dimension}"] = [_group_json(row, dimension) for _, row in rows.iterrows()]
        out.append(item)
    return {
        "period": {"start": f.start.isoformat(), "end": f.end.isoformat(), "as_of": f.as_of.isoformat()},
        "scope": {"towns": list(f.towns), "units": [str(u) for u in units]},
        "signals": out,
    }


@dataclass(frozen=True)
class Move:
    """A measure whose share this week is above its usual range."""

    measure: str
    share: float
    records: int
    flagged: int
    low: float
    high: float


def wilson_lower(flagged: int, records: int, z: float) -> float:
    """The lower bound of the Wilson score interval of a share ``flagged / records``."""
    if records <= 0:
        return 0.0
    p = flagged / records
    centre = p + z * z / (2 * records)
    margin = z * math.sqrt(p * (1 - p) / records + z * z / (4 * records * records))
    return max(0.0, (centre - margin) / (1 + z * z / records))


def moves(weekly: pd.DataFrame, week_start: date, rule_set: dict | None = None) -> tuple[Move, ...]:
    """The measures whose share in the week starting ``week_start`` is above their usual range.

    ``weekly`` is ``quality_weekly``. The usual range is the lowest to the highest weekly share
    of the ``baseline_weeks`` weeks before (weeks with at least ``min_week_records`` records;
    at least half of them must have that many). A share is above it when it exceeds the
    highest, the week has ``min_week_records`` records and ``min_week_flagged`` needing a look,
    and the lower bound of the week's share (Wilson, ``z``) is above the baseline weeks' pooled
    share: a week that is merely the noisiest of thirteen does not count.
    """
    b = (rule_set or rules.load())["signals"]["brief"]
    first = week_start - timedelta(days=7 * int(b["baseline_weeks"]))
    weeks = pd.to_datetime(weekly["week_start"]).dt.date
    out = []
    for measure in MEASURES:
        rows = weekly[(weekly["measure"] == measure)]
        this = rows[weeks[rows.index] == week_start]
        if this.empty:
            continue
        n, c = int(this["records"].iloc[0]), int(this["flagged"].iloc[0])
        if n < b["min_week_records"] or c < b["min_week_flagged"]:
            continue
        base = rows[(weeks[rows.index] >= first) & (weeks[rows.index] < week_start)
                    & (rows["records"] >= b["min_week_records"])]
        if len(base) < max(1, int(b["baseline_weeks"]) // 2):
            continue
        shares = base["flagged"] / base["records"]
        pooled = base["flagged"].sum() / base["records"].sum()
        if c / n > shares.max() and wilson_lower(c, n, float(b["z"])) > pooled:
            out.append(Move(measure, c / n, n, c, float(shares.min()), float(shares.max())))
    return tuple(out)


def brief_moves(run: Callable[[str, dict], pd.DataFrame], monday: date, sunday: date, as_of: date,
                scope: dict, rule_set: dict | None = None) -> tuple[Move, ...]:
    """The weekly brief's signal moves for the week ``monday``–``sunday`` (as of ``as_of``) in ``scope``."""
    r = rule_set or rules.load()
    weekly = run("quality_weekly", {"end": sunday, "weeks": int(r["signals"]["brief"]["baseline_weeks"]) + 1,
                                    "as_of": as_of, **scope})
    return moves(weekly, monday, r)


def brief_line(found: tuple[Move, ...], lang: str) -> str | None:
    """The brief's one short line naming the signals above their usual range, or None."""
    if not found:
        return None
    sep = "；" if lang == "zh" else "; "
    items = sep.join(i18n.text("quality.brief.item", lang, signal=i18n.text(f"quality.measure.{m.measure}.short", lang),
                               share=formatting.rate(m.share), low=formatting.rate(m.low),
                               high=formatting.rate(m.high))
                     for m in found)
    weeks = int(rules.load()["signals"]["brief"]["baseline_weeks"])
    return i18n.text("quality.brief.line", lang, items=items, weeks=weeks)


def labelled_records(frame: pd.DataFrame, measure: str, lang: str, links: bool = True) -> pd.DataFrame:
    """Records of ``quality_records`` for people: the columns that hold anything, headers in ``lang``,
    the enterprise register link, plain dates and the measure's own names for figure and detail."""
    out = frame.copy()
    if links:
        out["register"] = [enterprise_url(e) if isinstance(e, str) and e else None for e in out["enterprise_id"]]
    shown = [c for c in RECORD_COLUMNS if c in out.columns and out[c].notna().any()]
    if "hazard_id" in shown:
        # A hazard's own dates say when; the signal's date repeats one of them (or the as-of date).
        shown.remove("period_date")
    own = ("figure", "detail", "related_id", "related_date", "period_date")

    def header(column: str) -> str:
        return i18n.text(f"quality.col.{column}.{measure}" if column in own else f"quality.col.{column}", lang)

    # A record leaves unrecorded cells as they are: the columns shown are those that hold anything.
    return labelling.for_people(out[shown], lang, headers=header, dates=[c for c in DATE_COLUMNS if c in shown],
                                missing=dict.fromkeys(DATE_COLUMNS), blank=None)


def csv_download(frame: pd.DataFrame, measure: str, header_lines: list[str], lang: str) -> bytes:
    """Records as CSV for Excel: context lines above the labelled table, formulas neutralised."""
    return exports.csv_bytes(labelled_records(frame, measure, lang, links=False), header_lines)
