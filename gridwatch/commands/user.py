"""``user``: add a user, set a password, list users of the auth configuration.

The password is read without echo (twice) or, with ``--password-stdin``, from one line of
standard input; only its Argon2 hash is written. The first ``user add`` creates the file,
which turns sign-in on.
"""

import getpass
import sys
from pathlib import Path

from gridwatch import cli


def register(sub) -> None:
    """Add the ``user`` subcommand and its actions."""
    p = sub.add_parser("user", help="manage sign-in users (config/auth.yaml)")
    actions = p.add_subparsers(dest="action", required=True)
    for action in ("add", "passwd", "list"):
        a = actions.add_parser(action, help={"add": "add a user", "passwd": "set a user's password",
                                             "list": "list users (never passwords)"}[action])
        a.add_argument("--config", type=Path, default=None,
                       help="auth configuration (default: $GRIDWATCH_AUTH or config/auth.yaml)")
        if action != "list":
            a.add_argument("name", help="user name (no spaces)")
            a.add_argument("--password-stdin", action="store_true",
                           help="read the password from one line of standard input")
        if action == "add":
            a.add_argument("--role", required=True, help="leadership, office, staff, clerk or admin")
            a.add_argument("--towns", default="", help="comma-separated town scope (default: whole county)")
            a.add_argument("--staff-id", dest="staff_id", default="", help="own staff id (required for staff)")
            a.add_argument("--display-name", dest="display_name", default="", help="name shown in the app")
        a.set_defaults(func=run)


def _password(args) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise cli.CliError("the two passwords differ")
    if len(password) < 8:
        raise cli.CliError("a password needs at least 8 characters")
    return password


def run(args) -> int:
    """Carry out the chosen action."""
    from gridwatch import auth

    path = args.config or auth.config_path()
    try:
        if args.action == "list":
            config = auth.load_config(path)
            if config is None:
                raise cli.CliError(f"no auth configuration at {path}: sign-in is off")
            for u in config.users.values():
                print("\t".join([u.name, u.role, ",".join(u.towns) or "*", u.staff_id or "-",
                                 "password" if u.password_hash else "no-password"]))
            return 0
        if args.action == "add":
            if args.role not in auth.ROLES:
                raise cli.CliError(f"unknown role {args.role!r}; use one of {', '.join(auth.ROLES)}")
            towns = tuple(t.strip() for t in args.towns.replace("，", ",").split(",") if t.strip())
            user = auth.save_user(path, args.name, role=args.role, towns=towns, staff_id=args.staff_id,
                                  display_name=args.display_name, password=_password(args), create=True)
        else:
            user = auth.save_user(path, args.name, password=_password(args))
    except auth.AuthConfigError as exc:
        raise cli.CliError(str(exc)) from None
    print(f"saved user {user.name} ({user.role}) in {path}")
    return 0
