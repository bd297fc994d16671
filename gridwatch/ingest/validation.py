"""Normalising and checking one sheet's rows for one target table, vectorised in DuckDB.

``stage`` builds each warehouse column from the sheet's text cells (a matched header, or a
recipe's constant, concatenation, value map or date format; rows a recipe filters out are
dropped, a ``repeat`` count copies a row), types it (table ``_stage``) and lists every
problem (table ``_problems``: row, severity, column, value, code, detail).

The rules of DESIGN.md "Honest figures on real data": a bad value in a column that is
neither a key nor required (a rectification or deadline before the finding, an impossible,
unreadable or future date, a negative amount, a reference to nothing) **empties that field**,
keeps the record and warns with the original value; only a missing or invalid key or
required field rejects the row. "Future" is relative to the import day, and only for dates
of things that happened (a deadline may lie ahead).

Coded and yes/no columns are mapped through their few distinct values in Python; dates,
numbers and every check run as SQL over the whole sheet at once, so a million rows cost
seconds, not minutes. Every value from a file or a recipe reaches SQL as a parameter.
"""

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import duckdb
import pandas as pd

from gridwatch.ingest import mapping as gm
from gridwatch.ingest.reading import Sheet, Target
from gridwatch.paths import SCHEMA_FILE

BLANKS = " \t\r\n\u3000\u00a0"
FULL_WIDTH = ("０１２３４５６７８９．－＋", "0123456789.-+")

# Foreign keys. A row naming a record that does not exist is rejected when the column is
# required (a hazard's enterprise); an optional reference (a hazard's inspection) is emptied.
REFERENCES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "inspections": (("enterprise_id", "enterprises", "enterprise_id"), ("lead_staff_id", "staff", "staff_id")),
    "hazards": (("inspection_id", "inspections", "inspection_id"), ("enterprise_id", "enterprises", "enterprise_id")),
    "cases": (("enterprise_id", "enterprises", "enterprise_id"), ("hazard_id", "hazards", "hazard_id")),
    "tipoffs": (("enterprise_id", "enterprises", "enterprise_id"),),
    "worklogs": (("staff_id", "staff", "staff_id"),),
}
# References that only warn and keep the value: an enterprise outside any known grid is a blind
# spot to report, not an error.
SOFT_REFERENCES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "enterprises": (("grid_id", "grids", "grid_id"),),
}
# (later, earlier): the later date may not fall before the earlier one.
DATE_ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    "hazards": (("deadline", "found_date"), ("rectified_date", "found_date")),
}
# Dates of things that happened: one after the import day is a typo, never "the future".
EVENT_DATES: dict[str, tuple[str, ...]] = {
    "enterprises": ("listed_since",),
    "inspections": ("date",),
    "hazards": ("found_date", "rectified_date", "verified_date", "reminder_date", "order_date"),
    "cases": ("filed_date", "interview_date", "decided_date"),
    "tipoffs": ("received_date", "closed_date"),
    "worklogs": ("date",),
}
# Amounts and counts that cannot be negative.
NOT_NEGATIVE: dict[str, tuple[str, ...]] = {
    "enterprises": ("employees",), "grids": ("population", "grid_staff"), "hazards": ("funds_amount",),
    "cases": ("penalty_amount",), "tipoffs": ("reward_amount",),
}
COORDINATES = {"lat": (-90, 90), "lon": (-180, 180)}
PLAUSIBLE_DATES = ("1950-01-01", "2100-12-31")
# Codes of a field-level problem: on an optional column the field is emptied and the row loads.
FIELD_LEVEL = {"bad_code", "bad_bool", "bad_date", "impossible_date", "future_date", "bad_number", "bad_integer",
               "negative", "coordinate", "date_order", "orphan"}

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
create or replace temp macro gw_date_as(v, formats) as coalesce(
    try_strptime(gw_digits(v), formats),
    try_strptime(regexp_replace(gw_digits(v), '[ T].*$', ''), formats))::date;
create or replace temp macro gw_cell(v) as nullif(
    case when regexp_matches(trim(v, '{BLANKS}'), '^''[=+\\-@]') then substr(trim(v, '{BLANKS}'), 2)
         else trim(v, '{BLANKS}') end, '');
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


@lru_cache(maxsize=1)
def declared_columns() -> dict[str, tuple[Column, ...]]:
    """Per table, its columns as the schema file declares them, read off an empty database."""
    probe = duckdb.connect()
    try:
        probe.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
        return {t: tuple(schema_columns(probe, t)) for t in gm.LOAD_ORDER}
    finally:
        probe.close()


def required_columns() -> dict[str, tuple[str, ...]]:
    """Per table, the columns the schema requires (not null, no default)."""
    return {t: tuple(c.name for c in cols if c.required) for t, cols in declared_columns().items()}


