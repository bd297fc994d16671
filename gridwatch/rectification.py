"""The rectification closed loop (整改闭环): parameters, comparisons and tables for its page.

The figures themselves come from ``queries/headline_metrics.sql`` (the headline cards,
through ``gridwatch.metrics.headline``) and ``queries/rectification_*.sql``; this module
only builds their parameters, picks out the stories a reader should see first, and turns
result frames into labelled tables and downloads.
"""

import math
from datetime import date

import pandas as pd

from gridwatch import i18n, labelling, links, rules
from gridwatch.filters import Filters

HAZARD_LEVELS = ("general", "major")
DIMENSIONS = ("town", "squadron", "department", "industry", "level")
FIVE = ("responsibility", "measures", "funds", "time_limit", "plan")
HEADLINE_CARDS = ("rectified_in_period", "on_time_rate", "overdue_open", "rectification_rate",
                  "verification_rate", "median_days_to_rectify")
# The page's other cards: registry key (gridwatch.display) → column of the query row.
CASE_CARDS = {"cases_filed": "filed", "cases_decided": "decided", "interview_rate": "interview_rate",
              "review_rate": "review_rate", "penalty_total": "penalty_total"}
TIPOFF_CARDS = {"tipoffs_received": "received", "tipoffs_verified": "verified",
                "tipoffs_linked": "linked_to_inspection", "tipoffs_closed": "closed", "reward_total": "reward_total"}
FIVE_CARDS = {"five_majors": "majors", "five_complete": "complete", "five_incomplete": "incomplete"}

_CODED = {"level": "hazard_level", "risk_level": "risk_level", "status": "status",
          "measure": "measure", "type": "inspection_type"}
_STEP_COLUMNS = ("last_step", "missing_step", "step")
# The columns a person reads first in each list, in this order, so that they are on screen
# at 1280 px; the rest follow in the query's order. "register" is the link to 一企一册.
SCREEN_ORDER = {
    "overdue": ("days_overdue", "level", "enterprise_name", "register", "last_step", "last_step_date",
                "missing_step", "deadline", "category", "description", "ageing"),
    "due_soon": ("days_left", "level", "enterprise_name", "register", "deadline", "reminder_date",
                 "last_pre_recheck", "category", "description"),
    "five_missing": ("enterprise_name", "register", "responsibility", "measures", "funds", "time_limit", "plan",
                     "rectified", "deadline"),
    "listed": ("enterprise_name", "register", "open_major", "overdue_major", "rectified", "days_listed",
               "listed_since", "listed_inspections", "last_listed_inspection"),
    "ladder": ("step", "hazards", "median_days_from_previous"),
}


def figures(row, columns: dict[str, str]) -> dict:
    """A query row's values under the registry keys of ``columns`` (key → column)."""
    return {key: row[column] for key, column in columns.items()}


def params(f: Filters, squadrons=(), levels=()) -> dict:
    """Query parameters: the global filters plus the page's squadron and hazard-level filters."""
    return {**f.params(), "squadrons": [str(s) for s in squadrons], "levels": [str(v) for v in levels]}


def ageing_ranges(rule_set: dict | None = None) -> list[tuple[int, int | None]]:
    """The days-past-deadline buckets of the rules file: [(1, 7), (8, 30), (31, 90), (91, None)]."""
    bounds = (rule_set or rules.load())["rectification"]["ageing_bounds"]
    lows = [1] + [b + 1 for b in bounds]
    return list(zip(lows, [*bounds, None], strict=True))


