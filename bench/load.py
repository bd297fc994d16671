"""Load test: many sessions against one local server, through the main pages.

    .venv/bin/python bench/load.py [--sessions 30] [--rounds 3] [--think S] [--db PATH] [--out bench/LOAD.md]

Starts the app on a free 127.0.0.1 port (the demo county unless --db). Each of
``--sessions`` concurrent clients speaks Streamlit's own websocket protocol, as a
browser tab does, and visits the main pages ``--rounds`` times: the time of a
visit runs from the request to the server's "script finished", when every element
of the page has been sent. Beside them one headless Chromium visits the same
pages in a loop and reports its time to a fully drawn page under that load (30
Chromium tabs on this 2-core machine would measure the browsers, not the server).
Reports the 50th and 95th percentiles, every error, and the server's resident
memory after each round. Traffic goes only to 127.0.0.1; every wait is bounded.
"""

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from gridwatch import warehouse  # noqa: E402
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, DRAWN, ERRORS  # noqa: E402
from tests.e2e.conftest import serve  # noqa: E402

MAIN_PAGES = ("", "overview", "hazards", "rectification", "coverage", "performance")
EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")
SUCCESS = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def visit(ws, page: str, timeout_s: float) -> tuple[float, list[str]]:
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


async def protocol_session(url: str, rounds: int, think_s: float, times: list, errors: list, barrier,
                           on_round) -> None:
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    # People do not arrive in step: each session starts at a random moment and reads
    # each page for a random 0.5–1.5 × think time.
    rng = random.Random()
    await asyncio.sleep(rng.uniform(0, think_s * len(MAIN_PAGES)))
    async with websockets.connect(ws_url, subprotocols=["streamlit"], origin=url, max_size=2**27) as ws:
        for r in range(rounds):
            for page in MAIN_PAGES:
                try:
                    took, problems = await visit(ws, page, 120)
                    times.append((page, took))
                    errors.extend(f"/{page}: {p}" for p in problems)
                except Exception as exc:  # a timeout or a dropped socket is a result to report
                    errors.append(f"/{page}: {type(exc).__name__}: {str(exc)[:120]}")
                await asyncio.sleep(think_s * rng.uniform(0.5, 1.5))
            await barrier.wait()
            on_round(r)


async def browser_probe(url: str, drawn_times: list, errors: list, stop: asyncio.Event) -> None:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")) else route.abort())
        while not stop.is_set():
            for key in MAIN_PAGES:
                if stop.is_set():
                    break
                started = time.perf_counter()
                try:
                    await page.goto(f"{url}/{key}", wait_until="domcontentloaded")
                    await page.wait_for_selector("h1", timeout=120000)
                    await page.wait_for_selector(DRAWN, timeout=120000)
                    await page.wait_for_function(
                        '!document.querySelector(\'[data-testid="stSkeleton"]\')', timeout=120000)
                    drawn_times.append((key, time.perf_counter() - started))
                    if await page.locator(ERRORS).count():
                        errors.append(f"browser /{key}: error element on the page")
                except Exception as exc:  # reported, not raised
                    errors.append(f"browser /{key}: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
        await browser.close()


async def run(url: str, pid: int, sessions: int, rounds: int, think_s: float) -> dict:
    times, drawn, errors, memory = [], [], [], [rss_mb(pid)]
    barrier = asyncio.Barrier(sessions)
    seen: set[int] = set()

    def on_round(r: int) -> None:
        if r not in seen:
            seen.add(r)
            memory.append(rss_mb(pid))

    stop = asyncio.Event()
    probe = asyncio.create_task(browser_probe(url, drawn, errors, stop))
    started = time.perf_counter()
    await asyncio.gather(*(protocol_session(url, rounds, think_s, times, errors, barrier, on_round)
                           for _ in range(sessions)))
    wall = time.perf_counter() - started
    stop.set()
    await probe
    return {"times": times, "drawn": drawn, "errors": errors, "memory": memory, "wall": wall}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100), nearest rank."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def summary(pairs: list[tuple[str, float]]) -> list[str]:
    """Per-page p50 / p95 lines."""
    lines = []
    for key in MAIN_PAGES:
        own = [t for k, t in pairs if k == key]
        if own:
            lines.append(f"- `/{key}`: {statistics.median(own):.2f} / {percentile(own, 95):.2f} ({len(own)} visits)")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds a session waits between two visits (reading the page); 0 = back to back")
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "LOAD.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "demo.duckdb"
        if args.db is None:
            warehouse.build_demo(db)
        with serve(db) as (url, proc):
            result = asyncio.run(run(url, proc.pid, args.sessions, args.rounds, args.think))
    secs = [t for _, t in result["times"]]
    drawn = [t for _, t in result["drawn"]]
    lines = [
        "# Load test", "",
        f"Command: `.venv/bin/python bench/load.py --sessions {args.sessions} --rounds {args.rounds} "
        f"--think {args.think:g}`"
        f"{' --db ' + str(args.db) if args.db else ''}. {args.sessions} concurrent sessions speaking Streamlit's "
        f"websocket protocol, each visiting {len(MAIN_PAGES)} pages per round ({args.think:g} s between visits), "
        "against one server on 127.0.0.1 "
        "(2 cores), with one headless Chromium visiting the same pages meanwhile.", "",
        "| measure | visits | p50 s | p95 s | max s |", "|---|---|---|---|---|",
        f"| server: request to script finished | {len(secs)} | {statistics.median(secs):.2f} | "
        f"{percentile(secs, 95):.2f} | {max(secs):.2f} |",
    ]
    if drawn:
        lines.append(f"| browser under that load: to fully drawn | {len(drawn)} | {statistics.median(drawn):.2f} | "
                     f"{percentile(drawn, 95):.2f} | {max(drawn):.2f} |")
    lines += ["", f"Errors: {len(result['errors'])}. Wall time: {result['wall']:.0f} s.", "",
              "Server, per page (p50 / p95 s):", "", *summary(result["times"]), "",
              "Browser, per page (p50 / p95 s):", "", *summary(result["drawn"]), "",
              "Server resident memory (MB) before the run and after each round: "
              + ", ".join(f"{m:.0f}" for m in result["memory"]), ""]
    if result["errors"]:
        lines += ["Errors:", ""] + [f"- {e}" for e in result["errors"][:30]]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0 if not result["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