def columns_of_type(kind: str) -> dict[str, tuple[str, ...]]:
    """Per table, its columns of one SQL type (``DATE``, ``BOOLEAN`` …)."""
    return {t: tuple(c.name for c in cols if c.type == kind) for t, cols in declared_columns().items()}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def missing_columns(con, target: Target) -> tuple[list[str], list[str]]:
    """Required and optional columns of the target's table that nothing in the file builds."""
    cols = schema_columns(con, target.table)
    required = [c.name for c in cols if c.required and c.name not in target.fields]
    optional = [c.name for c in cols if not c.required and c.name not in target.fields]
    return required, optional


class _Params:
    """Named parameters for one statement: values from files and recipes never become SQL text."""

    def __init__(self):
        self.values: dict = {}

    def add(self, value) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"

    def used_in(self, sql: str) -> dict:
        return _used(sql, self.values)


def _source_sql(spec: gm.Field, positions: dict[str, int], params: _Params) -> str:
    """The SQL text of a field as the recipe or header builds it (over ``_raw`` columns ``c0…``)."""
    def cell(header: str) -> str:
        return f"gw_cell(r.c{positions[gm.fold(header)]})"

    if spec.column is not None:
        return cell(spec.column)
    if spec.concat:
        pieces, sources = [], []
        for part in spec.concat:
            if part.kind == "column":
                pieces.append(cell(part.text))
                sources.append(cell(part.text))
            elif part.kind == "index":
                pieces.append("cast(_n as varchar)")
            else:
                pieces.append(params.add(part.text))
        # Blank when any source part is blank: "B12-" is not an id.
        blank = " or ".join(f"{s} is null" for s in sources) or "false"
        return f"case when {blank} then null else concat_ws({params.add(spec.sep)}, {', '.join(pieces)}) end"
    return f"nullif(trim({params.add(spec.value)}, '{BLANKS}'), '')"


def _filter_sql(target: Target, positions: dict[str, int], params: _Params) -> str:
    clauses = []
    for f in target.recipe.where if target.recipe else ():
        cell = f"lower(gw_cell(r.c{positions[gm.fold(f.column)]}))"
        values = [v.lower() for v in f.values if v != ""]
        blank = "" in f.values
        test = f"coalesce(list_contains({params.add(values)}, {cell}), false)"
        if blank:
            test = f"({cell} is null or {test})"
        clauses.append(test if f.op == "in" else f"not {test}")
    return " and ".join(clauses) or "true"


def stage(con: duckdb.DuckDBPyConnection, sheet: Sheet, target: Target, mapping: gm.Mapping | None,
          known_industries: list[str], today: date) -> dict[str, int]:
    """Build ``_stage`` (typed rows) and ``_problems`` (every error and warning) for one target of a sheet.

    Returns counts: ``skipped`` (rows a recipe filter dropped) and ``merged`` (identical copies
    that a ``distinct`` recipe loads once).
    """
    table = target.table
    cols = schema_columns(con, table)
    con.execute(MACROS)
    con.execute("""create or replace temp table _problems (
        _row bigint, severity varchar, column_name varchar, value varchar, code varchar, detail varchar)""")
    positions = sheet.positions()
    present = [c for c in cols if c.name in target.fields]
    params = _Params()
    built = ", ".join(f"{_source_sql(target.fields[c.name], positions, params)} as {_q('v_' + c.name)}"
                      for c in present)
    where = _filter_sql(target, positions, params)
    recipe = target.recipe
    con.register("_raw", sheet.data)
    if recipe and recipe.repeat:
        count = f"gw_cell(r.c{positions[gm.fold(recipe.repeat)]})"
        con.execute(f"""create or replace temp table _counted as
            select r.*, {count} as _count_text,
                   case when gw_number({count}) = round(gw_number({count}))
                        then cast(gw_number({count}) as bigint) end as _count
            from _raw as r where {where}""", params.used_in(where + count))
        con.execute("""insert into _problems select _row, 'error', null, _count_text, 'bad_repeat',
                        $limit from _counted
                        where _count_text is not null and (_count is null or _count < 0 or _count > $limit)""",
                    {"limit": str(gm.MAX_REPEAT)})
        source = (f"(select c.*, unnest(range(1, c._count + 1)) as _n from _counted as c "
                  f"where c._count between 1 and {gm.MAX_REPEAT}) as r")
        filtered = "true"
    else:
        source, filtered = "_raw as r", where
    sql = f"""create or replace temp table _src as
        select r._row, row_number() over () as _sid{', ' if built else ''}{built}
        from {source} where {filtered}"""
    con.execute(sql, params.used_in(sql))
    sql = f"select count(*) from _raw as r where {where}"
    kept = con.execute(sql, params.used_in(sql)).fetchall()[0][0]
    con.unregister("_raw")
    con.execute("drop table if exists _counted")
    _apply_value_maps(con, target, present)

    joins, typed = [], []
    for c in cols:
        v = _q("v_" + c.name)
        if c.name not in target.fields:
            # A column the file lacks is not recorded: null, or the schema's default where it
            # declares one (staff are active unless the file says otherwise).
            typed.append(f"{c.default if c.default is not None else 'null'}::{c.type} as {_q(c.name)}")
            continue
        kind = gm.coded_kind(table, c.name)
        if kind or c.type == "BOOLEAN":
            aliases = (gm.value_aliases(kind, table, c.name, mapping) if kind
                       else gm.bool_aliases(table, c.name, mapping))
            distinct = [r[0] for r in con.execute(f"select distinct {v} from _src where {v} is not null").fetchall()]
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
            formats = target.fields[c.name].formats
            typed.append(f"gw_date_as(c.{v}, {params.add(list(formats))}) as {_q(c.name)}" if formats
                         else f"gw_date(c.{v}) as {_q(c.name)}")
        elif c.type in ("DOUBLE", "INTEGER", "BIGINT"):
            number = f"gw_number(c.{v})"
            if c.type != "DOUBLE":
                number = f"case when {number} = round({number}) then cast({number} as {c.type}) end"
            typed.append(f"{number} as {_q(c.name)}")
        else:
            typed.append(f"c.{v} as {_q(c.name)}")
    raw_cols = "".join(f", c.{_q('v_' + c.name)}" for c in present)
    sql = (f"create or replace temp table _stage as select c._row, c._sid{raw_cols}, {', '.join(typed)} "
           f"from _src as c {' '.join(joins)}")
    con.execute(sql, params.used_in(sql))
    con.execute("drop table _src")
    for c in present:
        if gm.coded_kind(table, c.name) or c.type == "BOOLEAN":
            con.execute(f"drop table if exists _map_{c.name}_t")
    merged = _checks(con, table, cols, target, known_industries, today)
    return {"skipped": sheet.data.num_rows - kept, "merged": merged}


