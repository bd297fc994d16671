"""Files people open in Excel: CSV (utf-8-sig) and XLSX, with spreadsheet formulas neutralised."""

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from gridwatch import i18n
from gridwatch.columns import CODED, HEADERS

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Control characters no XLSX cell can hold (openpyxl raises IllegalCharacterError on them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value, for_xlsx: bool = True):
    """A cell value that a spreadsheet will show as text, never run as a formula, and can store.

    For a workbook (``for_xlsx``) control characters are drawn as their visible pictures
    (\\x01 → ␁), so any string from the data fits; a CSV holds them as they are.
    """
    if not isinstance(value, str):
        return value
    if for_xlsx and _CONTROL.search(value):
        value = _CONTROL.sub(lambda m: chr(0x2400 + ord(m.group())), value)
    return "'" + value if value.startswith(FORMULA_START) else value


def safe_frame(frame: pd.DataFrame, for_xlsx: bool = True) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and header) neutralised."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(lambda v: neutralise(v, for_xlsx))
    out.columns = [neutralise(str(c), for_xlsx) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame, header_lines: Sequence[str] = ()) -> bytes:
    """CSV for Excel: UTF-8 with a BOM (so Chinese text opens correctly), formulas neutralised, text as is.

    ``header_lines`` (what the file holds: period, filters, data as-of) come first, one cell
    each, then an empty line and the table: the layout of ``xlsx_bytes``, whose table also
    starts after an empty row, so a spreadsheet sees the table as a region of its own.
    """
    buffer = io.StringIO()
    if header_lines:
        writer = csv.writer(buffer, lineterminator="\n")
        for line in header_lines:
            writer.writerow([neutralise(line, for_xlsx=False)])
        writer.writerow([])
    safe_frame(frame, for_xlsx=False).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(sheets: dict[str, pd.DataFrame], header_lines: list[str] | None = None) -> bytes:
    """An XLSX workbook, one sheet per frame, each optionally headed by lines of context."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            start = len(header_lines) + 1 if header_lines else 0
            safe_frame(frame).to_excel(writer, sheet_name=_sheet_name(name), index=False, startrow=start)
            if header_lines:
                ws = writer.sheets[_sheet_name(name)]
                for i, line in enumerate(header_lines, start=1):
                    ws.cell(row=i, column=1, value=neutralise(line))
    return buffer.getvalue()


def _sheet_name(name: str) -> str:
    bad = '[]:*?/\\'
    cleaned = "".join("_" if ch in bad else ch for ch in _CONTROL.sub("", name)).strip("'")
    return (cleaned or "Sheet")[:31]


def chinese_export(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    """A table as an enforcement system exports it: Chinese headers, Chinese codes, 是/否."""
    if table not in HEADERS:
        raise ValueError(f"unknown table {table!r}")
    cur = con.cursor()
    # A table name cannot be a parameter; it comes from the HEADERS allow-list checked above.
    frame = cur.execute(f"select * from {table}").df()
    for column in frame.columns:
        kind = CODED.get((table, column))
        if kind:
            frame[column] = frame[column].map(lambda c, k=kind: i18n.label(k, c, "zh") or None)
        elif frame[column].dtype == bool:
            frame[column] = frame[column].map({True: "是", False: "否"})
        elif pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
    return frame.rename(columns=HEADERS[table])


def export_tables_csv(con: duckdb.DuckDBPyConnection, directory: Path) -> list[Path]:
    """Write every table as ``<table>.csv`` (UTF-8 with BOM, Chinese headers) into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table in HEADERS:
        path = directory / f"{table}.csv"
        chinese_export(con, table).to_csv(path, index=False, encoding="utf-8-sig")
        written.append(path)
    return written
