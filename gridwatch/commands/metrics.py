"""``metrics``: print the headline metrics of DESIGN.md for a period as JSON (audited as an export)."""

import json

from gridwatch import cli


def register(sub) -> None:
    """Add the ``metrics`` subcommand."""
    p = sub.add_parser("metrics", help="headline metrics for a period")
    cli.add_db_argument(p)
    p.add_argument("--start", type=cli.iso_date, required=True, help="first day of the period")
    p.add_argument("--end", type=cli.iso_date, required=True, help="last day of the period")
    p.add_argument("--as-of", dest="as_of", type=cli.iso_date, default=None,
                   help="status date (default: --end)")
    p.add_argument("--town", action="append", default=[], metavar="NAME",
                   help="restrict to enterprises of this town (repeatable)")
    p.add_argument("--json", action="store_true", help="print one JSON object (the only format)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Compute and print the metrics."""
    from gridwatch import metrics
    from gridwatch.filters import Filters

    if args.end < args.start:
        raise cli.CliError(f"--end {args.end} is before --start {args.start}")
    con = cli.open_existing(args)
    try:
        figures = metrics.headline(con, Filters(start=args.start, end=args.end,
                                                as_of=args.as_of or args.end, towns=tuple(args.town)))
    finally:
        con.close()
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    cli.audit("export", kind="report", what=f"metrics {args.start}..{args.end}"
              + (f" towns {','.join(args.town)}" if args.town else ""), file="-")
    return 0
