"""Hazards (隐患分析): where hazards concentrate — per enterprise, category × industry, town and month."""

import html

import streamlit as st

from gridwatch import chart_top, display, exports, figures, hazards, rules, ui
from gridwatch.links import enterprise_url

REGISTER_PAGE = "pages/enterprise.py"

ui.require_data()
chosen = ui.filters()
lang = ui.lang()
all_label = ui.t("hazards.all")

st.title(ui.t("app.page.hazards"))
st.caption(ui.t("hazards.caption", start=chosen.start, end=chosen.end, as_of=chosen.as_of))

with st.expander(ui.t("hazards.page_filters"), expanded=True):
    c1, c2, c3 = st.columns(3)
    risk_levels = c1.multiselect(ui.t("hazards.risk_levels"), rules.RISK_LEVELS, key="hz_risk",
                                 format_func=ui.code_formatter("risk_level"), placeholder=all_label)
    hazard_levels = c2.multiselect(ui.t("hazards.hazard_levels"), hazards.HAZARD_LEVELS, key="hz_level",
                                   format_func=ui.code_formatter("hazard_level"), placeholder=all_label)
    categories = c3.multiselect(ui.t("hazards.categories"), ui.cached(hazards.categories, chosen), key="hz_category",
                                placeholder=all_label)
page_filters = hazards.HazardFilters(tuple(risk_levels), tuple(hazard_levels), tuple(categories))

s1, s2 = st.columns([2, 1])
search = s1.text_input(ui.t("hazards.search"), key="hz_search", placeholder=ui.t("hazards.search_placeholder"))
sort_by = s2.selectbox(ui.t("hazards.sort_by"), hazards.SORT_KEYS, key=ui.follows_language("hz_sort"),
                       format_func=ui.formatter("hazards.sort"))


def open_register(enterprise_id: str) -> None:
    st.switch_page(REGISTER_PAGE, query_params={"enterprise": enterprise_id})


def level_colours() -> dict:
    return {ui.label("hazard_level", "major"): "#d62728", ui.label("hazard_level", "general"): "#ff9f0e"}


LEVEL_ORDER = [ui.label("hazard_level", code) for code in hazards.HAZARD_LEVELS]


window = rules.query_params()["repeat_window_days"]
figures_now = ui.cached(hazards.summary, chosen, page_filters)
for column, key in zip(st.columns(len(hazards.SUMMARY_CARDS)), hazards.SUMMARY_CARDS, strict=True):
    display.draw(column, display.card(key, figures_now), lang,
                 note=ui.t("hazards.repeat_window", days=window) if key.startswith("repeat") else "")

st.subheader(ui.t("hazards.charts_header"))
top = ui.cached(hazards.top_enterprises, chosen, page_filters, search, sort_by)
monthly = ui.cached(hazards.monthly, chosen, page_filters)
if monthly.empty:
    st.info(ui.t("hazards.no_chart_data"))
else:
    level_title = ui.t("hazards.chart.legend_level")
    left, right = st.columns(2)
    colours = level_colours()
    bars = top[top["total"] > 0].melt(id_vars=["enterprise_id", "name"], value_vars=["major", "general"],
                                      var_name="level", value_name="hazards")
    bars["level"] = bars["level"].map(ui.code_formatter("hazard_level"))
    fig = ui.figure(figures.top_enterprises, bars, list(top["name"]), colours, LEVEL_ORDER, {
        "title": ui.t("hazards.chart.top_title", n=hazards.TOP_N, sort=ui.t(f"hazards.sort.{sort_by}")),
        "hazards": ui.t("hazards.chart.top_x"), "name": ui.t("hazards.chart.top_y"), "level": level_title})
    picked = ui.plotly_chart(fig, where=left, key="hz_top_chart", on_select="rerun", selection_mode="points")
    left.caption(ui.t("hazards.chart.top_hint"))
    points = (picked or {}).get("selection", {}).get("points", []) if picked else []
    if points:
        open_register(html.unescape(points[0]["customdata"][0]))  # the chart carries data escaped

    trend = monthly.assign(level=monthly["level"].map(ui.code_formatter("hazard_level")))
    ui.plotly_chart(ui.figure(figures.monthly_levels, trend, colours, LEVEL_ORDER, {
        "title": ui.t("hazards.chart.monthly_title"), "month": ui.t("hazards.chart.monthly_x"),
        "hazards": ui.t("hazards.chart.monthly_y"), "level": level_title}), where=right, key="hz_monthly_chart")

    left, right = st.columns(2)
    heat = ui.cached(hazards.category_industry, chosen, page_filters).pivot_table(
        index="industry", columns="category", values="hazards", fill_value=0)
    ui.plotly_chart(ui.figure(figures.heatmap, heat, {
        "title": ui.t("hazards.chart.heatmap_title"), "x": ui.t("hazards.chart.heatmap_x"),
        "y": ui.t("hazards.chart.heatmap_y"), "colour": ui.t("hazards.chart.heatmap_colour")}),
        where=left, key="hz_heatmap")

    all_towns = ui.cached(hazards.by_town, chosen, page_filters)
    top_towns = chart_top.top_categories(all_towns, "town", "hazards")
    towns = top_towns.frame.assign(level=top_towns.frame["level"].map(ui.code_formatter("hazard_level")))
    ui.plotly_chart(ui.figure(figures.town_levels, towns, colours, LEVEL_ORDER, {
        "title": ui.t("hazards.chart.town_title"), "town": ui.t("hazards.chart.town_x"),
        "hazards": ui.t("hazards.chart.town_y"), "level": level_title}), where=right, key="hz_town_chart")
    if top_towns.cut:
        right.caption(chart_top.caption(top_towns, ui.t("hazards.chart.town_y"), lang))
        with right.expander(ui.t("charts.hazards.town_table_header", total=f"{top_towns.total:,}")):
            town_table = (all_towns.pivot_table(index="town", columns="level", values="hazards", fill_value=0)
                          .reindex(index=chart_top.ranked(all_towns, "town", "hazards"),
                                   columns=[c for c in hazards.HAZARD_LEVELS if c in set(all_towns["level"])])
                          .reset_index())
            town_table = town_table.rename(columns={"town": ui.t("hazards.chart.town_x"),
                                                    **{c: ui.label("hazard_level", c) for c in hazards.HAZARD_LEVELS}})
            st.dataframe(town_table, hide_index=True, key="hz_town_table", height=320)
            ui.download_button(
                ui.t("charts.hazards.download_towns"),
                data=lambda: exports.csv_bytes(
                    town_table, [hazards.context_line(chosen, page_filters, "", ui.data_as_of(), lang)]),
                file_name=f"hazards_by_town_{chosen.start}_{chosen.end}.csv", mime="text/csv",
                key="hz_download_towns", kind="report", what="hazards by town",
            )

