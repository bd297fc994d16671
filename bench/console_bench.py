"""Hostile SQL console statements against a real server, and another session's pages meanwhile.

    .venv/bin/python bench/console_bench.py [--port 8612] [--db PATH] [--scale 1] [--root DIR]
                                            [--only LABEL ...] [--out bench/CONSOLE.md]

Starts ``gridwatch serve`` on 127.0.0.1:``--port`` (the demo county, or ``--db``), from
``--root`` (this checkout by default; point it at another checkout to measure that
code the same way). Two sessions speak Streamlit's websocket protocol, as browser tabs do:

- the **console session** opens /explore, then for each statement below sets the SQL
  text area and clicks Run (widget states, as the browser sends them) and waits for
  "script finished": its time, the bytes the server sent that tab, and the message
  the page showed; after the 200 MB answer it clicks its two download buttons (the
  server builds the file then) and fetches each file;
- the **other session** meanwhile goes round /, /overview and /hazards back to back;
  each page's time from request to "script finished" is recorded, and the same before
  any statement runs (the baseline).

A sampler reads the resident memory of the server process and, separately, of its
child processes (the console's workers) every 0.1 s. Every wait is bounded; loopback only.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from bench.load import percentile  # noqa: E402
from gridwatch import warehouse  # noqa: E402
from harness.load import rss_mb  # noqa: E402

EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")
TIMEOUT_S = 180
OTHER_PAGES = ("", "overview", "hazards")
BASELINE_S = 15
DOWNLOAD = "click: download"
NOTES = "\n## Notes"


def statements(db: Path) -> list[tuple[str, str]]:
    """(label, SQL) of the hostile statements of issue 15, in the order they run."""
    wide = "select " + ", ".join(f"{i} as c{i}" for i in range(50_000))
    pivot = "select * from range(1) pivot (count(*) for range in (" + ", ".join(map(str, range(7000))) + "))"
    return [
        ("repeat('x', 1e9)", "select repeat('x', 1000000000) as x"),
        ("the next statement in that session", "select 1 as x"),
        ("113 MB string_agg", "select string_agg(repeat('y', 1000), ',') as s from range(113000)"),
        ("200 MB answer", "select range as i, repeat('x', 1000) as s from range(200000)"),
        (f"{DOWNLOAD} CSV of that answer", "下载 CSV"),
        (f"{DOWNLOAD} Excel of that answer", "下载 Excel"),
        ("50,000 columns (700 KB of SQL)", wide),
        ("7,000-column PIVOT", pivot),
        ("runaway join", "select sum(a.range * b.range) from range(100000) as a, range(100000) as b"),
        ("cross join of 1e9 × 1e9", "select count(*) from range(1000000000) as a, range(1000000000) as b"),
        ("time zones and chr(1)", "select now() as t, chr(1) || 'a' as c from range(10)"),
        ("read_blob(warehouse)", f"select * from read_blob('{db}')"),
        ("duckdb_settings()", "select name, value from duckdb_settings() where value like '%/%'"),
    ]


def children_rss_mb(pid: int) -> float:
    """Resident memory of a process's children (the console's workers), in MB."""
    total = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            kids = (task / "children").read_text().split()
        except OSError:
            continue
        for kid in kids:
            try:
                total += rss_mb(int(kid))
            except (OSError, ValueError):
                continue
    return total


class Sampler(threading.Thread):
    """Peaks of the server's and its children's resident memory since the last ``reset``."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.stop = pid, threading.Event()
        self.server = self.workers = 0.0

    def reset(self) -> None:
        self.server = self.workers = 0.0

    def run(self) -> None:
        while not self.stop.wait(0.1):
            try:
                self.server = max(self.server, rss_mb(self.pid))
                self.workers = max(self.workers, children_rss_mb(self.pid))
            except OSError:
                return


