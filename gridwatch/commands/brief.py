"""``brief``: write one week's leadership brief (领导周报) as PDF, HTML or XLSX, for a scheduled job.

Each file written is recorded in the audit log as an export.
"""

from pathlib import Path

from gridwatch import cli

FORMATS = ("pdf", "html", "xlsx")


def register(sub) -> None:
    """Add the ``brief`` subcommand."""
    p = sub.add_parser("brief", help="the weekly leadership brief as PDF, HTML or XLSX")
    cli.add_db_argument(p)
    p.add_argument("--week", default=None, metavar="YYYY-Www",
                   help="ISO week, e.g. 2026-W47 (default: the last full week in the data)")
    towns = p.add_mutually_exclusive_group()
    towns.add_argument("--town", default=None, metavar="NAME", help="the brief of one town only")
    towns.add_argument("--each-town", action="store_true",
                       help="one brief per town; --out must contain {town}")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="output format (default: from the --out extension)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language (default: zh)")
    p.add_argument("--base-url", default=None, metavar="URL",
                   help="the app's address, for the register links in the HTML and Excel brief "
                        "(default: $GRIDWATCH_BASE_URL, else http://localhost:8501)")
    p.add_argument("--out", required=True,
                   help="file to write; {week} and {town} are replaced (e.g. briefs/{week}-{town}.pdf)")
    p.set_defaults(func=run)


def _format(args) -> str:
    if args.format:
        return args.format
    suffix = Path(args.out).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise cli.CliError(f"cannot tell the format from {args.out!r}: pass --format pdf, html or xlsx")


def _render(brief, fmt: str, args) -> bytes:
    from gridwatch import brief_html, brief_pdf, brief_xlsx, pdf

    try:
        if fmt == "pdf":
            return brief_pdf.to_pdf(brief, args.lang)
        if fmt == "html":
            return brief_html.to_html(brief, args.lang, base_url=args.base_url).encode("utf-8")
        return brief_xlsx.to_xlsx(brief, args.lang, base_url=args.base_url)
    except pdf.FontMissing as exc:
        raise cli.CliError(exc.message(args.lang)) from None


def run(args) -> int:
    """Compute the brief (or one per town) and write it."""
    from gridwatch import briefing, queries, warehouse

    fmt = _format(args)
    if args.each_town and "{town}" not in args.out:
        raise cli.CliError("--each-town writes one file per town: put {town} in --out")
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
        options = queries.run(con, "filter_options", {"towns": []})
        known = list(options.loc[options["kind"] == "town", "value"])
        if args.town and args.town not in known:
            raise cli.CliError(f"--town: no enterprise in town {args.town!r}")
        towns = known if args.each_town else [args.town]
        source = briefing.source_for(con)
        briefs = [briefing.compute(source, week, briefing.Scope(towns=(town,) if town else ()), as_of)
                  for town in towns]
    finally:
        con.close()
    for town, brief in zip(towns, briefs, strict=True):
        path = Path(args.out.replace("{week}", week.label).replace("{town}", town or "all"))
        data = _render(brief, fmt, args)
        cli.write_file(path, data)
        print(f"wrote {path} ({fmt}, {week.label}, {len(data):,} bytes)")
        cli.audit("export", kind="report", what=f"brief {week.label} {town or 'all'} ({args.lang})", file=str(path),
                  bytes=len(data))
    return 0
