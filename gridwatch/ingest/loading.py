"""One import: read files, stage and check each sheet, load good rows, quarantine the rest, log it.

Everything happens inside ``warehouse.rewrite`` — a copy of the warehouse swapped in only when
the whole import has succeeded — so an import commits whole or not at all, a killed process
leaves the warehouse as it was, and readers never see half an import. A dry run takes the same
path and throws the copy away.
"""

import hashlib
import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from gridwatch import i18n, rules, warehouse
from gridwatch.ingest import mapping as gm
from gridwatch.ingest import validation
from gridwatch.ingest.reading import Sheet, Unreadable, read

PAUSE_ENV = "GRIDWATCH_IMPORT_PAUSE"  # seconds to wait inside the transaction (tests kill the process here)
ISSUE_COLUMNS = ["file", "sheet", "table_name", "row_number", "severity", "column_name", "header", "value",
                 "code", "detail"]



@dataclass
class SheetResult:
    """What became of one sheet."""

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
        return f"{where}: " + i18n.text(f"data_import.file.{self.code}", lang, **self.params)


@dataclass
class Report:
    """The outcome of an import (or a dry run)."""

    import_id: str
    dry_run: bool
    sheets: list[SheetResult] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    issues: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ISSUE_COLUMNS))
    seconds: float = 0.0

    @property
    def loaded(self) -> int:
        """Rows loaded (or, in a dry run, that would load)."""
        return sum(s.rows_loaded for s in self.sheets)

    @property
    def rejected(self) -> int:
        """Rows rejected into the quarantine."""
        return sum(s.rows_rejected for s in self.sheets)

    @property
    def exit_code(self) -> int:
        """0 everything loaded, 1 some rows or files rejected, 2 nothing could be loaded."""
        if self.loaded == 0:
            return 2
        # A header-only file is an empty table, not a loss; any other unreadable file is.
        lost = [p for p in self.problems if p.code != "header_only"]
        return 1 if self.rejected or lost else 0

    def summary(self) -> pd.DataFrame:
        """One line per sheet: file, sheet, table, encoding and counts."""
        return pd.DataFrame([s.__dict__ for s in self.sheets],
                            columns=["file", "sheet", "table", "encoding", "header_row", "rows_read", "rows_loaded",
                                     "rows_rejected", "rows_warned"])


def issue_message(row, lang: str = i18n.DEFAULT_LANG) -> str:
    """A row problem as one line: file, row, column, what is wrong and what to do."""
    detail = row["detail"]
    if row["code"] == "bad_code" and detail:
        detail = "、".join(i18n.label(detail, code, lang) for code in _codes(detail))
    elif row["code"] in ("orphan", "unknown_reference") and detail:
        detail = i18n.text(f"app.page.{detail}", lang) if f"app.page.{detail}" in i18n.catalogue() else detail
    elif row["code"] == "date_order" and detail:
        detail = _header_of(row, detail)
    text = i18n.text(f"data_import.reason.{row['code']}", lang, value=_shown(row["value"]), detail=detail or "")
    where = i18n.text("data_import.where", lang, file=row["file"] + (f" [{row['sheet']}]" if row["sheet"] else ""),
                      row=row["row_number"], column=row["header"] or row["column_name"] or "—")
    return f"{where}: {text}"


def _shown(value) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def _codes(kind: str) -> list[str]:
    return [k.split(".")[-1] for k in i18n.catalogue() if k.startswith(f"codes.{kind}.")]