def ageing_label(bucket: int, lang: str, rule_set: dict | None = None) -> str:
    """The label of ageing bucket 1..4 (``1–7 天`` / ``1–7 days``; the last is ``> 90``)."""
    low, high = ageing_ranges(rule_set)[int(bucket) - 1]
    if high is None:
        return i18n.text("rectification.ageing_over", lang, low=low - 1)
    return i18n.text("rectification.ageing_range", lang, low=low, high=high)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def laggards(by_dimension: pd.DataFrame) -> dict:
    """The two things to see first, from ``rectification_by_dimension``.

    ``squadron``: the squadron with the lowest verification rate (re-checks lagging),
    with its rate and the whole scope's; ``town``: the town holding the most overdue
    major hazards, with its count and the scope's total. A value is None when there is
    nothing to rank (no rectified hazards, no overdue majors).
    """
    total = by_dimension[by_dimension["dimension"] == "all"]
    overall = total.iloc[0] if len(total) else None
    squadrons = by_dimension[(by_dimension["dimension"] == "squadron") & by_dimension["value"].notna()
                             & by_dimension["verification_rate"].notna()]
    towns = by_dimension[(by_dimension["dimension"] == "town") & by_dimension["value"].notna()
                         & (by_dimension["overdue_major"] > 0)]
    out = {"squadron": None, "town": None}
    if len(squadrons):
        worst = squadrons.sort_values(["verification_rate", "value"]).iloc[0]
        out["squadron"] = {"name": worst["value"], "rate": float(worst["verification_rate"]),
                           "overall": None if overall is None or _missing(overall["verification_rate"])
                           else float(overall["verification_rate"]),
                           "median_days_to_verify": None if _missing(worst["median_days_to_verify"])
                           else float(worst["median_days_to_verify"])}
    if len(towns):
        worst = towns.sort_values(["overdue_major", "value"], ascending=[False, True]).iloc[0]
        out["town"] = {"name": worst["value"], "overdue_major": int(worst["overdue_major"]),
                       "overall": 0 if overall is None else int(overall["overdue_major"])}
    return out


def labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` for people: column headers and codes in ``lang``, yes/no for flags, plain dates,
    escalation steps and ageing buckets in words; a missing town, squadron, department,
    industry or breakdown value reads "unknown" (a group of its own, not a gap)."""
    rule_set = rules.load()
    unknown = i18n.text("rectification.unknown", lang)
    step = lambda c: i18n.text(f"rectification.step.{c}", lang)  # noqa: E731

    def header(column: str) -> str:
        if column.startswith("aged_"):
            return ageing_label(int(column.removeprefix("aged_")), lang, rule_set)
        return i18n.text(f"rectification.col.{column}", lang)

    return labelling.for_people(
        frame, lang, headers=header, codes=_CODED,
        special={**dict.fromkeys(_STEP_COLUMNS, step), "ageing": lambda b: ageing_label(b, lang, rule_set)},
        yes_no=(i18n.text("rectification.yes", lang), i18n.text("rectification.no", lang)),
        missing=dict.fromkeys(("town", "squadron", "department", "industry", "value"), unknown), blank=None)


def for_screen(frame: pd.DataFrame, order: str | None) -> pd.DataFrame:
    """``frame`` with the columns of ``SCREEN_ORDER[order]`` first and, where it names
    enterprises, a link to each one's register (一企一册) after the name."""
    out = frame.copy()
    if "enterprise_id" in out.columns and order in SCREEN_ORDER and "register" in SCREEN_ORDER[order]:
        out["register"] = out["enterprise_id"].map(links.enterprise_url)
    lead = [c for c in SCREEN_ORDER.get(order, ()) if c in out.columns]
    return out.loc[:, lead + [c for c in out.columns if c not in lead]]


UNFINISHED_MARK = "*"


def trend_months(months: pd.Series, as_of: date) -> tuple[list[str], str | None]:
    """The trend's month labels (``YYYY-MM``), the month not over by ``as_of`` marked ``*``, and that month.

    Rates by month found fall in a month that is not over: most hazards found in it are not
    due yet. The mark and ``trend.unfinished`` say so, so nobody reads it as a collapse.
    """
    labels, unfinished = [], None
    for month in pd.to_datetime(months):
        label = month.strftime("%Y-%m")
        if (month + pd.offsets.MonthEnd(0)).date() > as_of:
            unfinished = label
            label += UNFINISHED_MARK
        labels.append(label)
    return labels, unfinished


def export_header(f: Filters, squadrons, levels, data_as_of: date, lang: str) -> list[str]:
    """The context lines of every download: what the filters were and the data's as-of date."""
    everything = i18n.text("rectification.all", lang)

    def listed(values, kind=None):
        if not values:
            return everything
        return i18n.join((i18n.label(kind, v, lang) if kind else str(v) for v in values), lang)

    return [
        i18n.text("app.page.rectification", lang),
        i18n.text("rectification.export_filters", lang, start=f.start, end=f.end, as_of=f.as_of,
                  towns=listed(f.towns), departments=listed(f.departments),
                  industries=listed(f.industries), squadrons=listed(squadrons),
                  levels=listed(levels, "hazard_level")),
        i18n.text("rectification.export_as_of", lang, date=data_as_of.isoformat()),
    ]
