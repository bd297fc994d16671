"""Quarterly staff performance scoring (季度量化考核): ranking, breakdown, what-if weights, trend, export."""

import pandas as pd
import streamlit as st

from gridwatch import chart_top, exports, figures, i18n, lists, registers, ui
from gridwatch import scoring as sc

WEIGHT_KEY = "perf_w_{}"
SLIDER_MAX = 50

ui.require_data()
st.title(ui.t("app.page.performance"))

data_as_of = ui.data_as_of()
rule_weights = sc.rule_weights()


def comp_label(name: str) -> str:
    return ui.t(f"performance.component.{name}")


def col(key: str) -> str:
    return ui.t(f"performance.col.{key}")


def scores_for(q, chosen_weights: dict) -> pd.DataFrame:
    """A quarter's scores under the weights, cached: reruns and the trend reuse them."""
    return ui.cached(sc.quarter_scores, sc.parse_quarter(str(q)), data_as_of, dict(sorted(chosen_weights.items())))


quarters = [str(q) for q in sc.recent_quarters(sc.quarter_of(data_as_of), 8)]
top = st.columns(3)


def quarter_namer(lang: str):
    """A format_func for the quarter box (language bound now: AppTest may call it outside a run)."""
    def name(text: str) -> str:
        if sc.is_finished(sc.parse_quarter(text), data_as_of):
            return text
        return i18n.text("performance.quarter_running", lang, quarter=text, as_of=data_as_of.isoformat())
    return name


quarter = sc.parse_quarter(top[0].selectbox(ui.t("performance.quarter"), quarters, key="perf_quarter",
                                            index=quarters.index(str(sc.default_quarter(data_as_of))),
                                            format_func=quarter_namer(ui.lang())))
if not sc.is_finished(quarter, data_as_of):
    st.warning(ui.t("performance.running_warning", quarter=str(quarter), as_of=data_as_of.isoformat()))
as_of = quarter.as_of(data_as_of)
st.caption(ui.t("performance.caption", quarter=str(quarter), start=quarter.start.isoformat(),
                as_of=as_of.isoformat(), data_as_of=data_as_of.isoformat()))
st.caption(ui.t("performance.as_of_note"))
st.caption("ℹ️ " + ui.t("performance.no_measure_note"))

# Closed: the ranking is what people open the page for and must be on the first screen; the
# warning that the weights were changed stays outside, where it is seen with the ranking.
with st.expander(ui.t("performance.weights_header"), expanded=False):
    st.caption(ui.t("performance.weights_help"))
    for name in sc.COMPONENTS:
        st.session_state.setdefault(WEIGHT_KEY.format(name), int(rule_weights[name]))

    def reset_weights() -> None:
        for component in sc.COMPONENTS:
            st.session_state[WEIGHT_KEY.format(component)] = int(rule_weights[component])

    slider_columns = st.columns(4)
    for i, name in enumerate(sc.COMPONENTS):
        slider_columns[i % 4].slider(comp_label(name), 0, max(SLIDER_MAX, 2 * int(rule_weights[name])),
                                     step=1, key=WEIGHT_KEY.format(name))
    st.button(ui.t("performance.weights_reset"), on_click=reset_weights, key="perf_reset")
weights = {name: float(st.session_state[WEIGHT_KEY.format(name)]) for name in sc.COMPONENTS}
if not any(weights.values()):
    st.warning(ui.t("performance.weights_zero"))
    weights = dict(rule_weights)
elif weights != rule_weights:
    st.warning(ui.t("performance.weights_differ"))

scored = scores_for(quarter, weights)
if scored.empty:
    st.info(ui.t("performance.no_staff"))
    st.stop()

own = ui.own_staff_id()
if own is None:
    roles = list(scored["role"].value_counts().index)
    group_role = top[1].selectbox(ui.t("performance.peer_group"), roles, key="perf_role")
    units = sorted(scored.loc[scored["role"] == group_role, "unit"].unique())
    unit = top[2].selectbox(ui.t("performance.unit"), [None, *units], key=ui.follows_language("perf_unit"),
                            format_func=lambda u: ui.t("performance.all_units") if u is None else u)
    shown = scored.loc[(scored["role"] == group_role) & ((scored["unit"] == unit) if unit else True)]
