"""One import: read files, stage and check each target table, load good rows, quarantine the rest, log it.

Everything happens inside ``warehouse.rewrite`` — a copy of the warehouse swapped in only when
the whole import has succeeded — so an import commits whole or not at all, a killed process
leaves the warehouse as it was, and readers never see half an import. A dry run takes the same
path and throws the copy away.

Problems are kept whole in the quarantine; the report carries them grouped (one line per
file, column and reason with a count and the first rows) and, row by row, up to
``ISSUE_ROWS`` of them, saying so when it stops there.
"""

import hashlib
import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from gridwatch import i18n, queries, rules, warehouse
from gridwatch.columns import HEADERS
from gridwatch.ingest import mapping as gm
from gridwatch.ingest import validation
from gridwatch.ingest.reading import Sheet, Target, Unreadable, read
from gridwatch.reader import Reader

PAUSE_ENV = "GRIDWATCH_IMPORT_PAUSE"  # seconds to wait inside the transaction (tests kill the process here)
ISSUE_COLUMNS = ["file", "sheet", "table_name", "row_number", "severity", "column_name", "header", "value",
                 "code", "detail"]
GROUP_COLUMNS = ["file", "sheet", "table_name", "severity", "column_name", "header", "code", "count", "rows",
                 "value", "values", "detail"]
ISSUE_ROWS = 100_000  # problems listed row by row in a report; the quarantine keeps every one


@dataclass
class SheetResult:
    """What became of one target table of one sheet."""

    file: str
    sheet: str
    table: str
    encoding: str
    header_row: int
    mapped: dict[str, str]
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_warned: int = 0
    missing_optional: list[str] = field(default_factory=list)
    rows_skipped: int = 0
    rows_merged: int = 0


@dataclass
class FileProblem:
    """A file or sheet that could not be loaded at all."""

    file: str
    sheet: str
    code: str
    params: dict

    def message(self, lang: str = i18n.DEFAULT_LANG) -> str:
        """One clear line: which file, what is wrong, what to do."""
        where = f"{self.file} [{self.sheet}]" if self.sheet else self.file
        params = dict(self.params)
        if "table" in params:
            params["table"] = table_label(params["table"], lang)
        if "columns" in params and isinstance(params["columns"], list):
            params["columns"] = [column_label(params["table_code"], c, lang) for c in params["columns"]]
        params.pop("table_code", None)
        params = {k: (i18n.join(v, lang) or "—") if isinstance(v, list) else v for k, v in params.items()}
        return i18n.text("data_import.problem", lang, where=where,
                         reason=i18n.text(f"data_import.file.{self.code}", lang, **params))


@dataclass
class Report:
    """The outcome of an import (or a dry run)."""

    import_id: str
    dry_run: bool
    sheets: list[SheetResult] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    issues: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ISSUE_COLUMNS))
    groups: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=GROUP_COLUMNS))
    issues_total: int = 0
    rejected_rows: int = 0
    seconds: float = 0.0

    @property
    def loaded(self) -> int:
        """Rows loaded (or, in a dry run, that would load)."""
        return sum(s.rows_loaded for s in self.sheets)

    @property
    def rejected(self) -> int:
        """Source rows rejected into the quarantine (a row feeding two tables counts once)."""
        return self.rejected_rows

    @property
    def warned(self) -> int:
        """Rows loaded with a warning."""
        return sum(s.rows_warned for s in self.sheets)

    @property
    def exit_code(self) -> int:
        """0 everything loaded, 1 some rows or files rejected, 2 nothing could be loaded."""
        if self.loaded == 0:
            return 2
        # A header-only file is an empty table, not a loss; any other unreadable file is.
        lost = [p for p in self.problems if p.code != "header_only"]
        return 1 if self.rejected or lost else 0

    @property
    def issues_cut(self) -> bool:
        """True when ``issues`` stops before the last problem (the groups still count them all)."""
        return self.issues_total > len(self.issues)

    def summary(self) -> pd.DataFrame:
        """One line per sheet and table: file, sheet, table, encoding and counts."""
        return pd.DataFrame([s.__dict__ for s in self.sheets],
                            columns=["file", "sheet", "table", "encoding", "header_row", "rows_read", "rows_loaded",
                                     "rows_rejected", "rows_warned", "rows_skipped"])


def table_label(table: str | None, lang: str = i18n.DEFAULT_LANG) -> str:
    """A table's name in the language (检查记录 / Inspections)."""
    key = f"data_import.table.{table}"
    return i18n.text(key, lang) if key in i18n.catalogue() else str(table or "")


