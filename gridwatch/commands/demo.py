"""``demo``: build the demo county warehouse, optionally exporting it as Chinese-headed CSVs.

The build and any export are recorded in the audit log. Exit code 3 when another import or
demo build held the warehouse past ``--wait`` (nothing written: try again).
"""

import sys
import time
from pathlib import Path

from gridwatch import cli, i18n


def register(sub) -> None:
    """Add the ``demo`` subcommand."""
    p = sub.add_parser("demo", help="build the demo county warehouse")
    cli.add_db_argument(p)
    p.add_argument("--scale", type=int, default=1, help="multiply enterprises and activity (default 1)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the fixed demo seed)")
    p.add_argument("--export", type=Path, default=None, metavar="DIR",
                   help="also write the eight tables as CSV files with Chinese headers")
    p.add_argument("--lang", choices=i18n.LANGS, default=i18n.DEFAULT_LANG, help="language of the messages")
    cli.add_wait_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Build the warehouse and report row counts."""
    from gridwatch import exports, warehouse

    if args.scale < 1:
        raise cli.CliError("--scale must be 1 or more")
    path = cli.db_from(args)

    def announce() -> None:
        seconds = args.wait if args.wait is not None else warehouse.write_timeout()
        print(i18n.text("warehouse.waiting", args.lang, seconds=f"{seconds:g}"), file=sys.stderr, flush=True)

    started = time.perf_counter()
    try:
        with warehouse.waiting(announce, timeout=args.wait):
            counts = warehouse.build_demo(path, scale=args.scale, seed=args.seed)
    except warehouse.WriterBusy as exc:
        cli.audit("import_refused", what="demo build", db=str(path), reason="busy", waited=exc.timeout)
        raise cli.CliError(i18n.text("warehouse.busy_cli", args.lang, seconds=f"{exc.timeout:g}"), code=3) from None
    except warehouse.WriteRefused as exc:
        raise cli.CliError(exc.message(args.lang)) from None
    took = time.perf_counter() - started
    print(f"built {path} in {took:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    cli.audit("import", what="demo build", db=str(path), scale=args.scale,
              seed=args.seed if args.seed is not None else "default", rows=sum(counts.values()))
    if args.export is not None:
        con = warehouse.open_readonly(path)
        try:
            written = exports.export_tables_csv(con, args.export)
        finally:
            con.close()
        print(f"exported {len(written)} files to {args.export}")
        cli.audit("export", kind="tables", what="demo --export", file=str(args.export),
                  files=[Path(p).name for p in written])
    return 0