def _apply_value_maps(con, target: Target, present: list[Column]) -> None:
    """A recipe's ``map`` and ``default``: source values replaced before typing (key "" = blank)."""
    for c in present:
        spec = target.fields[c.name]
        if not spec.map and spec.default is None:
            continue
        v = _q("v_" + c.name)
        lookup = {gm.value_key(k): val for k, val in spec.map.items() if k != ""}
        distinct = [r[0] for r in con.execute(f"select distinct {v} from _src where {v} is not null").fetchall()]
        mapped = [lookup.get(gm.value_key(d), spec.default if spec.default is not None else d) for d in distinct]
        frame = pd.DataFrame({"raw": distinct, "val": mapped}, columns=["raw", "val"]).astype(object)
        con.register("_recipe_map", frame)
        con.execute(f"update _src set {v} = nullif(trim(m.val::varchar, $blanks), '') "
                    f"from _recipe_map as m where _src.{v} = m.raw::varchar", {"blanks": BLANKS})
        con.unregister("_recipe_map")
        if "" in spec.map:
            con.execute(f"update _src set {v} = nullif(trim($blank, $blanks), '') where {v} is null",
                        {"blank": spec.map[""], "blanks": BLANKS})


def _add(con, severity: str, column: str | None, value_sql: str, code: str, detail_sql: str,
         where: str, source: str = "_stage as s", params: dict | None = None) -> None:
    con.execute(
        f"insert into _problems select s._row, $severity, $column, {value_sql}, $code, {detail_sql} "
        f"from {source} where {where}", {"severity": severity, "column": column, "code": code, **(params or {})})


def _field_problem(con, c: Column, keyed: bool, code: str, where: str, detail_sql: str = "null",
                   params: dict | None = None) -> None:
    """Record a bad value: a key or required column rejects the row; any other is emptied and warned."""
    v, t = f"s.{_q('v_' + c.name)}", f"s.{_q(c.name)}"
    severity = "error" if c.required or keyed else "warning"
    _add(con, severity, c.name, v, code, detail_sql, where, params=params)
    if severity == "warning":
        sql = f"update _stage as s set {_q(c.name)} = null where {t} is not null and ({where})"
        con.execute(sql, _used(sql, params or {}))


def _used(sql: str, params: dict) -> dict:
    # DuckDB refuses parameters a statement does not name.
    return {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}


