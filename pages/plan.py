"""Next week's inspection plan (下周检查计划): per squadron, whom to visit, why, where, and whether to trust it."""

import html
from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from gridwatch import figures, i18n, pdf, plan, plan_view, ui

ui.require_data()
chosen = ui.filters()
lang = ui.lang()

st.title(ui.t("app.page.plan"))
try:
    cfg = plan.settings()
except plan.PlanRulesError as exc:
    st.error(ui.error_md(exc))
    st.stop()

data_as_of = ui.data_as_of()
choices = [d.isoformat() for d in plan.week_choices(data_as_of, cfg.hindsight_windows)]


def week_label(iso: str, current: str = lang) -> str:
    # The language is bound now: Streamlit may call a format_func outside the script run.
    start, end = plan.next_week(date.fromisoformat(iso))
    return i18n.text("plan.week_next" if iso == choices[0] else "plan.week_option", current, start=start, end=end)


left, right = st.columns(2)
as_of = date.fromisoformat(left.selectbox(ui.t("plan.week"), choices, format_func=week_label, key="plan_week",
                                          help=ui.t("plan.week_help")))
with st.spinner():
    made = ui.cached(plan.make, as_of, cfg, shared=True)
    view = ui.cached(plan_view.scoped, as_of, cfg, chosen.params(), shared=True)
if not view.squadrons:
    st.info(ui.t("plan.no_enterprises"))
    st.stop()

# Squadrons in the order of their names; the unassigned last.
options = [s if s is not None else "—" for s in view.squadrons]
picked = right.selectbox(ui.t("plan.squadron"), options, key="plan_squadron",
                         format_func=lambda s: plan.squadron_label(None if s == "—" else s, lang))
squadron = None if picked == "—" else picked
part = view.parts[squadron]
rows = part.rows
capacity = part.capacity
required_all = part.required

st.caption(ui.t("plan.caption", week_start=made.week_start, week_end=made.week_end, as_of=made.as_of))

figures_shown = {
    "planned": f"{len(rows):,}",
    "required": f"{int(rows['required'].sum()):,}",
    "capacity": f"{capacity:,}",
    "expected": f"{rows['p_major'].sum():.1f}",
}
for column, (key, value) in zip(st.columns(4), figures_shown.items(), strict=True):
    column.metric(ui.t(f"plan.figures.{key}"), value, border=True,
                  help=ui.t(f"plan.figures.{key}_help", weeks=cfg.capacity_weeks))
if required_all > capacity:
    st.warning(ui.t("plan.over_capacity", required=required_all, capacity=capacity,
                    waiting=required_all - capacity))
if len(rows) < part.planned:
    st.caption(ui.t("plan.scope_note", shown=len(rows), total=part.planned))

