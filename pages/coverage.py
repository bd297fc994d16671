"""Grid coverage (网格覆盖): the grid map, gap lists, staffing adequacy and the registers."""

from functools import partial

import streamlit as st

from gridwatch import coverage, coverage_view, display, exports, maps, registers, rules, ui
from gridwatch.rules import RISK_LEVELS

REGISTER_PAGE = "pages/enterprise.py"

ui.require_data()
chosen = ui.filters()
lang = ui.lang()

st.title(ui.t("app.page.coverage"))
scope = ui.join(chosen.towns) if chosen.towns else ui.t("coverage.whole_county")
st.caption(ui.md("coverage.caption", start=chosen.start, end=chosen.end, as_of=chosen.as_of, scope=scope))

left, middle, right = st.columns([1.5, 1.4, 4.1], gap="small")
level = left.segmented_control(ui.t("coverage.level"), maps.LEVELS, default="town",
                               format_func=ui.code_formatter("grid_level"), key="coverage_level") or "town"
measure = middle.selectbox(ui.t("coverage.measure_label"), maps.MEASURES,
                           format_func=ui.formatter("coverage.measure"), key=ui.follows_language("coverage_measure"))
risks = right.pills(ui.t("coverage.risk_filter"), RISK_LEVELS, selection_mode="multi",
                    format_func=ui.code_formatter("risk_level"), key="coverage_risks")

params = {**chosen.params(), "risk_levels": list(risks)}
found = ui.cached(coverage_view.data, params, shared=True)
level_grids = found.level_grids(level)
grid_names = dict(zip(level_grids["grid_id"], level_grids["name"], strict=True))

header = coverage.export_header(ui.t("app.page.coverage"), chosen, list(risks), ui.data_as_of(), lang)
staffing = ui.query("coverage_staffing", {"towns": list(chosen.towns)})
villages_short = ui.query("coverage_villages_short", {"towns": list(chosen.towns)})
rule_params = rules.query_params()
rule_numbers = {"per_10k": f"{rule_params['inspectors_per_10k']:g}",
                "per_village": rule_params["village_inspectors_per_village"]}
idle_grids = ui.cached(coverage_view.shown, params, "uninspected_grids", lang, level, shared=True)

figures = coverage.card_figures(found, idle_grids, staffing, villages_short)
recorded = ui.recorded()
for column, key in zip(st.columns(len(figures)), figures, strict=True):
    note = ui.t(f"coverage.figures.{key}_help", **rule_numbers) if key in ("towns_below_ratio", "villages_short") \
        else ui.t("coverage.risk_note") if risks and key.startswith("coverage_") else ""
    display.draw(column, display.card(key, figures, recorded=recorded), lang, note=note)


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
view = ui.cached(coverage_view.coverage_map, params, level, measure, lang,
                 coverage_view.map_focus(found, st.session_state["coverage_grid"]), shared=True)
if found.unlocated:
    st.info(ui.t("coverage.unlocated", n=f"{found.unlocated:,}", total=f"{len(found.in_scope):,}"))
if view.hexagons:
    st.info(ui.t("coverage.no_geometry"))
if not view.has_polygons and not view.hexagons:
    st.info(ui.t("coverage.no_map"))
else:
    if view.hidden_points:
        st.info(ui.t("coverage.points_hidden", n=f"{view.hidden_points:,}",
                     budget=f"{coverage_view.POINT_BUDGET:,}"))
    st.caption(ui.t("coverage.map_help"))
    if level == "village" and view.has_polygons and len(level_grids) > maps.VILLAGE_LABEL_LIMIT:
        st.caption(ui.t("coverage.town_labels", n=maps.VILLAGE_LABEL_LIMIT))
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
        st.markdown("**" + ui.md("coverage.grid_enterprises", grid=grid_names[picked], n=len(members)) + "**")
        if members.empty:
            st.info(ui.t("coverage.grid_empty"))
        else:
            st.caption(ui.t("coverage.grid_list_help"))
            listed = coverage.labelled(coverage.with_register_links(members), lang)
            register_column = ui.t("coverage.col.register")
            clicked = ui.dataframe(
                listed, hide_index=True, height=min(38 + 35 * len(listed), 420), key=f"coverage_members_{picked}",
                on_select="rerun", selection_mode="single-row",
                column_config={register_column: st.column_config.LinkColumn(
                    register_column, display_text=ui.t("coverage.open_register"), width=80)})
            rows = clicked.selection.rows if clicked else []
            if rows:
                st.switch_page(REGISTER_PAGE, query_params={"enterprise": members["enterprise_id"].iloc[rows[0]]})

