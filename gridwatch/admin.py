"""What the admin page changes: the rules file, checked before it is written."""

import os
import tomllib
from pathlib import Path

from gridwatch import i18n, rules


class RulesError(i18n.LocalisedError):
    """Rules text that would break the app; the message says what is wrong."""

    prefix = "auth.rules_error."


def check_rules(text: str) -> dict:
    """Parse rules text and check every rule the queries need is there; return the rules."""
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError("not_toml", detail=str(exc)) from None
    try:
        params = rules.query_params(parsed)
    except (KeyError, IndexError, TypeError) as exc:
        raise RulesError("missing", detail=str(exc)) from None
    bad = [name for name, value in params.items()
           if isinstance(value, bool) or not isinstance(value, int | float) or value < 0]
    if bad:
        raise RulesError("negative", names=bad)
    return parsed


def save_rules(text: str, path: Path | None = None) -> Path:
    """Check the rules text, then replace the rules file atomically."""
    check_rules(text)
    target = Path(path) if path else rules.rules_file()
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    return target
