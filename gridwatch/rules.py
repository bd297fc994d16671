"""The rules file: intervals, ratios, windows and weights users may change.

Code reads every such number from here; ``query_params`` turns the rules into
the named parameters that queries in ``queries/`` refer to (``$interval_red``…).
"""

import tomllib
from functools import lru_cache
from pathlib import Path

from gridwatch.paths import rules_file

RISK_LEVELS = ("red", "orange", "yellow", "blue")
# The supervision-quality rules ([signals.<family>] in the rules file), each a query
# parameter named signal_<family>_<key>.
SIGNAL_RULES = {
    "deadline": ("day_share", "max_days_general", "max_days_major", "long_share", "min_volume"),
    "rechecks": ("same_day_share", "verify_within_days", "late_share", "unverified_share",
                 "major_without_recheck_share", "min_volume"),
    "closures": ("hold_days", "not_holding_share", "min_volume"),
    "inspections": ("max_per_day", "busy_day_share", "travel_allowance_km", "far_apart_share",
                    "empty_run_length", "empty_run_share", "copied_min_enterprises", "copied_share",
                    "no_worklog_share", "min_volume"),
    "escalation": ("stalled_order_share", "stalled_case_share", "min_volume"),
    "brief": ("baseline_weeks", "min_week_records", "z", "min_week_flagged"),
}


@lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


def load(path: Path | None = None) -> dict:
    """Return the rules as a nested dict, re-read whenever the file changes."""
    p = Path(path) if path else rules_file()
    return _load(str(p), p.stat().st_mtime_ns)


def query_params(rules: dict | None = None) -> dict:
    """Named query parameters derived from the rules, available to every query."""
    r = rules or load()
    iv = r["inspection_interval_days"]
    rect = r["rectification"]
    bounds = rect["ageing_bounds"]
    return {
        "interval_red": iv["red"],
        "interval_orange": iv["orange"],
        "interval_yellow": iv["yellow"],
        "interval_blue": iv["blue"],
        "due_soon_days": rect["due_soon_days"],
        "ageing_1": bounds[0],
        "ageing_2": bounds[1],
        "ageing_3": bounds[2],
        "order_after_overdue_days": rect["order_after_overdue_days"],
        "case_after_overdue_days": rect["case_after_overdue_days"],
        "repeat_window_days": r["hazards"]["repeat_window_days"],
        "inspectors_per_10k": r["staffing"]["inspectors_per_10k_residents"],
        "village_inspectors_per_village": r["staffing"]["village_inspectors_per_village"],
        "major_weight": r["scoring"]["major_weight"],
        "follow_through_grace_days": r["scoring"]["follow_through_grace_days"],
        "collective_review_fine": rect["collective_review_fine"],
        **signal_params(r),
    }


def signal_params(rules: dict | None = None) -> dict:
    """The supervision-quality rules as query parameters (``signal_deadline_day_share`` …)."""
    signals = (rules or load())["signals"]
    return {f"signal_{family}_{key}": signals[family][key]
            for family, keys in SIGNAL_RULES.items() for key in keys}
