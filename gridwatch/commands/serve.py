"""``serve``: start the dashboard with every module its pages import already loaded.

Streamlit imports a page's modules during the first run that needs them, so
every session that arrives before that run ends waits for pandas, plotly and
the library to load. On a Monday morning after a restart, with 30 officials
arriving at once, that was a second of the opening burst (``bench/PROFILE.md``).
``serve`` imports what ``app.py`` and ``pages/`` import, then hands over to
``streamlit run server.py`` from the project folder, so that
``.streamlit/config.toml`` applies. ``server.py`` serves ``app.py`` behind the
sign-in page (``gridwatch/web.py``), which sets the session cookie. Options after
``--`` go to Streamlit as they are.
"""

import ast
import importlib
import os
import sys
from pathlib import Path

from gridwatch.paths import ROOT

APP = ROOT / "app.py"
SERVER = ROOT / "server.py"
PAGES_DIR = ROOT / "pages"


def register(sub) -> None:
    """Add the ``serve`` subcommand."""
    p = sub.add_parser("serve", help="start the dashboard (streamlit run server.py, with its modules preloaded)")
    p.add_argument("--db", type=Path, default=None,
                   help="warehouse file (default: $GRIDWATCH_DB or data/gridwatch.duckdb)")
    p.add_argument("--port", type=int, default=8501, help="port to listen on (default: 8501)")
    p.add_argument("--address", default=None,
                   help="address to listen on (default: Streamlit's, every interface)")
    p.add_argument("streamlit_options", nargs="*", metavar="-- OPTION",
                   help="options passed to streamlit run as they are, e.g. -- --server.headless true")
    p.set_defaults(func=run)


def imported_modules(scripts: list[Path]) -> list[str]:
    """The modules the scripts import at their top level, in order, each once.

    ``from gridwatch import ui`` names ``gridwatch.ui``: the modules a page uses are
    usually imported that way.
    """
    names: list[str] = []
    for script in scripts:
        for node in ast.parse(script.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.append(node.module)
                names += [f"{node.module}.{alias.name}" for alias in node.names]
    return list(dict.fromkeys(names))


def preload() -> list[str]:
    """Import what ``server.py``, ``app.py`` and every page import; return the modules that loaded."""
    loaded = []
    for name in imported_modules([SERVER, APP, *sorted(PAGES_DIR.glob("*.py"))]):
        try:
            importlib.import_module(name)
        except ImportError:
            continue  # a name imported from a module (a function, a class), not a module itself
        loaded.append(name)
    return loaded


def run(args) -> int:
    """Preload, then run Streamlit's own command line in this process."""
    from streamlit.web import cli as streamlit_cli

    if args.db is not None:
        os.environ["GRIDWATCH_DB"] = str(args.db.resolve())
    os.chdir(ROOT)
    preload()
    options = ["--server.port", str(args.port)]
    if args.address:
        options += ["--server.address", args.address]
    sys.argv = ["streamlit", "run", str(SERVER), *options, *args.streamlit_options]
    return streamlit_cli.main()
