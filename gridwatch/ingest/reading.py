"""Reading an export: CSV in any encoding (detected, or named by the clerk) or every sheet of an Excel workbook.

Every cell comes back as text (typing is the validator's job) in a pyarrow table whose
columns are ``c0, c1, …`` plus ``_row``, the row number as the user sees it in the file
(the header is row 1 unless title lines sit above it). Rows of a CSV with the wrong number
of fields are kept aside as ``bad_rows`` so they can be quarantined, not dropped.

Each sheet carries its **targets**: the tables it feeds and how each column is built —
matched headers for an ordinary export, or the parts of a mapping recipe whose source
columns the sheet holds (one flat file can feed several tables).

Cells are made safe before anything else sees them: control characters (NUL, ``\\x01``,
``\\x0b`` …, which no spreadsheet can hold) are removed and a cell longer than Excel's
32,767 characters is emptied; both are reported per cell. Files that would take minutes or
gigabytes to expand (tens of thousands of columns, a zip bomb dressed as XLSX) are refused
before parsing, with a message saying what to do.
"""

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

import charset_normalizer
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from python_calamine import CalamineWorkbook

from gridwatch.ingest.mapping import Field, Mapping, Recipe, detect_table, fold, match_headers

HEADER_SCAN_ROWS = 20
HEADER_SCAN_CHARS = 200_000
MAX_COLUMNS = 1_000  # no enforcement-system export has more; 100,000 columns froze a tab for minutes
MAX_CELL_CHARS = 32_767  # Excel's limit: a longer cell could not go back to the clerk to fix
XLSX_MAX_SHEET_BYTES = 300 << 20  # uncompressed sheet XML: bounds the memory and time calamine needs
XLSX_MAX_TOTAL_BYTES = 600 << 20
XLSX_MAX_CELLS = 15_000_000  # by the sheet's declared dimension
PREVIEW_BYTES = 1 << 20  # a preview parses the start of a CSV, never the whole file
DELIMITERS = (",", "\t", ";", "|")
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MOJIBAKE = re.compile(r"[\u00c0-\u00ff][\u0080-\u00ff]")
# What openpyxl (and so every Excel export) refuses: C0 controls other than tab, line feed, carriage return.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL_RE2 = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')

# A field longer than csv's default limit (131,072) must reach our own check, not raise _csv.Error.
csv.field_size_limit(2**31 - 1)


class Unreadable(Exception):
    """A file (or sheet) that cannot be loaded at all; ``code`` names the message in the locale file."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Target:
    """One table a sheet feeds: the table, how each of its columns is built, and the recipe part if any."""

    table: str
    fields: dict[str, Field]
    recipe: Recipe | None = None

    def label(self, column: str) -> str:
        """The column as the file heads it (or as the recipe builds it), for messages."""
        spec = self.fields.get(column)
        return spec.describe() if spec else ""

    @property
    def columns(self) -> dict[str, str]:
        """Canonical column → the file's header (or the recipe's description) for every built column."""
        return {c: f.describe() for c, f in self.fields.items()}


@dataclass
class Sheet:
    """One table's worth of rows from a file or an Excel sheet, all cells as text."""

    file: str
    sheet: str
    encoding: str
    headers: list[str]
    header_row: int
    data: pa.Table
    targets: list[Target] = field(default_factory=list)
    bad_rows: list[tuple[int, str, int]] = field(default_factory=list)
    cell_issues: pa.Table | None = None  # _row, position, code, value: cells changed on reading
    delimiter: str = ","
    estimated_rows: int | None = None  # a preview's guess at the row count when it read only the start

    @property
    def rows(self) -> int:
        """Data rows read, including rows with the wrong number of fields."""
        return self.data.num_rows + len(self.bad_rows)

    @property
    def table(self) -> str | None:
        """The first table the sheet feeds."""
        return self.targets[0].table if self.targets else None

    def positions(self) -> dict[str, int]:
        """Folded header → position of its first occurrence."""
        out: dict[str, int] = {}
        for i, h in enumerate(self.headers):
            out.setdefault(fold(h), i)
        return out


