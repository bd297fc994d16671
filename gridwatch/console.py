"""The read-only SQL console (数据探索 · SQL 控制台) for trained staff.

Each statement runs in a child process of its own (``gridwatch/console_worker.py``,
which describes the sandbox and the checks), so no statement can take the
server's memory, hold its Python lock or run past its deadline: the server waits
for the answer with the lock released and kills the child when the statement has
run ``time_limit_seconds`` + ``GRACE_SECONDS`` (the child has ``STARTUP_SECONDS``
before that to stand up its sandbox). At most ``max_concurrent`` statements run
at once in the whole server; another waits up to its own time limit for a turn,
then is refused as busy.

The answer that comes back is bounded before it leaves the child: at most
``max_columns`` columns (more are refused, nothing runs), ``max_rows_download``
rows, ``max_cell_chars`` characters a cell (cut and marked …) and
``max_result_mb`` in all; the page draws the first ``max_rows_shown`` rows that
fit in ``max_shown_mb``. Downloads are built only when clicked; the Excel
download is offered up to ``max_xlsx_cells`` cells (CSV for more), with control
characters Excel refuses replaced and dates Excel cannot hold written as text.
"""

import json
import logging
import os
import re
import selectors
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from gridwatch import exports, rules
from gridwatch.console_worker import READY
from gridwatch.paths import SCHEMA_FILE

log = logging.getLogger(__name__)

WORKER = Path(__file__).resolve().with_name("console_worker.py")
# Seconds a worker may take to stand up its sandbox before the statement's time starts:
# starting Python and DuckDB (about 0.3 s idle, seconds on a loaded machine), attaching
# the warehouse or copying the towns' rows.
STARTUP_SECONDS = 20.0
# Seconds a statement may take beyond its time limit: checking, binding, sending the answer.
GRACE_SECONDS = 2.0
# Environment variables the worker gets; nothing else of the server's environment.
WORKER_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ")

REASONS = ("no_data", "empty", "multiple", "not_select", "syntax", "too_long", "unsupported", "too_complex",
           "not_allowed", "permission", "read_only", "columns", "timeout", "memory", "busy", "unknown_name", "error")
# Reasons whose detail is DuckDB's or the statement's own text: the page shows it as code, not in the message.
FREE_TEXT_DETAIL = frozenset({"syntax", "unsupported", "not_allowed", "permission", "read_only", "memory",
                              "unknown_name", "error"})

# Characters an XLSX cell cannot hold (openpyxl refuses them: IllegalCharacterError), and how many it can.
EXCEL_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
EXCEL_REPLACEMENT = "\ufffd"
EXCEL_CELL_CHARS = 32_767


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
    threads: int = 1
    max_rows_shown: int = 10_000
    max_rows_download: int = 200_000
    max_columns: int = 200
    max_cell_chars: int = 2_000
    max_result_mb: float = 20
    max_shown_mb: float = 4
    max_xlsx_cells: int = 100_000
    max_sql_chars: int = 50_000
    max_concurrent: int = 2


def limits(rule_values: dict | None = None) -> Limits:
    """The limits the rules file sets (defaults for any it leaves out)."""
    section = (rule_values or rules.load()).get("console", {})
    known = Limits.__dataclass_fields__
    values = {k: v for k, v in section.items() if k in known}
    # A cut cell and its mark must still fit in an Excel cell.
    values["max_cell_chars"] = min(int(values.get("max_cell_chars", Limits.max_cell_chars)), EXCEL_CELL_CHARS - 1)
    return Limits(**values)


@dataclass(frozen=True)
class Result:
    """A console answer, bounded: what the download holds, what the page draws and what was cut.

    ``more_rows``: the query had more than ``max_rows_download`` rows; ``size_cut``: the
    rows stopped at ``max_result_mb``; ``cells_cut``: how many cells were longer than
    ``max_cell_chars`` and were cut.
    """

    frame: pd.DataFrame
    shown_rows: int
    more_rows: bool = False
    size_cut: bool = False
    cells_cut: int = 0

    @property
    def shown(self) -> pd.DataFrame:
        """The rows to draw on the page."""
        return self.frame.head(self.shown_rows)


