"""Grid coverage (网格覆盖): the grid map, gap lists, staffing adequacy and the registers."""

from functools import partial

import streamlit as st

from gridwatch import coverage, maps, rules, ui
from gridwatch.rules import RISK_LEVELS

ui.require_data()
chosen = ui.filters()
lang = ui.lang()

st.title(ui.t("app.page.coverage"))
scope = "、".join(chosen.towns) if chosen.towns else ui.t("coverage.whole_county")
st.caption(ui.t("coverage.caption", start=chosen.start, end=chosen.end, as_of=chosen.as_of, scope=scope))

left, middle, right = st.columns([1.5, 1.4, 4.1], gap="small")
level = left.segmented_control(ui.t("coverage.level"), maps.LEVELS, default="town",
                               format_func=ui.code_formatter("grid_level"), key="coverage_level") or "town"
measure = middle.selectbox(ui.t("coverage.measure_label"), maps.MEASURES,
                           format_func=ui.formatter("coverage.measure"), key="coverage_measure")
risks = right.pills(ui.t("coverage.risk_filter"), RISK_LEVELS, selection_mode="multi",
                    format_func=ui.code_formatter("risk_level"), key="coverage_risks")

params = {**chosen.params(), "risk_levels": list(risks)}
enterprises = ui.query("coverage_enterprises", params)
grids = ui.query("coverage_grids", params)
level_grids = grids[grids["level"] == level].reset_index(drop=True)
in_scope = enterprises[enterprises["in_scope"]].reset_index(drop=True)

header = coverage.export_header(ui.t("app.page.coverage"), chosen, list(risks), ui.data_as_of(), lang)
blind = coverage.blind_spots(enterprises)
overdue = coverage.overdue_for_inspection(enterprises)
idle_grids = coverage.uninspected_grids(grids, level)
staffing = ui.query("coverage_staffing", {"towns": list(chosen.towns)})
rule_params = rules.query_params()

figures = {
    "blind_spots": len(blind),
    "overdue": len(overdue),
    "uninspected_grids": len(idle_grids),
    "short_towns": coverage.towns_short_of_staff(staffing),
}
for column, (key, value) in zip(st.columns(len(figures)), figures.items(), strict=True):
    column.metric(ui.t(f"coverage.figures.{key}"), f"{value:,}", border=True,
                  help=ui.t(f"coverage.figures.{key}_help"))

st.subheader(ui.t("coverage.map_header"))
deck, has_polygons, has_points = coverage.deck(level_grids, in_scope, level, measure, lang)
if not has_polygons and has_points:
    st.info(ui.t("coverage.no_geometry"))
if not has_polygons and not has_points:
    st.info(ui.t("coverage.no_map"))
else:
    st.caption(ui.t("coverage.map_help"))
    event = st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="coverage_map",
                            height=560)
    st.markdown(coverage.legend_html(measure, level, lang, with_grids=has_polygons), unsafe_allow_html=True)
    clicked = coverage.clicked_grid(event)
    if clicked and clicked != st.session_state.get("coverage_map_seen"):
        st.session_state["coverage_map_seen"] = clicked
        st.session_state["coverage_grid"] = clicked

grid_names = dict(zip(level_grids["grid_id"], level_grids["name"], strict=True))
if st.session_state.get("coverage_grid") not in grid_names:
    st.session_state["coverage_grid"] = None
if not grid_names:
    st.info(ui.t("coverage.no_grids"))
else:
    picked = st.selectbox(ui.t("coverage.choose_grid"), list(grid_names), index=None,
                          placeholder=ui.t("coverage.no_grid_chosen"),
                          format_func=lambda gid: f"{grid_names.get(gid, gid)} ({gid})", key="coverage_grid")
    if picked:
        members = coverage.grid_enterprises(in_scope, picked, level)
        st.markdown("**" + ui.t("coverage.grid_enterprises", grid=grid_names[picked], n=len(members)) + "**")
        if members.empty:
            st.info(ui.t("coverage.grid_empty"))
        else:
            st.dataframe(coverage.labelled(members, lang), hide_index=True, height=300)