else:
    shown = sc.own_rows(scored, own)
    if shown.empty:
        st.info(ui.md("auth.no_own_score", staff_id=own))
        st.stop()

st.subheader(ui.t("performance.ranking"))
if shown.empty:
    st.info(ui.t("performance.no_rows"))
    st.stop()
st.caption(ui.t("performance.ranking_help"))
table = shown[["rank", "name", "unit", "score"]].rename(
    columns={"rank": col("rank"), "name": col("name"), "unit": col("unit"), "score": col("score")})
config = {col("score"): st.column_config.NumberColumn(format="%.2f")}
digits = {col("score"): 2}
rate_heads = []
for name in sc.COMPONENTS:
    raw_head = f"{comp_label(name)} · {col('raw')}"
    scaled_head = f"{comp_label(name)} · {col('scaled')}"
    table[raw_head] = shown[name].to_numpy()
    table[scaled_head] = shown[f"{name}_scaled"].to_numpy()
    if name in sc.RATE_COMPONENTS:
        rate_heads.append(raw_head)
    else:
        config[raw_head] = st.column_config.NumberColumn(format="%g")
    config[scaled_head] = st.column_config.NumberColumn(format="%.1f")
    digits[scaled_head] = 1
ui.dataframe(table, hide_index=True, column_config=config, key="perf_ranking", percent=tuple(rate_heads),
             digits=digits)

top_people = chart_top.top_categories(sc.contributions(shown), "staff_id", "score")
points = top_people.frame
figure = ui.figure(figures.from_spec, [
    {"type": "bar", "x": list(points["name"]), "y": list(points[name]), "name": comp_label(name),
     "hovertemplate": "%{x}: %{y:.2f}<extra>" + comp_label(name) + "</extra>"} for name in sc.COMPONENTS
], {"barmode": "stack", "title": {"text": ui.t("performance.stacked_title", quarter=str(quarter))},
    "xaxis": {"title": {"text": ui.t("performance.stacked_x")}},
    "yaxis": {"title": {"text": ui.t("performance.stacked_y")}, "range": [0, 100]},
    "legend": {"title": {"text": col("component_name")}}})
ui.plotly_chart(figure, key="perf_stacked")
if top_people.cut:
    st.caption(chart_top.caption(top_people, col("score"), ui.lang()))

st.subheader(ui.t("performance.units_header"))
averages = sc.unit_averages(scored)
top_units = chart_top.top_categories(averages, "unit", "score")
bars = top_units.frame
unit_figure = ui.figure(figures.from_spec, [
    {"type": "bar", "x": list(bars["unit"]), "y": list(bars["score"]), "name": col("score"),
     "text": [f"{v:.1f}" for v in bars["score"]], "textposition": "outside"}
], {"title": {"text": ui.t("performance.units_title", quarter=str(quarter))},
    "xaxis": {"title": {"text": ui.t("performance.units_x")}},
    "yaxis": {"title": {"text": ui.t("performance.units_y")}, "range": [0, 100]}, "showlegend": True})
left, right = st.columns([3, 2])
ui.plotly_chart(unit_figure, where=left, key="perf_units")
if top_units.cut:
    left.caption(chart_top.caption(top_units, col("score"), ui.lang()))
unit_table = averages[["unit", "staff", "score"]].rename(
    columns={"unit": col("unit"), "staff": col("staff"), "score": col("score")})
for name in sc.COMPONENTS:
    unit_table[comp_label(name)] = averages[f"{name}_scaled"].to_numpy()
ui.dataframe(unit_table, where=right, hide_index=True, key="perf_unit_table",
             digits={c: 1 for c in unit_table.columns[2:]},
             column_config={c: st.column_config.NumberColumn(format="%.1f") for c in unit_table.columns[2:]})
right.caption(ui.t("performance.units_note"))

st.subheader(ui.t("performance.person_header"))
names = dict(zip(shown["staff_id"], shown["name"] + "（" + shown["unit"] + "）", strict=True))
staff_id = st.selectbox(ui.t("performance.person"), list(names), format_func=names.get, key="perf_person")
person = shown.loc[shown["staff_id"] == staff_id].iloc[0]
group_size = int((scored["role"] == person["role"]).sum())
if person.isna()["score"]:
    st.info(ui.md("performance.person_no_score", name=person["name"], unit=person["unit"], role=person["role"]))
