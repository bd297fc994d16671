"""Lists people hand on: the case list, the tip-off ledger and the work-log misses.

The rows come from ``queries/rectification_case_list.sql``, ``rectification_tipoff_ledger.sql``
and ``performance_worklog_misses.sql``; this module labels them for people (codes and
yes/no in the UI language, "not recorded" for a yes/no the data does not hold), sums the
work-log misses per person, and writes them as CSV (filters and data-as-of on top) or as
printable A4-landscape sheets (``gridwatch.workbook``).
"""

from datetime import date, timedelta

import pandas as pd

from gridwatch import exports, i18n, labelling, workbook
from gridwatch.workbook import DATE, INT, MONEY, NUMBER, RATE, TEXT, Column

CODED = {"hazard_level": "hazard_level", "measure": "measure"}
STATUSES = ("case_status", "tipoff_status")
MONEY_COLUMNS = ("penalty_amount", "reward_amount")
RATE_COLUMNS = ("completeness",)
SUMMARY_COLUMNS = ("unit", "staff_id", "name", "role", "working_days", "missed_morning_days",
                   "missed_evening_days", "complete_days", "completeness")


def header(column: str, lang: str) -> str:
    """A list column's header in ``lang``."""
    return i18n.text(f"registers.col.{column}", lang)


def working_days(start: date, end: date) -> int:
    """Monday-to-Friday days in [start, end] (the data holds no holiday calendar)."""
    days = (end - start).days + 1
    return sum(1 for i in range(max(days, 0)) if (start + timedelta(days=i)).weekday() < 5)


def worklog_summary(misses: pd.DataFrame, days: int) -> pd.DataFrame:
    """Per person who missed any day: days without the morning plan, without the evening review,
    complete days and completeness (complete ÷ working days, as worklog_completeness); per unit,
    the fewest complete days first."""
    if misses.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SUMMARY_COLUMNS})
    grouped = misses.groupby(["unit", "staff_id", "name", "role"], sort=True, dropna=False)
    out = grouped.agg(missed_morning_days=("missed_morning", "sum"), missed_evening_days=("missed_evening", "sum"),
                      missed_days=("date", "count")).reset_index()
    out["working_days"] = days
    out["complete_days"] = days - out["missed_days"]
    out["completeness"] = out["complete_days"] / days if days else float("nan")
    for column in ("missed_morning_days", "missed_evening_days", "complete_days"):
        out[column] = out[column].astype(int)
    out = out.sort_values(["unit", "complete_days", "staff_id"]).reset_index(drop=True)
    return out.loc[:, list(SUMMARY_COLUMNS)]


def _plain_numbers(series: pd.Series) -> pd.Series:
    """Amounts and counts as people write them: two decimals at most, whole numbers without
    any, a gap left blank (Excel reads "12.000000001" as it is)."""
    if pd.api.types.is_float_dtype(series):
        rounded = series.round(2)
        whole = rounded.dropna()
        series = rounded.astype("Int64") if (whole == whole.round()).all() else rounded
    elif not isinstance(series.dtype, pd.Int64Dtype):
        return series
    return series.astype(object).where(series.notna(), "")


def _labelled(frame: pd.DataFrame, lang: str, **how) -> pd.DataFrame:
    """``labelling.for_people`` with the lists' codes, statuses and 是/否/未记录 (a yes/no the
    data does not hold is not a no)."""
    statuses = {k: (lambda c, k=k: i18n.text(f"registers.{k}.{c}", lang)) for k in STATUSES}
    yes_no = tuple(i18n.text(f"coverage.{k}", lang) for k in ("yes", "no", "not_recorded"))
    return labelling.for_people(frame, lang, codes=CODED, special=statuses, yes_no=yes_no, **how)


def labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` for the page and CSV: headers and codes in ``lang``, 是/否/未记录, plain dates, blanks
    empty, whole amounts without decimals, rates as percentages."""
    return _labelled(frame, lang, headers="registers.col.", rates=RATE_COLUMNS, numbers=_plain_numbers)


def csv_bytes(frame: pd.DataFrame, header_lines: list[str], lang: str) -> bytes:
    """The labelled list as CSV for Excel (``exports.csv_bytes``): the context lines, a blank line, the table."""
    return exports.csv_bytes(labelled(frame, lang), header_lines)


def _kind(column: str, series: pd.Series) -> str:
    if column in MONEY_COLUMNS:
        return MONEY
    if column in RATE_COLUMNS:
        return RATE
    if pd.api.types.is_datetime64_any_dtype(series):
        return DATE
    if pd.api.types.is_integer_dtype(series):
        return INT
    if pd.api.types.is_float_dtype(series):
        return NUMBER
    return TEXT


def sheet(frame: pd.DataFrame, name: str, title: str, header_lines: list[str], lang: str,
          footer: str = "", frozen_columns: int = 1) -> workbook.Sheet:
    """``frame`` as one printable sheet: labels in ``lang``, real dates, money and rates formatted."""
    # Real dates and numbers: the sheet formats them; a code nobody recorded is an empty cell.
    values = _labelled(frame, lang, date_format=None, blank=None, missing=dict.fromkeys(CODED))
    columns = [Column(header(c, lang), _kind(c, frame[c])) for c in frame.columns]
    rows = list(zip(*(list(values[c]) for c in values.columns), strict=True)) if len(values.columns) else []
    return workbook.Sheet(name=name, title=title, lines=header_lines, columns=columns, rows=rows,
                          footer=footer, frozen_columns=frozen_columns,
                          page_numbers=i18n.text("registers.page_numbers", lang, page="&P", pages="&N"))


def xlsx(sheets: list[tuple[str, pd.DataFrame]], title: str, header_lines: list[str], lang: str,
         data_as_of: date) -> bytes:
    """A printable workbook of (unit, rows) sheets, each titled ``title · unit`` (just ``title`` unnamed)."""
    names = workbook.sheet_names([unit or title for unit, _ in sheets])
    footer = i18n.text("registers.footer", lang, data_as_of=data_as_of.isoformat())
    return workbook.write(
        sheet(frame, names[unit or title], f"{title} · {unit}" if unit else title, header_lines, lang, footer)
        for unit, frame in sheets
    )


def per_unit(frame: pd.DataFrame, column: str = "unit") -> list[tuple[str, pd.DataFrame]]:
    """``frame`` split by ``column`` (sorted), each part without that column."""
    return [(str(unit), part.drop(columns=column).reset_index(drop=True))
            for unit, part in frame.groupby(column, sort=True)]
