"""Explore (数据探索): a question builder whose view lives in the URL, a read-only SQL console, a schema browser."""

import streamlit as st

from gridwatch import console, explore, exports, safe, ui
from gridwatch.explore import BOOL, CODE, DATE, NUMBER

LOADED = "ex_loaded"
CONSOLE_RESULT = "ex_console_result"

ui.require_data()
lang = ui.lang()
chosen = ui.filters()
scope_params = chosen.params()


def link_columns(frame) -> dict:
    """Register columns (一企一册) drawn as links."""
    return {c: st.column_config.LinkColumn(c, display_text=ui.t("explore.builder.open_register"), width=80)
            for c in frame.columns if c.startswith(explore.register_label(lang))}


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
        st.warning(ui.t("explore.builder.bad_link", problem=ui.md(f"explore.builder.error.{e.key}", detail=e.detail)))
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
        scope = ui.join(chosen.towns + chosen.departments + chosen.industries) or ui.t("explore.builder.scope_all")
        top[2].caption(ui.md("explore.builder.scope", scope=scope))
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
            offered = ["true", "false"] if kind == BOOL else ui.cached(explore.options, ds, name, params)
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

    rows_mode = st.session_state.get("ex_chart") == "rows"
    row = st.columns([2, 2, 2, 4])
    dims = [""] + explore.dimensions(ds)
    dim_name = {d: explore.dimension_label(d, lang) if d else ui.t("explore.builder.no_group") for d in dims}
    g1 = row[0].selectbox(ui.t("explore.builder.group1"), dims, key=ui.follows_language(f"ex_g1_{ds}"),
                          format_func=dim_name.get, disabled=rows_mode)
    g2 = row[1].selectbox(ui.t("explore.builder.group2"), dims, key=ui.follows_language(f"ex_g2_{ds}"),
                          format_func=dim_name.get, disabled=rows_mode or not g1)
    ms = explore.measures(ds)
    measure = row[2].selectbox(ui.t("explore.builder.measure"), ms, key=ui.follows_language(f"ex_m_{ds}"),
                               format_func=lambda m: explore.measure_label(m, lang, ds), disabled=rows_mode,
                               help=ui.t("explore.builder.rate_help") if ds == "hazards" else None)
    chart = row[3].radio(ui.t("explore.builder.chart"), list(explore.CHARTS), key="ex_chart", horizontal=True,
                         format_func=ui.formatter("explore.builder.charts"))

    view = explore.View(dataset=ds, codes=tuple(codes), ranges=tuple(ranges), texts=tuple(texts),
                        group1=g1 or "", group2=(g2 or "") if g1 and g2 != g1 else "", measure=measure,
                        chart=chart, as_of=as_of)
    st.query_params.from_dict({"lang": lang, **view.to_query_params()})
    heading = explore.title(view, lang)
    scope_text = ui.join(chosen.towns + chosen.departments + chosen.industries) or ui.t("explore.builder.scope_all")
    header = ui.t("explore.builder.export_header", title=heading, dataset=ui.t(f"explore.dataset.{ds}.name"),
                  filters=explore.filters_text(view, lang), scope=scope_text, as_of=ui.data_as_of().isoformat())

    def offer(frame_or_builder, name: str) -> None:
        """CSV and Excel of what is shown, both opened by the question, filters, scope and data date."""
        build = frame_or_builder if callable(frame_or_builder) else (lambda: frame_or_builder)
        downloads = st.columns([1, 1, 4])
        ui.download_button(ui.t("explore.builder.download_csv"),
                           lambda: exports.csv_bytes(build(), [header]), where=downloads[0],
                           file_name=f"{name}.csv", mime="text/csv", kind="explore", what=f"explore: {header}")
        ui.download_button(ui.t("explore.builder.download_xlsx"),
                           lambda: exports.xlsx_bytes({heading: build()}, header_lines=[header]),
                           where=downloads[1], file_name=f"{name}.xlsx", kind="explore", what=f"explore: {header}",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    if rows_mode:
        st.caption(ui.t("explore.builder.rows_ignore_groups"))
        page = int(st.session_state.get("ex_rows_page", 1))
        try:
            frame, total = ui.cached(explore.run_rows, view, params, explore.ROWS_PAGE,
                                         (page - 1) * explore.ROWS_PAGE)
            if total and frame.empty:
                # Fewer pages than before (the filters changed): show the last one.
                page = st.session_state["ex_rows_page"] = -(-total // explore.ROWS_PAGE)
                frame, total = ui.cached(explore.run_rows, view, params, explore.ROWS_PAGE,
                                         (page - 1) * explore.ROWS_PAGE)
        except explore.ViewError as e:
            st.error(ui.md(f"explore.builder.error.{e.key}", detail=e.detail))
            st.stop()
        if not total:
            st.info(ui.t("explore.builder.empty"))
        else:
            pages = max(1, -(-total // explore.ROWS_PAGE))
            first = (page - 1) * explore.ROWS_PAGE
            shown = explore.rows_for_people(ds, frame, lang)
            st.caption(ui.t("explore.builder.rows_caption", n=f"{total:,}", first=f"{first + 1:,}",
                            last=f"{first + len(frame):,}"))
            ui.dataframe(shown, hide_index=True, width="stretch", height=min(600, 38 + 35 * len(shown)),
                         column_config=link_columns(shown), key="ex_rows_table")
            st.columns([1, 3])[0].number_input(ui.t("explore.builder.rows_page", pages=pages), min_value=1,
                                               max_value=pages, step=1, key="ex_rows_page")
            cap = console.limits().max_rows_download
            if total > cap:
                st.caption(ui.t("explore.builder.rows_download_cut", n=f"{cap:,}"))
            offer(lambda: explore.rows_for_people(ds, ui.read(explore.run_rows, view, params, cap)[0], lang),
                  f"explore_{ds}_rows")
    else:
        totals = chart == "crosstab"
        try:
            result = ui.cached(explore.run, view, params, totals)
        except explore.ViewError as e:
            st.error(ui.md(f"explore.builder.error.{e.key}", detail=e.detail))
            st.stop()
        is_rate = view.measure in explore.RATE_MEASURES
        if len(result) > explore.MAX_GROUPS:
            st.warning(ui.t("explore.builder.too_many", n=f"{explore.MAX_GROUPS:,}"))
        result = result.head(explore.MAX_GROUPS)
        if result.empty or (view.measure == "count" and not result["value"].sum()):
            st.info(ui.t("explore.builder.empty"))
        number_format = explore.number_format(view.measure)
        if not view.group1:
            total_row = result.iloc[0]
            help_text = None
            if is_rate:
                help_text = " / ".join(f"{explore.part_label(view.measure, part, lang)} {int(total_row[part]):,}"
                                       for part in ("numerator", "denominator"))
            st.metric(heading, explore.format_value(total_row["value"], view.measure), border=True, help=help_text)
            if chart == "crosstab":
                st.info(ui.t("explore.builder.crosstab_needs_group"))
            offer(explore.labelled(view, result, lang), f"explore_{ds}")
        elif chart == "crosstab":
            table = explore.crosstab(view, result, lang)
            value_columns = [c for c in table.columns[1:] if c not in link_columns(table)]
            st.markdown(f"**{safe.md(heading)}**")
            ui.dataframe(table, hide_index=True, width="stretch", height=min(600, 38 + 35 * len(table)),
                         percent=tuple(value_columns) if is_rate else (), key="ex_crosstab",
                         column_config={**link_columns(table),
                                        **({} if is_rate else {c: st.column_config.NumberColumn(format=number_format)
                                                               for c in value_columns})})
            st.caption(ui.t("explore.builder.crosstab_note"))
            offer(table, f"explore_{ds}_crosstab")
        else:
            table = explore.labelled(view, result, lang)
            value_column = explore.measure_label(view.measure, lang, ds)
            if view.chart == "heatmap" and not view.group2:
                st.info(ui.t("explore.builder.heatmap_needs_two"))
            elif view.chart in ("bar", "line", "heatmap") and not result.empty:
                figure, cuts = explore.figure(view, result, lang)
                ui.plotly_chart(safe.figure(figure), width="stretch")
                for name, shown_n, total_n in cuts:
                    st.caption(f"{name}: " + ui.t("charts.top_caption", n=shown_n, total=f"{total_n:,}",
                                                  measure=value_column))
                if is_rate:
                    st.caption(ui.t("explore.builder.rate_note"))
            ui.dataframe(table, hide_index=True, width="stretch", height=min(600, 38 + 35 * len(table)),
                         percent=(value_column,) if is_rate else (), key="ex_table",
                         column_config={**link_columns(table),
                                        **({} if is_rate else {value_column: st.column_config.NumberColumn(
                                            format=number_format)})})
            offer(table, f"explore_{ds}")
    st.caption(ui.t("explore.builder.share"))
    st.code(explore.share_url(view, lang), language=None)
    with st.expander(ui.t("explore.builder.show_sql")):
        if rows_mode:
            sql, bound = explore.build_rows(view, params, explore.ROWS_PAGE)
        else:
            sql, bound = explore.build(view, params, chart == "crosstab")
        st.code(sql, language="sql")
        st.json({k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in bound.items()})

with console_tab:
    limits = console.limits()
    scope = ui.town_scope()
    st.caption(ui.t("explore.console.intro", seconds=limits.time_limit_seconds, columns=f"{limits.max_columns:,}",
                    chars=f"{limits.max_cell_chars:,}", mb=f"{limits.max_result_mb:g}",
                    shown=f"{limits.max_rows_shown:,}", download=f"{limits.max_rows_download:,}"))
    st.caption(ui.md("explore.console.scope_towns", towns=ui.join(scope)) if scope
               else ui.t("explore.console.scope_all"))

    def use_example():
        st.session_state["ex_sql"] = explore.example(st.session_state["ex_example"], ui.data_as_of())

    pick = st.columns([4, 1])
    pick[0].selectbox(ui.t("explore.console.example"), list(explore.EXAMPLES), key=ui.follows_language("ex_example"),
                      format_func=ui.formatter("explore.console.examples"))
    pick[1].button(ui.t("explore.console.use_example"), on_click=use_example, key="ex_use_example")
    sql_text = st.text_area(ui.t("explore.console.sql"), key="ex_sql", height=200, max_chars=limits.max_sql_chars)
    if st.button(ui.t("explore.console.run"), type="primary", key="ex_run"):
        # The previous answer goes first: two answers are never held at once.
        st.session_state.pop(CONSOLE_RESULT, None)
        with st.spinner(ui.t("explore.console.running", seconds=limits.time_limit_seconds)):
            try:
                outcome = console.run(ui.db_path(), sql_text, limits, towns=scope)
            except console.Refused as e:
                outcome = e
        # Kept for reruns (each is bounded by the limits above); a rerun shows it, never runs it again.
        st.session_state[CONSOLE_RESULT] = (sql_text, outcome)
    ran = st.session_state.get(CONSOLE_RESULT)
    if ran:
        ran_sql, outcome = ran
        if isinstance(outcome, console.Refused):
            st.error(ui.md(f"explore.console.refused.{outcome.reason}", detail=outcome.detail,
                           seconds=limits.time_limit_seconds, columns=f"{limits.max_columns:,}",
                           sql_chars=f"{limits.max_sql_chars:,}", memory=limits.memory_limit))
            if outcome.detail and outcome.reason in console.FREE_TEXT_DETAIL:
                st.code(outcome.detail, language=None)
        elif outcome.frame.empty:
            st.info(ui.t("explore.console.no_rows"))
        else:
            n = len(outcome.frame)
            if outcome.more_rows:
                st.warning(ui.t("explore.console.truncated", n=f"{limits.max_rows_download:,}"))
            if outcome.size_cut:
                st.warning(ui.t("explore.console.size_cut", mb=f"{limits.max_result_mb:g}", n=f"{n:,}"))
            if outcome.cells_cut:
                st.warning(ui.t("explore.console.cells_cut", n=f"{outcome.cells_cut:,}",
                                chars=f"{limits.max_cell_chars:,}"))
            st.caption(ui.t("explore.console.rows_shown", n=f"{n:,}", shown=f"{outcome.shown_rows:,}")
                       if n > outcome.shown_rows else ui.t("explore.console.rows", n=f"{n:,}"))
            st.dataframe(outcome.shown, hide_index=True, width="stretch")
            header = ui.t("explore.console.export_header", sql=" ".join(ran_sql.split()),
                          as_of=ui.data_as_of().isoformat())
            cells = st.columns([1, 1, 4])
            # Built when clicked, not on every rerun of the page.
            ui.download_button(ui.t("explore.builder.download_csv"), lambda: console.csv_bytes(outcome, header),
                               where=cells[0], file_name="query.csv", mime="text/csv", kind="explore",
                               what=f"console: {header}")
            if console.xlsx_fits(outcome, limits):
                ui.download_button(ui.t("explore.builder.download_xlsx"), lambda: console.xlsx_bytes(outcome, header),
                                   where=cells[1], file_name="query.xlsx", kind="explore",
                                   what=f"console: {header}",
                                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            else:
                cells[2].caption(ui.t("explore.console.xlsx_too_big", cells=f"{limits.max_xlsx_cells:,}",
                                      n=f"{outcome.frame.size:,}"))

with schema_tab:
    st.caption(ui.t("explore.schema.intro"))
    catalogue = explore.schema_table(ui.query("explore_schema"), lang)
    for table_name, rows in catalogue.groupby(ui.t("explore.schema.table"), sort=False):
        with st.expander(f"{table_name} — {ui.t(f'explore.schema.tables.{table_name}')}"):
            st.dataframe(rows.drop(columns=[ui.t("explore.schema.table")]), hide_index=True, width="stretch",
                         height=38 + 35 * len(rows))
    st.subheader(ui.t("explore.console.example"))
    for key in explore.EXAMPLES:
        st.markdown(f"**{ui.t(f'explore.console.examples.{key}')}**")
        st.code(explore.example(key, ui.data_as_of()), language="sql")
