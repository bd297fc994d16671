"""``signals``: the supervision-quality signals (监管质量) of a period as JSON (audited as an export)."""

import json

from gridwatch import cli


def register(sub) -> None:
    """Add the ``signals`` subcommand."""
    p = sub.add_parser("signals", help="supervision-quality signals (监管质量) for a period")
    cli.add_db_argument(p)
    cli.add_period_arguments(p)
    p.add_argument("--unit", default=None, metavar="NAME",
                   help="only records attributed to staff of this squadron or section")
    p.add_argument("--json", action="store_true", help="print one JSON object (the only format)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Compute and print every signal: overall, per unit, person and town, with its parameters."""
    from gridwatch import queries, signals

    f = cli.period_filters(args)
    con = cli.open_existing(args)
    try:
        units = []
        if args.unit is not None:
            known = list(queries.run(con, "quality_units")["unit"])
            if args.unit not in known:
                raise cli.CliError(f"no staff in unit {args.unit!r}; units: {', '.join(known) or '(none)'}")
            units = [args.unit]
        frame = signals.summary(lambda name, params: queries.run(con, name, params), f, units)
    finally:
        con.close()
    print(json.dumps(signals.as_json(frame, f, units), ensure_ascii=False, indent=2))
    cli.audit("export", kind="report", what=f"signals {args.start}..{args.end}"
              + (f" unit {args.unit}" if args.unit else "")
              + (f" towns {','.join(args.town)}" if args.town else ""), file="-")
    return 0
