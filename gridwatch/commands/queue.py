"""``queue``: next week's inspection plan per squadron as JSON, or its hindsight test (``--backtest``).

Both are recorded in the audit log as exports: the plan names enterprises one by one.
"""

import json
from datetime import date

from gridwatch import cli
from gridwatch.reader import Reader


def register(sub) -> None:
    """Add the ``queue`` subcommand."""
    p = sub.add_parser("queue", help="next week's risk-ranked inspection plan per squadron, or its hindsight test")
    cli.add_db_argument(p)
    p.add_argument("--as-of", dest="as_of", type=cli.iso_date, default=None,
                   help="plan with the data up to this day for the week (Monday to Sunday) after it "
                        "(default: the data's as-of date)")
    p.add_argument("--squadron", default=None, metavar="NAME", help="only this squadron's rows")
    p.add_argument("--all", dest="everyone", action="store_true",
                   help="every operating enterprise ranked by p_major, not just the plan")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the reasons (default zh)")
    p.add_argument("--backtest", action="store_true",
                   help="hindsight test: rank the enterprises inspected in [--start, --end] by the model as of "
                        "the day before --start")
    p.add_argument("--start", type=cli.iso_date, default=None, help="with --backtest: first day of the period")
    p.add_argument("--end", type=cli.iso_date, default=None, help="with --backtest: last day of the period")
    p.add_argument("--json", action="store_true",
                   help="print JSON (the plan is always JSON; the backtest prints a table without it)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Make the plan (or the hindsight test) and print it."""
    from gridwatch import plan

    try:
        cfg = plan.settings()
    except plan.PlanRulesError as exc:
        raise cli.CliError(str(exc)) from None
    if args.backtest:
        return _backtest(args, cfg)
    if args.start or args.end:
        raise cli.CliError("--start and --end go with --backtest")
    from gridwatch import warehouse

    con = cli.open_existing(args)
    try:
        data_as_of = warehouse.data_as_of(warehouse.meta(con))
        as_of = args.as_of or data_as_of or date.today()
        made = plan.make(Reader(con), as_of, cfg)
    finally:
        con.close()
    if args.squadron is not None:
        known = sorted(s for s in made.rows["squadron"].dropna().unique())
        if args.squadron not in known:
            raise cli.CliError(f"no operating enterprise in squadron {args.squadron!r}; squadrons: {', '.join(known)}")
    rows = plan.plan_rows(made.rows, args.squadron, everyone=args.everyone, squadron_given=args.squadron is not None)
    print(json_rows(plan.as_json(rows, args.lang, cfg.listed_visit_days)))
    what = f"queue as of {as_of}" + (" --all" if args.everyone else "")
    cli.audit("export", kind="gap_list", what=what + (f" squadron {args.squadron}" if args.squadron else ""),
              file="-", rows=len(rows))
    return 0


def json_rows(rows: list[dict]) -> str:
    """A JSON array with one row per line: readable and greppable, and quick for a province's 180,000 rows
    (Python's indenting encoder is pure Python, several times slower)."""
    if not rows:
        return "[]"
    return "[\n" + ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n]"


def _backtest(args, cfg) -> int:
    from gridwatch import plan

    if args.start is None or args.end is None:
        raise cli.CliError("--backtest needs --start and --end (YYYY-MM-DD)")
    if args.end < args.start:
        raise cli.CliError(f"--end {args.end} is before --start {args.start}")
    if args.everyone or args.squadron or args.as_of:
        raise cli.CliError("--backtest takes --start and --end only (its model is as of the day before --start)")
    con = cli.open_existing(args)
    try:
        test = plan.backtest(Reader(con), args.start, args.end, cfg)
    finally:
        con.close()
    if args.json:
        print(json.dumps(test.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(f"hindsight {test.start} to {test.end}, model as of {test.as_of}: share of the enterprises "
              "with a major hazard found that fall in the first half of the order")
        print(f"{'squadron':<16}{'inspected':>10}{'major':>8}{'model':>9}{'actual':>9}{'random':>9}")
        for h in (test.overall, *test.by_squadron):
            name = "(all)" if h is test.overall else (h.squadron or "(none)")
            print(f"{name:<16}{h.enterprises:>10}{h.with_major:>8}{_pct(h.model_share):>9}"
                  f"{_pct(h.actual_share):>9}{_pct(h.random_share):>9}")
    cli.audit("export", kind="report", what=f"queue --backtest {test.start}..{test.end}", file="-",
              rows=len(test.by_squadron) + 1)
    return 0


def _pct(value) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"
