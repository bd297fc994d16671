"""What the admin page changes: the rules file, checked before it is written."""

import os
import tomllib
from pathlib import Path

from gridwatch import rules


class RulesError(Exception):
    """Rules text that would break the app; the message says what is wrong."""


def check_rules(text: str) -> dict:
    """Parse rules text and check every rule the queries need is there; return the rules."""
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"not valid TOML: {exc}") from None
    try:
        params = rules.query_params(parsed)
    except (KeyError, IndexError, TypeError) as exc:
        raise RulesError(f"a required rule is missing or malformed: {exc}") from None
    bad = [name for name, value in params.items()
           if isinstance(value, bool) or not isinstance(value, int | float) or value < 0]
    if bad:
        raise RulesError("these rules must be non-negative numbers: " + ", ".join(bad))
    return parsed


def save_rules(text: str, path: Path | None = None) -> Path:
    """Check the rules text, then replace the rules file atomically."""
    check_rules(text)
    target = Path(path) if path else rules.rules_file()
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    return target
