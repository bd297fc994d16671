"""``status``: print the warehouse's data-quality status as JSON (audited as an export)."""

import json

from gridwatch import cli


def register(sub) -> None:
    """Add the ``status`` subcommand."""
    p = sub.add_parser("status", help="what the warehouse holds, never records, and how fresh it is")
    cli.add_db_argument(p)
    p.add_argument("--json", action="store_true", help="print one JSON object (the only format)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Compute and print the status."""
    from gridwatch import status

    con = cli.open_existing(args)
    try:
        report = status.of_connection(con)
    finally:
        con.close()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    cli.audit("export", kind="report", what=f"status {cli.db_from(args)}", file="-")
    return 0
