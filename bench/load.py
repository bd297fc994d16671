"""Load test: many sessions against one local server, through the main pages.

    .venv/bin/python bench/load.py [--sessions 30] [--rounds 3] [--think S] [--db PATH] [--out bench/LOAD.md]

Starts the app on a free 127.0.0.1 port (the demo county unless --db). Each of
``--sessions`` concurrent clients speaks Streamlit's own websocket protocol, as a
browser tab does. The time of a visit runs from the request to the server's
"script finished", when every element of the page has been sent.

Two phases:

- **opening burst**: every session opens the home page at the same instant, on a
  server that has not run a page yet (a Monday morning at 8:30 after a restart,
  the worst arrival there is);
- **working**: each session then goes through the main pages ``--rounds``
  times, reading each page for a random 0.5–1.5 × ``--think`` seconds. Nothing
  keeps the sessions in step after the burst, as nothing keeps people in step.

After the burst, in a process of its own, one headless Chromium does what an
official does: opens the dashboard (a full page load), then moves through the
main pages with the sidebar, and reports its time to a fully drawn page. (30
Chromium tabs on this 2-core machine would measure the browsers, not the
server.) Chromium resolves no host but 127.0.0.1 and every other request is
reported as an error.

Reports the 50th and 95th percentiles, every error, and the server's resident
memory before the run, after each round and at its peak. Every wait is bounded.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gridwatch import warehouse  # noqa: E402
from harness.load import MAIN_PAGES, run  # noqa: E402
from harness.serving import serve  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100), nearest rank."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def row(label: str, values: list[float]) -> str:
    if not values:
        return f"| {label} | 0 | – | – | – |"
    return (f"| {label} | {len(values)} | {statistics.median(values):.2f} | {percentile(values, 95):.2f} | "
            f"{max(values):.2f} |")


def summary(pairs: list[tuple[str, float]]) -> list[str]:
    """Per-page p50 / p95 lines."""
    lines = []
    for key in MAIN_PAGES:
        own = [t for k, t in pairs if k == key]
        if own:
            lines.append(f"- `/{key}`: {statistics.median(own):.2f} / {percentile(own, 95):.2f} ({len(own)} visits)")
    return lines


def report(args, result: dict) -> list[str]:
    """The Markdown report."""
    drawn = result["drawn"]
    every = [t for _, _, t in drawn]
    command = (f"`.venv/bin/python bench/load.py --sessions {args.sessions} --rounds {args.rounds} "
               f"--think {args.think:g}{' --db ' + str(args.db) if args.db else ''}`")
    lines = [
        "# Load test", "",
        f"Command: {command}. One server on 127.0.0.1 (2 cores). {args.sessions} sessions speaking Streamlit's "
        "websocket protocol all open the home page at the same instant, on a server that has run no page yet; "
        f"then each goes through the {len(MAIN_PAGES)} main pages {args.rounds} times, reading each for "
        f"0.5–1.5 × {args.think:g} s. From the end of that burst, one headless Chromium in its own process "
        "opens the dashboard and moves through the same pages with the sidebar, over and over.", "",
        "| measure | visits | p50 s | p95 s | max s |", "|---|---|---|---|---|",
        row("server, opening burst: request to script finished", [t for _, t in result["burst"]]),
        row("server, working: request to script finished", [t for _, t in result["times"]]),
        row("browser under that load: to fully drawn", every),
        row("— opening the dashboard (full page load)", [t for k, _, t in drawn if k == "open"]),
        row("— changing page in the sidebar", [t for k, _, t in drawn if k == "nav"]),
        "", f"Errors: {len(result['errors'])}. Wall time: {result['wall']:.0f} s.", "",
        "Server, working, per page (p50 / p95 s):", "", *summary(result["times"]), "",
        "Browser, per page (p50 / p95 s):", "", *summary([(k, t) for _, k, t in drawn]), "",
        "Server resident memory (MB) before the run and after each round: "
        + ", ".join(f"{m:.0f}" for m in result["memory"]) + f"; peak {result['peak']:.0f}.", "",
    ]
    if result["errors"]:
        lines += ["Errors:", ""] + [f"- {e}" for e in result["errors"][:30]]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--think", type=float, default=5.0,
                        help="mean seconds a session reads a page before the next; 0 = back to back")
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "LOAD.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "demo.duckdb"
        if args.db is None:
            warehouse.build_demo(db)
        with serve(db) as (url, proc):
            result = asyncio.run(run(url, proc.pid, args.sessions, args.rounds, args.think))
    lines = report(args, result)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0 if not result["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