else:
    st.info(ui.md("performance.person_summary", name=person["name"], unit=person["unit"], role=person["role"],
                  score=f"{person['score']:.2f}", rank=int(person["rank"]), size=group_size))
detail = sc.breakdown_for_people(sc.breakdown(scored, staff_id))
detail.insert(0, "label", detail["component"].map(comp_label))
ui.dataframe(
    detail.drop(columns="component").rename(columns={
        "label": col("component_name"), "raw": col("raw"), "group_min": col("group_min"),
        "group_median": col("group_median"), "group_max": col("group_max"), "scaled": col("scaled"),
        "weight": col("weight"), "points": col("points")}),
    hide_index=True, key="perf_breakdown", percent=(col("weight"),), digits={col("scaled"): 1, col("points"): 2},
    column_config={col(c): st.column_config.Column(alignment="right")
                   for c in ("raw", "group_min", "group_median", "group_max")}
    | {col("scaled"): st.column_config.NumberColumn(format="%.1f"),
       col("points"): st.column_config.NumberColumn(format="%.2f")},
)

st.markdown("**" + ui.t("performance.records_header") + "**")
if ui.town_scope():
    st.caption(ui.md("performance.records_scope", towns=ui.join(ui.town_scope())))
record_params = {**sc.component_params(quarter, data_as_of), "staff_id": staff_id, "towns": list(ui.town_scope())}
tabs = st.tabs([ui.t("performance.tab_inspections"), ui.t("performance.tab_hazards"),
                ui.t("performance.tab_cases"), ui.t("performance.tab_worklogs")])
record_views = (
    ("performance_inspections", "no_inspections",
     {"inspection_id": "inspection_id", "date": "date", "enterprise_name": "enterprise", "town": "town",
      "type": "type", "is_lead": "is_lead"}),
    ("performance_hazards", "no_hazards",
     {"hazard_id": "hazard_id", "enterprise_name": "enterprise", "found_date": "found_date", "level": "level",
      "category": "category", "deadline": "deadline", "verified_date": "verified_date",
      "found_weight": "found_weight", "is_due": "is_due", "followed_through": "followed_through",
      "pending": "pending"}),
    ("performance_cases", "no_cases",
     {"case_id": "case_id", "filed_date": "filed_date", "enterprise_name": "enterprise", "measure": "measure",
      "penalty_amount": "penalty_amount"}),
    ("performance_worklogs", "no_worklogs",
     {"date": "date", "morning_plan": "morning_plan", "evening_review": "evening_review",
      "complete": "complete"}),
)
coded = {"type": "inspection_type", "level": "hazard_level", "measure": "measure"}
for tab, (query_name, empty_key, columns) in zip(tabs, record_views, strict=True):
    records = ui.query(query_name, record_params)
    if records.empty:
        tab.info(ui.t(f"performance.{empty_key}"))
        continue
    view = records[list(columns)].copy()
    for column in view.columns:
        if pd.api.types.is_datetime64_any_dtype(view[column]):
            view[column] = view[column].dt.strftime("%Y-%m-%d")
    for column, kind in coded.items():
        if column in view:
            view[column] = view[column].map(lambda code, k=kind: ui.label(k, code))
    ui.dataframe(view.rename(columns={k: col(v) for k, v in columns.items()}), where=tab, hide_index=True,
                 key=f"perf_records_{query_name}", height=300)

st.subheader(ui.t("performance.trend_header"))
trend_quarters = sc.recent_quarters(quarter, 4)
trend = sc.trend_of_scored({str(q): scores_for(q, weights) for q in trend_quarters}, staff_id)
trend_figure = ui.figure(figures.from_spec, [
    {"type": "scatter", "x": list(trend["quarter"]), "y": list(trend["score"]), "mode": "lines+markers+text",
     "name": person["name"], "text": [f"{v:.1f}" for v in trend["score"]], "textposition": "top center"}
], {"title": {"text": ui.t("performance.trend_title", name=person["name"])},
    "xaxis": {"title": {"text": ui.t("performance.trend_x")}, "type": "category", "categoryorder": "array",
              "categoryarray": [str(q) for q in reversed(trend_quarters)]},
    "yaxis": {"title": {"text": ui.t("performance.trend_y")}, "range": [0, 105]}, "showlegend": True})