link = ui.t("plan.col.register")
config = {
    ui.t("plan.col.p_major"): st.column_config.NumberColumn(format="percent"),
    ui.t("plan.col.p_any"): st.column_config.NumberColumn(format="percent"),
    link: st.column_config.LinkColumn(link, display_text=ui.t("plan.col.register")),
    ui.t("plan.col.reasons"): st.column_config.TextColumn(width="large"),
}
tab_plan, tab_all = st.tabs([ui.t("plan.tab.plan"), ui.t("plan.tab.all")], key="plan_tab", on_change="rerun")
with tab_plan:
    if rows.empty:
        st.info(ui.t("plan.empty_plan"))
    else:
        st.dataframe(plan.labelled(rows, lang, cfg.listed_visit_days), hide_index=True, column_config=config,
                     height=min(560, 38 + 35 * len(rows)), key="plan_table")
    header = plan.export_header(made, squadron, capacity, data_as_of, lang)
    title = ui.t("plan.download.title", squadron=plan.squadron_label(squadron, lang))
    stem = f"plan_{plan.squadron_label(squadron, lang)}_{made.week_start.isoformat()}"
    d1, d2, _ = st.columns([1, 1, 2])
    ui.download_button(ui.t("plan.download.xlsx"),
                       partial(plan.task_sheet_xlsx, rows, header, lang, cfg.listed_visit_days),
                       file_name=f"{stem}.xlsx", where=d1, kind="gap_list", key="plan_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       what=f"inspection plan: {header[0]}")
    try:
        pdf.cjk_font()
    except pdf.FontMissing as missing:
        d2.warning(ui.t("plan.download.pdf_unavailable", reason=ui.error_md(missing)))
    else:
        ui.download_button(ui.t("plan.download.pdf"),
                           partial(plan.task_sheet_pdf, rows, title, header, lang, cfg.listed_visit_days),
                           file_name=f"{stem}.pdf", where=d2, kind="gap_list", key="plan_pdf",
                           mime="application/pdf", what=f"inspection plan: {header[0]}")

with tab_all:
    everyone = part.everyone
    st.caption(ui.t("plan.all_intro", n=f"{len(everyone):,}"))
    st.dataframe(plan.labelled(ui.page_of(everyone, "plan_all"), lang, cfg.listed_visit_days), hide_index=True,
                 column_config=config, key="plan_all_table")

st.subheader(ui.t("plan.map.header"))
if rows.empty:
    st.info(ui.t("plan.empty_plan"))
else:
    towns = sorted(t for t in rows["town"].dropna().unique())
    deck, located = plan.deck(rows, ui.query("plan_town_grids", {"towns": towns}), lang, cfg.listed_visit_days)
    if not located:
        st.info(ui.t("plan.map.none"))
    else:
        st.caption(ui.t("plan.map.help"))
        st.pydeck_chart(deck, height=plan.MAP_HEIGHT, key="plan_map")

st.subheader(ui.t("plan.hindsight.header"))
st.caption(ui.t("plan.hindsight.intro", n=cfg.hindsight_windows, days=cfg.hindsight_window_days))
if ui.is_demo():
    st.caption("🧪 " + ui.t("plan.hindsight.demo_note"))
labels = {"x_axis": ui.t("plan.hindsight.x_axis"), "y_axis": ui.t("plan.hindsight.y_axis"),
          **{f"{k}_share": ui.t(f"plan.hindsight.{k}") for k in ("model", "actual", "random")}}
groups = [("county", None, ui.t("plan.hindsight.county")), ("squadron", squadron, plan.squadron_label(squadron, lang))]


def draw_hindsight(table) -> None:
    """The county's and the squadron's charts, each with its pooled figures under it."""
    for column, (scope, key, name) in zip(st.columns(2), groups, strict=True):
        part = table[table["scope"] == scope]
        if scope == "squadron":
            part = part[part["squadron"].isna()] if key is None else part[part["squadron"] == key]
        totals = plan.pooled(part) if len(part) else {"with_major": 0}
        if not totals["with_major"]:
            column.info(ui.t("plan.hindsight.none"))
            continue
        shown = part.assign(end=part["end"].map(lambda d: d.isoformat()))
        figure_input = shown.loc[:, ["end", "model_share", "actual_share", "random_share"]].reset_index(drop=True)
        ui.plotly_chart(ui.figure(figures.hindsight, figure_input,
                                  {**labels, "title": ui.t("plan.hindsight.title", group=name)}),
                        where=column, width="stretch", key=f"plan_hindsight_{scope}")
        column.caption(ui.t("plan.hindsight.summary", group=html.escape(name), enterprises=f"{totals['enterprises']:,}",
                            with_major=f"{totals['with_major']:,}", windows=len(part),
                            **{k: "—" if totals[f"{k}_share"] is None else f"{100 * totals[f'{k}_share']:.0f}%"
                               for k in ("model", "actual", "random")}))


@st.fragment(run_every=2)
def wait_for_hindsight() -> None:
    """While the hindsight job runs: a note, looked at again every two seconds; then the whole page."""
    if plan_view.hindsight(ui.cached(plan_view.hindsight_job, data_as_of, cfg, shared=True)) is None:
        st.info("⏳ " + ui.t("plan.hindsight.loading"))
    else:
        st.rerun()


table = plan_view.hindsight(ui.cached(plan_view.hindsight_job, data_as_of, cfg, shared=True))
if table is None:
    wait_for_hindsight()
else:
    draw_hindsight(table)

with st.expander(ui.t("plan.model.header")):
    model = made.scored.model
    if model.usable:
        st.markdown(ui.t("plan.model.intro", as_of=made.as_of, days=cfg.training_days,
                         examples=f"{model.major.examples:,}", majors=f"{model.major.positives:,}",
                         anys=f"{model.any.positives:,}"))
    else:
        st.warning(ui.t("plan.model.constant", as_of=made.as_of, examples=f"{model.major.examples:,}",
                        majors=f"{model.major.positives:,}"))
    if model.not_recorded:
        st.markdown(ui.t("plan.model.not_recorded",
                         sources=ui.join(ui.t(f"plan.source.{s}") for s in model.not_recorded)))
    if model.usable:
        weights = model.coefficients()
        st.caption(ui.t("plan.model.weights"))
        st.dataframe(pd.DataFrame({
            ui.t("plan.model.factor"): [plan.factor_name(c, lang) for c in weights["column"]],
            ui.t("plan.model.weight_major"): weights["major"].round(3),
            ui.t("plan.model.weight_any"): weights["any"].round(3),
        }), hide_index=True)
