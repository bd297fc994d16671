"""``import``: load export files (CSV or Excel) into the warehouse, all or nothing, with a report.

Exit code 0 when every row loaded, 1 when rows (or files) were rejected, 2 when nothing loaded,
3 when another import or demo build held the warehouse past ``--wait`` (nothing written: try again).
Every import that could write (not a dry run) is recorded in the audit log.
"""

import sys
from pathlib import Path

from gridwatch import cli, i18n

SHOWN_ISSUES = 30


def register(sub) -> None:
    """Add the ``import`` subcommand."""
    p = sub.add_parser("import", help="load export files into the warehouse")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="CSV, XLSX or XLS files")
    cli.add_db_argument(p)
    p.add_argument("--mapping", type=Path, default=None, metavar="FILE",
                   help="YAML or TOML file mapping another system's headers and codes")
    p.add_argument("--dry-run", dest="dry_run", action="store_true", help="check everything, write nothing")
    p.add_argument("--replace", action="store_true", help="empty each imported table first (default: update by id)")
    p.add_argument("--report", type=Path, default=None, metavar="CSV",
                   help="where to write the problem report (default: exports/import-reports/ beside the warehouse)")
    p.add_argument("--lang", choices=i18n.LANGS, default=i18n.DEFAULT_LANG, help="language of the messages")
    cli.add_wait_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Import the files and print what happened."""
    from gridwatch import exports, ingest

    mapping = None
    if args.mapping is not None:
        try:
            mapping = ingest.load_mapping(args.mapping)
        except ingest.MappingError as exc:
            raise cli.CliError(str(exc)) from None
    files = []
    for path in args.files:
        try:
            files.append((path.name, path.read_bytes()))
        except OSError as exc:
            raise cli.CliError(f"{path}: cannot read: {exc.strerror}") from None
    db = cli.db_from(args)
    lang = args.lang
    names = [name for name, _ in files]
    report = _import(args, db, files, mapping, names)

    for problem in report.problems:
        print(problem.message(lang), file=sys.stderr)
    for s in report.sheets:
        where = s.file + (f" [{s.sheet}]" if s.sheet else "")
        print(f"{where}: {s.table} ({s.encoding}) read {s.rows_read:,}, loaded {s.rows_loaded:,}, "
              f"rejected {s.rows_rejected:,}, warned {s.rows_warned:,}")
    errors = report.issues[report.issues["severity"] == "error"] if len(report.issues) else report.issues
    for _, row in errors.head(SHOWN_ISSUES).iterrows():
        print(ingest.issue_message(row, lang), file=sys.stderr)
    if len(errors) > SHOWN_ISSUES:
        print(f"… {len(errors) - SHOWN_ISSUES:,} more in the report", file=sys.stderr)
    target = None
    if len(report.issues):
        target = args.report or db.parent / "exports" / "import-reports" / f"{report.import_id}.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        frame = report.issues.assign(message=[ingest.issue_message(r, lang) for _, r in report.issues.iterrows()])
        target.write_bytes(exports.csv_bytes(frame))
        print(f"report: {target}")
    verb = "would load" if args.dry_run else "loaded"
    print(f"{verb} {report.loaded:,} rows, rejected {report.rejected:,} in {report.seconds:.1f} s"
          + (" (dry run: warehouse unchanged)" if args.dry_run else ""))
    if not args.dry_run:
        cli.audit("import", import_id=report.import_id, files=names, db=str(db), loaded=report.loaded,
                  rejected=report.rejected, replace=bool(args.replace), report=str(target) if target else "")
    return report.exit_code


def _import(args, db: Path, files: list[tuple[str, bytes]], mapping, names: list[str]):
    """Run the import, saying so while another writer holds the warehouse; refuse clearly past ``--wait``."""
    from gridwatch import ingest, warehouse

    def announce() -> None:
        seconds = args.wait if args.wait is not None else warehouse.write_timeout()
        print(i18n.text("warehouse.waiting", args.lang, seconds=f"{seconds:g}"), file=sys.stderr, flush=True)

    try:
        with warehouse.waiting(announce, timeout=args.wait):
            return ingest.import_files(db, files, mapping=mapping, dry_run=args.dry_run, replace=args.replace)
    except warehouse.WriterBusy as exc:
        if not args.dry_run:
            cli.audit("import_refused", files=names, db=str(db), reason="busy", waited=exc.timeout)
        raise cli.CliError(i18n.text("warehouse.busy_cli", args.lang, seconds=f"{exc.timeout:g}"), code=3) from None
    except warehouse.WriteRefused as exc:
        raise cli.CliError(str(exc)) from None