tab_keys = ("blind_spots", "overdue", "uninspected_grids", "staffing", "registers")
tabs = st.tabs([ui.t(f"coverage.tabs.{k}") for k in tab_keys], key="coverage_tab", on_change="rerun")


def download_csv(frame, name, key):
    ui.download_button(ui.t("coverage.download_csv"), coverage.csv_with_header(frame, header),
                       file_name=f"{name}_{chosen.as_of.isoformat()}.csv", mime="text/csv",
                       key=key, kind="gap_list", what=f"coverage {name}: {header}")


with tabs[0]:
    st.caption(ui.t("coverage.gaps.blind_spots_intro"))
    if blind.empty:
        st.success(ui.t("coverage.gaps.blind_spots_none"))
    else:
        shown = coverage.labelled(blind, lang)
        st.dataframe(shown, hide_index=True, height=min(420, 38 + 35 * len(shown)))
        download_csv(shown, "blind_spots", "coverage_dl_blind")

with tabs[1]:
    st.caption(ui.t("coverage.gaps.overdue_intro", as_of=chosen.as_of, red=rule_params["interval_red"],
                    orange=rule_params["interval_orange"], yellow=rule_params["interval_yellow"],
                    blue=rule_params["interval_blue"]))
    if overdue.empty:
        st.success(ui.t("coverage.gaps.overdue_none"))
    else:
        counts = coverage.overdue_by_risk(overdue)
        st.markdown(ui.t("coverage.gaps.overdue_by_risk", counts=" · ".join(
            f"{ui.label('risk_level', r)} {n}" for r, n in counts.items())))
        shown = coverage.labelled(overdue, lang)
        st.dataframe(shown, hide_index=True, height=min(420, 38 + 35 * len(shown)))
        download_csv(shown, "overdue_for_inspection", "coverage_dl_overdue")

with tabs[2]:
    st.caption(ui.t("coverage.gaps.uninspected_intro", level=ui.label("grid_level", level)))
    if idle_grids.empty:
        st.success(ui.t("coverage.gaps.uninspected_none"))
    else:
        shown = coverage.labelled(idle_grids, lang)
        st.dataframe(shown, hide_index=True, height=min(420, 38 + 35 * len(shown)))
        download_csv(shown, "grids_not_inspected", "coverage_dl_grids")

with tabs[3]:
    st.caption(ui.t("coverage.staffing.intro", per_10k=rule_params["inspectors_per_10k"],
                    per_village=rule_params["village_inspectors_per_village"]))
    if staffing.empty:
        st.info(ui.t("coverage.staffing.none"))
    else:
        st.dataframe(coverage.staffing_styler(staffing, lang), hide_index=True)
        download_csv(coverage.labelled(staffing.loc[:, list(coverage.STAFFING_COLUMNS)], lang),
                     "staffing", "coverage_dl_staffing")

with tabs[4]:
    st.caption(ui.t("coverage.register.intro"))
    if enterprises.empty:
        st.info(ui.t("coverage.register.empty"))
    else:
        for column, by in zip(st.columns(3), coverage.REGISTERS, strict=True):
            n = coverage.register_sheet_count(enterprises, by)
            column.markdown(f"**{ui.t(f'coverage.register.{by}')}**  \n{ui.t('coverage.register.sheets', n=n)}")
            ui.download_button(
                ui.t("coverage.download_xlsx"),
                partial(coverage.register_xlsx, enterprises, by, lang, header),
                file_name=f"{ui.t(f'coverage.register.{by}')}_{chosen.as_of.isoformat()}.xlsx",
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                key=f"coverage_dl_register_{by}", where=column, kind="register",
                what=f"coverage register by {by}: {header}",
            )
