"""Load test: many browser sessions against one local server, through the main pages.

    .venv/bin/python bench/load.py [--sessions 30] [--rounds 3] [--db PATH] [--out bench/LOAD.md]

Starts the app on a free 127.0.0.1 port (the demo county unless --db), opens
``--sessions`` concurrent headless Chromium sessions (one browser, one context
each) and has every session visit the main pages ``--rounds`` times. It reports
the 50th and 95th percentile time to a fully drawn page, every error, and the
server's resident memory after each round (to see whether it grows without
bound). Traffic goes only to 127.0.0.1; the run is bounded by --deadline seconds.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.async_api import async_playwright  # noqa: E402

from gridwatch import warehouse  # noqa: E402
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, DRAWN, ERRORS  # noqa: E402
from tests.e2e.conftest import serve  # noqa: E402

MAIN_PAGES = ("", "overview", "hazards", "rectification", "coverage", "performance")


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    total = 0
    for status in [Path(f"/proc/{pid}/status"), *Path(f"/proc/{pid}/task").glob("*/children")][:1]:
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


async def drawn(page, timeout_ms: int) -> None:
    await page.wait_for_selector("h1", timeout=timeout_ms)
    await page.wait_for_selector(DRAWN, timeout=timeout_ms)
    await page.wait_for_function('!document.querySelector(\'[data-testid="stSkeleton"]\')', timeout=timeout_ms)


async def session(browser, url: str, rounds: int, times: list, errors: list, barrier: asyncio.Barrier,
                  round_done, deadline: float) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")) else route.abort())
    for r in range(rounds):
        for key in MAIN_PAGES:
            if time.monotonic() > deadline:
                break
            t = time.perf_counter()
            try:
                await page.goto(f"{url}/{key}", wait_until="domcontentloaded")
                await drawn(page, 60000)
                times.append((key, time.perf_counter() - t))
                if await page.locator(ERRORS).count():
                    errors.append(f"{key}: error element: {await page.locator(ERRORS).first.inner_text()}")
            except Exception as exc:  # a timeout or a crash is a result to report, not to raise
                errors.append(f"{key}: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
        await barrier.wait()
        if r < rounds:
            round_done(r)
    await context.close()


async def run(url: str, pid: int, sessions: int, rounds: int, deadline_s: float) -> dict:
    times, errors, memory = [], [], []
    deadline = time.monotonic() + deadline_s
    barrier = asyncio.Barrier(sessions)
    seen = set()

    def round_done(r):
        if r not in seen:
            seen.add(r)
            memory.append(rss_mb(pid))

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        memory.append(rss_mb(pid))
        started = time.perf_counter()
        await asyncio.gather(*(session(browser, url, rounds, times, errors, barrier, round_done, deadline)
                               for _ in range(sessions)))
        wall = time.perf_counter() - started
        await browser.close()
    return {"times": times, "errors": errors, "memory": memory, "wall": wall}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--deadline", type=float, default=900, help="stop starting new visits after this many s")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "LOAD.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "demo.duckdb"
        if args.db is None:
            warehouse.build_demo(db)
        with serve(db) as (url, proc):
            result = asyncio.run(run(url, proc.pid, args.sessions, args.rounds, args.deadline))
    secs = [t for _, t in result["times"]]
    lines = ["# Load test", "",
             f"Command: `.venv/bin/python bench/load.py --sessions {args.sessions} --rounds {args.rounds}`"
             f"{' --db ' + str(args.db) if args.db else ''}; {args.sessions} concurrent Chromium sessions, each "
             f"visiting {len(MAIN_PAGES)} pages per round, against one server on 127.0.0.1 (2 cores).", "",
             "| visits | p50 s | p95 s | max s | errors | wall s |", "|---|---|---|---|---|---|",
             f"| {len(secs)} | {statistics.median(secs):.2f} | {percentile(secs, 95):.2f} | {max(secs):.2f} | "
             f"{len(result['errors'])} | {result['wall']:.0f} |", "",
             "Per page (p50 / p95 s):", ""]
    for key in MAIN_PAGES:
        own = [t for k, t in result["times"] if k == key]
        if own:
            lines.append(f"- `/{key}`: {statistics.median(own):.2f} / {percentile(own, 95):.2f}")
    lines += ["", "Server resident memory (MB) before the run and after each round: "
              + ", ".join(f"{m:.0f}" for m in result["memory"]), ""]
    if result["errors"]:
        lines += ["Errors:", ""] + [f"- {e}" for e in result["errors"][:30]]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0 if not result["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
