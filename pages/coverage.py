"""Grid coverage (网格覆盖): the grid map, gap lists, staffing adequacy and the registers."""

from functools import partial

import streamlit as st

from gridwatch import coverage, coverage_view, display, maps, rules, ui
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
                           format_func=ui.formatter("coverage.measure"), key=ui.follows_language("coverage_measure"))
risks = right.pills(ui.t("coverage.risk_filter"), RISK_LEVELS, selection_mode="multi",
                    format_func=ui.code_formatter("risk_level"), key="coverage_risks")

params = {**chosen.params(), "risk_levels": list(risks)}
found = coverage_view.data(params)
level_grids = found.level_grids(level)
grid_names = dict(zip(level_grids["grid_id"], level_grids["name"], strict=True))

header = coverage.export_header(ui.t("app.page.coverage"), chosen, list(risks), ui.data_as_of(), lang)
staffing = ui.query("coverage_staffing", {"towns": list(chosen.towns)})
rule_params = rules.query_params()
idle_grids = coverage_view.shown(params, "uninspected_grids", lang, level)

figures = coverage.card_figures(found, idle_grids, staffing)
recorded = ui.recorded()
for column, key in zip(st.columns(len(figures)), figures, strict=True):
    display.draw(column, display.card(key, figures, recorded=recorded), lang,
                 note=ui.t("coverage.risk_note") if risks and key.startswith("coverage_") else "")


def follow_click(event) -> None:
    """A new click on the map chooses its grid (once: the selection persists across reruns)."""
    clicked = coverage.clicked_grid(event)
    if clicked and clicked != st.session_state.get("coverage_map_seen"):
        st.session_state["coverage_map_seen"] = clicked
        st.session_state["coverage_grid"] = clicked


# The map draws the chosen grid's enterprises, so a click is followed before drawing it.
follow_click(st.session_state.get("coverage_map"))
if st.session_state.get("coverage_grid") not in grid_names:
    st.session_state["coverage_grid"] = None

st.subheader(ui.t("coverage.map_header"))
view = coverage_view.coverage_map(params, level, measure, lang, st.session_state["coverage_grid"])
if view.hexagons:
    st.info(ui.t("coverage.no_geometry"))
if not view.has_polygons and not view.hexagons:
    st.info(ui.t("coverage.no_map"))
else:
    if view.hidden_points:
        st.info(ui.t("coverage.points_hidden", n=f"{view.hidden_points:,}",
                     budget=f"{coverage_view.POINT_BUDGET:,}"))
    st.caption(ui.t("coverage.map_help"))
    event = st.pydeck_chart(view.deck, on_select="rerun", selection_mode="single-object", key="coverage_map",
                            height=560)
    st.markdown(coverage.legend_html(measure, level, lang, with_grids=view.has_polygons,
                                     with_points=bool(view.points)), unsafe_allow_html=True)
    follow_click(event)

if not grid_names:
    st.info(ui.t("coverage.no_grids"))
else:
    picked = st.selectbox(ui.t("coverage.choose_grid"), list(grid_names), index=None,
                          placeholder=ui.t("coverage.no_grid_chosen"),
                          format_func=lambda gid: f"{grid_names.get(gid, gid)} ({gid})", key="coverage_grid")
    if picked:
        members = coverage.grid_enterprises(found.in_scope, picked, level)
        st.markdown("**" + ui.t("coverage.grid_enterprises", grid=grid_names[picked], n=len(members)) + "**")
        if members.empty:
            st.info(ui.t("coverage.grid_empty"))
        else:
            st.dataframe(coverage.labelled(members, lang), hide_index=True, height=300)

tab_keys = ("blind_spots", "overdue", "uninspected_grids", "staffing", "registers")
tabs = st.tabs([ui.t(f"coverage.tabs.{k}") for k in tab_keys], key="coverage_tab", on_change="rerun")


def download_csv(frame, name, key):
    ui.download_button(ui.t("coverage.download_csv"), partial(coverage.csv_with_header, frame, header),
                       file_name=f"{name}_{chosen.as_of.isoformat()}.csv", mime="text/csv",
                       key=key, kind="gap_list", what=f"coverage {name}: {header}")


def gap_list(shown, name, key):
    """A long list one page at a time (the download holds every row)."""
    rows = ui.page_of(shown, key)
    st.dataframe(rows, hide_index=True, height=min(420, 38 + 35 * len(rows)))
    download_csv(shown, name, key)


with tabs[0]:
    st.caption(ui.t("coverage.gaps.blind_spots_intro"))
    if found.blind.empty:
        st.success(ui.t("coverage.gaps.blind_spots_none"))
    else:
        gap_list(coverage_view.shown(params, "blind_spots", lang), "blind_spots", "coverage_dl_blind")

with tabs[1]:
    st.caption(ui.t("coverage.gaps.overdue_intro", as_of=chosen.as_of, red=rule_params["interval_red"],
                    orange=rule_params["interval_orange"], yellow=rule_params["interval_yellow"],
                    blue=rule_params["interval_blue"]))
    if found.overdue.empty:
        st.success(ui.t("coverage.gaps.overdue_none"))
    else:
        counts = coverage.overdue_by_risk(found.overdue)
        st.markdown(ui.t("coverage.gaps.overdue_by_risk", counts=" · ".join(
            f"{ui.label('risk_level', r)} {n}" for r, n in counts.items())))
        gap_list(coverage_view.shown(params, "overdue", lang), "overdue_for_inspection", "coverage_dl_overdue")

with tabs[2]:
    st.caption(ui.t("coverage.gaps.uninspected_intro", level=ui.label("grid_level", level)))
    if idle_grids.empty:
        st.success(ui.t("coverage.gaps.uninspected_none"))
    else:
        gap_list(idle_grids, "grids_not_inspected", "coverage_dl_grids")

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
    if found.enterprises.empty:
        st.info(ui.t("coverage.register.empty"))
    else:
        for column, by in zip(st.columns(3), coverage.REGISTERS, strict=True):
            column.markdown(f"**{ui.t(f'coverage.register.{by}')}**  \n"
                            f"{ui.t('coverage.register.sheets', n=found.register_sheets[by])}")
            ui.download_button(
                ui.t("coverage.download_xlsx"),
                partial(coverage.register_xlsx, found.enterprises, by, lang, header),
                file_name=f"{ui.t(f'coverage.register.{by}')}_{chosen.as_of.isoformat()}.xlsx",
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                key=f"coverage_dl_register_{by}", where=column, kind="register",
                what=f"coverage register by {by}: {header}",
            )
