"""``registers``: write 一镇一册 / 一村一册 / 一部门一册 / 一队一册, one workbook per unit, for a scheduled job.

The files are those of the coverage page's "one file per unit" download (villages in a
folder per town), as of the data's as-of date. The run is recorded in the audit log as
an export.
"""

from pathlib import Path

from gridwatch import cli


def register(sub) -> None:
    """Add the ``registers`` subcommand."""
    from gridwatch.registers import BY

    p = sub.add_parser("registers", help="the registers per town, village, department or squadron (one XLSX each)")
    p.add_argument("--by", required=True, choices=BY, help="one workbook per town, village, department or squadron")
    cli.add_db_argument(p)
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder to write the workbooks into")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language (default: zh)")
    p.add_argument("--town", action="append", default=None, metavar="NAME",
                   help="only the enterprises of this town (repeat for several)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Build the register by ``--by`` and write one workbook per unit under ``--out``."""
    from gridwatch import queries, registers, warehouse

    towns = list(dict.fromkeys(args.town or []))
    con = cli.open_existing(args)
    try:
        as_of = warehouse.data_as_of(warehouse.meta(con))
        if as_of is None:
            raise cli.CliError("the warehouse holds no dated records: there is no as-of date for a register")
        options = queries.run(con, "filter_options", {"towns": []})
        known = set(options.loc[options["kind"] == "town", "value"])
        unknown = [t for t in towns if t not in known]
        if unknown:
            raise cli.CliError(f"--town: no enterprise in town {', '.join(repr(t) for t in unknown)}")
        enterprises = queries.run(con, "coverage_enterprises", {
            "start": as_of, "end": as_of, "as_of": as_of, "towns": towns,
            "departments": [], "industries": [], "risk_levels": []})
    finally:
        con.close()
    if enterprises.empty:
        raise cli.CliError("the warehouse holds no enterprise: there is no register to write")
    context = registers.Context(as_of=as_of, data_as_of=as_of, towns=tuple(towns))
    written, total = 0, 0
    for relative, data in registers.files(enterprises, args.by, args.lang, context):
        path = args.out / relative
        cli.write_file(path, data)
        written, total = written + 1, total + len(data)
        print(f"wrote {path} ({len(data):,} bytes)")
    scope = f" towns {', '.join(towns)}" if towns else ""
    cli.audit("export", kind="register", what=f"registers by {args.by} as of {as_of} ({args.lang}){scope}",
              file=str(args.out), files=written, bytes=total)
    return 0