def start_server(root: Path, db: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "GRIDWATCH_DB": str(db), "GRIDWATCH_AUTH": str(db.parent / "no-auth.yaml")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gridwatch", "serve", "--address", "127.0.0.1", "--port", str(port),
         "--", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                if r.read() == b"ok":
                    return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not answer its health check within 60 s")


async def visit(ws, page: str, widgets: list | None = None) -> dict:
    """Run one page (with these widget states); what the server sent until "script finished"."""
    msg = BackMsg()
    msg.rerun_script.query_string = "lang=zh"
    msg.rerun_script.page_name = page
    for state in widgets or []:
        msg.rerun_script.widget_states.widgets.append(state)
    started = time.perf_counter()
    await ws.send(msg.SerializeToString())
    seen = {"bytes": 0, "alerts": [], "exceptions": [], "ids": {}, "downloads": {}}
    while True:
        raw = await asyncio.wait_for(ws.recv(), TIMEOUT_S)
        seen["bytes"] += len(raw)
        fm = ForwardMsg()
        fm.ParseFromString(raw)
        kind = fm.WhichOneof("type")
        if kind == "new_session" and fm.new_session.initialize.session_id:
            seen["session"] = fm.new_session.initialize.session_id
        if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            element = fm.delta.new_element
            which = element.WhichOneof("type")
            if which == "alert":
                seen["alerts"].append(element.alert.body)
            elif which == "exception":
                seen["exceptions"].append(element.exception.message)
            elif which in ("text_area", "button"):
                seen["ids"][getattr(element, which).id.rsplit("-", 1)[-1]] = getattr(element, which).id
            elif which == "code" and seen["alerts"]:
                seen["alerts"][-1] += " " + element.code.code_text[:60]
            elif which == "download_button":
                seen["downloads"][element.download_button.label] = element.download_button.deferred_file_id
        if kind == "script_finished" and fm.script_finished != EARLY_FOR_RERUN:
            seen["seconds"] = time.perf_counter() - started
            return seen


async def download(ws, http: str, session: str, file_id: str) -> dict:
    """Click a deferred download button: the server builds the file; then fetch it."""
    msg = BackMsg()
    msg.backend_operation_request.request_id = file_id
    msg.backend_operation_request.session_id = session
    msg.backend_operation_request.deferred_file.file_id = file_id
    started = time.perf_counter()
    await ws.send(msg.SerializeToString())
    while True:
        fm = ForwardMsg()
        fm.ParseFromString(await asyncio.wait_for(ws.recv(), TIMEOUT_S))
        if fm.WhichOneof("type") == "backend_operation_response":
            response = fm.backend_operation_response
            break
    if response.error_msg:
        return {"seconds": time.perf_counter() - started, "bytes": 0, "alerts": [response.error_msg],
                "exceptions": []}
    body = await asyncio.to_thread(lambda: urllib.request.urlopen(http + response.deferred_file.url,
                                                                  timeout=TIMEOUT_S).read())
    return {"seconds": time.perf_counter() - started, "bytes": len(body), "alerts": ["file downloaded"],
            "exceptions": []}


async def other_session(url: str, times: list, stop: asyncio.Event) -> None:
    async with websockets.connect(url, subprotocols=["streamlit"], origin=url.replace("ws", "http", 1),
                                  max_size=2**30) as ws:
        while not stop.is_set():
            for page in OTHER_PAGES:
                seen = await visit(ws, page)
                times.append(seen["seconds"])
                if stop.is_set():
                    break


def state(widget_id: str, **value):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    w = WidgetState(id=widget_id)
    for key, v in value.items():
        setattr(w, key, v)
    return w


async def bench(port: int, db: Path, pid: int, only: list[str]) -> dict:
    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    sampler = Sampler(pid)
    sampler.start()
    out = {"rows": [], "baseline": [], "idle_rss": rss_mb(pid)}
    async with websockets.connect(url, subprotocols=["streamlit"], origin=f"http://127.0.0.1:{port}",
                                  max_size=2**30) as console:
        opened = await visit(console, "explore")
        ids = opened["ids"]
        stop = asyncio.Event()
        other = asyncio.create_task(other_session(url, out["baseline"], stop))
        await asyncio.sleep(BASELINE_S)
        stop.set()
        await other
        out["idle_rss"] = rss_mb(pid)
        downloads = {}
        for label, sql in statements(db):
            if only and label not in only:
                continue
            times, stop = [], asyncio.Event()
            sampler.reset()
            other = asyncio.create_task(other_session(url, times, stop))
            await asyncio.sleep(1)
            try:
                if label.startswith(DOWNLOAD):
                    seen = await download(console, f"http://127.0.0.1:{port}", opened["session"], downloads[sql])
                else:
                    seen = await visit(console, "explore", [state(ids["ex_sql"], string_value=sql),
                                                            state(ids["ex_run"], trigger_value=True)])
                    downloads = seen["downloads"] or downloads
            except (TimeoutError, KeyError, websockets.ConnectionClosed) as exc:
                seen = {"seconds": float("nan"), "bytes": 0, "alerts": [f"{type(exc).__name__}"], "exceptions": []}
            stop.set()
            await other
            message = (seen["exceptions"] and "traceback: " + seen["exceptions"][0]) or " / ".join(
                a for a in seen["alerts"] if "演示数据" not in a) or "answer shown"
            out["rows"].append({"label": label, "seconds": seen["seconds"], "bytes": seen["bytes"],
                                "message": " ".join(message.split())[:110], "server": sampler.server,
                                "workers": sampler.workers, "other": times})
            print(out["rows"][-1]["label"], f"{seen['seconds']:.1f}s", out["rows"][-1]["message"][:60], flush=True)
    sampler.stop.set()
    return out


def fmt(values: list[float]) -> str:
    if not values:
        return "– | – | – | 0"
    return f"{statistics.median(values):.2f} | {percentile(values, 95):.2f} | {max(values):.2f} | {len(values)}"


def report(args, result: dict, root: Path) -> list[str]:
    command = (f"`.venv/bin/python bench/console_bench.py --port {args.port} --scale {args.scale}"
               f"{' --root ' + str(root) if root != ROOT else ''}`")
    lines = [
        "# SQL console under hostile statements", "",
        f"Command: {command}. One server on 127.0.0.1:{args.port} (2 cores shared with other work; "
        f"load average at the start {os.getloadavg()[0]:.1f}), the demo county at scale {args.scale}. "
        "The console session runs each statement through the page (text area and Run, as a browser "
        "sends them); meanwhile another session goes round /, /overview and /hazards back to back. "
        "Time: request to the server's \"script finished\". Memory: peak resident set of the server "
        "process, and of its child processes (the console's workers), sampled every 0.1 s.", "",
        f"Other session alone (baseline, {BASELINE_S} s): p50 / p95 / max {fmt(result['baseline'])} pages. "
        f"Server resident memory when idle: {result['idle_rss']:.0f} MB.", "",
        "| statement | console s | sent to the tab | server peak MB | workers peak MB | "
        "other session p50 | p95 | max s | pages | what the page said |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        lines.append(f"| {r['label']} | {r['seconds']:.1f} | {r['bytes'] / 2**20:.1f} MB | {r['server']:.0f} | "
                     f"{r['workers']:.0f} | {fmt(r['other'])} | {r['message'].replace('|', '/')} |")
    return lines + [""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8612)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose app to serve")
    parser.add_argument("--only", nargs="*", default=[], help="labels of the statements to run (default: all)")
    parser.add_argument("--out", type=Path, default=None, help="write the Markdown report here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "demo.duckdb"
        if args.db is None:
            warehouse.build_demo(db, scale=args.scale)
        proc = start_server(args.root.resolve(), db, args.port)
        try:
            result = asyncio.run(bench(args.port, db, proc.pid, args.only))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    lines = report(args, result, args.root.resolve())
    if args.out:
        # Hand-written notes below NOTES survive a new run.
        old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        notes = old[old.index(NOTES):] if NOTES in old else ""
        args.out.write_text("\n".join(lines) + "\n" + notes, encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
