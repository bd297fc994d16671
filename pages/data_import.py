"""Import (数据导入): drop export files, preview what was detected, dry-run, confirm; problems grouped by
column and reason; the import log, the quarantine to download and fix, a recipe builder for other
systems' files, and a button that restores the demo."""

import contextlib
from functools import partial

import streamlit as st

from gridwatch import audit, exports, i18n, ingest, safe, ui, warehouse
from gridwatch.columns import HEADERS
from gridwatch.ingest import preview as ip
from gridwatch.ingest.mapping import coded_kind, match_headers

RESULT_KEY = "import_result"
BUILT_MAPPING_KEY = "import_built_mapping"
ISSUE_ROWS_SHOWN = 500
ENCODINGS = ("", "utf-8", "gbk", "gb18030", "big5", "utf-16", "latin-1", "cp1252", "shift_jis")

st.title(ui.t("app.page.data_import"))
st.caption(ui.t("data_import.intro"))
has_data = ui.has_warehouse()
if not has_data:
    st.info(ui.t("app.no_warehouse", path=str(ui.db_path())))
elif ui.is_demo():
    st.info("🧪 " + ui.t("data_import.demo_shown"))

uploads = st.file_uploader(ui.t("data_import.uploader"), type=["csv", "txt", "xlsx", "xls"],
                           accept_multiple_files=True, key="import_files")
mapping_upload = st.file_uploader(ui.t("data_import.mapping_file"), type=["yaml", "yml", "toml"],
                                  key="import_mapping")
left, right = st.columns(2)
# Labels are looked up now: Streamlit may call a format_func outside the script run.
AUTO = ui.t("data_import.encoding_auto")
BLANK = ui.t("data_import.builder_blank")
KEEP = ui.t("data_import.builder_keep")
encoding = left.selectbox(ui.t("data_import.encoding"), ENCODINGS, key="import_encoding",
                          format_func=lambda e: e or AUTO,
                          help=ui.t("data_import.encoding_help")) or None
replace = right.checkbox(ui.t("data_import.replace"), key="import_replace")

mapping = st.session_state.get(BUILT_MAPPING_KEY)
if mapping_upload is not None:
    try:
        mapping = ingest.mapping_from_bytes(mapping_upload.name, mapping_upload.getvalue())
    except ingest.MappingError as exc:
        st.error(ui.t("data_import.bad_mapping", error=ui.error_md(exc)))
        mapping = None

files = [(f.name, f.getvalue()) for f in uploads or []]
table_label = ui.formatter("data_import.table")
LABELLED = {"imported_at", "file", "sheet", "table_name", "table", "encoding", "sha256", "mode", "rows_read",
            "rows_loaded", "rows_rejected", "rows_warned", "rows_skipped", "row_number", "severity", "message",
            "header_row", "column", "count", "rows"}


def _headers(columns) -> dict[str, str]:
    return {c: ui.t(f"data_import.log_columns.{c}") for c in columns if c in LABELLED}


@contextlib.contextmanager
def writing():
    """While another import or demo build holds the warehouse, say so (until this write is done)."""
    note = st.empty()
    with warehouse.waiting(lambda: note.info("⏳ " + ui.t("warehouse.waiting",
                                                          seconds=f"{warehouse.write_timeout():g}"))):
        try:
            yield
        finally:
            note.empty()


def refused(exc: warehouse.WriteRefused) -> None:
    """Nothing was written: say why."""
    if isinstance(exc, warehouse.WriterBusy):
        st.error(ui.t("warehouse.busy", seconds=f"{exc.timeout:g}"))
    else:
        st.error(ui.error_md(exc))


