"""Printable Excel sheets: what a clerk hands to a town, laid out to print on A4 landscape.

Every sheet written here has a title row naming its unit, context lines (the filters and
the data-as-of date), a bold header row that is frozen, filtered and repeated on every
printed page, column widths fitted to the content, real date cells, page numbers in the
footer and a page setup of A4 landscape fitted to one page wide. Text passes through
``clean`` (control characters stripped, formulas shown as text by ``exports.neutralise``).

Sheets are written with openpyxl's write-only workbook: a register of some 250 village
sheets or files is written in seconds rather than tens of seconds.
"""

import io
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from gridwatch import exports

TEXT, DATE, INT, NUMBER, MONEY, RATE = "text", "date", "int", "number", "money", "rate"
FORMATS = {DATE: "yyyy-mm-dd", NUMBER: "#,##0.0", MONEY: "#,##0", RATE: "0.0%"}
SHEET_NAME_BAD = '[]:*?/\\'
# Control characters: no XLSX cell can hold them and no reader wants them; tab, line feed and
# carriage return stay (a leading one is neutralised as a formula start).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Width in Excel's units (about one digit of the default font): a CJK character takes two.
MIN_WIDTH, MAX_WIDTH, WRAP_WIDTH = 6, 60, 36
# Rows looked at to size a column: enough to see the long names, cheap on a province.
WIDTH_SAMPLE = 3000
# The usable width of an A4 landscape page at the margins below, in the same units; used
# only to size the merged title and context rows, which Excel does not grow by itself.
PAGE_WIDTH = 150
TITLE_FONT_SIZE = 14
HEADER_FILL = "DCE6F1"


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header, its kind (text, date, int, number, money, rate)."""

    header: str
    kind: str = TEXT


@dataclass
class Sheet:
    """One printable sheet: tab name, title row, context lines, columns and rows of plain values.

    ``header``: the text atop every printed page (default: the title); ``footer``: a short
    text at the left of every page's footer (e.g. the data-as-of date); ``page_numbers``: the
    footer's page number in Excel's codes (``&P`` page, ``&N`` pages); ``frozen_columns``:
    leading columns kept in view when scrolling right.
    """

    name: str
    title: str
    lines: Sequence[str]
    columns: Sequence[Column]
    rows: Sequence[Sequence]
    footer: str = ""
    frozen_columns: int = 0
    header: str = ""
    page_numbers: str = "&P / &N"


def clean(value):
    """A value safe in any export: control characters stripped, then ``exports.neutralise``."""
    if isinstance(value, str):
        value = CONTROL.sub("", value)
    return exports.neutralise(value)


def clean_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell and header passed through ``clean``."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(clean)
    out.columns = [clean(str(c)) for c in out.columns]
    return out


def display_width(text) -> int:
    """How wide ``text`` shows in a cell, in Excel width units (CJK and full-width count two)."""
    if text is None:
        return 0
    s = text if isinstance(text, str) else str(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def sheet_names(keys: Sequence[str]) -> dict[str, str]:
    """Distinct legal sheet names (≤ 31 characters, no ``[]:*?/\\`` or control characters) for ``keys``."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for key in keys:
        cleaned = "".join("_" if ch in SHEET_NAME_BAD else ch for ch in str(key) if ch.isprintable())
        base = cleaned.strip("'")[:31] or "Sheet"
        name, n = base, 2
        while name.lower() in used:
            suffix = f"~{n}"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        used.add(name.lower())
        names[key] = name
    return names


def plain(value):
    """A cell value openpyxl can write: None for missing, dates as dates, numpy scalars as Python."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, datetime):
        return value.date()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def _header_footer_text(text: str) -> str:
    # '&' starts a code in Excel's header and footer; a section holds at most 255 characters.
    return clean(text).replace("&", "&&")[:120]


def widths(sheet: Sheet) -> list[float]:
    """Each column's width: its longest value (within ``WIDTH_SAMPLE`` rows) or its header, bounded."""
    out = []
    sample = sheet.rows[:WIDTH_SAMPLE]
    for i, column in enumerate(sheet.columns):
        if column.kind == DATE:
            content = 10
        else:
            content = max((display_width(_shown(row[i], column.kind)) for row in sample), default=0)
        # The header wraps onto two lines when that keeps the column narrow.
        header = display_width(column.header)
        header_need = header if header <= 10 else math.ceil(header / 2)
        out.append(float(min(MAX_WIDTH, max(MIN_WIDTH, content + 3, header_need + 2))))
    return out