ui.plotly_chart(trend_figure, key="perf_trend")
st.caption(ui.t("performance.trend_note"))

st.subheader(ui.t("registers.worklogs.header"))
# A staff member's own misses are theirs wherever they work; others' follow the viewer's towns.
misses_params = {**sc.component_params(quarter, data_as_of), "towns": [] if own else list(ui.town_scope())}
misses = ui.query("performance_worklog_misses", misses_params)
if own is not None:
    misses = misses.loc[misses["staff_id"] == own].reset_index(drop=True)
days = lists.working_days(misses_params["start"], misses_params["as_of"])
st.caption(ui.t("registers.worklogs.caption", start=misses_params["start"].isoformat(),
                as_of=misses_params["as_of"].isoformat(), days=days))
if ui.town_scope() and own is None:
    st.caption(ui.t("registers.worklogs.scope", towns=ui.join(ui.town_scope())))
if misses.empty:
    st.success(ui.t("registers.worklogs.none"))
else:
    miss_units = sorted(misses["unit"].unique())
    miss_unit = st.selectbox(ui.t("registers.worklogs.unit"), [None, *miss_units], key="perf_miss_unit",
                             format_func=lambda u: ui.t("registers.worklogs.all_units") if u is None else u)
    chosen_misses = misses if miss_unit is None else misses.loc[misses["unit"] == miss_unit]
    summary_tab, days_tab = st.tabs([ui.t("registers.worklogs.summary"), ui.t("registers.worklogs.days")])
    summary_tab.dataframe(lists.labelled(lists.worklog_summary(chosen_misses, days), ui.lang()), hide_index=True,
                          key="perf_miss_summary")
    days_tab.dataframe(lists.labelled(ui.page_of(chosen_misses.drop(columns="role"), "perf_miss_days", days_tab),
                                      ui.lang()), hide_index=True, key="perf_miss_days")
    miss_header = [ui.t("registers.worklogs.title"),
                   ui.t("registers.worklogs.caption", start=misses_params["start"].isoformat(),
                        as_of=misses_params["as_of"].isoformat(), days=days),
                   ui.t("registers.footer", data_as_of=data_as_of.isoformat())]
    miss_title = ui.t("registers.worklogs.title")
    miss_buttons = st.columns(2)
    ui.download_button(
        ui.t("registers.worklogs.download_csv"),
        lambda: lists.csv_bytes(chosen_misses.drop(columns="role"), miss_header, ui.lang()),
        file_name=f"{miss_title}-{quarter}-{data_as_of.isoformat()}.csv", mime="text/csv", key="perf_miss_csv",
        kind="report", what=f"work-log misses {quarter} {miss_unit or 'all'}", where=miss_buttons[0],
    )
    ui.download_button(
        ui.t("registers.worklogs.download_xlsx"),
        lambda: lists.xlsx(lists.per_unit(chosen_misses.drop(columns="role")), miss_title, miss_header, ui.lang(),
                           data_as_of),
        file_name=f"{miss_title}-{quarter}-{data_as_of.isoformat()}.xlsx", mime=registers.XLSX,
        key="perf_miss_xlsx", kind="report", what=f"work-log misses {quarter} {miss_unit or 'all'}",
        where=miss_buttons[1],
    )

st.subheader(ui.t("performance.export_header"))
lang = ui.lang()
# Built when clicked, not on every rerun: thousands of staff make a workbook of seconds.
# A staff member's export holds only their own rows, as the page does.
visible = scored if own is None else shown
components_sheet = ui.t("performance.sheet.components")
buttons = st.columns(2)
ui.download_button(
    ui.t("performance.download_xlsx"),
    lambda: sc.export_workbook(visible, weights, quarter, as_of, data_as_of, lang),
    file_name=f"performance_{quarter}_{data_as_of.isoformat()}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="perf_xlsx", kind="report", what=f"performance {quarter}", where=buttons[0],
)
ui.download_button(
    ui.t("performance.download_csv"),
    lambda: exports.csv_bytes(sc.export_sheets(visible, weights, lang)[components_sheet],
                              sc.export_header(weights, quarter, as_of, data_as_of, lang)),
    file_name=f"performance_{quarter}_components_{data_as_of.isoformat()}.csv",
    mime="text/csv", key="perf_csv", kind="report", what=f"performance {quarter} components", where=buttons[1],
)
