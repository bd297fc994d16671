"""The audit log: who signed in (or failed to), imported or exported what, and when.

One JSON object per line in ``data/audit.jsonl`` (``$GRIDWATCH_AUDIT`` overrides): kept
apart from the warehouse, which imports swap atomically, and readable with any tool.
Appends are serialised by a lock within the process and by ``O_APPEND`` across processes.
Pages record as the signed-in user; command-line runs as the operating-system account,
with ``via: cli``.
"""

import getpass
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from gridwatch.paths import DATA_DIR

EVENTS = ("sign_in", "sign_in_failed", "sign_out", "session_refused", "page_refused",
          "export", "export_refused", "import", "import_refused", "user_saved", "rules_saved")
_lock = threading.Lock()


def log_path() -> Path:
    """The audit file: ``$GRIDWATCH_AUDIT`` if set, else ``data/audit.jsonl``."""
    env = os.environ.get("GRIDWATCH_AUDIT")
    return Path(env) if env else DATA_DIR / "audit.jsonl"


def os_user() -> str:
    """The operating-system account running this process: the user of a command-line run."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        return f"uid {os.getuid()}"


def signed_in_user() -> str:
    """The signed-in user of this Streamlit session ('' outside one or when sign-in is off)."""
    return _who()


def _who() -> str:
    try:
        from gridwatch import auth

        user = auth.current_user()
    except Exception:  # outside a Streamlit session (CLI, tests): nobody signed in
        user = None
    return user.name if user else ""


def record(event: str, *, user: str | None = None, **details) -> dict:
    """Append one event (``EVENTS``) with free-form details; ``user`` defaults to the signed-in one."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    entry = {"ts": datetime.now(UTC).isoformat(timespec="seconds"), "event": event,
             "user": user if user is not None else _who(), **details}
    line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, open(path, "a", encoding="utf-8") as f:
        f.write(line)
    return entry


def record_cli(event: str, **details) -> dict:
    """Append one event of a command-line run: the user is the OS account, ``via`` is ``cli``."""
    return record(event, user=os_user(), via="cli", **details)


def read(limit: int | None = None) -> pd.DataFrame:
    """The newest ``limit`` events (all if None), newest first; unreadable lines are skipped."""
    path = log_path()
    rows = []
    if path.exists():
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
    rows.reverse()
    if limit is not None:
        rows = rows[:limit]
    frame = pd.DataFrame.from_records(rows)
    for column in ("ts", "event", "user"):
        if column not in frame:
            frame[column] = pd.Series(dtype="str")
    return frame