def _shown(value, kind: str):
    if value is None:
        return ""
    if kind in (INT, MONEY) and isinstance(value, (int, float)):
        return f"{value:,.0f}"
    if kind == NUMBER and isinstance(value, (int, float)):
        return f"{value:,.1f}"
    if kind == RATE and isinstance(value, (int, float)):
        return f"{value * 100:.1f}%"
    return value


def _line_height(text: str, width: float, points: float) -> float:
    lines = max(1, math.ceil(display_width(text) / max(width, 1)))
    return round(lines * points * 1.35, 1)


def write(sheets: Iterable[Sheet]) -> bytes:
    """The workbook holding ``sheets``, each laid out to print on A4 landscape, as XLSX bytes."""
    import openpyxl  # on use only: importing it costs a page's first render ~0.1 s
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties
    from openpyxl.worksheet.worksheet import Worksheet

    book = openpyxl.Workbook(write_only=True)
    thin = Side(style="thin", color="808080")
    header_style = {
        "font": Font(bold=True),
        "fill": PatternFill("solid", fgColor=HEADER_FILL),
        "alignment": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
    }
    wrap = Alignment(vertical="top", wrap_text=True)
    any_sheet = False
    for sheet in sheets:
        any_sheet = True
        ws = book.create_sheet(title=sheet.name)
        columns = list(sheet.columns) or [Column("")]
        n_cols = len(columns)
        column_widths = widths(Sheet(sheet.name, sheet.title, sheet.lines, columns, sheet.rows))
        total_width = sum(column_widths)
        header_row = 2 + len(sheet.lines)
        last = get_column_letter(n_cols)

        # Set before the first row is written: write-only sheets write these at the top.
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        for i, width in enumerate(column_widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = f"{get_column_letter(sheet.frozen_columns + 1)}{header_row + 1}"
        ws.row_dimensions[1].height = _line_height(sheet.title, total_width, TITLE_FONT_SIZE)
        for offset, line in enumerate(sheet.lines, start=2):
            ws.row_dimensions[offset].height = _line_height(line, total_width, 10)
        if any(display_width(c.header) > 10 for c in columns):
            ws.row_dimensions[header_row].height = 30

        title = WriteOnlyCell(ws, value=clean(sheet.title))
        title.font = Font(bold=True, size=TITLE_FONT_SIZE)
        title.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.append([title])
        for line in sheet.lines:
            cell = WriteOnlyCell(ws, value=clean(line))
            cell.font = Font(size=10)
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            ws.append([cell])
        head = []
        for column in columns:
            cell = WriteOnlyCell(ws, value=clean(column.header))
            for attr, style in header_style.items():
                setattr(cell, attr, style)
            head.append(cell)
        ws.append(head)

        wrapped = [c.kind == TEXT and w >= WRAP_WIDTH for c, w in zip(columns, column_widths, strict=True)]
        formats = [FORMATS.get(c.kind) for c in columns]
        for row in sheet.rows:
            out = []
            for value, fmt, wraps in zip(row, formats, wrapped, strict=True):
                value = clean(plain(value))
                if value is not None and (isinstance(value, (date, datetime)) or wraps or
                                          (fmt and isinstance(value, (int, float)))):
                    cell = WriteOnlyCell(ws, value=value)
                    if fmt:
                        cell.number_format = fmt
                    if wraps:
                        cell.alignment = wrap
                    value = cell
                out.append(value)
            ws.append(out)

        for row in range(1, header_row):
            ws.merged_cells.add(f"A{row}:{last}{row}")
        ws.auto_filter.ref = f"A{header_row}:{last}{header_row + len(sheet.rows)}"
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.print_options.horizontalCentered = True
        ws.print_options.gridLines = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.6
        ws.page_margins.header = ws.page_margins.footer = 0.25
        for hf in (ws.oddHeader, ws.evenHeader):
            hf.center.text = _header_footer_text(sheet.header or sheet.title)
            hf.center.size = 9
        for hf in (ws.oddFooter, ws.evenFooter):
            hf.left.text = _header_footer_text(sheet.footer)
            hf.left.size = 8
            hf.right.text = sheet.page_numbers
            hf.right.size = 8
    if not any_sheet:
        book.create_sheet(title="Sheet")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