st.subheader(ui.t("hazards.table_header"))
requested = st.session_state.get("hz_page", 1)
shown = ui.cached(hazards.enterprise_page, chosen, page_filters, search, sort_by, requested)
if shown.total_rows == 0:
    st.info(ui.t("hazards.no_rows"))
else:
    table = shown.rows.assign(register=[enterprise_url(e, lang) for e in shown.rows["enterprise_id"]])
    view = hazards.for_people(table[list(hazards.TABLE_COLUMNS)], lang)
    register_column = ui.t("hazards.column.register")
    picked = st.dataframe(
        view, hide_index=True, key=f"hz_table_{shown.page}", on_select="rerun", selection_mode="single-row",
        height=35 * (len(view) + 1) + 3,
        column_config={register_column: st.column_config.LinkColumn(register_column,
                                                                    display_text=ui.t("hazards.open_register"))},
    )
    rows = picked.selection.rows if picked else []
    if rows:
        open_register(shown.rows["enterprise_id"].iloc[rows[0]])
    p1, p2 = st.columns([1, 3])
    p1.number_input(ui.t("hazards.page", pages=shown.pages), min_value=1, max_value=shown.pages,
                    value=min(shown.page, shown.pages), step=1, key="hz_page")
    p2.caption(ui.t("hazards.rows_caption", total=f"{shown.total_rows:,}", page=shown.page, pages=shown.pages))
    context = hazards.context_line(chosen, page_filters, search, ui.data_as_of(), lang)
    ui.download_button(
        ui.t("hazards.download_csv", total=f"{shown.total_rows:,}"),
        data=lambda: exports.csv_bytes(hazards.for_people(
            ui.cached(hazards.enterprise_table, chosen, page_filters, search, sort_by), lang), [context]),
        file_name=f"hazards_{chosen.start}_{chosen.end}.csv", mime="text/csv",
        key="hz_download", kind="register", what=f"hazards by enterprise: {context}",
    )

st.subheader(ui.t("hazards.repeats_header"))
st.caption(ui.t("hazards.repeats_caption", days=window, limit=hazards.REPEAT_LIST_LIMIT))
repeat_rows = ui.cached(hazards.repeats, chosen, page_filters)
context_all = hazards.context_line(chosen, page_filters, "", ui.data_as_of(), lang)
if repeat_rows.empty:
    st.info(ui.t("hazards.no_repeats"))
else:
    st.dataframe(hazards.for_people(repeat_rows[list(hazards.REPEAT_COLUMNS)], lang), hide_index=True,
                 key="hz_repeats", height=320)
    ui.download_button(
        ui.t("hazards.download_repeats"),
        data=lambda: exports.csv_bytes(hazards.for_people(repeat_rows, lang), [context_all]),
        file_name=f"repeat_hazards_{chosen.start}_{chosen.end}.csv", mime="text/csv",
        key="hz_download_repeats", kind="gap_list", what=f"repeat hazards: {context_all}",
    )
