"""Many sessions through the main pages of one local server, and one Chromium meanwhile.

``run`` is the load test's driver: each session speaks Streamlit's own websocket
protocol, as a browser tab does; all open the home page at once (the opening burst),
then go through ``MAIN_PAGES`` for some rounds. After the burst one headless Chromium,
in a process of its own, opens the dashboard and moves through the same pages with the
sidebar. bench/load.py times it and writes the report; tests/e2e/test_load.py checks
on a tiny run that it still visits every page. Every wait is bounded.
"""

import asyncio
import multiprocessing
import queue
import random
import threading
import time
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from harness.browser import CHROMIUM, CHROMIUM_ARGS, DRAWN, ERRORS

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
    """One session: the home page when ``start`` is set, then ``rounds`` passes through the main pages."""
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
    """The load run on the server at ``url`` (process ``pid``): times, drawn pages, errors and memory.

    Returns ``burst`` and ``times`` ((page, seconds) per protocol visit), ``drawn`` ((kind,
    page, seconds) per browser page), ``errors``, ``memory`` (MB before and after each
    round), ``peak`` (MB) and ``wall`` (seconds).
    """
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
