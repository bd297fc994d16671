"""Reading an export: CSV in any Chinese encoding (detected) or every sheet of an Excel workbook.

Every cell comes back as text (typing is the validator's job) in a pyarrow table whose
columns are ``c0, c1, …`` plus ``_row``, the row number as the user sees it in the file
(the header is row 1 unless title lines sit above it). Rows of a CSV with the wrong number
of fields are kept aside as ``bad_rows`` so they can be quarantined, not dropped.
"""

import codecs
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

import charset_normalizer
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from python_calamine import CalamineWorkbook

from gridwatch.ingest.mapping import Mapping, detect_table

HEADER_SCAN_ROWS = 20
HEADER_SCAN_CHARS = 200_000
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MOJIBAKE = re.compile(r"[\u00c0-\u00ff][\u0080-\u00ff]")


class Unreadable(Exception):
    """A file (or sheet) that cannot be loaded at all; ``code`` names the message in the locale file."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Sheet:
    """One table's worth of rows from a file or an Excel sheet, all cells as text."""

    file: str
    sheet: str
    encoding: str
    headers: list[str]
    header_row: int
    data: pa.Table
    table: str | None = None
    columns: dict[str, int] = field(default_factory=dict)
    bad_rows: list[tuple[int, str, int]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Data rows read, including rows with the wrong number of fields."""
        return self.data.num_rows + len(self.bad_rows)


def kind_of(content: bytes) -> str:
    """'xlsx', 'xls' or 'csv', from the bytes (a file's name may lie)."""
    if content.startswith(XLSX_MAGIC):
        return "xlsx"
    if content.startswith(XLS_MAGIC):
        return "xls"
    return "csv"


def decode(content: bytes) -> tuple[str, str]:
    """The text of a CSV and the encoding it was in: UTF-8 (BOM or not), else GB18030 (covers GBK), else guessed."""
    if content.startswith(codecs.BOM_UTF8):
        return content[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "utf-8-sig"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16"), "utf-16"
    if b"\x00" in content[:8192]:
        raise Unreadable("binary")
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    guess = charset_normalizer.from_bytes(content[:200_000]).best()
    candidates = ["gb18030"] if guess is None or guess.encoding in ("gbk", "gb2312", "gb18030", "hz") else [
        "gb18030", guess.encoding]
    for encoding in candidates:
        try:
            text = content.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if encoding == "gb18030" and not re.search(r"[\u4e00-\u9fff]", text[:20000]):
            continue
        return text, "gbk" if encoding == "gb18030" and _is_gbk(content) else encoding
    raise Unreadable("undecodable", position=utf8_error.start)


def _is_gbk(content: bytes) -> bool:
    try:
        content.decode("gbk")
    except UnicodeDecodeError:
        return False
    return True


def read(name: str, content: bytes, mapping: Mapping | None = None) -> tuple[list[Sheet], list[tuple[str, Unreadable]]]:
    """Every table in a file (one Sheet per CSV, one per Excel sheet) and the sheets skipped, with why.

    Raises Unreadable when nothing in the file can be loaded.
    """
    if not content.strip():
        raise Unreadable("empty")
    kind = kind_of(content)
    if kind == "csv":
        text, encoding = decode(content)
        # UTF-8 bytes go to the parser as they are (minus a BOM); other encodings are re-encoded.
        utf8 = content[3:] if encoding == "utf-8-sig" else content if encoding == "utf-8" else None
        return [_csv_sheet(name, text, encoding, mapping, utf8)], []
    return _excel_sheets(name, content, kind, mapping)


def _find_header(rows: list[list[str]], hint: str, mapping: Mapping | None) -> tuple[int, str | None, dict]:
    """The first of the leading rows whose cells name a table's columns."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        table, matched = detect_table([str(c) for c in row], hint, mapping)
        if table:
            return index, table, matched
    return 0, None, {}


def _check_header(name: str, rows: list[list[str]], hint: str, mapping: Mapping | None):
    index, table, matched = _find_header(rows, hint, mapping)
    if table is None:
        first = [str(c) for c in (rows[0] if rows else []) if str(c).strip()]
        shown = "、".join(first[:6])
        if _MOJIBAKE.search("".join(first)):
            raise Unreadable("mojibake", headers=shown)
        raise Unreadable("unknown_table", headers=shown or "—")
    return index, table, matched


def _csv_sheet(name: str, text: str, encoding: str, mapping: Mapping | None, content: bytes | None = None) -> Sheet:
    lines = text[:HEADER_SCAN_CHARS].splitlines()[:HEADER_SCAN_ROWS * 4]
    head = list(csv.reader(io.StringIO("\n".join(lines))))[:HEADER_SCAN_ROWS]
    index, table, matched = _check_header(name, head, name, mapping)
    headers = [h.strip() for h in head[index]]
    width = len(headers)
    bad: list[tuple[int, str, int]] = []

    def keep_aside(row) -> str:
        bad.append((row.number, row.text, row.actual_columns))
        return "skip"

    names = [f"c{i}" for i in range(width)]
    try:
        data = pacsv.read_csv(
            io.BytesIO(content if content is not None else text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=index + 1, use_threads=False,
                                           block_size=1 << 24),
            parse_options=pacsv.ParseOptions(invalid_row_handler=keep_aside, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, ValueError) as exc:
        raise Unreadable("malformed", detail=str(exc).splitlines()[0][:200]) from None
    # Record numbers as the file shows them: header record, then data records, minus those set aside.
    first = index + 2
    total = data.num_rows + len(bad)
    numbers = np.arange(first, first + total, dtype=np.int64)
    if bad:
        bad = [(first + (b[0] - index - 2 if b[0] is not None else total - 1), b[1], b[2]) for b in bad]
        numbers = np.setdiff1d(numbers, [b[0] for b in bad], assume_unique=True)[: data.num_rows]
    data = data.append_column("_row", pa.array(numbers, type=pa.int64()))
    if total == 0:
        raise Unreadable("header_only", row=index + 1)
    return Sheet(name, "", encoding, headers, index + 1, data, table, matched, bad)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _excel_sheets(name: str, content: bytes, kind: str, mapping: Mapping | None):
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        raw_sheets = [(s, book.get_sheet_by_name(s).to_python(skip_empty_area=False)) for s in book.sheet_names]
    except Exception as exc:  # calamine raises its own error types for damaged workbooks
        raise Unreadable("damaged", kind=kind.upper(), detail=str(exc).splitlines()[0][:200]) from None
    sheets, problems = [], []
    for sheet_name, rows in raw_sheets:
        rows = [[_cell(v) for v in row] for row in rows]
        if not any(any(c.strip() for c in row) for row in rows):
            continue
        try:
            index, table, matched = _check_header(name, rows, f"{name} {sheet_name}", mapping)
        except Unreadable as exc:
            problems.append((sheet_name, exc))
            continue
        headers = [h.strip() for h in rows[index]]
        body = [r for r in rows[index + 1:]]
        numbers = [index + 2 + i for i, r in enumerate(body) if any(c.strip() for c in r)]
        body = [r for r in body if any(c.strip() for c in r)]
        if not body:
            problems.append((sheet_name, Unreadable("header_only", row=index + 1)))
            continue
        width = len(headers)
        columns = {f"c{i}": pa.array([(r[i] if i < len(r) else "") for r in body], pa.string()) for i in range(width)}
        columns["_row"] = pa.array(numbers, pa.int64())
        sheets.append(Sheet(name, sheet_name, kind, headers, index + 1, pa.table(columns), table, matched))
    if not sheets:
        if problems:
            sheet_name, exc = problems[0]
            raise Unreadable(exc.code, **exc.params, sheet=sheet_name)
        raise Unreadable("empty")
    return sheets, problems
