"""``python -m gridwatch serve``: what it preloads before handing over to Streamlit, and no outside lookup."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gridwatch.commands import serve

from .conftest import build_fixture_db

ROOT = Path(__file__).resolve().parent.parent
PORT = 8765  # inside a network namespace of its own: every port is free


def test_imported_modules_lists_top_level_imports_once_in_order(tmp_path):
    script = tmp_path / "page.py"
    script.write_text(
        '"""A page."""\n'
        "import html\n"
        "import plotly.express as px\n"
        "from gridwatch import ui, figures\n"
        "from gridwatch.links import enterprise_url\n"
        "from . import sibling\n"
        "import html\n"
        "def later():\n"
        "    import json\n",
        encoding="utf-8",
    )
    assert serve.imported_modules([script]) == [
        "html", "plotly.express", "gridwatch", "gridwatch.ui", "gridwatch.figures",
        "gridwatch.links", "gridwatch.links.enterprise_url",
    ]


def test_preload_loads_what_the_pages_use_and_skips_names_that_are_not_modules():
    loaded = serve.preload()
    for name in ("pandas", "streamlit", "gridwatch.ui", "gridwatch.figures",
                 "gridwatch.briefing", "gridwatch.rectification", "gridwatch.hazards"):
        assert name in loaded and name in sys.modules
    assert "plotly.express" in sys.modules  # no page imports it now: gridwatch.figures does
    assert "gridwatch.links.enterprise_url" not in loaded


def test_serve_passes_streamlit_options_after_the_separator():
    from gridwatch.cli import build_parser

    args = build_parser().parse_args(["serve", "--port", "8600", "--", "--server.headless", "true"])
    assert args.port == 8600 and args.streamlit_options == ["--server.headless", "true"]


def _probe(tmp_path: Path, command: list[str], cwd: Path, env: dict) -> tuple[dict, str]:
    """Run ``command`` in a network namespace with loopback only, under strace (tests/netns_probe.py)."""
    missing = [tool for tool in ("unshare", "strace", "ip") if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} not found: apt-get install util-linux strace iproute2"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    trace, log = tmp_path / "trace.txt", tmp_path / "server.log"
    done = subprocess.run(["unshare", "-rn", sys.executable, "-m", "tests.netns_probe", str(PORT), str(trace),
                           str(log), str(cwd), "--", *command],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    if done.returncode != 0 and "unshare" in done.stderr:
        pytest.skip(f"cannot make a network namespace here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), log.read_text(encoding="utf-8", errors="replace")


def test_the_probe_sees_streamlits_lookup_without_our_settings(tmp_path):
    """The control: plain Streamlit, headless, with no server address, does look up (so the probe can see it)."""
    script = tmp_path / "hello.py"
    script.write_text("import streamlit as st\nst.write('hello')\n", encoding="utf-8")
    report, log = _probe(tmp_path, [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless",
                                    "true", "--server.port", str(PORT), "--browser.gatherUsageStats", "false"],
                         tmp_path, {**os.environ, "HOME": str(tmp_path)})
    assert report["healthy"]
    assert report["outside"], "the lookup was attempted and recorded"
    assert "Did not auto detect external IP" in log


def test_serve_makes_no_outside_lookup(tmp_path):
    """Issue 18: started as on a real server (every interface, headless), it asks nothing of the outside."""
    db = build_fixture_db(tmp_path / "tiny.duckdb", "tiny.sql")
    env = {**os.environ, "HOME": str(tmp_path), "GRIDWATCH_DB": str(db), "GRIDWATCH_AUDIT": str(tmp_path / "a.jsonl"),
           "GRIDWATCH_AUTH": str(ROOT / "tests" / "fixtures" / "auth_users.yaml")}
    report, log = _probe(tmp_path, [sys.executable, "-m", "gridwatch", "serve", "--port", str(PORT), "--",
                                    "--server.headless", "true"], ROOT, env)
    assert report["healthy"], log
    assert report["websocket"] == "refused 403", "a foreign origin is refused before Streamlit compares addresses"
    assert report["outside"] == [], report["outside"]
    assert "Did not auto detect external IP" not in log