def column_label(table: str | None, column: str | None, lang: str = i18n.DEFAULT_LANG) -> str:
    """A warehouse column as a clerk knows it: the export header in Chinese, the column name in English."""
    if not column:
        return ""
    zh = HEADERS.get(table or "", {}).get(column)
    if zh is None:
        return column
    return zh if lang == "zh" else f"{column} ({zh})"


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT


def _shown(value) -> str:
    return "" if _blank(value) else str(value)


def _codes(kind: str) -> list[str]:
    return [k.split(".")[-1] for k in i18n.catalogue() if k.startswith(f"codes.{kind}.")]


def _where(row, lang: str) -> str:
    """File [sheet], row as Excel shows it and column as the file heads it — whichever of these apply."""
    file = _shown(row["file"]) + (f" [{row['sheet']}]" if not _blank(row["sheet"]) and row["sheet"] else "")
    column = column_shown(row, lang)
    has_row = not _blank(row["row_number"])
    if has_row and column:
        return i18n.text("data_import.where", lang, file=file, row=int(row["row_number"]), column=column)
    if has_row:
        return i18n.text("data_import.where_row", lang, file=file, row=int(row["row_number"]))
    if column:
        return i18n.text("data_import.where_column", lang, file=file, column=column)
    return file


def reason(row, lang: str = i18n.DEFAULT_LANG, value: str | None = None, grouped: bool = False) -> str:
    """What is wrong with a problem row and what to do, without where it is.

    ``grouped``: said of several rows at once, so a detail that names one row's partner (the
    other copy of a duplicate) is left out.
    """
    code, detail = row["code"], _shown(row["detail"])
    if grouped and code in ("duplicate", "identical_duplicate"):
        return i18n.text(f"data_import.reason_grouped.{code}", lang)
    if code == "duplicate" and lang == "zh":
        detail = detail.replace(", ", "、")
    if code == "bad_code" and detail:
        detail = i18n.join((i18n.label(detail, c, lang) for c in _codes(detail)), lang)
    elif code in ("orphan", "unknown_reference") and detail:
        detail = table_label(detail, lang)
    elif code == "missing_default" and detail in ("true", "false"):
        detail = i18n.text(f"data_import.{'yes' if detail == 'true' else 'no'}", lang)
    text = i18n.text(f"data_import.reason.{code}", lang, value=_shown(row["value"]) if value is None else value,
                     detail=detail)
    if row["severity"] == "warning" and code in validation.FIELD_LEVEL:
        text += i18n.text("data_import.emptied", lang)
    return text


def issue_message(row, lang: str = i18n.DEFAULT_LANG) -> str:
    """A row problem as one line: file, row, column, what is wrong and what to do."""
    return i18n.text("data_import.problem", lang, where=_where(row, lang), reason=reason(row, lang))


def text_of(value) -> str:
    """A cell of a problem row as text: '' for a missing value (never 'nan' or 'None')."""
    return _shown(value)


def column_shown(row, lang: str = i18n.DEFAULT_LANG) -> str:
    """The column of a problem as the file heads it, else as the clerk knows the field."""
    return _shown(row["header"]) or column_label(_shown(row["table_name"]), _shown(row["column_name"]), lang)


def group_rows(group) -> list[int]:
    """The first rows of a group of problems (none for a problem of the whole file)."""
    return [] if _blank_list(group["rows"]) else [int(r) for r in group["rows"]]


def group_value(group, lang: str = i18n.DEFAULT_LANG) -> str:
    """The value a group's message shows: the first row's, and how many distinct ones when they differ."""
    values = 0 if _blank(group["values"]) else int(group["values"])
    value = _shown(group["value"])
    return i18n.text("data_import.and_others", lang, value=value, n=f"{values:,}") if values > 1 else value


def group_message(group, lang: str = i18n.DEFAULT_LANG) -> str:
    """A group of like problems as one line: where, what, how many and the first rows."""
    count = int(group["count"])
    value = group_value(group, lang)
    rows = group_rows(group)
    if count == 1:
        first = _where({**dict(group), "row_number": rows[0] if rows else None}, lang)
        return i18n.text("data_import.problem", lang, where=first, reason=reason(group, lang))
    where = _where({**dict(group), "row_number": None}, lang)
    text = i18n.text("data_import.problem", lang, where=where, reason=reason(group, lang, value, grouped=True))
    if not rows:
        return text
    shown = i18n.join(rows, lang)
    more = "…" if count > len(rows) else ""
    return text + i18n.text("data_import.group_rows", lang, count=f"{count:,}", rows=shown, more=more)


