"""Explore (数据探索): a question builder whose view lives in the URL, a read-only SQL console, a schema browser."""

import pandas as pd
import plotly.express as px
import streamlit as st

from gridwatch import chart_top, console, explore, exports, ui
from gridwatch.explore import BOOL, CODE, DATE, NUMBER

LOADED = "ex_loaded"
CONSOLE_RESULT = "ex_console_result"

ui.require_data()
lang = ui.lang()
chosen = ui.filters()
scope_params = chosen.params()
version = ui.meta().get("data_version", "")


@st.cache_data(max_entries=256, show_spinner=False)
def answer(view: explore.View, params: dict, data_version: str, path: str):
    return explore.run(ui.connection(), view, params)


@st.cache_data(max_entries=512, show_spinner=False)
def choices(dataset: str, column: str, params: dict, data_version: str, path: str) -> list:
    return explore.options(ui.connection(), dataset, column, params)


def widget_state(view: explore.View) -> dict:
    """Session-state values of the builder's widgets that show ``view``."""
    ds = view.dataset
    state = {"ex_ds": ds, "ex_chart": view.chart, f"ex_m_{ds}": view.measure,
             f"ex_g1_{ds}": view.group1, f"ex_g2_{ds}": view.group2}
    if view.as_of:
        state["ex_as_of"] = view.as_of
    columns = explore.DATASETS[ds]
    state[f"ex_fcols_{ds}"] = [c for c, *_ in (*view.codes, *view.ranges, *view.texts)]
    for name, values in view.codes:
        state[f"ex_f_{ds}_{name}"] = list(values)
    for name, low, high in view.ranges:
        for key, text in ((f"ex_lo_{ds}_{name}", low), (f"ex_hi_{ds}_{name}", high)):
            state[key] = explore.parse_bound(columns[name], text) if text else None
    for name, needle in view.texts:
        state[f"ex_q_{ds}_{name}"] = needle
    return state


if not st.session_state.get(LOADED):
    st.session_state[LOADED] = True
    pairs = {key: st.query_params.get_all(key) for key in st.query_params}
    try:
        restored = explore.from_query_params(pairs)
    except explore.ViewError as e:
        st.warning(ui.t("explore.builder.bad_link", problem=ui.t(f"explore.builder.error.{e.key}", detail=e.detail)))
        restored = explore.View()
    st.session_state.update(widget_state(restored))
st.session_state.setdefault("ex_ds", "hazards")
st.session_state.setdefault("ex_as_of", chosen.as_of)
st.session_state.setdefault("ex_chart", "bar")

st.title(ui.t("app.page.explore"))
st.caption(ui.t("explore.intro"))
builder_tab, console_tab, schema_tab = st.tabs(
    [ui.t("explore.tab.builder"), ui.t("explore.tab.console"), ui.t("explore.tab.schema")])

