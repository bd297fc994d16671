"""``score``: the quarterly staff performance score (季度量化考核) as JSON, in rank order (audited as an export)."""

import json

from gridwatch import cli
from gridwatch.reader import Reader


def register(sub) -> None:
    """Add the ``score`` subcommand."""
    p = sub.add_parser("score", help="quarterly staff performance score")
    cli.add_db_argument(p)
    p.add_argument("--quarter", required=True, metavar="YYYYQN", help="the quarter, e.g. 2026Q3")
    p.add_argument("--unit", default=None, metavar="NAME",
                   help="only staff of this squadron or section (ranks stay those of the peer group)")
    p.add_argument("--json", action="store_true", help="print a JSON list (the only format)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Score the quarter and print one object per person."""
    from gridwatch import scoring, warehouse

    try:
        quarter = scoring.parse_quarter(args.quarter)
    except ValueError as exc:
        raise cli.CliError(f"--quarter: {exc}") from None
    con = cli.open_existing(args)
    try:
        data_as_of = warehouse.data_as_of(warehouse.meta(con))
        if data_as_of and quarter.start > data_as_of:
            raise cli.CliError(f"quarter {quarter} starts after the data's last day {data_as_of}")
        scored = scoring.quarter_scores(Reader(con), quarter, data_as_of)
    finally:
        con.close()
    if args.unit is not None:
        units = sorted(set(scored["unit"]))
        if args.unit not in units:
            raise cli.CliError(f"no active staff in unit {args.unit!r}; units: {', '.join(units)}")
        scored = scored.loc[scored["unit"] == args.unit]
    print(json.dumps(scoring.as_json(scored), ensure_ascii=False, indent=2))
    cli.audit("export", kind="report", what=f"score {args.quarter}" + (f" unit {args.unit}" if args.unit else ""),
              file="-", rows=len(scored))
    return 0