def _blank_list(value) -> bool:
    if value is None:
        return True
    try:
        return len(value) == 0
    except TypeError:
        return _blank(value)


class _DryRun(Exception):
    pass


def import_files(
    db: Path,
    files: list[tuple[str, bytes]],
    *,
    mapping: gm.Mapping | None = None,
    dry_run: bool = False,
    replace: bool = False,
    raw_dir: Path | None = None,
    progress: Callable[[float, str], None] | None = None,
    encoding: str | None = None,
    today: date | None = None,
) -> Report:
    """Import ``files`` (name, content) into the warehouse at ``db``; return the report.

    ``encoding`` names the text encoding of CSV files without a byte-order mark (else the
    mapping's, else detected). ``today`` is the import day that dates of events may not pass
    (default: the system date). Raw files are archived under ``raw_dir`` (default: ``raw/``
    beside the warehouse, which is ``data/raw/`` for the default warehouse). Nothing is
    written when no file can be read.
    """
    started = time.perf_counter()
    today = today or date.today()
    report = Report(import_id=datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6],
                    dry_run=dry_run)
    step = progress or (lambda fraction, text: None)
    units: list[tuple[Sheet, Target, str, bool]] = []
    for number, (name, content) in enumerate(files):
        step(0.3 * number / max(len(files), 1), name)
        try:
            found, skipped = read(name, content, mapping, encoding=encoding)
        except Unreadable as exc:
            params = dict(exc.params)
            report.problems.append(FileProblem(name, params.pop("sheet", ""), exc.code, params))
            continue
        for sheet_name, exc in skipped:
            report.problems.append(FileProblem(name, sheet_name, exc.code, dict(exc.params)))
        digest = hashlib.sha256(content).hexdigest()
        for sheet in found:
            units.extend((sheet, target, digest, i == 0) for i, target in enumerate(sheet.targets))
    if not units:
        report.seconds = time.perf_counter() - started
        return report

    order = {t: i for i, t in enumerate(gm.LOAD_ORDER)}
    units.sort(key=lambda unit: order[unit[1].table])
    try:
        with warehouse.rewrite(Path(db)) as con:
            known = _known_industries(con)
            replaced: set[str] = set()
            for number, (sheet, target, digest, first) in enumerate(units):
                step(0.3 + 0.65 * number / len(units), f"{sheet.file} {sheet.sheet}".strip())
                result = _load_target(con, report, sheet, target, digest, mapping, known, replace, replaced, first,
                                      today)
                if result is not None:
                    report.sheets.append(result)
            _collect_issues(con, report)
            if report.loaded == 0 and not dry_run:
                # Nothing loadable: keep the warehouse exactly as it was (rejections are in the report).
                raise _DryRun
            if report.loaded:
                _mark_source(con, report)
            pause = float(os.environ.get(PAUSE_ENV, "0") or 0)
            if pause:
                print(f"{PAUSE_ENV}: paused inside the import transaction", file=sys.stderr, flush=True)
                time.sleep(pause)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    if not dry_run and report.loaded:
        _archive(files, raw_dir or Path(db).parent / "raw")
    report.seconds = time.perf_counter() - started
    step(1.0, "")
    return report


def _collect_issues(con, report: Report) -> None:
    """The import's problems from the quarantine: grouped in full, row by row up to ISSUE_ROWS."""
    params = {"id": report.import_id}
    report.rejected_rows = con.execute(
        "select count(*) from (select distinct file, coalesce(sheet, ''), row_number from quarantine "
        "where import_id = $id and severity = 'error')", params).fetchall()[0][0]
    report.issues_total = con.execute("select count(*) from quarantine where import_id = $id", params).fetchall()[0][0]
    report.issues = con.execute(
        f"select {', '.join(ISSUE_COLUMNS)} from quarantine where import_id = $id "
        "order by file, sheet, severity, row_number nulls first, column_name limit $limit",
        {**params, "limit": ISSUE_ROWS}).df()
    report.groups = group_issues(con, report.import_id)


def group_issues(con, import_id: str) -> pd.DataFrame:
    """One line per file, sheet, table, severity, column and reason (``queries/import_problem_groups.sql``)."""
    return queries.run(con, "import_problem_groups", {"import_id": import_id})


def _known_industries(con) -> list[str]:
    listed = list(rules.load().get("import", {}).get("known_industries", []))
    present = [r[0] for r in con.execute("select distinct industry from enterprises where industry is not null")
               .fetchall()]
    return sorted(set(listed) | set(present)) if listed else []


