"""``metrics``: print the headline metrics of DESIGN.md for a period as JSON (audited as an export)."""

import json

from gridwatch import cli


def register(sub) -> None:
    """Add the ``metrics`` subcommand."""
    p = sub.add_parser("metrics", help="headline metrics for a period")
    cli.add_db_argument(p)
    cli.add_period_arguments(p)
    p.add_argument("--json", action="store_true", help="print one JSON object (the only format)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Compute and print the metrics."""
    from gridwatch import metrics

    f = cli.period_filters(args)
    con = cli.open_existing(args)
    try:
        figures = metrics.headline(con, f)
    finally:
        con.close()
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    cli.audit("export", kind="report", what=f"metrics {args.start}..{args.end}"
              + (f" towns {','.join(args.town)}" if args.town else ""), file="-")
    return 0
