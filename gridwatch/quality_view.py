"""The data-quality page's tables, built from ``gridwatch.status.compute``'s report for people to read.

Pure functions of the report and a language: column headers, field and figure names and
problem kinds come labelled; data values (file names, ids, codes from the data) stay as
they are, and Streamlit's dataframe shows them as text. Nothing here computes a figure.
"""

import pandas as pd

from gridwatch import field_figures, i18n
from gridwatch.columns import HEADERS

# Shares at or above this are "complete"; below, "partial" (exactly 0 is "never recorded").
COMPLETE = 1.0
STATES = ("complete", "partial", "never", "default")


def _t(key: str, lang: str, **values) -> str:
    return i18n.text(f"data_quality.{key}", lang, **values)


def joined(items, lang: str, examples: bool = False) -> str:
    """Items in one cell: 、 (；between examples) in Chinese, commas (semicolons) in English."""
    return i18n.join(items, lang, clauses=examples)


def table_label(table: str, lang: str) -> str:
    """A table's name in ``lang`` (企业 / Enterprises)."""
    return i18n.text(f"data_import.table.{table}", lang)


def field_label(table: str, column: str, lang: str) -> str:
    """A field as people know it: the export's Chinese header and the canonical name."""
    header = HEADERS.get(table, {}).get(column)
    if not header:
        return column
    return f"{header} ({column})" if lang == "zh" else f"{column} ({header})"


def figure_label(figure: str, lang: str) -> str:
    """A figure's name in ``lang``."""
    return _t(f"figure.{figure}", lang)


def missing_label(missing: str, lang: str) -> str:
    """``table.field`` or ``table`` (a table without rows) as people read it."""
    table, _, column = missing.partition(".")
    return field_label(table, column, lang) if column else _t("whole_table", lang, table=table_label(table, lang))


def kind_label(code: str, lang: str) -> str:
    """A problem code's short name; a code this version does not know shows as itself."""
    key = f"data_quality.code.{code}"
    return i18n.text(key, lang) if key in i18n.catalogue() else code


def field_state(report: dict, table: str, column: str) -> str:
    """complete, partial, never (null in every row) or default (only the schema default fills it)."""
    share = report["tables"][table]["completeness"].get(column)
    if column in report["never_recorded"].get(table, []):
        return "default" if share else "never"
    return "complete" if share is not None and share >= COMPLETE else "partial"


def cards(report: dict) -> dict[str, str]:
    """The page's four figures: tables with rows (of all), fields never recorded, figures switched off,
    dates after the day of writing."""
    future = sum(found["count"] for columns in report["future_dates"].values() for found in columns.values())
    return {
        "tables": f"{len(report['tables']) - len(report['empty_tables'])} / {len(report['tables'])}",
        "never": f"{sum(len(fields) for fields in report['never_recorded'].values()):,}",
        "switched": f"{len(report['switched_off']):,}",
        "future": f"{future:,}",
    }


def figures_without(report: dict, table: str, lang: str) -> list[str]:
    """The figures that ``table`` having no rows switches off, labelled."""
    return [figure_label(figure, lang) for figure, missing in report["switched_off"].items() if table in missing]


def first_with_rows(report: dict) -> int:
    """The position of the first table that holds rows (0 when none does): the page opens on it."""
    return next((i for i, name in enumerate(report["tables"]) if name not in report["empty_tables"]), 0)


def imported(last: dict | None, lang: str) -> str:
    """A table's last import as one cell: its time and how long ago (未导入 / never imported if none).

    Streamlit draws an empty number cell as "None" whatever a Styler says, and a text column of
    day counts would sort "10" before "9"; the time leads, so the cell sorts by age as it reads.
    """
    if not last:
        return _t("never_imported", lang)
    days = last["days_since"]
    key = "imported_today" if days == 0 else "imported_day_ago" if days == 1 else "imported_days_ago"
    return _t(key, lang, at=last["imported_at"], days=f"{days:,}")


def overview(report: dict, lang: str) -> pd.DataFrame:
    """One row per table: rows, first and last date, fields never recorded, and its last import."""
    rows = []
    for table, info in report["tables"].items():
        never = report["never_recorded"].get(table, [])
        rows.append({
            _t("col.table", lang): table_label(table, lang),
            _t("col.rows", lang): info["rows"],
            _t("col.first_date", lang): info["first_date"] or "",
            _t("col.last_date", lang): info["last_date"] or "",
            _t("col.never_recorded", lang): (joined((field_label(table, c, lang) for c in never), lang) if info["rows"]
                                             else _t("no_rows", lang)),
            _t("col.last_import", lang): imported(report["last_import"].get(table), lang),
        })
    return pd.DataFrame(rows)


