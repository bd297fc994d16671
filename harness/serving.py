"""Serve the app on a free 127.0.0.1 port for a test or a benchmark, and stop it afterwards."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEALTH_TIMEOUT_S = 60


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(db: Path, env: dict | None = None):
    """Serve the app on ``db`` on a free localhost port; yield its base URL and the process.

    Sign-in is off (an absent users file) unless ``env`` names one: the callers look at
    the pages themselves. Raises RuntimeError if the server does not answer its health check.
    """
    port = free_port()
    env = {**os.environ, "GRIDWATCH_DB": str(db), "GRIDWATCH_AUTH": str(db.parent / "no-auth.yaml"), **(env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gridwatch", "serve", "--address", "127.0.0.1", "--port", str(port),
         "--", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"the app did not answer its health check within {HEALTH_TIMEOUT_S} s")
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