def _header_of(row, column: str) -> str:
    from gridwatch.columns import HEADERS

    return HEADERS.get(row["table_name"], {}).get(column, column)


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
) -> Report:
    """Import ``files`` (name, content) into the warehouse at ``db``; return the report.

    Raw files are archived under ``raw_dir`` (default: ``raw/`` beside the warehouse, which is
    ``data/raw/`` for the default warehouse). Nothing is written when no file can be read.
    """
    started = time.perf_counter()
    report = Report(import_id=datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6],
                    dry_run=dry_run)
    step = progress or (lambda fraction, text: None)
    sheets: list[tuple[Sheet, str]] = []
    for number, (name, content) in enumerate(files):
        step(0.3 * number / max(len(files), 1), name)
        try:
            found, skipped = read(name, content, mapping)
        except Unreadable as exc:
            params = dict(exc.params)
            report.problems.append(FileProblem(name, params.pop("sheet", ""), exc.code, params))
            continue
        for sheet_name, exc in skipped:
            report.problems.append(FileProblem(name, sheet_name, exc.code, dict(exc.params)))
        digest = hashlib.sha256(content).hexdigest()
        sheets.extend((s, digest) for s in found)
    if not sheets:
        report.seconds = time.perf_counter() - started
        return report

    order = {t: i for i, t in enumerate(gm.LOAD_ORDER)}
    sheets.sort(key=lambda item: order[item[0].table])
    issues: list[pd.DataFrame] = []
    try:
        with warehouse.rewrite(Path(db)) as con:
            known = _known_industries(con)
            replaced: set[str] = set()
            for number, (sheet, digest) in enumerate(sheets):
                step(0.3 + 0.65 * number / len(sheets), f"{sheet.file} {sheet.sheet}".strip())
                result = _load_sheet(con, report, sheet, digest, mapping, known, replace, replaced, raw_dir, db)
                if result is not None:
                    report.sheets.append(result)
                    issues.append(con.execute(
                        f"select {', '.join(ISSUE_COLUMNS)} from quarantine "
                        "where import_id = $id and file = $file and coalesce(sheet, '') = $sheet "
                        "order by row_number, column_name limit 5000",
                        {"id": report.import_id, "file": sheet.file, "sheet": sheet.sheet}).df())
            if report.loaded == 0 and not dry_run:
                # Nothing loadable: keep the warehouse exactly as it was (rejections are in the report).
                raise _DryRun
            if report.loaded:
                warehouse.set_meta(con, is_demo="false", source="import", last_import=report.import_id)
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
    report.issues = pd.concat(issues, ignore_index=True) if issues else report.issues
    report.seconds = time.perf_counter() - started
    step(1.0, "")
    return report


def _known_industries(con) -> list[str]:
    listed = list(rules.load().get("import", {}).get("known_industries", []))
    present = [r[0] for r in con.execute("select distinct industry from enterprises where industry is not null")
               .fetchall()]
    return sorted(set(listed) | set(present)) if listed else []


def _archive(files: list[tuple[str, bytes]], raw_dir: Path) -> None:
    raw_dir.mkdir(parents=True, exist_ok=True)
    for name, content in files:
        digest = hashlib.sha256(content).hexdigest()
        target = raw_dir / f"{digest[:16]}-{Path(name).name}"
        if not target.exists():
            target.write_bytes(content)


