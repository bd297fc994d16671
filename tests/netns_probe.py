"""Start a server inside a network namespace with loopback only, under strace, and report its outside lookups.

Run by tests/test_serve.py as ``unshare -rn python -m tests.netns_probe PORT TRACE LOG CWD -- COMMAND...``:
outside networking is blocked (the namespace has nothing but ``lo``), and strace
records every address the server's processes connect or send to, so a lookup shows
even though it cannot succeed. The probe waits for the health check, opens the
WebSocket with a foreign Origin (Streamlit would look up the external address to
compare it), stops the server and prints one JSON line: the outside addresses and
the ports of each attempt, and whether the server answered.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

ADDRESS = re.compile(r'sin6?_port=htons\((\d+)\).*?(?:inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)")')
LOOPBACK = ("127.", "::1", "::ffff:127.")


def outside(trace_text: str) -> list[str]:
    """Every ``address:port`` in the trace that is not loopback, and every attempt at port 53 (DNS)."""
    found = []
    for line in trace_text.splitlines():
        for port, v4, v6 in ADDRESS.findall(line):
            address = v4 or v6
            if port == "53" or not address.startswith(LOOPBACK):
                found.append(f"{address}:{port}")
    return found


def _healthy(port: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as answer:
                if answer.read() == b"ok":
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def _foreign_websocket(port: int) -> str:
    import asyncio

    import websockets

    async def attempt() -> str:
        try:
            async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                          origin="http://intranet-portal.example", open_timeout=10):
                return "accepted"
        except websockets.exceptions.InvalidStatus as refused:
            return f"refused {refused.response.status_code}"
        except (OSError, TimeoutError) as error:
            return f"failed {error}"

    return asyncio.run(attempt())


def main(argv: list[str]) -> int:
    """Bring loopback up, run the command under strace, probe it, stop it, print the JSON report."""
    port, trace, log, cwd = int(argv[0]), argv[1], argv[2], argv[3]
    command = argv[argv.index("--") + 1:]
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    with open(log, "wb") as out:
        server = subprocess.Popen(["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", trace,
                                   *command], cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        try:
            healthy = _healthy(port, time.monotonic() + 90)
            websocket = _foreign_websocket(port) if healthy else ""
            time.sleep(1)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
    with open(trace, encoding="utf-8", errors="replace") as f:
        found = outside(f.read())
    print(json.dumps({"healthy": healthy, "websocket": websocket, "outside": found}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
