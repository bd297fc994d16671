"""Data quality (数据质量): per table and field how complete the data is, which figures a missing field
switches off, dates after the day of writing, the latest imports' problems grouped by kind, and how
fresh each source is — what ``python -m gridwatch status --json`` prints, for the clerk and the office."""

from datetime import date

import streamlit as st

from gridwatch import figures, status, ui
from gridwatch import quality_view as qv

ui.require_data()
lang = ui.lang()

st.title(ui.t("app.page.data_quality"))
st.caption(ui.t("data_quality.intro"))
scope = ui.town_scope()
if scope:
    st.info(ui.t("data_quality.scoped", towns=ui.join(scope)))
    st.stop()

report = ui.cached(status.compute, ui.meta(), date.today())


def counts(*names: str) -> dict:
    """Column settings that write these count columns with thousands separators, as the cards do."""
    return {ui.t(f"data_quality.col.{n}"): st.column_config.NumberColumn(format="localized") for n in names}


unknown = ui.t("data_quality.unknown")
st.caption(ui.t("data_quality.caption", as_of=report["data_as_of"] or unknown,
                written_on=report["written_on"] or unknown))
if report["is_demo"]:
    st.info("🧪 " + ui.t("data_quality.demo"))

tables = list(report["tables"])
cards = qv.cards(report)
for column, (key, value) in zip(st.columns(len(cards)), cards.items(), strict=True):
    column.metric(ui.t(f"data_quality.metric.{key}"), value, border=True, help=ui.t(f"data_quality.metric.{key}_help"))

st.subheader(ui.t("data_quality.overview_header"))
st.dataframe(qv.overview(report, lang), hide_index=True, key="dq_overview", column_config=counts("rows"))

st.subheader(ui.t("data_quality.completeness_header"))
st.caption(ui.t("data_quality.completeness_intro"))
table = st.selectbox(ui.t("data_quality.choose_table"), tables, index=qv.first_with_rows(report),
                     format_func=lambda name: qv.table_label(name, lang), key="dq_table")
if table in report["empty_tables"]:
    needs = qv.figures_without(report, table, lang)
    name = qv.table_label(table, lang)
    st.info(ui.t("data_quality.table_empty", table=name, figures=qv.joined(needs, lang)) if needs
            else ui.t("data_quality.table_empty_no_figures", table=name))
else:
    fields = qv.completeness(report, table, lang)
    states = [ui.t(f"data_quality.state.{s}") for s in qv.STATES]
    colours = dict(zip(states, ("#2e7d32", "#f9a825", "#c62828", "#9e9e9e"), strict=True))
    ui.plotly_chart(ui.figure(figures.completeness_bars, fields[["field", "share", "state"]], states, colours, {
        "title": ui.t("data_quality.completeness_title", table=qv.table_label(table, lang)),
        "x": ui.t("data_quality.completeness_x"), "y": ui.t("data_quality.completeness_y"),
        "legend": ui.t("data_quality.legend_state")}), key="dq_completeness_chart")
    shown = fields.drop(columns=["state_code"])
    shown = shown.rename(columns={c: ui.t(f"data_quality.col.{c}") for c in shown})
    st.dataframe(shown, hide_index=True, key="dq_completeness", column_config={
        **counts("recorded"), ui.t("data_quality.col.share"): st.column_config.NumberColumn(format="percent")})

st.subheader(ui.t("data_quality.switched_header"))
if report["switched_off"]:
    st.caption(ui.t("data_quality.switched_intro"))
    st.dataframe(qv.switched_off(report, lang), hide_index=True, key="dq_switched")
else:
    st.success(ui.t("data_quality.no_switched"))

written = report["written_on"] or unknown
st.subheader(ui.t("data_quality.future_header"))
st.caption(ui.t("data_quality.future_intro", written_on=written))
if report["future_dates"]:
    st.dataframe(qv.future_dates(report, lang), hide_index=True, key="dq_future", column_config=counts("count"))
else:
    st.success(ui.t("data_quality.no_future", written_on=written))

st.subheader(ui.t("data_quality.warnings_header"))
if not report["sources"]:
    st.info(ui.t("data_quality.no_imports"))
elif report["warnings"]:
    st.caption(ui.t("data_quality.warnings_intro"))
    st.dataframe(qv.warnings(report, lang), hide_index=True, key="dq_warnings", column_config=counts("count"))
else:
    st.success(ui.t("data_quality.no_warnings"))

st.subheader(ui.t("data_quality.freshness_header"))
if not report["sources"]:
    st.info(ui.t("data_quality.no_imports"))
else:
    st.caption(ui.t("data_quality.freshness_intro"))
    ui.plotly_chart(ui.figure(figures.freshness_bars, qv.freshness_by_table(report, lang), {
        "title": ui.t("data_quality.freshness_title"), "x": ui.t("data_quality.freshness_x"),
        "y": ui.t("data_quality.freshness_y"), "series": ui.t("data_quality.freshness_series")}),
        key="dq_freshness_chart")
    st.dataframe(qv.freshness(report, lang), hide_index=True, key="dq_freshness",
                 column_config=counts("days_since", "imports", "loaded", "rejected", "warned"))
