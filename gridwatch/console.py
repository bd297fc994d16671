"""The read-only SQL console (数据探索 · SQL 控制台) for trained staff.

Each statement runs on its own sandbox connection in this process, built as
STACK.md prescribes: an in-memory database that ATTACHes the warehouse file
READ_ONLY and USEs it, then switches off file and network access, extension
install/load and pandas replacement scans (a Python variable holding a frame
must not be readable by name), caps memory, threads and execution time, and
finally locks the configuration so the statement cannot undo any of it.

Checked on DuckDB 2.0.1: attaching the warehouse READ_ONLY from a second,
in-memory database instance works while the app's base connection
(``duckdb.connect(path, read_only=True)``) holds the same file open, in either
order, so the console needs no shared configuration with the app. The sandbox
is opened per statement, never reused from a cursor: ``max_execution_time`` is a
connection-local setting that a ``cursor()`` does not inherit.

Before running, the text must parse to exactly one statement of type SELECT
(which includes ``WITH … SELECT``); anything else is refused with a reason.
"""

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from gridwatch import rules
from gridwatch.paths import SCHEMA_FILE

REASONS = ("empty", "multiple", "not_select", "syntax", "permission", "read_only", "timeout", "memory",
           "unknown_name", "error")


class Refused(Exception):
    """A statement the console will not run or that failed; ``reason`` is one of REASONS."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Limits:
    """The console's limits, from config/rules.toml [console]."""

    time_limit_seconds: float = 5
    memory_limit: str = "1GB"
    threads: int = 2
    max_rows_shown: int = 10_000
    max_rows_download: int = 200_000


def limits(rule_values: dict | None = None) -> Limits:
    """The limits the rules file sets (defaults for any it leaves out)."""
    section = (rule_values or rules.load()).get("console", {})
    known = Limits.__dataclass_fields__
    return Limits(**{k: v for k, v in section.items() if k in known})


@dataclass(frozen=True)
class Result:
    """A console answer: up to ``max_rows_download`` rows; ``truncated`` if the query had more."""

    frame: pd.DataFrame
    truncated: bool
    max_rows_shown: int

    @property
    def shown(self) -> pd.DataFrame:
        """The rows to draw on the page."""
        return self.frame.head(self.max_rows_shown)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


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


def _scoped_copy(con: duckdb.DuckDBPyConnection, path: Path, towns: tuple[str, ...]) -> None:
    """Fill the in-memory database with only ``towns``' rows; the warehouse is detached after."""
    con.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
    # ATTACH takes no parameters; the path is our own warehouse file, quoted as a literal.
    con.execute(f"attach {_literal(str(Path(path).resolve()))} as src (read_only)")
    tables = [row[0] for row in con.execute(
        "select table_name from duckdb_tables() where database_name = 'src'").fetchall()]
    unknown = sorted(set(tables) - set(SCOPED_ROWS))
    if unknown:
        raise duckdb.CatalogException(f"no town scope rule for table(s) {', '.join(unknown)}")
    for table in tables:
        con.execute(f"insert into main.{table} select * from src.{table} where {SCOPED_ROWS[table]}",
                    {"towns": list(towns)} if "$towns" in SCOPED_ROWS[table] else None)
    con.execute("detach src")


def sandbox(path: Path, lim: Limits, towns: tuple[str, ...] = ()) -> duckdb.DuckDBPyConnection:
    """A locked, read-only connection to the warehouse at ``path`` (STACK.md's recipe).

    With ``towns`` (a signed-in user's town scope) the connection holds an in-memory copy of
    only those towns' rows instead, and the warehouse is not attached at all, so no name in
    a statement can reach other towns' rows.
    """
    con = duckdb.connect(":memory:")
    try:
        if towns:
            _scoped_copy(con, path, tuple(towns))
        else:
            con.execute(f"attach {_literal(str(Path(path).resolve()))} as w (read_only)")
            con.execute("use w")
        con.execute("set enable_external_access = false")
        con.execute("set autoinstall_known_extensions = false")
        con.execute("set autoload_known_extensions = false")
        con.execute("set allow_community_extensions = false")
        con.execute("set python_enable_replacements = false")
        con.execute(f"set memory_limit = {_literal(str(lim.memory_limit))}")
        con.execute(f"set threads = {int(lim.threads)}")
        con.execute(f"set max_execution_time = {int(float(lim.time_limit_seconds) * 1000)}")
        con.execute("set lock_configuration = true")
    except Exception:
        con.close()
        raise
    return con


def check(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """The one SELECT statement in ``sql``, or Refused saying why not."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.ParserException as e:
        raise Refused("syntax", _first_line(e)) from None
    if not statements:
        raise Refused("empty")
    if len(statements) > 1:
        raise Refused("multiple", str(len(statements)))
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        raise Refused("not_select", statement.type.name)
    return statement.query


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _reason(error: duckdb.Error) -> str:
    if isinstance(error, duckdb.InterruptException):
        return "timeout"
    if isinstance(error, duckdb.OutOfMemoryException):
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


def run(path: Path, sql: str, lim: Limits | None = None, towns: tuple[str, ...] = ()) -> Result:
    """Run one read-only SELECT on the warehouse at ``path`` (only ``towns``' rows if given).

    Refused (never a traceback) otherwise.
    """
    lim = lim or limits()
    try:
        con = sandbox(path, lim, towns)
    except duckdb.Error as e:
        raise Refused("error", _first_line(e)) from None
    try:
        query = check(con, sql)
        try:
            frame = con.sql(query).limit(lim.max_rows_download + 1).df()
        except duckdb.Error as e:
            raise Refused(_reason(e), _first_line(e)) from None
    finally:
        con.close()
    truncated = len(frame) > lim.max_rows_download
    return Result(frame.head(lim.max_rows_download), truncated, lim.max_rows_shown)
