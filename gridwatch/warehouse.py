"""The DuckDB warehouse file: create, rewrite atomically, open for reading, and its metadata.

Writers never touch the live file. They work on a copy next to it and swap it in
with ``os.replace`` once committed and checkpointed, so a reader (the app holds
the file open read-only) never sees half a write, and a writer killed midway
leaves the warehouse exactly as it was.

Writers take turns: each holds an OS lock on ``.<name>.lock`` beside the warehouse
from the copy to the swap, so a second writer starts from the first one's result
instead of overwriting it. The kernel releases the lock when its holder dies, so
the lock also tells a writer that every other writer's copy lying about is stale.
"""

import contextlib
import contextvars
import fcntl
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from gridwatch import i18n
from gridwatch.paths import SCHEMA_FILE

TABLES = ("grids", "enterprises", "staff", "inspections", "hazards", "cases", "tipoffs", "worklogs")


TIMEOUT_ENV = "GRIDWATCH_WRITE_TIMEOUT"
DEFAULT_TIMEOUT = 600.0
_POLL_SECONDS = 0.1
# A writer's copy is ``.<name>.<32 hex>.tmp``; DuckDB adds ``.wal`` and its spill directory ``.tmp``.
# Readers' version links (``.<name>.<inode>-<mtime>.ro.tmp``, see open_version) never match.
_COPY = re.compile(r"[0-9a-f]{32}\.tmp(\.wal|\.tmp)?")
_log = logging.getLogger(__name__)


class WarehouseMissing(Exception):
    """The warehouse file does not exist."""


class WriteRefused(i18n.LocalisedError):
    """The warehouse was not written: nothing changed."""

    prefix = "warehouse.refused."


class WriterBusy(WriteRefused):
    """Another writer held the warehouse for longer than this writer would wait."""

    def __init__(self, path: Path, timeout: float):
        super().__init__("busy", path=str(path), seconds=f"{timeout:g}")
        self.path = path
        self.timeout = timeout


_waiting: contextvars.ContextVar[tuple[Callable[[], None] | None, float | None]] = contextvars.ContextVar(
    "gridwatch_writer_waiting", default=(None, None))


@contextlib.contextmanager
def waiting(announce: Callable[[], None] | None = None, *, timeout: float | None = None) -> Iterator[None]:
    """Within this block, a write that finds another writer at work calls ``announce`` once and waits.

    It waits at most ``timeout`` seconds (default ``write_timeout()``), then raises ``WriterBusy``.
    A context rather than arguments so that the CLI and the page can speak to the user from
    writes made deep inside the importer.
    """
    token = _waiting.set((announce, timeout))
    try:
        yield
    finally:
        _waiting.reset(token)


def write_timeout() -> float:
    """Seconds a writer waits for another: ``$GRIDWATCH_WRITE_TIMEOUT`` if set, else 600."""
    value = os.environ.get(TIMEOUT_ENV, "").strip()
    if not value:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise WriteRefused("bad_timeout", setting=TIMEOUT_ENV, value=value)
    return seconds


def lock_file(path: Path) -> Path:
    """The lock file of the warehouse at ``path`` (kept: removing a lock file races its next user)."""
    path = Path(path)
    return path.with_name(f".{path.name}.lock")


