"""Where gridwatch finds its files: every path is built from this module's location."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(__file__).resolve().parent
QUERIES_DIR = ROOT / "queries"
CONFIG_DIR = ROOT / "config"
DATA_DIR = ROOT / "data"
RULES_FILE = CONFIG_DIR / "rules.toml"
LOCALES_DIR = PACKAGE / "locales"
SCHEMA_FILE = PACKAGE / "schema.sql"


def default_db() -> Path:
    """The warehouse file: ``$GRIDWATCH_DB`` if set, else ``data/gridwatch.duckdb``."""
    env = os.environ.get("GRIDWATCH_DB")
    return Path(env) if env else DATA_DIR / "gridwatch.duckdb"


def rules_file() -> Path:
    """The rules file: ``$GRIDWATCH_RULES`` if set, else ``config/rules.toml``."""
    env = os.environ.get("GRIDWATCH_RULES")
    return Path(env) if env else RULES_FILE
