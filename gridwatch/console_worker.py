"""The SQL console's worker: runs one statement in a process of its own and writes the bounded answer.

``gridwatch.console.run`` starts this file as a child process for every statement
(``python -I -B console_worker.py``), sends a JSON request on stdin and reads one
JSON line and, for an answer, an Arrow IPC stream from stdout. A process of its own
bounds what a statement can do to the server, whatever DuckDB itself bounds:

- memory: ``RLIMIT_AS`` of DuckDB's ``memory_limit`` plus ``HEADROOM_BYTES``; seen on
  2.0.1, ``repeat('x', 1000000000)`` used 2 GB and 8 s despite ``memory_limit = '1GB'``
  and ``max_execution_time = 5000``, and ``repeat('x', 3000000000)`` 5.8 GB; under the
  rlimit an allocation past it fails (OutOfMemoryException) in this process only;
- time: the parent kills the process past its deadline (binding 50,000 columns or a
  long ``repeat`` does not check DuckDB's interrupt);
- CPU: ``threads = 1``, a lower priority (``NICE``) once the statement starts, and no
  Python lock shared with the pages of other sessions.

Inside, the sandbox is STACK.md's recipe tightened: an in-memory database that
ATTACHes the warehouse READ_ONLY (or holds a copy of only the user's towns), no
temporary directory (nothing spills, so no other statement's spill file can be
read), ``disabled_filesystems = 'LocalFileSystem'`` after the attach (on 2.0.1
``enable_external_access = false`` still lets ``read_blob`` read the attached file,
its WAL and the temporary directory), and ``lock_configuration``.

The statement must be one SELECT. It is parsed to DuckDB's syntax tree
(``json_serialize_sql``), written back as SQL from that tree and parsed again; the
second tree is checked against an allow-list (the warehouse's tables and views,
the schema's table macros, ``information_schema``, a few catalogue and generator
functions; no ``current_setting``) and that written-back SQL is what runs, so no
comment or quoting trick can make what runs differ from what was checked. The
answer is wrapped (``select … from (<statement>) as q(c0, …) limit n``) so that
text, and anything not a plain number or date as text, arrives cut at
``max_cell_chars``, and it is collected batch by batch until ``max_result_bytes``.

This file imports only the standard library, duckdb and pyarrow (not pandas, which
pyarrow.compute would load): it starts in about 0.3 s on an idle machine.
"""

import json
import os
import resource
import sys

HEADROOM_BYTES = 1536 * 2**20
NICE = 10
CUT_MARK = "…"
BATCH_ROWS = 2048
# The first line the worker writes: the sandbox stands and the statement's own time starts.
READY = b"ready\n"
# Syntax trees nest a level per join or parenthesis; deeper ones are refused, not crashed on.
RECURSION_LIMIT = 5000

# Catalogue and generator functions a statement may take rows from; the schema's own
# table macros are added from the catalogue. Everything else that reads rows (files,
# settings, databases and their paths, logs, secrets, extensions, query()) is refused.
TABLE_FUNCTIONS = frozenset({
    "range", "generate_series", "unnest", "json_each", "json_tree",
    "duckdb_tables", "duckdb_columns", "duckdb_views", "duckdb_types", "duckdb_functions",
    "duckdb_constraints", "duckdb_indexes", "duckdb_schemas", "duckdb_keywords",
})
# System views a statement may name (besides information_schema.*): none shows a path.
SYSTEM_VIEWS = frozenset({
    "duckdb_tables", "duckdb_columns", "duckdb_views", "duckdb_types",
    "duckdb_constraints", "duckdb_indexes", "duckdb_schemas",
})
# Scalar functions that reveal the server's settings (paths among them) or write.
DENIED_FUNCTIONS = frozenset({"current_setting", "getvariable", "write_log"})
SHOW_SPECIAL = frozenset({'"tables"', '"databases"', "__show_tables_expanded"})