def kind_of(content: bytes) -> str:
    """'xlsx', 'xls' or 'csv', from the bytes (a file's name may lie)."""
    if content.startswith(XLSX_MAGIC):
        return "xlsx"
    if content.startswith(XLS_MAGIC):
        return "xls"
    return "csv"


def _line_of(content: bytes, position: int) -> int:
    return content.count(b"\n", 0, position) + 1


def _wide_unicode(content: bytes) -> str | None:
    """UTF-32 or UTF-16 without a byte-order mark, told by where the zero bytes fall.

    Every character of UTF-32 text below U+10000 has two zero high bytes; in UTF-16 every
    ASCII character (digits, commas, line ends) has one, always on the same side.
    """
    head = content[: 4096 - 4096 % 4]
    if len(head) < 16:
        return None
    units = [head[i:i + 4] for i in range(0, len(head) - 3, 4)]
    for encoding, zero_at in (("utf-32-le", (2, 3)), ("utf-32-be", (0, 1))):
        if sum(all(u[z] == 0 for z in zero_at) for u in units) / len(units) > 0.95:
            return encoding
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    pairs = len(head) // 2
    # A CJK character can have a zero byte too (一 is U+4E00), so the sides are compared, not counted.
    if odd > 0.1 * pairs and even * 5 < odd:
        return "utf-16-le"
    if even > 0.1 * pairs and odd * 5 < even:
        return "utf-16-be"
    return None