def _checks(con, table: str, cols: list[Column], target: Target, known_industries: list[str], today: date) -> int:
    present = {c.name: c for c in cols if c.name in target.fields}
    keys = gm.KEYS[table]
    for c in present.values():
        v, t = f"s.{_q('v_' + c.name)}", f"s.{_q(c.name)}"
        keyed = c.name in keys
        kind = gm.coded_kind(table, c.name)
        if kind:
            _field_problem(con, c, keyed, "bad_code", f"{v} is not null and {t} is null", "$kind", {"kind": kind})
        elif c.type == "BOOLEAN":
            _field_problem(con, c, keyed, "bad_bool", f"{v} is not null and {t} is null")
        elif c.type == "DATE":
            _field_problem(con, c, keyed, "bad_date", f"{v} is not null and {t} is null")
            _field_problem(con, c, keyed, "impossible_date",
                           f"{t} not between date '{PLAUSIBLE_DATES[0]}' and date '{PLAUSIBLE_DATES[1]}'")
            if c.name in EVENT_DATES.get(table, ()):
                _field_problem(con, c, keyed, "future_date", f"{t} > $today", "$day",
                               {"today": today, "day": today.isoformat()})
        elif c.type in ("DOUBLE", "INTEGER", "BIGINT"):
            _field_problem(con, c, keyed, "bad_number" if c.type == "DOUBLE" else "bad_integer",
                           f"{v} is not null and {t} is null")
            if c.name in NOT_NEGATIVE.get(table, ()):
                _field_problem(con, c, keyed, "negative", f"{t} < 0")
        if c.name in COORDINATES and table == "enterprises":
            lo, hi = COORDINATES[c.name]
            _field_problem(con, c, keyed, "coordinate", f"{t} not between {lo} and {hi}", "$range",
                           {"range": f"{lo}..{hi}"})

    for later, earlier in DATE_ORDER.get(table, ()):
        if later in present and earlier in present:
            # The detail names the earlier column as the file heads it.
            _field_problem(con, present[later], later in keys, "date_order",
                           f"s.{_q(later)} < s.{_q(earlier)}", "$header", {"header": target.label(earlier)})

    for severity, refs in (("error", REFERENCES.get(table, ())), ("warning", SOFT_REFERENCES.get(table, ()))):
        for column, other, other_key in refs:
            if column not in present:
                continue
            where = (f"s.{_q(column)} is not null and not exists "
                     f"(select 1 from {other} as r where r.{_q(other_key)} = s.{_q(column)})")
            if severity == "warning":
                _add(con, "warning", column, f"s.{_q('v_' + column)}", "unknown_reference", "$other", where,
                     params={"other": other})
            else:
                _field_problem(con, present[column], column in keys, "orphan", where, "$other", {"other": other})

    for c in present.values():
        if c.required:
            _add(con, "error", c.name, "null", "required", "null", f"s.{_q(c.name)} is null and "
                 f"s.{_q('v_' + c.name)} is null")

    merged = _duplicates(con, cols, target, keys)

    if table == "enterprises" and "industry" in present and known_industries:
        _add(con, "warning", "industry", "s.v_industry", "unknown_industry", "null",
             "s.industry is not null and not list_contains($known, s.industry)", params={"known": known_industries})
    return merged


def _duplicates(con, cols: list[Column], target: Target, keys: tuple[str, ...]) -> int:
    """Copies of one key: identical copies load once (a warning, or silently for a ``distinct`` recipe);
    copies that differ are all held back, since which one is right is the clerk's call."""
    if not all(k in target.fields for k in keys):
        return 0
    con.execute("create or replace temp table _skip (_sid bigint)")
    key_cols = ", ".join(_q(k) for k in keys)
    on = " and ".join(f"s.{_q(k)} = d.{_q(k)}" for k in keys)
    values = ", ".join(_q(c.name) for c in cols)
    con.execute(f"""create or replace temp table _dups as
        select {key_cols}, count(*) as n, count(distinct struct_pack({values})) as versions,
               min(_sid) as first_sid, min(_row) as first_row,
               array_to_string(list(distinct _row order by _row)[1:5], ', ') as rows_list
        from _stage where {' and '.join(f'{_q(k)} is not null' for k in keys)}
        group by all having count(*) > 1""")
    first = keys[0]
    _add(con, "error", first, f"s.{_q('v_' + first)}", "duplicate", "d.rows_list", "d.versions > 1",
         source=f"_stage as s join _dups as d on {on}")
    distinct = bool(target.recipe and target.recipe.distinct)
    if not distinct:
        _add(con, "warning", first, f"s.{_q('v_' + first)}", "identical_duplicate", "cast(d.first_row as varchar)",
             "d.versions = 1 and s._sid <> d.first_sid and s._row <> d.first_row",
             source=f"_stage as s join _dups as d on {on}")
    con.execute(f"insert into _skip select s._sid from _stage as s join _dups as d on {on} "
                "where d.versions = 1 and s._sid <> d.first_sid")
    merged = con.execute("select count(*) from _skip").fetchall()[0][0]
    con.execute("drop table _dups")
    return merged