# Column types passed through as they are (hugeint, the type of sum() over integers, arrives as a
# decimal); every other type arrives as text.
PLAIN_TYPES = frozenset({
    "boolean", "tinyint", "smallint", "integer", "bigint", "hugeint", "utinyint", "usmallint", "uinteger",
    "ubigint", "float", "double", "decimal", "date", "time", "timestamp", "timestamp_s",
    "timestamp_ms", "timestamp_ns", '"null"', "null",
})

# A town-scoped user's copy: which rows of each table they may see. Records follow their
# enterprise; tip-offs naming no enterprise follow their town (as queries/explore_tipoffs.sql).
# Staff, worklogs, meta and the import log (files and counts) name no enterprise or town and
# are copied whole; the quarantine holds raw rejected rows of any town and is left empty.
# A table not listed here is refused, never copied unscoped.
_IN_SCOPE = "enterprise_id in (select enterprise_id from src.enterprises where list_contains($towns, town))"
SCOPED_ROWS = {
    "meta": "true",
    "grids": "list_contains($towns, town)",
    "enterprises": "list_contains($towns, town)",
    "staff": "true",
    "inspections": _IN_SCOPE,
    "hazards": _IN_SCOPE,
    "cases": _IN_SCOPE,
    "tipoffs": f"{_IN_SCOPE} or (enterprise_id is null and list_contains($towns, town))",
    "worklogs": "true",
    "import_log": "true",
    "quarantine": "false",
}


