"""``import``: load export files (CSV or Excel) into the warehouse, all or nothing, with a report.

Exit code 0 when every row loaded, 1 when rows (or files) were rejected, 2 when nothing loaded,
3 when another import or demo build held the warehouse past ``--wait`` (nothing written: try again).
Every line it prints is in the chosen language (``--lang``); problems print grouped, one line
per file, column and reason, and the report CSV lists them row by row. Every import that could
write (not a dry run) is recorded in the audit log.
"""

import codecs
import sys
from pathlib import Path

from gridwatch import cli, i18n


def register(sub) -> None:
    """Add the ``import`` subcommand."""
    p = sub.add_parser("import", help="load export files into the warehouse")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="CSV, XLSX or XLS files")
    cli.add_db_argument(p)
    p.add_argument("--mapping", type=Path, default=None, metavar="FILE",
                   help="YAML or TOML mapping file or recipe for another system's exports")
    p.add_argument("--encoding", default=None, metavar="NAME",
                   help="text encoding of CSV files without a byte-order mark (e.g. latin-1, cp1252, big5; "
                        "default: detected)")
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
    from gridwatch.ingest import loading

    lang = args.lang
    mapping = None
    if args.mapping is not None:
        try:
            mapping = ingest.load_mapping(args.mapping)
        except ingest.MappingError as exc:
            raise cli.CliError(exc.message(lang)) from None
    if args.encoding:
        try:
            codecs.lookup(args.encoding)
        except LookupError:
            raise cli.CliError(f"--encoding: unknown encoding {args.encoding!r}") from None
    files = []
    for path in args.files:
        try:
            files.append((path.name, path.read_bytes()))
        except OSError as exc:
            raise cli.CliError(f"{path}: cannot read: {exc.strerror}") from None
    db = cli.db_from(args)
    names = [name for name, _ in files]
    report = _import(args, db, files, mapping, names)

    for problem in report.problems:
        print(problem.message(lang), file=sys.stderr)
    for s in report.sheets:
        where = s.file + (f" [{s.sheet}]" if s.sheet else "")
        line = i18n.text("data_import.cli.sheet", lang, where=where, table=loading.table_label(s.table, lang),
                         encoding=s.encoding, read=f"{s.rows_read:,}", loaded=f"{s.rows_loaded:,}",
                         rejected=f"{s.rows_rejected:,}", warned=f"{s.rows_warned:,}")
        if s.rows_skipped:
            line += i18n.text("data_import.cli.skipped", lang, n=f"{s.rows_skipped:,}")
        print(line)
    for _, group in report.groups.iterrows():
        print(loading.group_message(group, lang), file=sys.stderr)
    target = None
    if report.issues_total:
        target = args.report or db.parent / "exports" / "import-reports" / f"{report.import_id}.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(exports.csv_bytes(report_frame(report, lang)))
        print(i18n.text("data_import.cli.report", lang, path=str(target)))
    key = "data_import.cli.dry_run_done" if args.dry_run else "data_import.cli.done"
    print(i18n.text(key, lang, loaded=f"{report.loaded:,}", rejected=f"{report.rejected:,}",
                    seconds=f"{report.seconds:.1f}"))
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
            return ingest.import_files(db, files, mapping=mapping, dry_run=args.dry_run, replace=args.replace,
                                       encoding=args.encoding)
    except warehouse.WriterBusy as exc:
        if not args.dry_run:
            cli.audit("import_refused", files=names, db=str(db), reason="busy", waited=exc.timeout)
        raise cli.CliError(i18n.text("warehouse.busy_cli", args.lang, seconds=f"{exc.timeout:g}"), code=3) from None
    except warehouse.WriteRefused as exc:
        raise cli.CliError(exc.message(args.lang)) from None


def report_frame(report, lang: str):
    """The report CSV: one line per problem with its file, row, column, value and message; a last line
    saying where it stopped when the import had more problems than a report lists."""
    import pandas as pd

    from gridwatch.ingest import loading

    issues = report.issues
    frame = pd.DataFrame({
        i18n.text("data_import.log_columns.file", lang): issues["file"].astype(object),
        i18n.text("data_import.log_columns.sheet", lang): issues["sheet"].astype(object),
        i18n.text("data_import.log_columns.row_number", lang): issues["row_number"].astype("Int64"),
        i18n.text("data_import.log_columns.column", lang):
            [loading.column_shown(r, lang) for _, r in issues.iterrows()],
        i18n.text("data_import.log_columns.severity", lang):
            [i18n.text(f"data_import.severity.{s}", lang) for s in issues["severity"]],
        i18n.text("data_import.log_columns.value", lang): issues["value"].astype(object),
        i18n.text("data_import.log_columns.message", lang): [loading.issue_message(r, lang)
                                                              for _, r in issues.iterrows()],
    })
    if report.issues_cut:
        key = "data_import.cli.report_cut_dry" if report.dry_run else "data_import.cli.report_cut"
        note = i18n.text(key, lang, shown=f"{len(issues):,}", total=f"{report.issues_total:,}",
                         import_id=report.import_id)
        frame.loc[len(frame)] = [note] + [None] * (frame.shape[1] - 1)
    return frame
