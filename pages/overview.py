"""Overview (总览): the headline figures of the period, beside the same period last year."""

import streamlit as st

from gridwatch import display, metrics, ui

GROUPS = {
    "coverage": ("enterprises_in_scope", "inspected_enterprises", "coverage_rate",
                 "overdue_for_inspection", "blind_spots"),
    "hazards": ("inspections", "hazards_found", "major_hazards_found", "rectified", "rectification_rate"),
    "rectification": ("rectified_in_period", "due_in_period", "rectified_on_time", "on_time_rate", "overdue_open",
                      "verification_rate", "median_days_to_rectify"),
}

ui.require_data()
lang = ui.lang()
chosen = ui.filters()
comparison = metrics.compare(chosen, "last_year")
now = ui.headline(comparison.current)
before = ui.headline(comparison.baseline)

st.title(ui.t("app.page.overview"))
st.caption(ui.t("overview.caption", start=chosen.start, end=chosen.end, as_of=chosen.as_of,
                prev_start=comparison.baseline.start, prev_end=comparison.baseline.end,
                prev_as_of=comparison.baseline.as_of))
scope = ui.join(chosen.towns) if chosen.towns else ui.t("overview.whole_county")
st.caption(ui.md("overview.scope", scope=scope))
if not now["enterprises_in_scope"]:
    st.info(ui.t("overview.no_enterprises"))

for group, keys in GROUPS.items():
    st.subheader(ui.t(f"overview.{group}"))
    for row in display.rows(keys):
        for column, key in zip(st.columns(len(row)), row, strict=True):
            card = display.card(key, now, before)
            display.draw(column, card, lang, note=ui.t("overview.last_year", value=card.previous_shown(lang)))
    if group == "hazards":
        st.caption(ui.t("overview.cohort_note"))
    if group == "rectification" and now["rectified_date_unknown"]:
        st.caption(ui.t("overview.left_out", n=f"{now['rectified_date_unknown']:,}"))