def _load_sheet(con, report: Report, sheet: Sheet, digest: str, mapping, known, replace: bool,
                replaced: set[str], raw_dir, db) -> SheetResult | None:
    table = sheet.table
    required, optional = validation.missing_columns(con, sheet)
    if required:
        from gridwatch.columns import HEADERS

        names = "、".join(f"{HEADERS[table][c]} ({c})" for c in required)
        report.problems.append(FileProblem(sheet.file, sheet.sheet, "missing_required", {"columns": names,
                                                                                         "table": table}))
        return None
    if replace and table not in replaced:
        # Drop and re-create from the table's own DDL: a DELETE of every row is slow on a keyed table.
        ddl = con.execute("select sql from duckdb_tables() where table_name = $t and schema_name = 'main'",
                          {"t": table}).fetchone()[0]
        con.execute(f"drop table {table}")
        con.execute(ddl)
        replaced.add(table)
    validation.stage(con, sheet, mapping, known)
    header_of = {c: sheet.headers[p] for c, p in sheet.columns.items()}
    base = {"id": report.import_id, "file": sheet.file, "sheet": sheet.sheet, "table": table}
    record = "to_json([" + ", ".join(f"r.c{i}" for i in range(len(sheet.headers))) + "])"
    con.register("_raw", sheet.data)
    con.register("_headers", pd.DataFrame({"column_name": list(header_of), "header": list(header_of.values())},
                                          columns=["column_name", "header"]).astype(object))
    con.execute(f"""
        insert into quarantine
        select $id, $file, $sheet, $table, p._row, p.severity, p.column_name, h.header, p.value, p.code,
               p.detail, {record}
        from _problems as p
        left join _headers as h on h.column_name = p.column_name
        left join _raw as r on r._row = p._row
        """, base)
    for number, text, width in sheet.bad_rows:
        con.execute("insert into quarantine values ($id, $file, $sheet, $table, $row, 'error', null, null, $value, "
                    "'field_count', $detail, null)",
                    {**base, "row": number, "value": text[:500], "detail": f"{width}/{len(sheet.headers)}"})
    for column in optional:
        con.execute("insert into quarantine values ($id, $file, $sheet, $table, null, 'warning', $column, null, null, "
                    "'missing_column', null, null)", {**base, "column": column})
    con.unregister("_raw")
    con.unregister("_headers")

    columns = [c.name for c in validation.schema_columns(con, table)]
    con.execute("create or replace temp table _good as select s.* from _stage as s "
                "where s._row not in (select _row from _problems where severity = 'error')")
    col_list = ", ".join(validation._q(c) for c in columns)
    # Rows keyed by an id already in the table replace it (re-importing an export changes nothing).
    con.execute(f"insert or replace into {table} ({col_list}) select {col_list} from _good")
    loaded = con.execute("select count(*) from _good").fetchone()[0]
    rejected = con.execute("select count(distinct _row) from _problems where severity = 'error'").fetchone()[0]
    warned = con.execute("select count(distinct _row) from _problems where severity = 'warning' and _row not in "
                         "(select _row from _problems where severity = 'error')").fetchone()[0]
    rejected += len(sheet.bad_rows)
    archived = f"{digest[:16]}-{Path(sheet.file).name}"
    con.execute("insert into import_log values ($id, now(), $file, $sha, $archived, $sheet, $table, $encoding, "
                "$headers, $mode, $read, $loaded, $rejected, $warned)",
                {**base, "sha": digest, "archived": archived, "encoding": sheet.encoding,
                 "headers": json.dumps(sheet.headers, ensure_ascii=False), "mode": "replace" if replace else "upsert",
                 "read": sheet.rows, "loaded": loaded, "rejected": rejected, "warned": warned})
    for name in ("_stage", "_good", "_problems"):
        con.execute(f"drop table if exists {name}")
    return SheetResult(sheet.file, sheet.sheet, table, sheet.encoding, sheet.header_row,
                       {c: sheet.headers[p] for c, p in sheet.columns.items()}, sheet.rows, loaded, rejected,
                       warned, optional)


def quarantine_download(con: duckdb.DuckDBPyConnection, import_id: str,
                        lang: str = i18n.DEFAULT_LANG) -> dict[str, pd.DataFrame]:
    """The rejected rows of an import, per file and sheet, as the file had them plus what is wrong."""
    frame = con.cursor().execute(
        "select q.file, q.sheet, q.table_name, q.row_number, q.severity, q.column_name, q.header, q.value, q.code, "
        "q.detail, q.record, l.headers "
        "from quarantine as q join import_log as l using (import_id, file, sheet) "
        "where q.import_id = $id and q.severity = 'error' order by q.file, q.sheet, q.row_number",
        {"id": import_id}).df()
    out = {}
    for (file, sheet), group in frame.groupby(["file", "sheet"], sort=True):
        headers = json.loads(group["headers"].iloc[0])
        rows = []
        for row_number, problems in group.groupby("row_number", sort=True):
            first = problems.iloc[0]
            cells = json.loads(first["record"]) if isinstance(first["record"], str) else [first["value"]]
            cells = (cells + [""] * len(headers))[: len(headers)]
            reasons = "；".join(issue_message(p, lang).split(": ", 1)[-1] for _, p in problems.iterrows())
            rows.append([int(row_number), *cells, reasons])
        problem = i18n.text("data_import.log_columns.message", lang)
        row = i18n.text("data_import.log_columns.row_number", lang)
        out[f"{file} {sheet}".strip()] = pd.DataFrame(rows, columns=[row, *headers, problem])
    return out
