"""Normalising and checking one sheet inside the import's transaction, vectorised in DuckDB.

``stage`` turns a sheet's text cells into typed columns (table ``_stage``) and lists every
problem (table ``_problems``: row, severity, column, value, code, detail). Coded and yes/no
columns are mapped through their few distinct values in Python; dates, numbers and every
check run as SQL over the whole sheet at once, so a million rows cost seconds, not minutes.
"""

from dataclasses import dataclass

import duckdb
import pandas as pd

from gridwatch.ingest import mapping as gm
from gridwatch.ingest.reading import Sheet

BLANKS = " \t\r\n\u3000\u00a0"
FULL_WIDTH = ("０１２３４５６７８９．－＋", "0123456789.-+")

# Foreign keys: a row is rejected when the row it names is not in the warehouse.
REFERENCES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "inspections": (("enterprise_id", "enterprises", "enterprise_id"), ("lead_staff_id", "staff", "staff_id")),
    "hazards": (("inspection_id", "inspections", "inspection_id"), ("enterprise_id", "enterprises", "enterprise_id")),
    "cases": (("enterprise_id", "enterprises", "enterprise_id"), ("hazard_id", "hazards", "hazard_id")),
    "tipoffs": (("enterprise_id", "enterprises", "enterprise_id"),),
    "worklogs": (("staff_id", "staff", "staff_id"),),
}
# References that only warn: an enterprise outside any known grid is a blind spot to report, not an error.
SOFT_REFERENCES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "enterprises": (("grid_id", "grids", "grid_id"),),
}
# (later, earlier): the later date may not fall before the earlier one.
DATE_ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    "hazards": (("deadline", "found_date"), ("rectified_date", "found_date")),
}
COORDINATES = {"lat": (-90, 90), "lon": (-180, 180)}
PLAUSIBLE_DATES = ("1950-01-01", "2100-12-31")

MACROS = f"""
create or replace temp macro gw_digits(v) as translate(v, '{FULL_WIDTH[0]}', '{FULL_WIDTH[1]}');
create or replace temp macro gw_number(v) as
    try_cast(replace(replace(replace(gw_digits(v), ',', ''), '，', ''), ' ', '') as double);
create or replace temp macro gw_date_text(v) as
    regexp_replace(replace(regexp_replace(gw_digits(v), '[年月/.]', '-', 'g'), '日', ''), '[ T].*$', '');
create or replace temp macro gw_date(v) as case
    when regexp_full_match(gw_date_text(v), '\\d{{8}}') then try_strptime(gw_date_text(v), '%Y%m%d')::date
    when regexp_full_match(gw_date_text(v), '\\d{{4}}-\\d{{1,2}}-\\d{{1,2}}')
        then try_strptime(gw_date_text(v), '%Y-%m-%d')::date
    when regexp_full_match(gw_digits(v), '\\d{{1,5}}(\\.\\d+)?')
        then (date '1899-12-30' + cast(floor(cast(gw_digits(v) as double)) as integer))::date
end;
"""


@dataclass
class Column:
    """A warehouse column as the schema declares it."""

    name: str
    type: str
    required: bool
    default: str | None = None


def schema_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[Column]:
    """The columns of a warehouse table in order; required = not null without a default."""
    rows = con.execute(f"describe {table}").fetchall()
    return [Column(r[0], r[1].upper(), r[2] == "NO" and r[4] is None, r[4]) for r in rows]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def missing_columns(con, sheet: Sheet) -> tuple[list[str], list[str]]:
    """Required and optional columns of the sheet's table that the file does not have."""
    cols = schema_columns(con, sheet.table)
    required = [c.name for c in cols if c.required and c.name not in sheet.columns]
    optional = [c.name for c in cols if not c.required and c.name not in sheet.columns]
    return required, optional