tab_keys = ("blind_spots", "overdue", "uninspected_grids", "staffing", "registers")
tabs = st.tabs([ui.t(f"coverage.tabs.{k}") for k in tab_keys], key="coverage_tab", on_change="rerun")


def download_csv(frame, name, key):
    ui.download_button(ui.t("coverage.download_csv"), partial(exports.csv_bytes, frame, header),
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
        gap_list(ui.cached(coverage_view.shown, params, "blind_spots", lang, shared=True), "blind_spots",
                 "coverage_dl_blind")

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
        gap_list(ui.cached(coverage_view.shown, params, "overdue", lang, shared=True), "overdue_for_inspection",
                 "coverage_dl_overdue")

with tabs[2]:
    st.caption(ui.t("coverage.gaps.uninspected_intro", level=ui.label("grid_level", level)))
    if idle_grids.empty:
        st.success(ui.t("coverage.gaps.uninspected_none"))
    else:
        gap_list(idle_grids, "grids_not_inspected", "coverage_dl_grids")

with tabs[3]:
    if staffing.empty:
        st.info(ui.t("coverage.staffing.none"))
    else:
        st.markdown("**" + ui.t("coverage.staffing.towns_header", **rule_numbers) + "**")
        verdicts = staffing["meets_inspector_rule"]
        st.caption(ui.t("coverage.staffing.towns_intro") + " " + ui.t(
            "coverage.staffing.towns_result", below=int((verdicts == False).sum()),  # noqa: E712
            met=int((verdicts == True).sum()), unknown=int(verdicts.isna().sum())))  # noqa: E712
        st.dataframe(coverage.staffing_styler(staffing, lang), hide_index=True)
        download_csv(coverage.staffing_table(staffing, lang), "staffing_towns", "coverage_dl_staffing")
        st.markdown("**" + ui.t("coverage.staffing.villages_header", **rule_numbers) + "**")
        recorded = int((staffing["villages"] - staffing["villages_not_recorded"]).sum())
        st.caption(ui.t("coverage.staffing.villages_result", short=len(villages_short), recorded=recorded,
                        unknown=int(staffing["villages_not_recorded"].sum())))
        if villages_short.empty:
            st.success(ui.t("coverage.staffing.villages_none"))
        else:
            gap_list(coverage.villages_short_table(villages_short, lang), "villages_short_of_inspectors",
                     "coverage_dl_villages_short")

with tabs[4]:
    st.caption(ui.t("registers.page.intro"))
    if found.enterprises.empty:
        st.info(ui.t("registers.page.empty"))
    else:
        context = registers.Context(as_of=chosen.as_of, data_as_of=ui.data_as_of(), towns=tuple(chosen.towns),
                                    departments=tuple(chosen.departments), industries=tuple(chosen.industries),
                                    risks=tuple(risks))
        for column, by in zip(st.columns(len(registers.BY)), registers.BY, strict=True):
            column.markdown(f"**{registers.title(by, lang)}**  \n"
                            f"{ui.t('registers.page.units', n=found.register_units[by])}")
            first, per_unit = registers.downloads(found.enterprises, by, lang, context)
            labels = (("village_books", "per_village") if by == "village" else ("workbook", "per_unit"))
            for download, label in zip((first, per_unit), labels, strict=True):
                ui.download_button(
                    ui.t(f"registers.page.{label}"), download.build, file_name=download.file_name,
                    mime=download.mime, help=ui.t(f"registers.page.{label}_help"),
                    key=f"coverage_dl_register_{by}_{label}", where=column, kind="register",
                    what=f"register by {by} ({label}): {header}",
                )
            if by == "village":
                column.caption(ui.t("registers.page.village_note"))