def decode(content: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text of a CSV and the encoding it was in.

    A byte-order mark decides (UTF-8, UTF-16, UTF-32); else the encoding the clerk named;
    else strict UTF-8; else GB18030 (covers GBK); else charset-normalizer's guess.
    """
    # UTF-32 first: its little-endian mark begins with UTF-16's.
    for bom, codec, name in ((codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"), (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
                             (codecs.BOM_UTF8, "utf-8", "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
                             (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16")):
        if content.startswith(bom):
            try:
                return content[len(bom):].decode(codec), name
            except UnicodeDecodeError as exc:
                position = exc.start + len(bom)
                if name == "utf-8-sig":
                    # A UTF-8 mark followed by bytes that are not UTF-8: two encodings in one file.
                    raise Unreadable("bom_mismatch", position=position, line=_line_of(content, position)) from None
                raise Unreadable("undecodable", position=position) from None
    if encoding:
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            raise Unreadable("named_encoding", encoding=encoding, position=exc.start,
                             line=_line_of(content, exc.start)) from None
    wide = _wide_unicode(content)
    if wide:
        try:
            return content.decode(wide), wide
        except UnicodeDecodeError:
            pass
    if b"\x00" in content[:8192]:
        raise Unreadable("binary")
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    guess = charset_normalizer.from_bytes(content[:200_000]).best()
    candidates = ["gb18030"] if guess is None or guess.encoding in ("gbk", "gb2312", "gb18030", "hz") else [
        "gb18030", guess.encoding]
    for name in candidates:
        try:
            text = content.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        if name == "gb18030" and not re.search(r"[\u4e00-\u9fff]", text[:20000]):
            continue
        return text, "gbk" if name == "gb18030" and _is_gbk(content) else name
    raise Unreadable("undecodable", position=utf8_error.start)


def _is_gbk(content: bytes) -> bool:
    try:
        content.decode("gbk")
    except UnicodeDecodeError:
        return False
    return True


def read(name: str, content: bytes, mapping: Mapping | None = None, *, encoding: str | None = None,
         preview: bool = False) -> tuple[list[Sheet], list[tuple[str, Unreadable]]]:
    """Every table in a file (one Sheet per CSV, one per Excel sheet) and the sheets skipped, with why.

    ``encoding`` (or the mapping's) is used for a CSV without a byte-order mark. A ``preview``
    reads only the start of a CSV and the first rows of each sheet. Raises Unreadable when
    nothing in the file can be loaded.
    """
    if not content.strip():
        raise Unreadable("empty")
    kind = kind_of(content)
    if kind == "csv":
        named = encoding or (mapping.encoding_for(name) if mapping else None)
        estimated = None
        if preview and len(content) > PREVIEW_BYTES:
            cut = content.rfind(b"\n", 0, PREVIEW_BYTES)
            estimated = content.count(b"\n") + (not content.endswith(b"\n"))
            content = content[: cut + 1] if cut > 0 else content[:PREVIEW_BYTES]
        text, used = decode(content, named)
        # UTF-8 bytes go to the parser as they are (minus a BOM); other encodings are re-encoded.
        utf8 = content[3:] if used == "utf-8-sig" else content if used == "utf-8" else None
        sheet = _csv_sheet(name, text, used, mapping, utf8)
        if estimated is not None:
            sheet.estimated_rows = max(estimated - sheet.header_row, sheet.rows)
        return [sheet], []
    return _excel_sheets(name, content, kind, mapping, preview)


def targets_for(name: str, headers: list[str], hint: str, mapping: Mapping | None,
                keyless: bool = False) -> list[Target]:
    """The tables a header row feeds: the mapping's recipe parts whose sources it holds, else the best table."""
    if mapping is not None and mapping.has_recipes:
        parts = mapping.recipes_for(name, headers)
        if parts:
            return [_recipe_target(p, headers, mapping) for p in parts]
    table, matched = detect_table(headers, hint, mapping, keyless=keyless)
    if table is None:
        return []
    return [Target(table, {c: Field(column=headers[p].strip()) for c, p in matched.items()})]


def _recipe_target(recipe: Recipe, headers: list[str], mapping: Mapping) -> Target:
    # Columns the recipe does not build come from headers that name them, as without a recipe.
    matched = match_headers(recipe.table, headers, mapping)
    fields = {c: Field(column=headers[p].strip()) for c, p in matched.items()}
    for column, spec in recipe.fields.items():
        if spec is None:
            fields.pop(column, None)
        else:
            fields[column] = spec
    return Target(recipe.table, fields, recipe)


def _find_header(name: str, rows: list[list[str]], hint: str, mapping: Mapping | None) -> tuple[int, list[Target]]:
    """The first of the leading rows that names a table's columns (or enough of a table lacking its key)."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        targets = targets_for(name, [CONTROL.sub("", str(c)) for c in row], hint, mapping, keyless=True)
        if targets:
            return index, targets
    return 0, []


def _no_table(rows: list[list[str]], delimiter: str | None = None) -> Unreadable:
    first = [str(c) for c in (rows[0] if rows else []) if str(c).strip()]
    # A list: the message joins it in the reader's language.
    shown = first[:6]
    if _MOJIBAKE.search("".join(first)):
        return Unreadable("mojibake", headers=shown)
    if delimiter:
        return Unreadable("unknown_table_delimiter", headers=shown, delimiter=_delimiter_name(delimiter))
    return Unreadable("unknown_table", headers=shown)


def _delimiter_name(delimiter: str) -> str:
    return {"\t": "Tab", " ": "␠"}.get(delimiter, delimiter)


def _check_width(rows: list[list[str]], first_line: str | None = None, delimiter: str = ",") -> None:
    widest = max((len(_trim(r)) for r in rows[:HEADER_SCAN_ROWS]), default=0)
    if widest > MAX_COLUMNS:
        if first_line is not None:
            # The scan reads a bounded start of the text; count the whole first line for the message.
            widest = max(widest, len(_trim(next(csv.reader([first_line], delimiter=delimiter), []))))
        raise Unreadable("too_many_columns", columns=f"{widest:,}", limit=f"{MAX_COLUMNS:,}")


def _trim(row: list[str]) -> list[str]:
    end = len(row)
    while end and not str(row[end - 1]).strip():
        end -= 1
    return row[:end]


def _csv_sheet(name: str, text: str, encoding: str, mapping: Mapping | None, content: bytes | None = None) -> Sheet:
    lines = text[:HEADER_SCAN_CHARS].splitlines()[:HEADER_SCAN_ROWS * 4]
    sample = "\n".join(lines)
    candidates = (mapping.delimiter,) if mapping is not None and mapping.delimiter else DELIMITERS
    index, targets, delimiter, head = 0, [], candidates[0], []
    for candidate in candidates:
        rows = list(csv.reader(io.StringIO(sample), delimiter=candidate))[:HEADER_SCAN_ROWS]
        if candidate == candidates[0]:
            head = rows
        _check_width(rows, text[: text.find("\n") if "\n" in text else len(text)], candidate)
        index, targets = _find_header(name, rows, name, mapping)
        if targets:
            delimiter, head = candidate, rows
            break
    if not targets:
        # Say which separator the file seems to use when it is not the one tried and the headers fit nothing.
        first_line = sample.split("\n", 1)[0]
        others = [d for d in DELIMITERS if d != delimiter and first_line.count(d) >= 2]
        if head and len(head[0]) <= 1 and others:
            raise _no_table(list(csv.reader(io.StringIO(first_line), delimiter=others[0])), others[0])
        raise _no_table(head)
    headers = [CONTROL.sub("", h).strip() for h in head[index]]
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
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=keep_aside,
                                             newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, ValueError) as exc:
        raise Unreadable("malformed", detail=_shown_text(str(exc).splitlines()[0], 200)) from None
    # Record numbers as the file shows them: header record, then data records, minus those set aside.
    first = index + 2
    total = data.num_rows + len(bad)
    numbers = np.arange(first, first + total, dtype=np.int64)
    if bad:
        bad = [(first + (b[0] - index - 2 if b[0] is not None else total - 1), _shown_text(b[1], 500), b[2])
               for b in bad]
        numbers = np.setdiff1d(numbers, [b[0] for b in bad], assume_unique=True)[: data.num_rows]
    data = data.append_column("_row", pa.array(numbers, type=pa.int64()))
    if total == 0:
        raise Unreadable("header_only", row=index + 1)
    data, issues = _sanitise(data, width)
    return Sheet(name, "", encoding, headers, index + 1, data, targets, bad, issues, delimiter)


def shown(text: str) -> str:
    """Text with every control character drawn as its visible picture (NUL → ␀), safe for any export."""
    return CONTROL.sub(lambda m: chr(0x2400 + ord(m.group())), text)


def _shown_text(text: str, limit: int) -> str:
    text = shown(text)
    return text if len(text) <= limit else text[:limit] + "…"


def _sanitise(data: pa.Table, width: int) -> tuple[pa.Table, pa.Table | None]:
    """Remove control characters and empty over-long cells, column by column; what changed, per cell."""
    found = []
    columns = {}
    for i in range(width):
        name = f"c{i}"
        column = data.column(name)
        controls = pc.match_substring_regex(column, _CONTROL_RE2)
        if pc.any(controls).as_py():
            originals = pc.filter(column, controls)
            found.append(pa.table({
                "_row": pc.filter(data.column("_row"), controls), "position": pa.array([i] * len(originals),
                                                                                       pa.int32()),
                "code": pa.array(["control_chars"] * len(originals)),
                "value": pa.array([_shown_text(v, 200) for v in originals.to_pylist()], pa.string())}))
            column = pc.replace_substring_regex(column, _CONTROL_RE2, "")
        long = pc.greater(pc.utf8_length(column), MAX_CELL_CHARS)
        if pc.any(long).as_py():
            originals = pc.filter(column, long)
            found.append(pa.table({
                "_row": pc.filter(data.column("_row"), long), "position": pa.array([i] * len(originals), pa.int32()),
                "code": pa.array(["too_long"] * len(originals)),
                "value": pa.array([f"{v[:60]}… ({len(v):,})" for v in originals.to_pylist()], pa.string())}))
            column = pc.if_else(long, "", column)
        columns[name] = column
    if not found:
        return data, None
    for name, column in columns.items():
        data = data.set_column(data.schema.get_field_index(name), name, column)
    return data, pa.concat_tables(found)


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


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def check_xlsx(content: bytes) -> None:
    """Refuse a workbook whose sheets would expand past what can be read in bounded time and memory.

    A zip holds its members' uncompressed sizes and each sheet states its used range at the
    top, so the check reads a few kilobytes; a zip bomb never reaches the parser.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Unreadable("damaged", kind="XLSX", detail=_shown_text(str(exc), 200)) from None
    total = sum(m.file_size for m in members)
    sheets = [m for m in members if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")]
    biggest = max((m.file_size for m in sheets), default=0)
    if total > XLSX_MAX_TOTAL_BYTES or biggest > XLSX_MAX_SHEET_BYTES:
        raise Unreadable("too_large", size=f"{max(total, biggest) / 2**20:,.0f}",
                         limit=f"{XLSX_MAX_SHEET_BYTES / 2**20:,.0f}")
    for member in sheets:
        try:
            with archive.open(member) as stream:
                head = stream.read(8192)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise Unreadable("damaged", kind="XLSX", detail=_shown_text(str(exc), 200)) from None
        found = _DIMENSION.search(head)
        if found and found.group(3):
            rows = int(found.group(4)) - int(found.group(2)) + 1
            cols = _column_number(found.group(3)) - _column_number(found.group(1)) + 1
            if rows * cols > XLSX_MAX_CELLS:
                raise Unreadable("too_many_cells", cells=f"{rows * cols:,}", limit=f"{XLSX_MAX_CELLS:,}")


def _excel_sheets(name: str, content: bytes, kind: str, mapping: Mapping | None, preview: bool = False):
    if kind == "xlsx":
        check_xlsx(content)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        raw_sheets = []
        for sheet_name in book.sheet_names:
            sheet = book.get_sheet_by_name(sheet_name)
            # Leading empty rows and columns are skipped; start[0] keeps row numbers as Excel shows them.
            rows = sheet.to_python(skip_empty_area=True, nrows=HEADER_SCAN_ROWS + 200 if preview else None)
            raw_sheets.append((sheet_name, sheet.start[0] if sheet.start else 0, rows,
                               sheet.total_height if preview else None))
    except Unreadable:
        raise
    except Exception as exc:  # calamine raises its own error types for damaged workbooks
        raise Unreadable("damaged", kind=kind.upper(), detail=_shown_text(str(exc).splitlines()[0], 200)) from None
    sheets, problems = [], []
    for sheet_name, offset, rows, total_height in raw_sheets:
        rows = [_trim([_cell(v) for v in row]) for row in rows]
        if not any(any(c.strip() for c in row) for row in rows):
            continue
        try:
            _check_width(rows)
            index, targets = _find_header(name, rows, f"{name} {sheet_name}", mapping)
            if not targets:
                raise _no_table(rows)
        except Unreadable as exc:
            problems.append((sheet_name, exc))
            continue
        headers = [CONTROL.sub("", h).strip() for h in rows[index]]
        width = len(headers)
        body = rows[index + 1:]
        numbers = [offset + index + 2 + i for i, r in enumerate(body) if any(c.strip() for c in r)]
        body = [r for r in body if any(c.strip() for c in r)]
        if not body:
            problems.append((sheet_name, Unreadable("header_only", row=offset + index + 1)))
            continue
        columns = {f"c{i}": pa.array([(r[i] if i < len(r) else "") for r in body], pa.string()) for i in range(width)}
        columns["_row"] = pa.array(numbers, pa.int64())
        data, issues = _sanitise(pa.table(columns), width)
        out = Sheet(name, sheet_name, kind, headers, offset + index + 1, data, targets, cell_issues=issues)
        if preview and total_height:
            out.estimated_rows = max(total_height - index - 1, out.rows)
        sheets.append(out)
    if not sheets:
        if problems:
            sheet_name, exc = problems[0]
            raise Unreadable(exc.code, **exc.params, sheet=sheet_name)
        raise Unreadable("empty")
    return sheets, problems