def _mark_source(con, report: Report) -> None:
    # Whether demo rows remain (the demo badge) is the writer's stamp: warehouse._stamp_demo_rows.
    warehouse.set_meta(con, source="import", last_import=report.import_id)


def _archive(files: list[tuple[str, bytes]], raw_dir: Path) -> None:
    raw_dir.mkdir(parents=True, exist_ok=True)
    for name, content in files:
        digest = hashlib.sha256(content).hexdigest()
        target = raw_dir / f"{digest[:16]}-{Path(name).name}"
        if not target.exists():
            target.write_bytes(content)


def _load_target(con, report: Report, sheet: Sheet, target: Target, digest: str, mapping, known, replace: bool,
                 replaced: set[str], first: bool, today: date) -> SheetResult | None:
    table = target.table
    required, optional = validation.missing_columns(con, target)
    if required:
        report.problems.append(FileProblem(sheet.file, sheet.sheet, "missing_required",
                                           {"columns": required, "table": table, "table_code": table}))
        return None
    if replace and table not in replaced:
        # Drop and re-create from the table's own DDL: a DELETE of every row is slow on a keyed table.
        ddl = con.execute("select sql from duckdb_tables() where table_name = $t and schema_name = 'main'",
                          {"t": table}).fetchall()[0][0]
        con.execute(f"drop table {table}")
        con.execute(ddl)
        replaced.add(table)
    counts = validation.stage(con, sheet, target, mapping, known, today)
    labels = target.columns
    base = {"id": report.import_id, "file": sheet.file, "sheet": sheet.sheet, "table": table}
    record = "to_json([" + ", ".join(f"r.c{i}" for i in range(len(sheet.headers))) + "])"
    con.register("_raw", sheet.data)
    con.register("_headers", pd.DataFrame({"column_name": list(labels), "header": list(labels.values())},
                                          columns=["column_name", "header"]).astype(object))
    con.execute(f"""
        insert into quarantine
        select $id, $file, $sheet, $table, p._row, p.severity, p.column_name, h.header, p.value, p.code,
               p.detail, {record}
        from (select distinct * from _problems) as p
        left join _headers as h on h.column_name = p.column_name
        left join _raw as r on r._row = p._row
        """, base)
    if first:
        _quarantine_sheet_issues(con, sheet, base, record)
    defaults = {c.name: c.default for c in validation.schema_columns(con, table)}
    for column in optional:
        # A column with a schema default (staff are active) loads as that default, not as "not recorded".
        default = defaults.get(column)
        con.execute("insert into quarantine values ($id, $file, $sheet, $table, null, 'warning', $column, null, null, "
                    "$code, $detail, null)",
                    {**base, "column": column, "code": "missing_default" if default else "missing_column",
                     "detail": default.strip("'").lower() if default else None})
    con.unregister("_raw")
    con.unregister("_headers")

    columns = [c.name for c in validation.schema_columns(con, table)]
    con.execute("create or replace temp table _good as select s.* from _stage as s "
                "where s._row not in (select _row from _problems where severity = 'error' and _row is not null) "
                "and s._sid not in (select _sid from _skip)")
    col_list = ", ".join(validation._q(c) for c in columns)
    # Rows keyed by an id already in the table replace it (re-importing an export changes nothing).
    con.execute(f"insert or replace into {table} ({col_list}) select {col_list} from _good")
    loaded = con.execute("select count(*) from _good").fetchall()[0][0]
    rejected = con.execute("select count(distinct _row) from _problems where severity = 'error'").fetchall()[0][0]
    warned = con.execute(
        "select count(distinct _row) from _good where _row in "
        "(select row_number from quarantine where import_id = $id and file = $file and coalesce(sheet, '') = $sheet "
        " and table_name = $table and severity = 'warning')", base).fetchall()[0][0]
    rejected += len(sheet.bad_rows)
    archived = f"{digest[:16]}-{Path(sheet.file).name}"
    con.execute("insert into import_log values ($id, now(), $file, $sha, $archived, $sheet, $table, $encoding, "
                "$headers, $mode, $read, $loaded, $rejected, $warned)",
                {**base, "sha": digest, "archived": archived, "encoding": sheet.encoding,
                 "headers": json.dumps(sheet.headers, ensure_ascii=False), "mode": "replace" if replace else "upsert",
                 "read": sheet.rows, "loaded": loaded, "rejected": rejected, "warned": warned})
    for name in ("_stage", "_good", "_problems", "_skip"):
        con.execute(f"drop table if exists {name}")
    return SheetResult(sheet.file, sheet.sheet, table, sheet.encoding, sheet.header_row, labels, sheet.rows, loaded,
                       rejected, warned, optional, counts["skipped"], counts["merged"])


