"""The weekly brief as an Excel workbook (``to_xlsx``), from the tables of ``gridwatch.briefing``."""

from datetime import date

import pandas as pd

from gridwatch import display, exports, formatting, i18n, links
from gridwatch.briefing import (
    Brief,
    as_date,
    cards_table,
    column_title,
    header_lines,
    summary,
    trends_table,
    where_tables,
)

XLSX_DATE = "yyyy-mm-dd"
XLSX_RATE = "0.0%"
XLSX_COUNT = "#,##0"
XLSX_DECIMAL = "#,##0.0"
XLSX_COUNT_CHANGE = "+#,##0;-#,##0;0"
XLSX_DECIMAL_CHANGE = "+#,##0.0;-#,##0.0;0.0"
XLSX_HEADER_ROW = 6
_DATE_COLUMNS = ("week_start", "week_end", "earliest_deadline", "found_date", "deadline")
_WRAP_WIDTH = 48


def _points_format(lang: str) -> str:
    unit = i18n.text("briefing.export.points_unit", lang)
    return f'+0.0"{unit}";-0.0"{unit}";0.0"{unit}"'


def _text_width(value) -> int:
    """How many character widths ``value`` takes in a cell (a Chinese character counts two)."""
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        text = f"{value:,.1f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = "" if value is None else str(value)
    return max((sum(2 if ord(ch) > 0x2E7F else 1 for ch in line) for line in text.splitlines()), default=0)


def _write_sheet(wb, name: str, frame: pd.DataFrame, lines: list[str], lang: str,
                 formats: dict[str, str] | None = None, link_text: str = "", base_url: str | None = None,
                 table: bool = True):
    """One sheet: the brief's header lines, then ``frame`` as a table with a frozen, filtered header row.

    Columns named in ``_DATE_COLUMNS`` hold Excel dates, ``formats`` gives other columns' number
    formats, and the register column holds an absolute hyperlink showing ``link_text``. ``table``:
    False for running text (no filter on it).
    """
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(name)
    for i, line in enumerate(lines, start=1):
        ws.cell(row=i, column=1, value=exports.neutralise(line)).font = Font(bold=i == 1, size=14 if i == 1 else 10)
    dates = {column_title(k, lang) for k in _DATE_COLUMNS}
    register = column_title("register", lang)
    formats = formats or {}
    widths = []
    for j, column in enumerate(frame.columns, start=1):
        head = ws.cell(row=XLSX_HEADER_ROW, column=j, value=exports.neutralise(str(column)))
        head.font = Font(bold=True)
        head.fill = PatternFill("solid", fgColor="E6E6E6")
        head.alignment = Alignment(wrap_text=True, vertical="top")
        width = min(_text_width(column), 20)
        for i, value in enumerate(frame[column], start=XLSX_HEADER_ROW + 1):
            value = formatting.plain(value)
            cell = ws.cell(row=i, column=j)
            if column == register and value:
                cell.value, cell.hyperlink, cell.style = link_text, links.absolute(value, base_url), "Hyperlink"
            elif column in dates and value:
                cell.value, cell.number_format = as_date(value) if isinstance(value, str | date) else value, XLSX_DATE
            elif isinstance(value, int | float) and not isinstance(value, bool):
                cell.value = value
                cell.number_format = formats.get(column, XLSX_COUNT if isinstance(value, int) else XLSX_DECIMAL)
            else:
                cell.value = exports.neutralise(value)
            width = max(width, _text_width(cell.value if column != register else link_text))
        widths.append(width)
    for j, width in enumerate(widths, start=1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = min(max(width, 6), _WRAP_WIDTH) + 2
        if width > _WRAP_WIDTH:
            for (cell,) in ws.iter_rows(min_row=XLSX_HEADER_ROW + 1, min_col=j, max_col=j):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    last_row = XLSX_HEADER_ROW + max(len(frame), 1)
    ws.freeze_panes = ws.cell(row=XLSX_HEADER_ROW + 1, column=1)
    if table and len(frame.columns):
        ws.auto_filter.ref = f"A{XLSX_HEADER_ROW}:{get_column_letter(len(frame.columns))}{last_row}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{XLSX_HEADER_ROW}:{XLSX_HEADER_ROW}"
    return ws


def to_xlsx(brief: Brief, lang: str, base_url: str | None = None) -> bytes:
    """The brief as an Excel workbook: summary, cards, trends and the where-to-act lists.

    Every sheet opens with the title, week, scope and data-as-of lines; tables have set column
    widths, a frozen and filtered header row and print on A4 landscape. Dates are Excel dates,
    rates are numbers shown as percentages, a rate's change is in percentage points, and register
    links are absolute against ``base_url`` (default ``links.base_url()``).
    """
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    say = lambda key: i18n.text(f"briefing.export.{key}", lang)  # noqa: E731
    lines = header_lines(brief, lang)
    where = where_tables(brief, lang)
    wb = Workbook()
    wb.remove(wb.active)
    summary_sheet = _write_sheet(wb, say("sheet_summary"), pd.DataFrame(
        {i18n.text("briefing.section.summary", lang): summary(brief, lang)}), lines, lang, table=False)
    summary_sheet.column_dimensions["A"].width = 100
    for (cell,) in summary_sheet.iter_rows(min_row=XLSX_HEADER_ROW + 1, max_col=1):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    cards = _write_sheet(wb, say("sheet_cards"), cards_table(brief, lang, numeric=True), lines, lang)
    for i, card in enumerate(brief.cards, start=XLSX_HEADER_ROW + 1):
        unit = card.spec.unit
        value_format = {display.RATE: XLSX_RATE, display.DAYS: XLSX_DECIMAL}.get(unit, XLSX_COUNT)
        change_format = {display.RATE: _points_format(lang), display.DAYS: XLSX_DECIMAL_CHANGE}.get(
            unit, XLSX_COUNT_CHANGE)
        for column, number_format in ((2, value_format), (3, value_format), (4, change_format)):
            cell = cards.cell(row=i, column=column)
            if isinstance(cell.value, int | float):
                cell.number_format = number_format
    _write_sheet(wb, say("sheet_trends"), trends_table(brief, lang), lines, lang,
                 formats={column_title("on_time_rate", lang): XLSX_RATE})
    for key, sheet in (("top_towns", "sheet_towns"), ("top_enterprises", "sheet_enterprises"),
                       ("majors_found", "sheet_majors")):
        _write_sheet(wb, say(sheet), where[key], lines, lang, link_text=i18n.text("briefing.where.open", lang),
                     base_url=base_url)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
