"""``python -m gridwatch``: subcommands discovered from ``gridwatch/commands/``.

Each module there defines ``register(subparsers)`` and sets ``func`` on its
parser. A ``CliError`` (or a bad argument) prints one clear line and exits non-zero;
no traceback reaches the user.
"""

import argparse
import importlib
import pkgutil
import sys
from datetime import date
from pathlib import Path

import duckdb

from gridwatch import commands
from gridwatch.paths import default_db


class CliError(Exception):
    """An error a user can fix; its message is printed as one line."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def iso_date(text: str) -> date:
    """argparse type for YYYY-MM-DD dates."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    """The common ``--db PATH`` option."""
    parser.add_argument("--db", type=Path, default=None,
                        help="warehouse file (default: $GRIDWATCH_DB or data/gridwatch.duckdb)")


def add_period_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``--start``/``--end``/``--as-of``/``--town`` options of the commands that report on a period."""
    parser.add_argument("--start", type=iso_date, required=True, help="first day of the period")
    parser.add_argument("--end", type=iso_date, required=True, help="last day of the period")
    parser.add_argument("--as-of", dest="as_of", type=iso_date, default=None,
                        help="status date (default: --end)")
    parser.add_argument("--town", action="append", default=[], metavar="NAME",
                        help="restrict to enterprises of this town (repeatable)")


def period_filters(args: argparse.Namespace):
    """The ``Filters`` chosen by ``add_period_arguments``'s options; a period that ends before it starts is an error."""
    from gridwatch.filters import Filters

    if args.end < args.start:
        raise CliError(f"--end {args.end} is before --start {args.start}")
    return Filters(start=args.start, end=args.end, as_of=args.as_of or args.end, towns=tuple(args.town))


def seconds(text: str) -> float:
    """argparse type for a number of seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"not a number of seconds (0 or more): {text!r}")
    return value


def add_wait_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--wait SECONDS`` option of commands that write the warehouse."""
    parser.add_argument("--wait", type=seconds, default=None, metavar="SECONDS",
                        help="how long to wait for another import or demo build to finish "
                             "(default: $GRIDWATCH_WRITE_TIMEOUT or 600)")


def audit(event: str, **details) -> None:
    """Record what this run did in the audit log; an unwritable log is one clear error line."""
    from gridwatch import audit as log

    try:
        log.record_cli(event, **details)
    except OSError as exc:
        raise CliError(f"cannot write the audit log {log.log_path()}: {exc.strerror} "
                       "(what this command reported above was done)") from None


def db_from(args: argparse.Namespace) -> Path:
    """The warehouse path chosen by ``--db`` or the default."""
    return args.db if args.db is not None else default_db()


def open_existing(args: argparse.Namespace) -> duckdb.DuckDBPyConnection:
    """Open the chosen warehouse read-only, or fail with a clear message."""
    from gridwatch import warehouse

    path = db_from(args)
    try:
        return warehouse.open_readonly(path)
    except warehouse.WarehouseMissing:
        raise CliError(f"no warehouse at {path}: build one with `python -m gridwatch demo` "
                       "or load data with `python -m gridwatch import`") from None
    except duckdb.Error as exc:
        raise CliError(f"cannot open warehouse {path}: {exc}") from None


def write_file(path: Path, data: bytes) -> None:
    """Write a command's output file, making its folder; a failure is a one-line error, not a traceback."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every discovered subcommand."""
    parser = argparse.ArgumentParser(prog="python -m gridwatch", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"gridwatch.commands.{info.name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except duckdb.Error as exc:
        print(f"error: database: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