class Refusal(Exception):
    """A statement this worker will not run, or that failed; ``reason`` is one of console.REASONS."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def confine(limits: dict) -> None:
    """Bound this process before it touches user SQL: address space, CPU seconds, no core file."""
    address_space = parse_bytes(limits["memory_limit"]) + HEADROOM_BYTES
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    cpu = int(float(limits["time_limit_seconds"]) * 2) + 10
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def parse_bytes(text: str) -> int:
    """``'1GB'``, ``'512MB'``, ``'2GiB'`` … as bytes (DuckDB's memory_limit syntax, decimal and binary units)."""
    units = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
             "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
    raw = str(text).strip().lower().replace(" ", "")
    number = raw.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = raw[len(number):] or "b"
    if unit not in units or not number:
        raise ValueError(f"not a size: {text!r}")
    return int(float(number) * units[unit])


def _open(path: str, schema_sql: str, towns):
    """An in-memory connection with no spill directory: the warehouse attached, or (with ``towns``) its empty schema."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        con.execute("set temp_directory = ''")
        if towns:
            con.execute(schema_sql)
        else:
            # ATTACH takes no parameters; the path is our own warehouse file, quoted as a literal.
            con.execute(f"attach {_literal(path)} as w (read_only)")
            con.execute("use w")
    except Exception:
        con.close()
        raise
    return con


def _scoped_copy(con, path: str, towns: list[str], tables: set[str] | None = None) -> None:
    """Fill the empty schema with only ``towns``' rows of ``tables`` (all if None); the warehouse is detached after."""
    con.execute(f"attach {_literal(path)} as src (read_only)")
    present = [row[0] for row in con.execute(
        "select table_name from duckdb_tables() where database_name = 'src'").fetchall()]
    unknown = sorted(set(present) - set(SCOPED_ROWS))
    if unknown:
        raise Refusal("error", f"no town scope rule for table(s) {', '.join(unknown)}")
    for table in present:
        if tables is None or table in tables:
            # A copy without the schema's keys and indexes: at province scale inserting the 1.8 million
            # work logs into the keyed table took 19 s, creating it from the rows 1.2 s.
            con.execute(f"drop table main.{table}")
            con.execute(f"create table main.{table} as select * from src.{table} where {SCOPED_ROWS[table]}",
                        {"towns": towns} if "$towns" in SCOPED_ROWS[table] else None)
    con.execute("detach src")


def _lock(con, limits: dict) -> None:
    """No file system, extensions or replacement scans; the limits; then no setting can change."""
    con.execute("set enable_external_access = false")
    # After the attach: the attached database keeps working, no file can be opened.
    con.execute("set disabled_filesystems = 'LocalFileSystem'")
    con.execute("set autoinstall_known_extensions = false")
    con.execute("set autoload_known_extensions = false")
    con.execute("set allow_community_extensions = false")
    con.execute("set python_enable_replacements = false")
    con.execute(f"set memory_limit = {_literal(str(limits['memory_limit']))}")
    con.execute(f"set threads = {int(limits['threads'])}")
    con.execute(f"set max_execution_time = {int(float(limits['time_limit_seconds']) * 1000)}")
    con.execute("set lock_configuration = true")


def sandbox(path: str, schema_sql: str, limits: dict, towns: list[str] | tuple = ()):
    """A locked, read-only DuckDB connection on the warehouse at ``path`` (only ``towns``' rows if given).

    With ``towns`` the connection holds an in-memory copy of only those towns' rows and
    the warehouse is not attached at all, so no name in a statement can reach other
    towns' rows.
    """
    con = _open(path, schema_sql, towns)
    try:
        if towns:
            _scoped_copy(con, path, list(towns))
        _lock(con, limits)
    except Exception:
        con.close()
        raise
    return con


def tables_read(con, tree) -> set[str]:
    """The tables a checked statement's syntax ``tree`` reads, also through the schema's views and macros.

    A town-scoped copy fills only these: a statement on two tables does not wait for
    every table of the province to be copied. Names are matched without their
    qualifiers, so a CTE that shares a table's name copies that table too.
    """
    macros = {name.lower(): (kind, definition) for name, kind, definition in con.execute(
        "select function_name, function_type, macro_definition from duckdb_functions() "
        "where function_type in ('macro', 'table_macro') and not internal").fetchall()}
    views = {name.lower(): sql for name, sql in con.execute(
        "select view_name, sql from duckdb_views() where not internal").fetchall()}
    tables = {row[0].lower() for row in con.execute("select table_name from duckdb_tables() where not internal")
              .fetchall()}
    found, expanded = set(), set()

    def expand(name: str, sql: str) -> None:
        if name not in expanded:
            expanded.add(name)
            walk(_tree(con, sql)["statements"][0]["node"])

    def walk(node) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        if node.get("type") == "BASE_TABLE":
            name = (node.get("table_name") or "").lower()
            if name in tables:
                found.add(name)
            elif name in views:
                expand(name, views[name])
        if node.get("class") == "FUNCTION":
            name = (node.get("function_name") or "").lower()
            if name in macros:
                kind, definition = macros[name]
                expand(name, definition if kind == "table_macro" else f"select {definition}")
        for value in node.values():
            if isinstance(value, dict | list):
                walk(value)

    walk(tree)
    return found


def one_select(con, sql: str) -> tuple[str, dict]:
    """The one SELECT in ``sql`` as SQL written back from its syntax tree, and that checked tree; Refusal otherwise."""
    import duckdb

    try:
        statements = con.extract_statements(sql)
    except duckdb.ParserException as e:
        raise Refusal("syntax", first_line(e)) from None
    if not statements:
        raise Refusal("empty")
    if len(statements) > 1:
        raise Refusal("multiple", str(len(statements)))
    try:
        kind = statements[0].type
    except ValueError:
        # A statement type the Python package has no name for (UPDATE EXTENSIONS on 2.0.1).
        raise Refusal("not_select", statements[0].query.split(maxsplit=1)[0].upper()) from None
    if kind != duckdb.StatementType.SELECT:
        raise Refusal("not_select", kind.name)
    try:
        tree = _tree(con, sql)
        rewritten = con.execute("select json_deserialize_sql(?)", [json.dumps(tree)]).fetchone()[0]
        checked = _tree(con, rewritten)["statements"][0]["node"]
        Allowed(con).check(checked)
    except RecursionError:
        raise Refusal("too_complex") from None
    except duckdb.SerializationException as e:
        raise Refusal("too_complex" if "depth" in str(e) else "unsupported", first_line(e)) from None
    return rewritten, checked


def _tree(con, sql: str) -> dict:
    tree = json.loads(con.execute("select json_serialize_sql(?)", [sql]).fetchone()[0])
    if tree.get("error"):
        raise Refusal("unsupported", tree.get("error_message", ""))
    if len(tree["statements"]) != 1:
        raise Refusal("multiple", str(len(tree["statements"])))
    return tree


class Allowed:
    """The allow-list of names a statement may use, read from this connection's catalogue."""

    def __init__(self, con):
        def names(sql: str) -> set[str]:
            return {row[0].lower() for row in con.execute(sql).fetchall()}

        rows = con.execute(
            "select database_name, schema_name, table_name from duckdb_tables() where not internal "
            "union all select database_name, schema_name, view_name from duckdb_views() where not internal").fetchall()
        self.relations = {(d.lower(), s.lower(), n.lower()) for d, s, n in rows}
        self.databases = names("select database_name from duckdb_databases() where not internal")
        self.macros = names("select function_name from duckdb_functions() "
                            "where function_type = 'table_macro' and not internal")
        restricted = names("select function_name from duckdb_functions() "
                           "where function_type in ('table', 'table_macro') "
                           "union select view_name from duckdb_views() where internal")
        self.restricted = restricted - TABLE_FUNCTIONS - SYSTEM_VIEWS - self.macros

    def check(self, node, ctes: frozenset = frozenset()) -> None:
        """Refusal("not_allowed", name) for the first name in the syntax tree ``node`` outside the allow-list."""
        if isinstance(node, list):
            for item in node:
                self.check(item, ctes)
            return
        if not isinstance(node, dict):
            return
        names = [entry["key"].lower() for entry in (node.get("cte_map") or {}).get("map", [])]
        if node.get("type") == "RECURSIVE_CTE_NODE" and node.get("ctename"):
            names.append(node["ctename"].lower())
        for name in names:
            # A CTE may not share a name with anything the statement may not read: a reference
            # the CTE does not cover (its own body, another scope) must not reach it instead.
            if name in self.restricted:
                raise Refusal("not_allowed", name)
        ctes = ctes | frozenset(names)
        kind = node.get("type")
        if kind == "BASE_TABLE":
            self._relation(node, ctes)
        elif kind == "TABLE_FUNCTION":
            self._table_function(node["function"])
            self.check(node["function"].get("arguments"), ctes)
            return
        elif kind == "SHOW_REF" and node.get("show_type") == "SHOW_SPECIAL":
            if node.get("table_name") not in SHOW_SPECIAL:
                raise Refusal("not_allowed", f"show {node.get('table_name')}")
        elif node.get("class") == "FUNCTION" and node.get("function_name", "").lower() in DENIED_FUNCTIONS:
            raise Refusal("not_allowed", node["function_name"])
        for value in node.values():
            if isinstance(value, dict | list):
                self.check(value, ctes)

    def _relation(self, node: dict, ctes: frozenset) -> None:
        catalog = (node.get("catalog_name") or "").lower()
        schema = (node.get("schema_name") or "").lower()
        name = (node.get("table_name") or "").lower()
        if not catalog and not schema and name in ctes:
            return
        if schema == "information_schema" and catalog in ({""} | self.databases | {"system"}):
            return
        for database in self.databases:
            if ((catalog, schema) in ((database, "main"), (database, ""), ("", "main"), ("", ""))
                    or (not catalog and schema == database)) and (database, "main", name) in self.relations:
                return
        if name in SYSTEM_VIEWS and (catalog, schema) in (("", ""), ("", "main"), ("system", "main"), ("", "system")):
            return
        self._refuse(catalog, schema, name, "")

    def _refuse(self, catalog: str, schema: str, name: str, call: str) -> None:
        """not_allowed for what exists but is not for the console (or names a file); unknown_name for the rest."""
        shown = ".".join(p for p in (catalog, schema, name) if p) + call
        system = catalog in ("system", "temp") or schema in ("pg_catalog", "system", "temp")
        if name in self.restricted or system or any(c in name for c in "/\\.:"):
            raise Refusal("not_allowed", shown)
        raise Refusal("unknown_name", shown)

    def _table_function(self, function: dict) -> None:
        catalog = (function.get("catalog") or "").lower()
        schema = (function.get("schema") or "").lower()
        name = (function.get("function_name") or "").lower()
        if name in TABLE_FUNCTIONS and catalog in ("", "system") and schema in ("", "main"):
            return
        if name in self.macros and (catalog in {""} | self.databases) and schema in ("", "main"):
            return
        self._refuse(catalog, schema, name, "()")


def wrapped(con, query: str, limits: dict) -> tuple[str, list[str]]:
    """The bounded statement around ``query`` and its column names.

    Text (and every type that is not a plain number or date, as text) is cut in SQL to
    ``max_cell_chars`` characters and the mark; a last column ``cut`` counts the cells cut
    in each row. Refusal("columns") past ``max_columns``: only the statement is bound for
    that, nothing runs.
    """
    relation = con.sql(query)
    names, types = relation.columns, relation.types
    if len(names) > int(limits["max_columns"]):
        raise Refusal("columns", f"{len(names):,}")
    chars = int(limits["max_cell_chars"])
    aliases = [f"c{i}" for i in range(len(names))]
    inner, outer, cut = [], [], []
    for alias, kind in zip(aliases, types, strict=True):
        type_id = str(kind.id).lower()
        if type_id in PLAIN_TYPES:
            inner.append(alias)
            outer.append(alias)
            continue
        # Time zones, intervals, blobs, lists, structs, maps, unions …: as text, so that every
        # page, CSV and Excel sheet can hold them and so that they are cut like text.
        text = alias if type_id == "varchar" else f"cast({alias} as varchar)"
        inner.append(f"substring({text}, 1, {chars + 1}) as {alias}")
        outer.append(f"case when length({alias}) > {chars} then substring({alias}, 1, {chars}) || "
                     f"{_literal(CUT_MARK)} else {alias} end as {alias}")
        cut.append(f"coalesce((length({alias}) > {chars})::integer, 0)")
    sql = (f"select {', '.join(outer)}, {' + '.join(cut) or '0'} as cut from ("
           f"select {', '.join(inner)} from (\n{query}\n) as q({', '.join(aliases)}) "
           f"limit {int(limits['max_rows']) + 1})")
    return sql, list(names)


def collect(con, sql: str, limits: dict):
    """Run the bounded statement; the answer as an Arrow table and what was cut."""
    import pyarrow as pa

    max_rows, max_bytes = int(limits["max_rows"]), int(limits["max_result_bytes"])
    batches, rows, size, cells_cut = [], 0, 0, 0
    more_rows = size_cut = False
    reader = con.sql(sql).to_arrow_reader(BATCH_ROWS)
    for batch in reader:
        if rows + batch.num_rows > max_rows:
            batch = batch.slice(0, max_rows - rows)
            more_rows = True
        cells_cut += sum(batch.column(batch.num_columns - 1).to_pylist())
        batch = batch.select(range(batch.num_columns - 1))
        fit = _rows_within(batch, max_bytes - size)
        if fit < batch.num_rows:
            batch = batch.slice(0, fit)
            size_cut = True
        batches.append(batch)
        rows += batch.num_rows
        size += batch.nbytes
        if more_rows or size_cut:
            break
    schema = batches[0].schema if batches else pa.schema([f for f in reader.schema if f.name != "cut"])
    table = pa.Table.from_batches(batches, schema=schema)
    return table, {"more_rows": more_rows, "size_cut": size_cut, "cells_cut": cells_cut}


def _rows_within(batch, budget: int) -> int:
    """How many leading rows of ``batch`` fit in ``budget`` bytes (binary search on slices)."""
    if batch.nbytes <= budget:
        return batch.num_rows
    low, high = 0, batch.num_rows
    while low < high:
        middle = (low + high + 1) // 2
        if batch.slice(0, middle).nbytes <= budget:
            low = middle
        else:
            high = middle - 1
    return low


def first_line(error: BaseException) -> str:
    """An error's first line, without DuckDB's 'LINE 1: …' context."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def reason_of(error: BaseException) -> str:
    """Which console.REASONS a DuckDB error is."""
    import duckdb

    if isinstance(error, duckdb.InterruptException):
        return "timeout"
    if isinstance(error, duckdb.OutOfMemoryException | MemoryError):
        return "memory"
    if isinstance(error, duckdb.PermissionException):
        return "permission"
    if isinstance(error, duckdb.CatalogException | duckdb.BinderException):
        return "unknown_name"
    if isinstance(error, duckdb.ParserException):
        return "syntax"
    if "read-only" in str(error) or "configuration has been locked" in str(error):
        return "read_only"
    return "error"


def answer(request: dict, ready=lambda: None):
    """The bounded answer to ``request`` (path, schema, sql, towns, limits) and what was cut; Refusal otherwise.

    The statement is checked on the unlocked connection (only this code runs there), a
    town-scoped copy then takes the tables it reads, the connection is locked, and
    ``ready`` is called: the statement's own time begins.
    """
    import duckdb

    limits = request["limits"]
    towns = list(request.get("towns") or ())
    try:
        con = _open(request["path"], request["schema"], towns)
    except duckdb.Error as e:
        raise Refusal("error", first_line(e)) from None
    try:
        query, tree = one_select(con, request["sql"])
        if towns:
            _scoped_copy(con, request["path"], towns, tables_read(con, tree))
        _lock(con, limits)
        ready()
        sql, names = wrapped(con, query, limits)
        table, cut = collect(con, sql, limits)
    except (duckdb.Error, MemoryError) as e:
        raise Refusal(reason_of(e), first_line(e)) from None
    finally:
        con.close()
    return table, dict(cut, names=names)


def main() -> None:
    """Read a request from stdin; write READY when the statement starts, then a JSON header line and an answer.

    The answer, if any, is an Arrow IPC stream after the header line.
    """
    request = json.loads(sys.stdin.buffer.read())
    confine(request["limits"])
    sys.setrecursionlimit(RECURSION_LIMIT)
    # Loaded before the statement's time starts.
    import duckdb  # noqa: F401
    import pyarrow.ipc  # noqa: F401

    out = sys.stdout.buffer

    def ready() -> None:
        # The statement yields the CPU to the server's pages; starting up (imports, attach) does not,
        # or on a busy machine a worker would take seconds to start.
        os.nice(NICE)
        out.write(READY)
        out.flush()

    try:
        table, header = answer(request, ready)
    except Refusal as e:
        out.write(json.dumps({"reason": e.reason, "detail": e.detail}).encode() + b"\n")
        return
    except MemoryError:
        out.write(json.dumps({"reason": "memory", "detail": ""}).encode() + b"\n")
        return
    except Exception as e:
        # Not a traceback for the user: the reason and its first line; the rest goes to the server log.
        out.write(json.dumps({"reason": "error", "detail": first_line(e)}).encode() + b"\n")
        raise
    import pyarrow as pa

    out.write(json.dumps(header).encode() + b"\n")
    with pa.ipc.new_stream(out, table.schema) as writer:
        writer.write_table(table)
    out.flush()


if __name__ == "__main__":
    main()
