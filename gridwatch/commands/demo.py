"""``demo``: build the demo county warehouse, optionally exporting it as Chinese-headed CSVs."""

import time
from pathlib import Path

from gridwatch import cli


def register(sub) -> None:
    """Add the ``demo`` subcommand."""
    p = sub.add_parser("demo", help="build the demo county warehouse")
    cli.add_db_argument(p)
    p.add_argument("--scale", type=int, default=1, help="multiply enterprises and activity (default 1)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the fixed demo seed)")
    p.add_argument("--export", type=Path, default=None, metavar="DIR",
                   help="also write the eight tables as CSV files with Chinese headers")
    p.set_defaults(func=run)


def run(args) -> int:
    """Build the warehouse and report row counts."""
    from gridwatch import exports, warehouse

    if args.scale < 1:
        raise cli.CliError("--scale must be 1 or more")
    path = cli.db_from(args)
    started = time.perf_counter()
    counts = warehouse.build_demo(path, scale=args.scale, seed=args.seed)
    took = time.perf_counter() - started
    print(f"built {path} in {took:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    if args.export is not None:
        con = warehouse.open_readonly(path)
        try:
            written = exports.export_tables_csv(con, args.export)
        finally:
            con.close()
        print(f"exported {len(written)} files to {args.export}")
    return 0