def show_problems(groups, issues, total: int, key: str) -> None:
    """Problems grouped by file, column and reason; the first of them row by row beneath."""
    grouped = ip.group_table(groups, ui.lang())
    if grouped.empty:
        st.caption(ui.t("data_import.no_issues"))
        return
    st.caption(ui.t("data_import.issues", n=f"{total:,}"))
    # Tall enough for every group up to twenty: the rejections come first, then the warnings.
    st.dataframe(grouped.rename(columns=_headers(grouped.columns)), hide_index=True, key=f"{key}_groups",
                 height=min(len(grouped), 20) * 35 + 38)
    with st.expander(ui.t("data_import.issues_rows", n=f"{min(len(issues), ISSUE_ROWS_SHOWN):,}")):
        rows = ip.issue_table(issues.head(ISSUE_ROWS_SHOWN), ui.lang())
        st.dataframe(rows.rename(columns=_headers(rows.columns)), hide_index=True, key=f"{key}_rows")


def show_report(report: ingest.Report) -> None:
    """Counts per sheet and table, the files that could not be read, and the problems grouped."""
    for problem in report.problems:
        st.error(safe.md(problem.message(ui.lang())))
    summary = report.summary()
    if not summary["rows_skipped"].any():
        summary = summary.drop(columns=["rows_skipped"])
    if not summary.empty:
        summary["table"] = summary["table"].map(table_label)
        st.dataframe(summary.rename(columns=_headers(summary.columns)), hide_index=True)
    show_problems(report.groups, report.issues, report.issues_total, "report")


if files:
    st.subheader(ui.t("data_import.preview"))
    for name, content in files:
        sheets, problems = ip.preview(name, content, mapping, encoding)
        for problem in problems:
            st.error(safe.md(problem.message(ui.lang())))
        for sheet in sheets:
            rows = f"{sheet.rows:,}"
            with st.expander(safe.md(f"{name} {sheet.sheet}".strip()) + f" → {table_label(sheet.table)}",
                             expanded=len(files) == 1):
                st.markdown(ui.t("data_import.detected_recipe" if sheet.recipe else "data_import.detected",
                                 table=table_label(sheet.table), encoding=sheet.encoding, row=sheet.header_row,
                                 rows=ui.t("data_import.estimated_rows", n=rows) if sheet.estimated else rows))
                mapped = sheet.mapping.assign(column=[f"{c} · {HEADERS[sheet.table][c]}"
                                                      for c in sheet.mapping["column"]])
                st.caption(ui.t("data_import.mapping_shown"))
                st.dataframe(mapped.rename(columns={"source": ui.t("data_import.file_column"),
                                                    "column": ui.t("data_import.canonical_column")}),
                             hide_index=True)
                st.dataframe(sheet.sample, hide_index=True)

    dry, confirm = st.columns(2)
    action = None
    if dry.button(ui.t("data_import.dry_run"), key="import_dry_run"):
        action = "dry"
    if confirm.button(ui.t("data_import.confirm"), type="primary", key="import_confirm"):
        action = "import"
    if action:
        bar = st.progress(0.0)
        try:
            with writing():
                report = ingest.import_files(
                    ui.db_path(), files, mapping=mapping, dry_run=action == "dry", replace=replace,
                    encoding=encoding,
                    progress=lambda fraction, text: bar.progress(min(fraction, 1.0),
                                                                 text=ui.md("data_import.progress", name=text)))
        except warehouse.WriteRefused as exc:
            report = None
            refused(exc)
            if action == "import":
                audit.record("import_refused", files=[name for name, _ in files], reason=type(exc).__name__)
        bar.empty()
        if report is not None:
            st.session_state[RESULT_KEY] = report
        if report is not None and action == "import":
            audit.record("import", import_id=report.import_id, files=[name for name, _ in files],
                         loaded=bool(report.loaded), replace=bool(replace))
        if report is not None and action == "import" and report.loaded:
            st.rerun()