@contextlib.contextmanager
def writer_lock(path: Path) -> Iterator[None]:
    """Hold the warehouse's writer lock; wait for another holder as ``waiting`` says.

    ``flock`` locks belong to an open file description, so two sessions of one app
    process exclude each other as two processes do, and a killed holder's lock is
    released by the kernel with its descriptors.
    """
    announce, timeout = _waiting.get()
    timeout = write_timeout() if timeout is None else timeout
    fd = os.open(lock_file(path), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        started = time.monotonic()
        announced = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - started
                if waited >= timeout:
                    raise WriterBusy(Path(path), timeout) from None
                if announce is not None and not announced:
                    announced = True
                    announce()
                time.sleep(min(_POLL_SECONDS, timeout - waited))
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def stale_copies(path: Path) -> list[Path]:
    """Writers' copies, WALs and spill directories beside the warehouse (all stale while the lock is held)."""
    path = Path(path)
    prefix = f".{path.name}."
    if not path.parent.is_dir():
        return []
    return sorted(p for p in path.parent.iterdir()
                  if p.name.startswith(prefix) and _COPY.fullmatch(p.name[len(prefix):]))


def _sweep(path: Path) -> None:
    """Remove what killed writers left; only called with the writer lock held."""
    for leftover in stale_copies(path):
        _log.info("removing %s, left by a write that did not finish", leftover)
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def open_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for reading; raise WarehouseMissing if there is none."""
    path = Path(path)
    if not path.exists():
        raise WarehouseMissing(str(path))
    return duckdb.connect(str(path), read_only=True)


def open_version(path: Path, inode: int, mtime_ns: int) -> duckdb.DuckDBPyConnection:
    """Open one version of the warehouse read-only, even while connections to older versions live.

    DuckDB keeps one database instance per file path in a process: after ``rewrite`` swaps the
    file, connecting to the same path returns the old instance (old data) as long as any old
    connection is open. A hard link named for this version gives it a path of its own; links of
    older versions are removed (open connections keep their data until they close).
    """
    path = Path(path)
    if not path.exists():
        raise WarehouseMissing(str(path))
    link = path.with_name(f".{path.name}.{inode}-{mtime_ns}.ro.tmp")
    try:
        if not link.exists():
            os.link(path, link)
    except OSError:
        return duckdb.connect(str(path), read_only=True)
    for old in path.parent.glob(f".{path.name}.*.ro.tmp"):
        if old != link:
            old.unlink(missing_ok=True)
    return duckdb.connect(str(link), read_only=True)


@contextlib.contextmanager
def rewrite(path: Path, *, fresh: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a read-write connection to a copy of the warehouse, then swap it in.

    With ``fresh`` (or when no warehouse exists yet) the copy starts empty with the
    schema. On success a new data version is stamped and the copy replaces the
    file atomically; on any exception the copy is discarded and the file is untouched.
    The writer lock is held from before the copy to after the swap (another writer
    waits, see ``waiting``); copies left by writers that were killed are removed first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with writer_lock(path):
        _sweep(path)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            if path.exists() and not fresh:
                shutil.copyfile(path, tmp)
            con = duckdb.connect(str(tmp))
            # Columns first: the schema's macros name columns an older warehouse lacks.
            reconcile_columns(con)
            con.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
            try:
                yield con
                stamp(con)
                con.execute("checkpoint")
            finally:
                con.close()
            os.replace(tmp, path)
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                leftover.unlink(missing_ok=True)
            shutil.rmtree(tmp.with_name(tmp.name + ".tmp"), ignore_errors=True)


_OBJECTS = """
    select 'table:' || table_name from duckdb_tables()
    union all
    select 'macro:' || function_name from duckdb_functions()
    where function_type in ('macro', 'table_macro') and not internal
"""


_COLUMNS = """
    select
        table_name,
        column_name,
        data_type,
        is_nullable,
        column_default
    from duckdb_columns()
    where schema_name = 'main' and not internal
    order by table_name, column_index
"""


def _schema_probe() -> tuple[set[str], list[tuple]]:
    """The objects and columns that the current schema file declares, read off an empty database."""
    probe = duckdb.connect()
    try:
        probe.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
        return {r[0] for r in probe.execute(_OBJECTS).fetchall()}, probe.execute(_COLUMNS).fetchall()
    finally:
        probe.close()


def _column_changes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The ALTER statements that bring the warehouse's columns up to the schema file's.

    A column the schema gained is added (with its default); a not-null constraint the
    schema dropped is dropped, and so is a default it dropped. Columns are never removed
    or retyped: data a user loaded is never thrown away by an upgrade.
    """
    _, wanted = _schema_probe()
    have = {(r[0], r[1]): r for r in con.cursor().execute(_COLUMNS).fetchall()}
    tables = {table for table, _ in have}
    changes = []
    for table, column, data_type, nullable, default in wanted:
        if table not in tables:
            continue  # the schema creates it whole
        # Names come from the schema file (checked in), never from the data.
        current = have.get((table, column))
        if current is None:
            clause = f" default {default}" if default is not None else ""
            changes.append(f'alter table {table} add column "{column}" {data_type}{clause}')
            continue
        if nullable and not current[3]:
            changes.append(f'alter table {table} alter column "{column}" drop not null')
        if default is None and current[4] is not None:
            changes.append(f'alter table {table} alter column "{column}" drop default')
    return changes


def reconcile_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Give every table of a read-write warehouse the columns and constraints the schema now declares."""
    for statement in _column_changes(con):
        con.execute(statement)


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the warehouse has every table, macro and column of the current schema."""
    try:
        have = {r[0] for r in con.cursor().execute(_OBJECTS).fetchall()}
    except duckdb.BinderException:
        return False  # a macro no longer binds to the tables: the columns it names are missing
    wanted, _ = _schema_probe()
    return wanted <= have and not _column_changes(con)


def upgrade(path: Path) -> None:
    """Bring a warehouse written by an older gridwatch up to the current schema (data unchanged)."""
    with rewrite(path):
        pass


def load_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame]) -> None:
    """Replace the content of each named table with the given frame (columns in schema order)."""
    for name, frame in tables.items():
        if name not in TABLES:
            raise ValueError(f"unknown table {name!r}")
        # Table names cannot be parameters; ``name`` is one of TABLES, checked above.
        columns = [r[0] for r in con.execute(f"describe {name}").fetchall()]
        con.execute(f"delete from {name}")
        con.register("_incoming", frame[columns])
        con.execute(f"insert into {name} select * from _incoming")
        con.unregister("_incoming")