with builder_tab:
    column_name = {name: explore.column_label(name, lang) for name in explore.column_names()}
    top = st.columns([2, 2, 3])
    dataset_name = {d: ui.t(f"explore.dataset.{d}.name") for d in explore.DATASETS}
    ds = top[0].selectbox(ui.t("explore.builder.dataset"), list(explore.DATASETS), key=ui.follows_language("ex_ds"),
                          format_func=dataset_name.get)
    columns = explore.DATASETS[ds]
    top[2].caption(ui.t(f"explore.dataset.{ds}.desc"))
    if ds in explore.SCOPED_DATASETS:
        scope = "、".join(chosen.towns + chosen.departments + chosen.industries) or ui.t("explore.builder.scope_all")
        top[2].caption(ui.t("explore.builder.scope", scope=scope))
    else:
        top[2].caption(ui.t("explore.builder.scope_none"))
    as_of = None
    if ds == "hazards":
        as_of = top[1].date_input(ui.t("explore.builder.as_of"), key="ex_as_of",
                                  help=ui.t("explore.builder.as_of_help"))
    params = {**scope_params, "as_of": as_of or chosen.as_of}

    chosen_columns = st.multiselect(ui.t("explore.builder.filter_columns"), list(columns),
                                    key=ui.follows_language(f"ex_fcols_{ds}"), format_func=column_name.get,
                                    help=ui.t("explore.builder.filter_columns_help"),
                                    placeholder=ui.t("explore.builder.choose"))
    codes, ranges, texts = [], [], []
    filter_cells = st.columns(2) if chosen_columns else []
    for i, name in enumerate(chosen_columns):
        cell, kind, label = filter_cells[i % 2], columns[name].kind, column_name[name]
        if kind in (CODE, BOOL):
            offered = ["true", "false"] if kind == BOOL else choices(ds, name, params, version, str(ui.db_path()))
            picked = cell.multiselect(label, offered, key=ui.follows_language(f"ex_f_{ds}_{name}"),
                                      format_func=lambda v, n=name: explore.value_label(ds, n, v, lang),
                                      placeholder=ui.t("explore.builder.choose"))
            if picked:
                codes.append((name, tuple(str(v) for v in picked)))
        elif kind in (NUMBER, DATE):
            pair = cell.columns(2)
            widget = pair[0].date_input if kind == DATE else pair[0].number_input
            low = widget(ui.t("explore.builder.from", column=label), value=None, key=f"ex_lo_{ds}_{name}")
            widget = pair[1].date_input if kind == DATE else pair[1].number_input
            high = widget(ui.t("explore.builder.to", column=label), value=None, key=f"ex_hi_{ds}_{name}")
            if low is not None or high is not None:
                ranges.append((name, explore.bound_text(low), explore.bound_text(high)))
        else:
            needle = cell.text_input(ui.t("explore.builder.contains", column=label), key=f"ex_q_{ds}_{name}")
            if needle.strip():
                texts.append((name, needle.strip()))

    row = st.columns([2, 2, 2, 3])
    dims = [""] + explore.dimensions(ds)
    dim_name = {d: explore.dimension_label(d, lang) if d else ui.t("explore.builder.no_group") for d in dims}
    g1 = row[0].selectbox(ui.t("explore.builder.group1"), dims, key=ui.follows_language(f"ex_g1_{ds}"),
                          format_func=dim_name.get)
    g2 = row[1].selectbox(ui.t("explore.builder.group2"), dims, key=ui.follows_language(f"ex_g2_{ds}"),
                          format_func=dim_name.get, disabled=not g1)
    ms = explore.measures(ds)
    measure = row[2].selectbox(ui.t("explore.builder.measure"), ms, key=ui.follows_language(f"ex_m_{ds}"),
                               format_func=lambda m: explore.measure_label(m, lang, ds),
                               help=ui.t("explore.builder.rate_help") if ds == "hazards" else None)
    chart = row[3].radio(ui.t("explore.builder.chart"), list(explore.CHARTS), key="ex_chart", horizontal=True,
                         format_func=ui.formatter("explore.builder.charts"))

    view = explore.View(dataset=ds, codes=tuple(codes), ranges=tuple(ranges), texts=tuple(texts),
                        group1=g1 or "", group2=(g2 or "") if g1 and g2 != g1 else "", measure=measure,
                        chart=chart, as_of=as_of)
    st.query_params.from_dict({"lang": lang, **view.to_query_params()})
    try:
        result = answer(view, params, version, str(ui.db_path()))
    except explore.ViewError as e:
        st.error(ui.t(f"explore.builder.error.{e.key}", detail=e.detail))
        st.stop()
    heading = explore.title(view, lang)
    table = explore.labelled(view, result.head(explore.MAX_GROUPS), lang)
    value_column = table.columns[-1]
    is_rate = view.measure in explore.RATE_MEASURES
    if len(result) > explore.MAX_GROUPS:
        st.warning(ui.t("explore.builder.too_many", n=f"{explore.MAX_GROUPS:,}"))
    if result.empty or (view.measure == "count" and not result["value"].sum()):
        st.info(ui.t("explore.builder.empty"))
    if not view.group1:
        st.metric(heading, explore.format_value(result["value"].iloc[0], view.measure), border=True)
    elif not result.empty:
        dims_shown = list(table.columns[:-1])
        # Dates keep their whole time axis; names and codes (towns, enterprises, staff) are cut to the top N.
        drawn, cuts = table, []
        for shown_name, code in zip(dims_shown, (view.group1, view.group2), strict=False):
            if ":" not in code:
                top = chart_top.top_categories(drawn, shown_name, value_column, agg="max" if is_rate else "sum")
                drawn = top.frame
                if top.cut:
                    cuts.append((shown_name, top))
        figure = None
        if view.chart == "heatmap" and len(dims_shown) < 2:
            st.info(ui.t("explore.builder.heatmap_needs_two"))
        elif view.chart == "heatmap":
            figure = px.density_heatmap(drawn, x=dims_shown[0], y=dims_shown[1], z=value_column,
                                        histfunc="sum", title=heading, color_continuous_scale="OrRd")
            figure.update_layout(coloraxis_colorbar_title_text=value_column)
        elif view.chart in ("bar", "line"):
            draw = px.bar if view.chart == "bar" else px.line
            extra = {"barmode": "group"} if view.chart == "bar" else {"markers": True}
            figure = draw(drawn, x=dims_shown[0], y=value_column, title=heading,
                          color=dims_shown[1] if len(dims_shown) > 1 else None, **extra)
        if figure is not None:
            figure.update_xaxes(type="category")
            if cuts and cuts[0][0] == dims_shown[0]:
                figure.update_xaxes(categoryorder="array", categoryarray=list(pd.unique(drawn[dims_shown[0]])))
            if is_rate and view.chart != "heatmap":
                figure.update_yaxes(tickformat=".0%")
            ui.plotly_chart(figure, width="stretch")
            for shown_name, top in cuts:
                st.caption(f"{shown_name}: {chart_top.caption(top, value_column, lang)}")
        number_format = explore.number_format(view.measure)
        st.dataframe(table, hide_index=True, width="stretch", height=min(600, 38 + 35 * len(table)),
                     column_config={value_column: st.column_config.NumberColumn(format=number_format)})
    scope_text = "、".join(chosen.towns + chosen.departments + chosen.industries) or ui.t("explore.builder.scope_all")
    header = ui.t("explore.builder.export_header", title=heading, dataset=ui.t(f"explore.dataset.{ds}.name"),
                  filters=explore.filters_text(view, lang), scope=scope_text, as_of=ui.data_as_of().isoformat())
    downloads = st.columns([1, 1, 4])
    ui.download_button(ui.t("explore.builder.download_csv"), exports.csv_bytes(table), where=downloads[0],
                       file_name="explore.csv", mime="text/csv", kind="explore", what=f"explore: {header}")
    ui.download_button(ui.t("explore.builder.download_xlsx"),
                       exports.xlsx_bytes({heading: table}, header_lines=[header]), where=downloads[1],
                       file_name="explore.xlsx", kind="explore", what=f"explore: {header}",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    st.caption(ui.t("explore.builder.share"))
    st.code(explore.share_url(view, lang), language=None)
    with st.expander(ui.t("explore.builder.show_sql")):
        sql, bound = explore.build(view, params)
        st.code(sql, language="sql")
        st.json({k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in bound.items()})

with console_tab:
    limits = console.limits()
    st.caption(ui.t("explore.console.intro", seconds=limits.time_limit_seconds, memory=limits.memory_limit,
                    shown=f"{limits.max_rows_shown:,}", download=f"{limits.max_rows_download:,}"))

    def use_example():
        st.session_state["ex_sql"] = explore.EXAMPLES[st.session_state["ex_example"]]

    pick = st.columns([4, 1])
    pick[0].selectbox(ui.t("explore.console.example"), list(explore.EXAMPLES), key=ui.follows_language("ex_example"),
                      format_func=ui.formatter("explore.console.examples"))
    pick[1].button(ui.t("explore.console.use_example"), on_click=use_example, key="ex_use_example")
    sql_text = st.text_area(ui.t("explore.console.sql"), key="ex_sql", height=200)
    if st.button(ui.t("explore.console.run"), type="primary", key="ex_run"):
        try:
            st.session_state[CONSOLE_RESULT] = (
                sql_text, console.run(ui.db_path(), sql_text, limits, towns=ui.town_scope()))
        except console.Refused as e:
            st.session_state[CONSOLE_RESULT] = (sql_text, e)
    ran = st.session_state.get(CONSOLE_RESULT)
    if ran:
        ran_sql, outcome = ran
        if isinstance(outcome, console.Refused):
            st.error(ui.t(f"explore.console.refused.{outcome.reason}", detail=outcome.detail,
                          seconds=limits.time_limit_seconds))
        elif outcome.frame.empty:
            st.info(ui.t("explore.console.no_rows"))
        else:
            n = len(outcome.frame)
            if outcome.truncated:
                st.warning(ui.t("explore.console.truncated", n=f"{limits.max_rows_download:,}"))
            st.caption(ui.t("explore.console.rows_shown", n=f"{n:,}", shown=f"{limits.max_rows_shown:,}")
                       if n > limits.max_rows_shown else ui.t("explore.console.rows", n=f"{n:,}"))
            st.dataframe(outcome.shown, hide_index=True, width="stretch")
            header = ui.t("explore.console.export_header", sql=" ".join(ran_sql.split()),
                          as_of=ui.data_as_of().isoformat())
            cells = st.columns([1, 1, 4])
            ui.download_button(ui.t("explore.builder.download_csv"), exports.csv_bytes(outcome.frame),
                               where=cells[0], file_name="query.csv", mime="text/csv", kind="explore",
                               what=f"console: {header}")
            ui.download_button(ui.t("explore.builder.download_xlsx"),
                               exports.xlsx_bytes({"query": outcome.frame}, header_lines=[header]),
                               where=cells[1], file_name="query.xlsx", kind="explore", what=f"console: {header}",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

with schema_tab:
    st.caption(ui.t("explore.schema.intro"))
    catalogue = explore.schema_table(ui.query("explore_schema"), lang)
    for table_name, rows in catalogue.groupby(ui.t("explore.schema.table"), sort=False):
        with st.expander(f"{table_name} — {ui.t(f'explore.schema.tables.{table_name}')}"):
            st.dataframe(rows.drop(columns=[ui.t("explore.schema.table")]), hide_index=True, width="stretch",
                         height=38 + 35 * len(rows))
    st.subheader(ui.t("explore.console.example"))
    for key, example_sql in explore.EXAMPLES.items():
        st.markdown(f"**{ui.t(f'explore.console.examples.{key}')}**")
        st.code(example_sql, language="sql")