report = st.session_state.get(RESULT_KEY)
if report is not None:
    st.subheader(ui.t("data_import.report"))
    counts = {"loaded": f"{report.loaded:,}", "rejected": f"{report.rejected:,}", "warned": f"{report.warned:,}"}
    if report.loaded == 0:
        st.warning(ui.t("data_import.nothing_loaded"))
    elif report.dry_run:
        st.info(ui.t("data_import.dry_run_done", **counts))
    else:
        st.success(ui.t("data_import.import_done", **counts))
    show_report(report)


def field_choice(column: str, table: str, source: ip.SourcePreview, guessed: str, key: str) -> ip.FieldChoice:
    """The widgets for one field of the recipe builder, and what they say."""
    options = ["", *[h for h in source.headers if h], "__value__", "__concat__"]
    special = {"": ui.t("data_import.builder_none"), "__value__": ui.t("data_import.builder_constant"),
               "__concat__": ui.t("data_import.builder_concat")}
    label = f"{column} · {HEADERS[table][column]}"
    picked = st.selectbox(label, options, index=options.index(guessed) if guessed in options else 0,
                          key=f"{key}_src", format_func=lambda o: special.get(o, o))
    if picked == "__value__":
        return ip.FieldChoice("value", value=st.text_input(ui.t("data_import.builder_value", field=column),
                                                           key=f"{key}_value"))
    if picked == "__concat__":
        parts = st.multiselect(ui.t("data_import.builder_parts", field=column), [h for h in source.headers if h],
                               key=f"{key}_parts")
        return ip.FieldChoice("concat", parts=parts, sep=st.text_input(ui.t("data_import.builder_sep"), "-",
                                                                       key=f"{key}_sep"))
    if not picked:
        return ip.FieldChoice()
    choice = ip.FieldChoice("column", column=picked)
    if column in ip.DATE_COLUMNS.get(table, ()):
        detect = ui.t("data_import.builder_format_auto")
        choice.date_format = st.selectbox(ui.t("data_import.builder_format", field=column), ("", *ip.DATE_FORMATS),
                                          key=f"{key}_fmt", format_func=lambda f: f or detect)
    kind = coded_kind(table, column)
    if kind or column in ip.BOOL_COLUMNS.get(table, ()):
        codes = ip.codes_of(kind) if kind else ["是", "否"]
        names = {"": KEEP} | {c: i18n.label(kind, c, ui.lang()) if kind else c for c in codes}
        with st.popover(ui.t("data_import.builder_values", field=column)):
            for number, value in enumerate(source.values.get(picked, [])):
                choice.values[value] = st.selectbox(safe.md(value) if value else BLANK, ["", *codes],
                                                    key=f"{key}_v{number}",
                                                    format_func=names.get)
    return choice