def set_meta(con: duckdb.DuckDBPyConnection, **values: str) -> None:
    """Set metadata keys (``is_demo``, ``source`` …) in the warehouse."""
    for key, value in values.items():
        con.execute(
            "insert or replace into meta (key, value) values ($key, $value)",
            {"key": key, "value": str(value)},
        )


def stamp(con: duckdb.DuckDBPyConnection) -> None:
    """Stamp a new data version, the write time and the data-as-of date.

    Data as of (DESIGN.md): the latest inspection or finding date that is not after the day of
    writing. A later date is a typo from the future: it never moves "today" of the app.
    """
    as_of = con.execute(
        """
        select max(d) from (
            select max(date) as d from inspections where date <= $today
            union all select max(found_date) from hazards where found_date <= $today
        )
        """,
        {"today": date.today()},
    ).fetchone()[0]
    set_meta(
        con,
        data_version=uuid.uuid4().hex,
        written_at=datetime.now(UTC).isoformat(timespec="seconds"),
        data_as_of=as_of.isoformat() if as_of else "",
    )
    _stamp_demo_rows(con)


# The register tables whose rows the demo marks: every other demo row (inspections, hazards,
# cases, tip-offs, work logs) belongs to a demo enterprise or demo staff member.
DEMO_MARKED = {"grids": "grid_id", "enterprises": "enterprise_id", "staff": "staff_id"}


def mark_demo_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Remember the demo's own rows (key and name) so that ``stamp`` can tell whether any remain."""
    con.execute("create or replace table demo_keys (table_name varchar, key varchar, name varchar)")
    for table, key in DEMO_MARKED.items():
        # Names come from DEMO_MARKED above, never from the data.
        con.execute(f"insert into demo_keys select '{table}', {key}, name from {table}")


def _stamp_demo_rows(con: duckdb.DuckDBPyConnection) -> None:
    """While rows of the demo county remain (same key, same name), the warehouse is a demo.

    An import into the demo used to clear the demo flag although thousands of fictional
    enterprises remained beside four imported rows. The flag now follows the rows: it stays
    on while any demo enterprise, staff member or grid is still there unchanged, and goes
    off (with the marks) once none is.
    """
    if not con.execute("select count(*) from duckdb_tables() where table_name = 'demo_keys' "
                       "and schema_name = 'main'").fetchone()[0]:
        if "is_demo" not in meta(con):
            set_meta(con, is_demo="false")
        return
    left = con.execute(" union all ".join(
        f"select count(*) from {table} as t join demo_keys as d "
        f"on d.table_name = '{table}' and d.key = t.{key} and d.name is not distinct from t.name"
        for table, key in DEMO_MARKED.items())).fetchall()
    remaining = sum(n for (n,) in left)
    set_meta(con, demo_rows=str(remaining), is_demo="true" if remaining else "false")
    if not remaining:
        con.execute("drop table demo_keys")


def meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """All metadata of the warehouse as a dict."""
    cur = con.cursor()
    return dict(cur.execute("select key, value from meta").fetchall())


def data_as_of(meta_values: dict[str, str]) -> date | None:
    """The last date with any activity in the data, from the metadata."""
    value = meta_values.get("data_as_of")
    return date.fromisoformat(value) if value else None


def build_demo(path: Path, *, scale: int = 1, seed: int | None = None) -> dict[str, int]:
    """Generate the demo county into a fresh warehouse at ``path``; return row counts."""
    from gridwatch import demo

    kwargs = {"scale": scale}
    if seed is not None:
        kwargs["seed"] = seed
    tables = demo.generate(**kwargs)
    with rewrite(path, fresh=True) as con:
        load_tables(con, tables)
        mark_demo_rows(con)
        set_meta(con, is_demo="true", demo_scale=scale, demo_seed=kwargs.get("seed", "default"))
    return {name: len(frame) for name, frame in tables.items()}