_turns: dict[int, threading.BoundedSemaphore] = {}
_turns_lock = threading.Lock()


def _turn(lim: Limits) -> threading.BoundedSemaphore:
    with _turns_lock:
        return _turns.setdefault(int(lim.max_concurrent), threading.BoundedSemaphore(int(lim.max_concurrent)))


def run(path: Path, sql: str, lim: Limits | None = None, towns: tuple[str, ...] = ()) -> Result:
    """Run one read-only SELECT on the warehouse at ``path`` (only ``towns``' rows if given).

    Refused (never a traceback) otherwise.
    """
    lim = lim or limits()
    if len(sql) > lim.max_sql_chars:
        raise Refused("too_long", f"{len(sql):,}")
    path = Path(path).resolve()
    if not path.is_file():
        raise Refused("no_data")
    turn = _turn(lim)
    if not turn.acquire(timeout=float(lim.time_limit_seconds)):
        raise Refused("busy")
    try:
        header, body = _ask_worker(path, sql, lim, towns)
    finally:
        turn.release()
    if "reason" in header:
        raise Refused(header["reason"], str(header.get("detail", "")).replace(str(path), "…"))
    table = pa.ipc.open_stream(body).read_all()
    return Result(_frame(table, header["names"]), _shown_rows(table, lim),
                  header["more_rows"], header["size_cut"], header["cells_cut"])