def _quarantine_sheet_issues(con, sheet: Sheet, base: dict, record: str) -> None:
    """Once per sheet: rows with the wrong number of fields, and cells changed on reading."""
    if sheet.bad_rows:
        # One statement for all of them: a file whose every row is short must not cost a query per row.
        bad = pa.table({"row_number": pa.array([b[0] for b in sheet.bad_rows], pa.int64()),
                        "value": pa.array([b[1] for b in sheet.bad_rows], pa.string()),
                        "detail": pa.array([f"{b[2]}/{len(sheet.headers)}" for b in sheet.bad_rows], pa.string())})
        con.register("_bad_rows", bad)
        con.execute("insert into quarantine select $id, $file, $sheet, $table, row_number, 'error', null, null, value, "
                    "'field_count', detail, null from _bad_rows", base)
        con.unregister("_bad_rows")
    if sheet.cell_issues is None:
        return
    # A changed cell is reported under the column that a table builds from it (first table that does).
    used: dict[int, str] = {}
    positions = sheet.positions()
    for target in sheet.targets:
        for column, spec in target.fields.items():
            for header in spec.sources():
                used.setdefault(positions[gm.fold(header)], column)
    frame = pd.DataFrame({"position": list(used), "column_name": list(used.values()),
                          "header": [sheet.headers[p] for p in used]}, columns=["position", "column_name", "header"])
    con.register("_cells", sheet.cell_issues)
    con.register("_cell_columns", frame.astype({"position": "int64", "column_name": object, "header": object}))
    con.execute(f"""
        insert into quarantine
        select $id, $file, $sheet, $table, i._row, 'warning', u.column_name, u.header, i.value, i.code, null, {record}
        from _cells as i
        join _cell_columns as u on u.position = i.position
        left join _raw as r on r._row = i._row
        """, base)
    con.unregister("_cells")
    con.unregister("_cell_columns")


def quarantine_download(con: duckdb.DuckDBPyConnection | Reader, import_id: str,
                        lang: str = i18n.DEFAULT_LANG) -> dict[str, pd.DataFrame]:
    """The rejected rows of an import, per file and sheet, as the file had them plus what is wrong.

    Each sheet is the file's own headers (cells exactly as read, so the workbook can be fixed
    and imported again), with the row number in front and, after them, the column as the file
    heads it and the problem.
    """
    frame = con.cursor().execute(
        "select q.file, q.sheet, q.table_name, q.row_number, q.severity, q.column_name, q.header, q.value, q.code, "
        "q.detail, q.record, (select any_value(l.headers) from import_log as l where l.import_id = q.import_id "
        "and l.file = q.file and coalesce(l.sheet, '') = coalesce(q.sheet, '')) as headers "
        "from quarantine as q "
        "where q.import_id = $id and q.severity = 'error' order by q.file, q.sheet, q.row_number",
        {"id": import_id}).df()
    out = {}
    row_label = i18n.text("data_import.log_columns.row_number", lang)
    column_title = i18n.text("data_import.log_columns.column", lang)
    problem_title = i18n.text("data_import.log_columns.message", lang)
    for (file, sheet), group in frame.groupby(["file", "sheet"], sort=True, dropna=False):
        headers = json.loads(group["headers"].iloc[0]) if isinstance(group["headers"].iloc[0], str) else []
        rows = []
        for row_number, problems in group.groupby("row_number", sort=True, dropna=False):
            first = problems.iloc[0]
            cells = json.loads(first["record"]) if isinstance(first["record"], str) else [_shown(first["value"])]
            cells = ([_shown(c) for c in cells] + [""] * len(headers))[: len(headers)]
            named = [column_shown(p, lang) for _, p in problems.iterrows()]
            columns = i18n.join((n for n in dict.fromkeys(named) if n), lang, clauses=True)
            reasons = i18n.join(dict.fromkeys(reason(p, lang) for _, p in problems.iterrows()), lang, clauses=True)
            number = None if _blank(row_number) else int(row_number)
            rows.append([number, *cells, columns, reasons])
        name = f"{file} {sheet}".strip() if not _blank(sheet) else str(file)
        out[name] = pd.DataFrame(rows, columns=[row_label, *headers, column_title, problem_title])
    return out
