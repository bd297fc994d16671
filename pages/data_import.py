"""Import (数据导入): drop export files, preview what was detected, dry-run, confirm; the import log,
the quarantine to download and fix, a mapping builder, and a button that restores the demo."""

import contextlib
from functools import partial

import streamlit as st

from gridwatch import audit, exports, ingest, ui, warehouse
from gridwatch.columns import HEADERS
from gridwatch.ingest import preview as ip
from gridwatch.ingest.mapping import match_headers

RESULT_KEY = "import_result"
BUILT_MAPPING_KEY = "import_built_mapping"

st.title(ui.t("app.page.data_import"))
st.caption(ui.t("data_import.intro"))
con = ui.connection()
if con is None:
    st.info(ui.t("app.no_warehouse", path=str(ui.db_path())))
elif ui.is_demo():
    st.info("🧪 " + ui.t("data_import.demo_shown"))

uploads = st.file_uploader(ui.t("data_import.uploader"), type=["csv", "xlsx", "xls"], accept_multiple_files=True,
                           key="import_files")
mapping_upload = st.file_uploader(ui.t("data_import.mapping_file"), type=["yaml", "yml", "toml"],
                                  key="import_mapping")
replace = st.checkbox(ui.t("data_import.replace"), key="import_replace")

mapping = st.session_state.get(BUILT_MAPPING_KEY)
if mapping_upload is not None:
    try:
        mapping = ingest.mapping_from_bytes(mapping_upload.name, mapping_upload.getvalue())
    except ingest.MappingError as exc:
        st.error(ui.t("data_import.bad_mapping", error=str(exc)))
        mapping = None

files = [(f.name, f.getvalue()) for f in uploads or []]


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
        st.error(str(exc))


def show_report(report: ingest.Report) -> None:
    """Counts per sheet, the files that could not be read, and the first problems."""
    for problem in report.problems:
        st.error(problem.message(ui.lang()))
    summary = report.summary()
    if not summary.empty:
        summary["table"] = summary["table"].map(table_label)
        st.dataframe(summary.rename(columns=_headers(summary.columns)), hide_index=True)
    shown = ip.issue_table(report.issues, ui.lang())
    if shown.empty:
        st.caption(ui.t("data_import.no_issues"))
    else:
        st.caption(ui.t("data_import.issues", n=len(shown)))
        st.dataframe(shown.rename(columns=_headers(shown.columns)), hide_index=True)


def _headers(columns) -> dict[str, str]:
    return {c: ui.t(f"data_import.log_columns.{c}") for c in columns if c in LABELLED}


LABELLED = {"imported_at", "file", "sheet", "table_name", "table", "encoding", "sha256", "mode", "rows_read",
            "rows_loaded", "rows_rejected", "rows_warned", "row_number", "severity", "message", "header_row"}
table_label = ui.formatter("data_import.table")

if files:
    st.subheader(ui.t("data_import.preview"))
    for name, content in files:
        sheets, problems = ip.preview(name, content, mapping)
        for problem in problems:
            st.error(problem.message(ui.lang()))
        for sheet in sheets:
            with st.expander(f"{name} {sheet.sheet}".strip(), expanded=len(files) == 1):
                st.markdown(ui.t("data_import.detected", table=table_label(sheet.table), encoding=sheet.encoding,
                                 row=sheet.header_row, rows=f"{sheet.rows:,}"))
                mapped = sheet.mapping.assign(column=[
                    f"{c} · {HEADERS[sheet.table][c]}" if c else ui.t("data_import.unmapped")
                    for c in sheet.mapping["column"]])
                st.caption(ui.t("data_import.mapping_shown"))
                st.dataframe(mapped.rename(columns={"header": ui.t("data_import.file_column"),
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
                    progress=lambda fraction, text: bar.progress(min(fraction, 1.0),
                                                                 text=ui.t("data_import.progress", name=text)))
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
    counts = {"loaded": f"{report.loaded:,}", "rejected": f"{report.rejected:,}",
              "warned": f"{sum(s.rows_warned for s in report.sheets):,}"}
    if report.loaded == 0:
        st.warning(ui.t("data_import.nothing_loaded"))
    elif report.dry_run:
        st.info(ui.t("data_import.dry_run_done", **counts))
    else:
        st.success(ui.t("data_import.import_done", **counts))
    show_report(report)

with st.expander(ui.t("data_import.mapping_builder")):
    st.caption(ui.t("data_import.mapping_builder_help"))
    choices = [(name, sheet, headers) for name, content in files
               for sheet, headers in ip.raw_headers(name, content).items()]
    if choices:
        picked = st.selectbox(ui.t("data_import.source_file"), range(len(choices)),
                              format_func=lambda i: f"{choices[i][0]} {choices[i][1]}".strip(), key="map_source")
        table = st.selectbox(ui.t("data_import.mapping_table"), list(HEADERS), key="map_table",
                             format_func=table_label)
        options = ["", *HEADERS[table]]
        headers = choices[picked][2]
        guessed = {p: c for c, p in match_headers(table, headers).items()}
        columns = {}
        for position, header in enumerate(headers):
            if not header:
                continue
            chosen = st.selectbox(header, options, index=options.index(guessed.get(position, "")),
                                  key=f"map_{picked}_{table}_{position}",
                                  format_func=lambda c, t=table: f"{c} · {HEADERS[t][c]}" if c else "—")
            if chosen:
                columns[header] = chosen
        built = ingest.Mapping(columns={table: columns})
        st.session_state[BUILT_MAPPING_KEY] = built if columns else None
        st.download_button(ui.t("data_import.save_mapping"), built.to_yaml().encode("utf-8"),
                           file_name=f"mapping_{table}.yaml", mime="application/x-yaml", on_click="ignore")

st.subheader(ui.t("data_import.log"))
log = ui.query("import_log") if con is not None else None
if log is None or log.empty:
    st.caption(ui.t("data_import.log_empty"))
else:
    log = log.drop(columns=["import_id"]).assign(table_name=log["table_name"].map(table_label),
                                                 mode=log["mode"].map(ui.formatter("data_import.mode")))
    st.dataframe(log.rename(columns=_headers(log.columns)), hide_index=True)

    st.subheader(ui.t("data_import.quarantine"))
    quarantined = ui.query("import_quarantine")
    errors = quarantined[quarantined["severity"] == "error"]
    if errors.empty:
        st.caption(ui.t("data_import.quarantine_empty"))
    else:
        shown = ip.issue_table(quarantined, ui.lang())
        st.dataframe(shown.rename(columns=_headers(shown.columns)), hide_index=True)
        sheets = ingest.quarantine_download(con, errors["import_id"].iloc[0], ui.lang())
        header_lines = [ui.t("data_import.quarantine"), ui.t("app.data_as_of", date=ui.data_as_of().isoformat())]
        ui.download_button(ui.t("data_import.download_quarantine"),
                           partial(exports.xlsx_bytes, sheets, header_lines=header_lines),
                           file_name=f"quarantine_{errors['import_id'].iloc[0]}.xlsx", kind="quarantine",
                           what=f"quarantine of import {errors['import_id'].iloc[0]}")

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
