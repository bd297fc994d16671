"""The warehouse's data-quality status: what it holds, what it never records, what looks wrong, how fresh.

One function, ``compute``, behind ``python -m gridwatch status --json`` and the page
数据质量 / Data quality. Every number comes from a query in ``queries/status_*.sql``;
this module only puts the results together:

- ``data_as_of`` and ``is_demo`` from the warehouse metadata (the writer stamps them);
- per table its rows and the first and last day of its own date, and per field the share
  of rows that record it;
- the fields never recorded: a column null in every row of a table that has rows, or a
  column that only a schema default fills because no import of the table had it
  (``staff.active``); and the figures they switch off (``gridwatch.field_figures``);
- dates after the day the warehouse was written (a typo such as 2027 for 2017), per table
  and column with counts and examples;
- the last import per table and per file, and the problems the latest import of each
  file reported, grouped by kind.
"""

from collections.abc import Callable
from datetime import date, datetime

import pandas as pd

from gridwatch import field_figures, warehouse

Run = Callable[..., pd.DataFrame]


def written_on(meta: dict[str, str]) -> date | None:
    """The local day the warehouse was last written (its ``written_at`` stamp), None if unknown."""
    stamp = meta.get("written_at")
    if not stamp:
        return None
    moment = datetime.fromisoformat(stamp)
    return (moment.astimezone() if moment.tzinfo else moment).date()


def _iso(value) -> str | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return value.isoformat() if isinstance(value, date) else str(value)


def _day(value) -> str | None:
    """A DATE column's value (pandas gives it as a Timestamp) as YYYY-MM-DD."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    return pd.Timestamp(value).date().isoformat()


def _plain(value):
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, (date, datetime, pd.Timestamp)):
        return _iso(value)
    if hasattr(value, "item"):
        return value.item()
    return value


def _records(items) -> list[dict]:
    """A list column's value (a numpy array of dicts) as plain JSON-able dicts."""
    if items is None or (isinstance(items, float) and items != items):
        return []
    return [{key: _plain(v) for key, v in item.items()} for item in items]


def _table_order(name: str) -> int:
    return warehouse.TABLES.index(name) if name in warehouse.TABLES else len(warehouse.TABLES)


def first_day(tables: pd.DataFrame) -> date | None:
    """The earliest first date of ``status_tables`` (the data's first day of activity), None if none."""
    first = pd.to_datetime(tables["first_date"]).min()
    return None if pd.isna(first) else first.date()


def compute(run: Run, meta: dict[str, str], today: date | None = None) -> dict:
    """The status of the warehouse that ``run(name, params)`` queries, as plain JSON-able values.

    ``meta`` is the warehouse's metadata; ``today`` (default: the local date) only sets how
    many days ago each source was last imported.
    """
    today = today or date.today()
    wrote = written_on(meta)
    is_demo = meta.get("is_demo") == "true"

    tables_frame = run("status_tables")
    columns = run("status_columns")
    future = run("status_future_dates", {"written_on": wrote or today})
    defaulted = run("status_defaulted_columns", {"is_demo": is_demo})
    sources = run("status_sources")
    warnings = run("status_warnings")

    tables: dict[str, dict] = {}
    for row in sorted(tables_frame.to_dict("records"), key=lambda r: _table_order(r["table_name"])):
        tables[row["table_name"]] = {
            "rows": int(row["row_count"]),
            "date_column": _plain(row["date_column"]),
            "first_date": _day(row["first_date"]),
            "last_date": _day(row["last_date"]),
            "completeness": {},
        }
    empty = [name for name, info in tables.items() if info["rows"] == 0]

    never: dict[str, list[str]] = {name: [] for name, info in tables.items() if info["rows"]}
    by_default = {(r["table_name"], r["column_name"]) for r in defaulted.to_dict("records")}
    for row in columns.to_dict("records"):
        table, column, rows = row["table_name"], row["column_name"], int(row["row_count"])
        if table not in tables:
            continue
        tables[table]["completeness"][column] = int(row["non_null"]) / rows if rows else None
        if rows and (int(row["non_null"]) == 0 or (table, column) in by_default):
            never[table].append(column)

    future_dates: dict[str, dict] = {}
    for row in sorted(future.to_dict("records"), key=lambda r: (_table_order(r["table_name"]), r["column_name"])):
        future_dates.setdefault(row["table_name"], {})[row["column_name"]] = {
            "count": int(row["future_count"]),
            "examples": _records(row["examples"]),
        }

    source_rows = []
    for row in sources.to_dict("records"):
        imported = pd.Timestamp(row["imported_at"]).to_pydatetime()
        source_rows.append({
            "table": row["table_name"],
            "file": row["file"],
            "sheet": _plain(row["sheet"]) or "",
            "import_id": row["import_id"],
            "imported_at": _iso(imported),
            "days_since": (today - imported.date()).days,
            "rows_read": _plain(row["rows_read"]),
            "rows_loaded": _plain(row["rows_loaded"]),
            "rows_rejected": _plain(row["rows_rejected"]),
            "rows_warned": _plain(row["rows_warned"]),
            "imports": int(row["imports"]),
        })
    source_rows.sort(key=lambda s: (_table_order(s["table"]), s["file"], s["sheet"]))
    last_import: dict[str, dict | None] = {}
    for name in tables:
        mine = [s for s in source_rows if s["table"] == name]
        if not mine:
            last_import[name] = None
            continue
        newest = max(mine, key=lambda s: (s["imported_at"], s["import_id"]))
        same = [s for s in mine if s["import_id"] == newest["import_id"]]
        last_import[name] = {
            "import_id": newest["import_id"],
            "imported_at": newest["imported_at"],
            "days_since": newest["days_since"],
            "files": [s["file"] + (f" [{s['sheet']}]" if s["sheet"] else "") for s in same],
            "rows_loaded": sum(s["rows_loaded"] or 0 for s in same),
            "rows_rejected": sum(s["rows_rejected"] or 0 for s in same),
            "rows_warned": sum(s["rows_warned"] or 0 for s in same),
        }

    grouped = [{
        "table": _plain(row["table_name"]),
        "severity": row["severity"],
        "code": row["code"],
        "column": _plain(row["column_name"]),
        "header": _plain(row["header"]),
        "detail": _plain(row["detail"]),
        "count": int(row["problems"]),
        "files": [str(f) for f in row["files"]],
        "examples": _records(row["examples"]),
    } for row in warnings.to_dict("records")]

    return {
        "data_as_of": _iso(warehouse.data_as_of(meta)),
        "written_on": _iso(wrote),
        "is_demo": is_demo,
        "tables": tables,
        "empty_tables": empty,
        "never_recorded": never,
        "switched_off": field_figures.switched_off(never, empty),
        "future_dates": future_dates,
        "last_import": last_import,
        "sources": source_rows,
        "warnings": grouped,
    }


def of_connection(con, today: date | None = None) -> dict:
    """``compute`` on an open warehouse connection (the CLI's way in)."""
    from gridwatch import queries

    return compute(lambda name, params=None: queries.run(con, name, params), warehouse.meta(con), today)