def stage(con: duckdb.DuckDBPyConnection, sheet: Sheet, mapping: gm.Mapping | None,
          known_industries: list[str]) -> None:
    """Build ``_stage`` (typed rows) and ``_problems`` (every error and warning) for one sheet."""
    table = sheet.table
    cols = schema_columns(con, table)
    con.execute(MACROS)
    con.register("_raw", sheet.data)
    present = [c for c in cols if c.name in sheet.columns]
    cleaned = ", ".join(
        f"nullif(trim(c{sheet.columns[c.name]}, '{BLANKS}'), '') as {_q('v_' + c.name)}" for c in present)
    con.execute(f"create or replace temp table _clean as select _row{', ' if cleaned else ''}{cleaned} from _raw")
    con.unregister("_raw")

    joins, typed = [], []
    for c in cols:
        v = _q("v_" + c.name)
        if c.name not in sheet.columns:
            # A column the file lacks is not recorded: null, or the schema's default where it
            # declares one (staff are active unless the file says otherwise).
            typed.append(f"{c.default if c.default is not None else 'null'}::{c.type} as {_q(c.name)}")
            continue
        kind = gm.coded_kind(table, c.name)
        if kind or c.type == "BOOLEAN":
            aliases = (gm.value_aliases(kind, table, c.name, mapping) if kind
                       else gm.bool_aliases(table, c.name, mapping))
            distinct = [r[0] for r in con.execute(f"select distinct {v} from _clean where {v} is not null").fetchall()]
            frame = pd.DataFrame({"raw": distinct, "val": [aliases.get(gm.value_key(d)) for d in distinct]},
                                 columns=["raw", "val"]).astype({"raw": "object", "val": "object"})
            alias = f"_map_{c.name}"
            con.register(alias, frame)
            con.execute(f"create or replace temp table {alias}_t as select raw::varchar as raw, "
                        f"val::{'boolean' if c.type == 'BOOLEAN' else 'varchar'} as val from {alias}")
            con.unregister(alias)
            joins.append(f"left join {alias}_t on {alias}_t.raw = c.{v}")
            value = f"{alias}_t.val"
            if c.type == "BOOLEAN" and c.default is not None:
                value = f"case when c.{v} is null then {c.default} else {value} end"
            typed.append(f"{value} as {_q(c.name)}")
        elif c.type == "DATE":
            typed.append(f"gw_date(c.{v}) as {_q(c.name)}")
        elif c.type in ("DOUBLE", "INTEGER", "BIGINT"):
            number = f"gw_number(c.{v})"
            if c.type != "DOUBLE":
                number = f"case when {number} = round({number}) then cast({number} as {c.type}) end"
            typed.append(f"{number} as {_q(c.name)}")
        else:
            typed.append(f"c.{v} as {_q(c.name)}")
    raw_cols = "".join(f", c.{_q('v_' + c.name)}" for c in present)
    con.execute(f"create or replace temp table _stage as select c._row{raw_cols}, {', '.join(typed)} "
                f"from _clean as c {' '.join(joins)}")
    con.execute("drop table _clean")
    con.execute("""create or replace temp table _problems (
        _row bigint, severity varchar, column_name varchar, value varchar, code varchar, detail varchar)""")
    _checks(con, table, cols, sheet, known_industries)


def _add(con, severity: str, column: str | None, value_sql: str, code: str, detail_sql: str,
         where: str, source: str = "_stage as s", params: dict | None = None) -> None:
    con.execute(
        f"insert into _problems select s._row, '{severity}', {_lit(column)}, {value_sql}, '{code}', {detail_sql} "
        f"from {source} where {where}", params or {})


def _lit(text: str | None) -> str:
    return "null" if text is None else "'" + text.replace("'", "''") + "'"


def _checks(con, table: str, cols: list[Column], sheet: Sheet, known_industries: list[str]) -> None:
    present = {c.name for c in cols if c.name in sheet.columns}
    for c in cols:
        if c.name not in present:
            continue
        v, t = f"s.{_q('v_' + c.name)}", f"s.{_q(c.name)}"
        if c.required:
            _add(con, "error", c.name, "null", "required", "null", f"{v} is null")
        kind = gm.coded_kind(table, c.name)
        if kind:
            _add(con, "error", c.name, v, "bad_code", _lit(kind), f"{v} is not null and {t} is null")
        elif c.type == "BOOLEAN":
            _add(con, "error", c.name, v, "bad_bool", "null", f"{v} is not null and {t} is null")
        elif c.type == "DATE":
            _add(con, "error", c.name, v, "bad_date", "null", f"{v} is not null and {t} is null")
            _add(con, "error", c.name, v, "impossible_date", "null",
                 f"{t} not between date '{PLAUSIBLE_DATES[0]}' and date '{PLAUSIBLE_DATES[1]}'")
        elif c.type in ("DOUBLE", "INTEGER", "BIGINT"):
            code = "bad_number" if c.type == "DOUBLE" else "bad_integer"
            _add(con, "error", c.name, v, code, "null", f"{v} is not null and {t} is null")
        if c.name in COORDINATES and c.name in present and table == "enterprises":
            lo, hi = COORDINATES[c.name]
            _add(con, "error", c.name, v, "coordinate", _lit(f"{lo}..{hi}"), f"{t} not between {lo} and {hi}")

    keys = gm.KEYS[table]
    if all(k in present for k in keys):
        key_cols = ", ".join(_q(k) for k in keys)
        on = " and ".join(f"s.{_q(k)} = d.{_q(k)}" for k in keys)
        first = keys[0]
        _add(con, "error", first, f"s.{_q('v_' + first)}", "duplicate", "d.rows_list",
             "true", source=f"""_stage as s join (
                select {key_cols}, count(*) as n,
                       array_to_string(list(_row order by _row)[1:5], ', ') as rows_list
                from _stage where {' and '.join(f'{_q(k)} is not null' for k in keys)}
                group by all having count(*) > 1) as d on {on}""")

    for severity, refs in (("error", REFERENCES.get(table, ())), ("warning", SOFT_REFERENCES.get(table, ()))):
        for column, target, target_key in refs:
            if column not in present:
                continue
            _add(con, severity, column, f"s.{_q('v_' + column)}",
                 "orphan" if severity == "error" else "unknown_reference", _lit(target),
                 f"s.{_q(column)} is not null and not exists "
                 f"(select 1 from {target} as r where r.{_q(target_key)} = s.{_q(column)})")

    for later, earlier in DATE_ORDER.get(table, ()):
        if later in present and earlier in present:
            _add(con, "error", later, f"s.{_q('v_' + later)}", "date_order", _lit(earlier),
                 f"s.{_q(later)} < s.{_q(earlier)}")

    if table == "enterprises" and "industry" in present and known_industries:
        _add(con, "warning", "industry", "s.v_industry", "unknown_industry", "null",
             "s.industry is not null and not list_contains($known, s.industry)", params={"known": known_industries})