def _ask_worker(path: Path, sql: str, lim: Limits, towns: tuple[str, ...]) -> tuple[dict, bytes]:
    request = {
        "path": str(path), "schema": SCHEMA_FILE.read_text(encoding="utf-8"), "sql": sql, "towns": list(towns),
        "limits": {"time_limit_seconds": lim.time_limit_seconds, "memory_limit": lim.memory_limit,
                   "threads": lim.threads, "max_rows": lim.max_rows_download, "max_columns": lim.max_columns,
                   "max_cell_chars": lim.max_cell_chars,
                   "max_result_bytes": int(float(lim.max_result_mb) * 2**20)},
    }
    env = {k: os.environ[k] for k in WORKER_ENV if k in os.environ}
    process = subprocess.Popen([sys.executable, "-I", "-B", str(WORKER)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd="/", env=env)
    try:
        out, err = _exchange(process, json.dumps(request).encode(), lim)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
    # READY comes first unless the sandbox itself failed (its refusal is then the first line).
    line, _, body = out.removeprefix(READY).partition(b"\n")
    if not line:
        # Stopped by an rlimit: SIGXCPU (CPU seconds) or an allocation DuckDB could not report.
        if process.returncode == -signal.SIGXCPU:
            raise Refused("timeout")
        if process.returncode == -signal.SIGKILL or b"bad_alloc" in err or b"MemoryError" in err:
            raise Refused("memory")
        log.warning("console worker exited %s: %s", process.returncode, err[-2000:].decode(errors="replace"))
        raise Refused("error", f"exit {process.returncode}")
    return json.loads(line), body


def _exchange(process: subprocess.Popen, request: bytes, lim: Limits) -> tuple[bytes, bytes]:
    """Send the request and read the worker's output: Refused("timeout") past its deadline.

    The worker has ``STARTUP_SECONDS`` to stand up its sandbox (it says READY), then
    ``time_limit_seconds`` + ``GRACE_SECONDS`` for the statement.
    """
    try:
        process.stdin.write(request)
        process.stdin.close()
    except BrokenPipeError:
        pass
    chunks = {process.stdout: [], process.stderr: []}
    size, most = 0, int(float(lim.max_result_mb) * 2**20) * 2 + 2**20
    deadline = time.monotonic() + STARTUP_SECONDS
    is_ready = False
    with selectors.DefaultSelector() as selector:
        for stream in chunks:
            selector.register(stream, selectors.EVENT_READ)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                raise Refused("timeout")
            for key, _ in selector.select(left):
                data = os.read(key.fd, 2**16)
                if not data:
                    selector.unregister(key.fileobj)
                    continue
                chunks[key.fileobj].append(data)
                if key.fileobj is process.stdout:
                    size += len(data)
            if not is_ready and b"".join(chunks[process.stdout][:2]).startswith(READY):
                is_ready = True
                deadline = time.monotonic() + float(lim.time_limit_seconds) + GRACE_SECONDS
            if size > most:
                raise Refused("error", "answer too large")
    return b"".join(chunks[process.stdout]), b"".join(chunks[process.stderr])


def _frame(table: pa.Table, names: list[str]) -> pd.DataFrame:
    """The answer as a DataFrame; a column pandas cannot hold (year 20000, 24:00:00) arrives as text."""
    columns = {}
    for name, column in zip(column_names(names), table.columns, strict=True):
        try:
            columns[name] = column.to_pandas()
        except (ValueError, OverflowError, pa.ArrowException):
            columns[name] = pd.Series(_as_text(column), dtype="str")
    return pd.DataFrame(columns) if columns else pd.DataFrame()


def _as_text(column: pa.ChunkedArray) -> list:
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        con.register("answer", pa.table({"value": column}))
        return [row[0] for row in con.execute("select cast(value as varchar) from answer").fetchall()]
    finally:
        con.close()


def column_names(names: list[str]) -> list[str]:
    """Column headers a page, CSV and Excel sheet can all hold: printable, at most 200 characters, distinct."""
    out, seen = [], set()
    for raw in names:
        name = EXCEL_ILLEGAL.sub(EXCEL_REPLACEMENT, str(raw))[:200] or "_"
        base, n = name, 2
        while name in seen:
            name, n = f"{base} ({n})", n + 1
        seen.add(name)
        out.append(name)
    return out


def _shown_rows(table: pa.Table, lim: Limits) -> int:
    """The leading rows the page draws: at most ``max_rows_shown`` and ``max_shown_mb``."""
    budget = int(float(lim.max_shown_mb) * 2**20)
    low, high = 0, min(table.num_rows, int(lim.max_rows_shown))
    if table.slice(0, high).nbytes <= budget:
        return high
    while low < high:
        middle = (low + high + 1) // 2
        if table.slice(0, middle).nbytes <= budget:
            low = middle
        else:
            high = middle - 1
    return low


def excel_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as an XLSX sheet can hold it: no control characters, only dates from 1900 to 9999.

    Excel refuses the control characters (replaced by U+FFFD), datetimes with a time
    zone and dates outside 1900–9999; such a column is written as text.
    """
    out = frame.copy()
    out.columns = [_excel_text(c) for c in out.columns]
    for name in out.columns:
        column = out[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            out[name] = column.astype("str")
        elif pd.api.types.is_datetime64_any_dtype(column):
            values = column.dropna()
            if len(values) and (values.min() < pd.Timestamp("1900-01-01") or values.max() > pd.Timestamp("9999-12-31")):
                out[name] = column.map(lambda v: None if pd.isna(v) else v.isoformat())
        elif column.dtype == object or pd.api.types.is_string_dtype(column):
            out[name] = column.map(_excel_value)
    return out


def _excel_value(value):
    import datetime as dt
    from decimal import Decimal

    if value is None or (isinstance(value, float) and value != value):
        return value
    if isinstance(value, str):
        return _excel_text(value)
    if isinstance(value, dt.datetime | dt.date):
        if value.year < 1900 or getattr(value, "tzinfo", None) is not None:
            return value.isoformat()
        return value
    if isinstance(value, bool | int | float | Decimal | dt.time):
        return value
    return _excel_text(str(value))


def _excel_text(text) -> str:
    return EXCEL_ILLEGAL.sub(EXCEL_REPLACEMENT, str(text))


def csv_bytes(result: Result, header: str) -> bytes:
    """The console answer as CSV headed by ``header``, as its XLSX is (``exports.csv_bytes``); any string fits."""
    return exports.csv_bytes(result.frame, [header])


def xlsx_fits(result: Result, lim: Limits) -> bool:
    """Whether the answer is small enough to build as XLSX (openpyxl writes about 30,000 cells a second)."""
    return result.frame.size <= int(lim.max_xlsx_cells)


def xlsx_bytes(result: Result, header: str) -> bytes:
    """The console answer as an XLSX sheet headed by ``header``; any string and date fits."""
    return exports.xlsx_bytes({"query": excel_frame(result.frame)},
                              header_lines=[_excel_text(header)[:EXCEL_CELL_CHARS]])

