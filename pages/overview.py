"""Overview (总览): the headline figures of the period, beside the previous period of equal length."""

import streamlit as st

from gridwatch import formatting, ui
from gridwatch.filters import previous_period
from gridwatch.metrics import RATES

GROUPS = {
    "coverage": ("enterprises_in_scope", "inspected_enterprises", "coverage_rate",
                 "overdue_for_inspection", "blind_spots"),
    "hazards": ("inspections", "hazards_found", "major_hazards_found", "rectified", "rectification_rate"),
    "rectification": ("due_in_period", "rectified_on_time", "on_time_rate", "overdue_open",
                      "verification_rate", "median_days_to_rectify"),
}
WORSE_WHEN_HIGHER = {"overdue_for_inspection", "blind_spots", "overdue_open", "median_days_to_rectify"}

ui.require_data()
chosen = ui.filters()
prev = previous_period(chosen)
now = ui.headline(chosen)
before = ui.headline(prev)

st.title(ui.t("app.page.overview"))
st.caption(ui.t("overview.caption", start=chosen.start, end=chosen.end, as_of=chosen.as_of,
                prev_start=prev.start, prev_end=prev.end))
scope = "、".join(chosen.towns) if chosen.towns else ui.t("overview.whole_county")
st.caption(ui.md("overview.scope", scope=scope))
if not now["enterprises_in_scope"]:
    st.info(ui.t("overview.no_enterprises"))


def shown(key, value):
    if key in RATES:
        return formatting.rate(value)
    if key == "median_days_to_rectify":
        return formatting.number(value)
    return formatting.count(value)


def delta(key):
    a, b = now[key], before[key]
    if formatting.is_missing(a) or formatting.is_missing(b):
        return None
    if key in RATES:
        return f"{(a - b) * 100:+.1f} pp"
    if key == "median_days_to_rectify":
        return f"{a - b:+.1f}"
    return f"{int(a - b):+,}"


for group, keys in GROUPS.items():
    st.subheader(ui.t(f"overview.{group}"))
    for column, key in zip(st.columns(len(keys)), keys, strict=True):
        column.metric(
            ui.t(f"metrics.{key}.label"),
            shown(key, now[key]),
            delta=delta(key),
            delta_color="inverse" if key in WORSE_WHEN_HIGHER else "normal",
            help=ui.t(f"metrics.{key}.help"),
            border=True,
        )
