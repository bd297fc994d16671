"""Named queries: one ``queries/<name>.sql`` file per dataset a page or export shows.

Each file opens with a header comment::

    -- purpose: what the dataset is for
    -- params: $start, $end, $towns
    -- columns: col_a, col_b

``run`` executes a query by name on a fresh cursor with named parameters only;
parameters derived from the rules file (``$interval_red`` …) are filled in
automatically, so no query repeats a rule's number.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from gridwatch import rules
from gridwatch.paths import QUERIES_DIR

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
_HEADER_KEY = re.compile(r"^--\s*(purpose|params|columns):\s*(.*)$")

LIST_PARAMS = ("towns", "departments", "industries")


@dataclass(frozen=True)
class Query:
    """A named query with its documented header."""

    name: str
    sql: str
    purpose: str
    params: tuple[str, ...]
    columns: tuple[str, ...]

    @property
    def used_params(self) -> set[str]:
        """Parameter names the SQL actually refers to."""
        return set(_PARAM.findall(_strip_comments(self.sql)))


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def _split_list(text: str) -> tuple[str, ...]:
    items = [item.strip().lstrip("$") for item in text.split(",")]
    return tuple(item for item in items if item and item != "(none)")


def parse(path: Path) -> Query:
    """Read a query file and its header."""
    sql = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    key = None
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        m = _HEADER_KEY.match(line)
        if m:
            key = m.group(1)
            header[key] = m.group(2).strip()
        elif key:
            header[key] += " " + line[2:].strip()
    return Query(
        name=path.stem,
        sql=sql,
        purpose=header.get("purpose", ""),
        params=_split_list(header.get("params", "")),
        columns=_split_list(header.get("columns", "")),
    )


@lru_cache(maxsize=1)
def _catalogue(directory: str) -> dict[str, Query]:
    return {p.stem: parse(p) for p in sorted(Path(directory).glob("*.sql"))}


def catalogue() -> dict[str, Query]:
    """Every named query, by name."""
    return _catalogue(str(QUERIES_DIR))


def get(name: str) -> Query:
    """The named query; KeyError names the missing file."""
    try:
        return catalogue()[name]
    except KeyError:
        raise KeyError(f"no query named {name!r} in {QUERIES_DIR}") from None


def bind(query: Query, params: dict | None = None) -> dict:
    """The parameters to pass for ``query``: given values, then rule-derived ones."""
    given = dict(params or {})
    for name in LIST_PARAMS:
        if name in given and given[name] is None:
            given[name] = []
    available = {**rules.query_params(), **given}
    missing = query.used_params - available.keys()
    if missing:
        raise ValueError(f"query {query.name!r} needs parameters: {', '.join(sorted(missing))}")
    bound = {k: available[k] for k in query.used_params}
    for name in LIST_PARAMS:
        if name in bound:
            bound[name] = [str(v) for v in bound[name]]
    return bound


def run(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> pd.DataFrame:
    """Run the named query on a new cursor of ``con`` and return the whole result."""
    query = get(name)
    cur = con.cursor()
    try:
        return cur.execute(query.sql, bind(query, params)).df()
    finally:
        cur.close()