with st.expander(ui.t("data_import.mapping_builder")):
    st.caption(ui.t("data_import.mapping_builder_help"))
    choices = [s for name, content in files for s in ip.sources(name, content, encoding)]
    if not choices:
        st.caption(ui.t("data_import.builder_empty"))
    else:
        picked = st.selectbox(ui.t("data_import.source_file"), range(len(choices)),
                              format_func=lambda i: f"{choices[i].file} {choices[i].sheet}".strip(), key="map_source")
        table = st.selectbox(ui.t("data_import.mapping_table"), list(HEADERS), key="map_table",
                             format_func=table_label)
        source = choices[picked]
        guessed = {c: source.headers[p] for c, p in match_headers(table, source.headers).items()}
        fields = {}
        grid = st.columns(2)
        for number, column in enumerate(HEADERS[table]):
            with grid[number % 2]:
                fields[column] = field_choice(column, table, source, guessed.get(column, ""),
                                              f"map_{picked}_{table}_{column}")
        drop_column = st.selectbox(ui.t("data_import.builder_filter"), ["", *[h for h in source.headers if h]],
                                   key=f"map_{picked}_{table}_drop", format_func=lambda h: h or "—")
        drop_values = st.multiselect(ui.t("data_import.builder_filter_values"), source.values.get(drop_column, []),
                                     key=f"map_{picked}_{table}_drop_values", format_func=lambda v: v or BLANK) \
            if drop_column else []
        distinct = st.checkbox(ui.t("data_import.builder_distinct"), key=f"map_{picked}_{table}_distinct")
        try:
            recipe = ip.recipe_from_choices(table, fields, drop_column, drop_values, distinct)
        except ingest.MappingError as exc:
            st.error(ui.t("data_import.bad_mapping", error=ui.error_md(exc)))
            recipe = None
        if recipe is not None:
            missing = ip.missing_required(table, recipe, source.headers)
            if missing:
                st.warning(ui.t("data_import.builder_missing",
                                columns=ui.join(f"{c} · {HEADERS[table][c]}" for c in missing)))
            if st.button(ui.t("data_import.builder_add"), key="map_add", disabled=bool(missing)):
                st.session_state[BUILT_MAPPING_KEY] = ip.add_recipe(st.session_state.get(BUILT_MAPPING_KEY),
                                                                    recipe, encoding)
                st.rerun()
    built = st.session_state.get(BUILT_MAPPING_KEY)
    if built is not None:
        st.caption(ui.t("data_import.builder_recipe"))
        st.code(built.to_yaml(), language="yaml")
        save, clear = st.columns(2)
        save.download_button(ui.t("data_import.save_mapping"), built.to_yaml().encode("utf-8"),
                             file_name="recipe.yaml", mime="application/x-yaml", on_click="ignore")
        if clear.button(ui.t("data_import.builder_clear"), key="map_clear"):
            st.session_state.pop(BUILT_MAPPING_KEY, None)
            st.rerun()

st.subheader(ui.t("data_import.log"))
log = ui.query("import_log") if has_data else None
if log is None or log.empty:
    st.caption(ui.t("data_import.log_empty"))
else:
    latest = log["import_id"].iloc[0]
    log = log.drop(columns=["import_id"]).assign(table_name=log["table_name"].map(table_label),
                                                 mode=log["mode"].map(ui.formatter("data_import.mode")))
    st.dataframe(log.rename(columns=_headers(log.columns)), hide_index=True)

    st.subheader(ui.t("data_import.latest_problems"))
    quarantined = ui.query("import_quarantine")
    errors = quarantined[quarantined["severity"] == "error"]
    if quarantined.empty:
        st.caption(ui.t("data_import.no_issues"))
    elif report is not None and not report.dry_run and report.import_id == latest:
        st.caption(ui.t("data_import.shown_above"))
    else:
        groups = ui.query("import_problem_groups", {"import_id": latest})
        show_problems(groups, quarantined, int(groups["count"].sum()), "quarantine")
    if not quarantined.empty:
        if errors.empty:
            st.caption(ui.t("data_import.quarantine_empty"))
        else:
            sheets = ui.cached(ingest.quarantine_download, latest, ui.lang())
            header_lines = [ui.t("data_import.quarantine"), ui.t("app.data_as_of", date=ui.data_as_of().isoformat())]
            ui.download_button(ui.t("data_import.download_quarantine"),
                               partial(exports.xlsx_bytes, sheets, header_lines=header_lines),
                               file_name=f"quarantine_{latest}.xlsx", kind="quarantine",
                               what=f"quarantine of import {latest}")

st.divider()
sure = st.checkbox(ui.t("data_import.restore_confirm"), key="restore_sure")
if st.button(ui.t("data_import.restore_demo"), disabled=not sure, key="restore_demo"):
    try:
        with st.spinner(ui.t("app.building_demo")), writing():
            warehouse.build_demo(ui.db_path())
    except warehouse.WriteRefused as exc:
        refused(exc)
        audit.record("import_refused", what="restore demo", reason=type(exc).__name__)
    else:
        audit.record("import", what="restore demo")
        st.session_state.pop(RESULT_KEY, None)
        st.toast(ui.t("data_import.restored"))
        st.rerun()
