"""How library code reads the warehouse: one object for named queries, built SQL and costly computations.

Every library function that reads the warehouse takes a ``Reader`` (or, when it runs
named queries only, any ``Runner``) as its first argument:

- ``reader(name, params)`` runs a named query of ``queries/``;
- ``reader.cursor()`` is a new cursor of the connection, for SQL built from parameters
  (the explorer's questions, the quarantine's rows);
- ``reader.compute(fn, *args)`` is ``fn(reader, *args)``: how one computation uses another.

The CLI, exports, benchmarks and tests read through ``Reader(con)``: nothing is cached.
Pages read through the reader of ``gridwatch.ui.data``, which caches every named query and
every computation per data version. The same library code thus runs cached in pages and
uncached elsewhere, and a page never holds a connection, a cursor or a cache of its own.
"""

from collections.abc import Callable

import duckdb
import pandas as pd

from gridwatch import queries

Runner = Callable[[str, dict], pd.DataFrame]


class Reader:
    """Reads the warehouse behind ``con`` with nothing cached (CLI, exports, benchmarks, tests)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def __call__(self, name: str, params: dict | None = None) -> pd.DataFrame:
        """The named query's whole result for ``params``."""
        return queries.run(self.con, name, params)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor of the connection (close it when done)."""
        return self.con.cursor()

    def compute(self, fn: Callable, *args, shared: bool = False):
        """``fn(self, *args)``; ``shared`` says the result may be kept and shared read-only (pages cache it)."""
        return fn(self, *args)

    def uncached(self) -> "Reader":
        """A reader of the same warehouse that caches nothing, for work off the script thread."""
        return Reader(self.con)
