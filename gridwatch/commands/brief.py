"""``brief``: write one week's leadership brief (领导周报) as PDF, HTML or XLSX, for a scheduled job."""

from pathlib import Path

from gridwatch import cli

FORMATS = ("pdf", "html", "xlsx")


def register(sub) -> None:
    """Add the ``brief`` subcommand."""
    p = sub.add_parser("brief", help="the weekly leadership brief as PDF, HTML or XLSX")
    cli.add_db_argument(p)
    p.add_argument("--week", default=None, metavar="YYYY-Www",
                   help="ISO week, e.g. 2026-W47 (default: the last full week in the data)")
    p.add_argument("--town", default=None, metavar="NAME", help="the brief of one town only")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="output format (default: from the --out extension)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language (default: zh)")
    p.add_argument("--base-url", default="", metavar="URL",
                   help="the app's address, to make register links in the HTML brief absolute")
    p.add_argument("--out", type=Path, required=True, help="file to write")
    p.set_defaults(func=run)


def _format(args) -> str:
    if args.format:
        return args.format
    suffix = args.out.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise cli.CliError(f"cannot tell the format from {args.out.name!r}: pass --format pdf, html or xlsx")


def run(args) -> int:
    """Compute the brief and write it."""
    from gridwatch import briefing, pdf, queries, warehouse

    fmt = _format(args)
    con = cli.open_existing(args)
    try:
        as_of = warehouse.data_as_of(warehouse.meta(con))
        if as_of is None:
            raise cli.CliError("the warehouse holds no dated records: there is no week to brief")
        try:
            week = briefing.Week.parse(args.week) if args.week else briefing.last_full_week(as_of)
        except ValueError as exc:
            raise cli.CliError(f"--week: {exc}") from None
        if week.monday > as_of:
            raise cli.CliError(f"--week {week.label} starts after the data's last date {as_of}")
        towns = ()
        if args.town:
            options = queries.run(con, "filter_options")
            known = set(options.loc[options["kind"] == "town", "value"])
            if args.town not in known:
                raise cli.CliError(f"--town: no enterprise in town {args.town!r}")
            towns = (args.town,)
        brief = briefing.compute(briefing.source_for(con), week, briefing.Scope(towns=towns), as_of)
    finally:
        con.close()
    try:
        if fmt == "pdf":
            data = briefing.to_pdf(brief, args.lang)
        elif fmt == "html":
            data = briefing.to_html(brief, args.lang, base_url=args.base_url).encode("utf-8")
        else:
            data = briefing.to_xlsx(brief, args.lang)
    except pdf.FontMissing as exc:
        raise cli.CliError(str(exc)) from None
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(data)
    except OSError as exc:
        raise cli.CliError(f"cannot write {args.out}: {exc.strerror}") from None
    print(f"wrote {args.out} ({fmt}, {week.label}, {len(data):,} bytes)")
    return 0