def completeness(report: dict, table: str, lang: str) -> pd.DataFrame:
    """Per field of ``table``: its name, rows recording it, share, state and the figures it feeds."""
    info = report["tables"][table]
    rows = []
    for column, share in info["completeness"].items():
        state = field_state(report, table, column)
        needs = field_figures.NEEDS.get((table, column), ())
        rows.append({
            "field": field_label(table, column, lang),
            "recorded": None if share is None else round(share * info["rows"]),
            "share": share,
            "state": _t(f"state.{state}", lang),
            "state_code": state,
            "figures": joined((figure_label(f, lang) for f in needs), lang),
        })
    return pd.DataFrame(rows, columns=["field", "recorded", "share", "state", "state_code", "figures"])


def switched_off(report: dict, lang: str) -> pd.DataFrame:
    """Per figure the data cannot support: the figure and the missing fields or tables that switch it off."""
    return pd.DataFrame(
        [{_t("col.figure", lang): figure_label(figure, lang),
          _t("col.missing", lang): joined((missing_label(m, lang) for m in missing), lang)}
         for figure, missing in report["switched_off"].items()],
        columns=[_t("col.figure", lang), _t("col.missing", lang)])


def future_dates(report: dict, lang: str) -> pd.DataFrame:
    """Per table and date column: how many dates lie after the day of writing, with examples."""
    rows = [{
        _t("col.table", lang): table_label(table, lang),
        _t("col.field", lang): field_label(table, column, lang),
        _t("col.count", lang): found["count"],
        _t("col.examples", lang): joined((f"{e['id']} {e['date']}" for e in found["examples"]), lang, examples=True),
    } for table, columns in report["future_dates"].items() for column, found in columns.items()]
    return pd.DataFrame(rows, columns=[_t(f"col.{c}", lang) for c in ("table", "field", "count", "examples")])


def _example(example: dict, lang: str) -> str:
    where = example["file"] if example["row"] is None else _t("example_row", lang, file=example["file"],
                                                              row=example["row"])
    if example["value"] is None:
        return where
    return f"{where}：“{example['value']}”" if lang == "zh" else f"{where}: '{example['value']}'"


def _problem_field(problem: dict, lang: str) -> str:
    """The column a problem is about: the file's own header and the field, or the field alone."""
    if not problem["column"]:
        return "—"
    if problem["header"]:
        return f"{problem['header']} ({problem['column']})"
    return field_label(problem["table"], problem["column"], lang)


def warnings(report: dict, lang: str) -> pd.DataFrame:
    """The latest imports' problems, one row per kind (table, severity, problem, column) with a count."""
    rows = [{
        _t("col.severity", lang): i18n.text(f"data_import.severity.{w['severity']}", lang)
        if f"data_import.severity.{w['severity']}" in i18n.catalogue() else w["severity"],
        _t("col.table", lang): table_label(w["table"], lang) if w["table"] else "",
        _t("col.field", lang): _problem_field(w, lang),
        _t("col.kind", lang): kind_label(w["code"], lang),
        _t("col.count", lang): w["count"],
        _t("col.files", lang): joined(w["files"], lang),
        _t("col.examples", lang): joined((_example(e, lang) for e in w["examples"]), lang, examples=True),
    } for w in report["warnings"]]
    names = ("severity", "table", "field", "kind", "count", "files", "examples")
    return pd.DataFrame(rows, columns=[_t(f"col.{c}", lang) for c in names])


def freshness(report: dict, lang: str) -> pd.DataFrame:
    """Per imported file (and sheet): its table, last import, days since, how often, and the counts."""
    rows = [{
        _t("col.table", lang): table_label(s["table"], lang),
        _t("col.file", lang): s["file"] + (f" [{s['sheet']}]" if s["sheet"] else ""),
        _t("col.last_import", lang): s["imported_at"],
        _t("col.days_since", lang): s["days_since"],
        _t("col.imports", lang): s["imports"],
        _t("col.loaded", lang): s["rows_loaded"],
        _t("col.rejected", lang): s["rows_rejected"],
        _t("col.warned", lang): s["rows_warned"],
    } for s in report["sources"]]
    names = ("table", "file", "last_import", "days_since", "imports", "loaded", "rejected", "warned")
    return pd.DataFrame(rows, columns=[_t(f"col.{c}", lang) for c in names])


def freshness_by_table(report: dict, lang: str) -> pd.DataFrame:
    """Per imported table: its label and the days since its last import (the freshness chart's bars)."""
    rows = [{"table": table_label(table, lang), "days": last["days_since"]}
            for table, last in report["last_import"].items() if last]
    return pd.DataFrame(rows, columns=["table", "days"])
