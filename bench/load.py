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
import multiprocessing
import queue
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from gridwatch import warehouse  # noqa: E402
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, DRAWN, ERRORS  # noqa: E402
from tests.e2e.conftest import serve  # noqa: E402

MAIN_PAGES = ("", "overview", "hazards", "rectification", "coverage", "performance")
EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")
SUCCESS = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
TIMEOUT_S = 120
# The page is drawn when its own title is up, the script has stopped and no skeleton is left.
DRAWN_AFTER = ("(previous) => { const h = document.querySelector('h1');"
               " return h && h.innerText !== previous"
               f" && document.querySelector('{DRAWN}')"
               " && !document.querySelector('[data-testid=\"stSkeleton\"]'); }")


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def visit(ws, page: str, timeout_s: float = TIMEOUT_S) -> tuple[float, list[str]]:
    """Ask the server to run one page; wait for its final "script finished"."""
    msg = BackMsg()
    msg.rerun_script.query_string = "lang=zh"
    msg.rerun_script.page_name = page
    started = time.perf_counter()
    await ws.send(msg.SerializeToString())
    problems = []
    while True:
        fm = ForwardMsg()
        fm.ParseFromString(await asyncio.wait_for(ws.recv(), timeout_s))
        kind = fm.WhichOneof("type")
        if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            if fm.delta.new_element.WhichOneof("type") == "exception":
                problems.append(fm.delta.new_element.exception.message[:120])
        if kind == "script_finished" and fm.script_finished != EARLY_FOR_RERUN:
            if fm.script_finished != SUCCESS:
                problems.append(f"script finished with status {fm.script_finished}")
            return time.perf_counter() - started, problems


async def timed_visit(ws, page: str, times: list, errors: list) -> None:
    """One visit, its time and its problems recorded; a timeout or a dropped socket is a result."""
    try:
        took, problems = await visit(ws, page)
        times.append((page, took))
        errors.extend(f"/{page}: {p}" for p in problems)
    except Exception as exc:
        errors.append(f"/{page}: {type(exc).__name__}: {str(exc)[:120]}")


async def protocol_session(url: str, rounds: int, think_s: float, result: dict, start: asyncio.Event,
                           on_round) -> None:
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    rng = random.Random()
    async with websockets.connect(ws_url, subprotocols=["streamlit"], origin=url, max_size=2**27) as ws:
        await start.wait()
        await timed_visit(ws, "", result["burst"], result["errors"])
        result["burst_done"] += 1
        await asyncio.sleep(think_s * rng.uniform(0.5, 1.5))
        for r in range(rounds):
            for page in MAIN_PAGES:
                await timed_visit(ws, page, result["times"], result["errors"])
                await asyncio.sleep(think_s * rng.uniform(0.5, 1.5))
            on_round(r)


def browser_probe(url: str, out, go, stop) -> None:
    """In its own process: open the dashboard, then use the sidebar; put (kind, page, seconds) on ``out``.

    Reports "ready" once Chromium is up, then waits for ``go`` (the end of the opening burst).
    """
    from playwright.sync_api import sync_playwright

    def report(*item):
        out.put(item)

    with sync_playwright() as p:
        args = CHROMIUM_ARGS + ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("request", lambda r: r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
                or report("error", "", f"browser: request leaving the machine: {r.url[:120]}"))
        report("ready", "", 0.0)
        go.wait(TIMEOUT_S)
        while True:  # whole passes through the pages, so every page is measured as often
            for key in MAIN_PAGES:
                kind = "open" if key == "" else "nav"
                try:
                    previous = page.evaluate("document.querySelector('h1')?.innerText ?? ''") if key else ""
                    started = time.perf_counter()
                    if kind == "open":
                        page.goto(f"{url}/", wait_until="commit")
                    else:
                        page.locator(f'[data-testid="stSidebarNav"] a[href$="/{key}"]').first.click()
                    page.wait_for_function(DRAWN_AFTER, arg=previous, timeout=TIMEOUT_S * 1000, polling=50)
                    report(kind, key, time.perf_counter() - started)
                    if page.locator(ERRORS).count():
                        report("error", key, f"browser /{key}: error element on the page")
                except Exception as exc:
                    report("error", key, f"browser /{key}: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
            if stop.is_set():
                break
        browser.close()


async def run(url: str, pid: int, sessions: int, rounds: int, think_s: float) -> dict:
    result = {"times": [], "burst": [], "burst_done": 0, "errors": [], "memory": [rss_mb(pid)], "peak": 0.0}
    done_rounds = [0] * rounds

    def on_round(r: int) -> None:
        done_rounds[r] += 1
        if done_rounds[r] == sessions:
            result["memory"].append(rss_mb(pid))

    sampling = threading.Event()

    def sample_peak() -> None:
        while not sampling.wait(0.5):
            result["peak"] = max(result["peak"], rss_mb(pid))

    ctx = multiprocessing.get_context("spawn")
    out, go, stop = ctx.Queue(), ctx.Event(), ctx.Event()
    probe = ctx.Process(target=browser_probe, args=(url, out, go, stop), daemon=True)
    probe.start()
    sampler = threading.Thread(target=sample_peak, daemon=True)
    sampler.start()
    # The burst waits for Chromium to be up: its start-up is the probe's cost, not the server's load.
    try:
        await asyncio.to_thread(out.get, True, TIMEOUT_S)
    except queue.Empty:
        result["errors"].append(f"browser probe did not start within {TIMEOUT_S} s")
    start = asyncio.Event()
    started = time.perf_counter()
    tasks = [asyncio.create_task(protocol_session(url, rounds, think_s, result, start, on_round))
             for _ in range(sessions)]
    await asyncio.sleep(2)  # every session connected before the burst
    start.set()
    # The burst meets a server that has run no page yet; the probe joins once it is over.
    while result["burst_done"] < sessions and not all(t.done() for t in tasks):
        await asyncio.sleep(0.05)
    go.set()
    await asyncio.gather(*tasks)
    result["wall"] = time.perf_counter() - started
    stop.set()
    probe.join(TIMEOUT_S)
    if probe.is_alive():
        probe.kill()
        result["errors"].append("browser probe did not stop in time")
    sampling.set()
    result["drawn"] = []
    while not out.empty():
        kind, key, value = out.get()
        if kind == "error":
            result["errors"].append(value)
        else:
            result["drawn"].append((kind, key, value))
    return result


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
