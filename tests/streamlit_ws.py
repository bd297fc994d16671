"""A minimal Streamlit WebSocket client: connect (optionally to an existing session id), run, read what comes back.

What an attacker who learnt a session id can do without a browser: the session id
goes in the WebSocket subprotocol list, exactly where Streamlit's frontend puts it
to reconnect. The client sends one rerun and collects every string the server sends
until the run finishes, so a test can look for what the page showed.
"""

import asyncio
from dataclasses import dataclass, field

from google.protobuf.json_format import MessageToDict
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


@dataclass
class Run:
    """What one script run sent: the session's id and every string in its deltas."""

    session_id: str = ""
    texts: list[str] = field(default_factory=list)

    def shows(self, needle: str) -> bool:
        """True if any string the run sent contains ``needle``."""
        return any(needle in text for text in self.texts)


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


async def _run(base_url: str, cookie: str | None, session_id: str | None, page_hash: str, query: str,
               origin: str | None, timeout: float) -> Run:
    import websockets

    ws_url = base_url.replace("http://", "ws://") + "/_stcore/stream"
    headers = {"Cookie": cookie} if cookie else {}
    protocols = ["streamlit", "xsrf-placeholder"] + ([session_id] if session_id else [])
    run = Run()
    async with websockets.connect(ws_url, subprotocols=protocols, additional_headers=headers, origin=origin,
                                  max_size=None, open_timeout=timeout) as ws:
        back = BackMsg()
        back.rerun_script.query_string = query
        back.rerun_script.page_script_hash = page_hash
        await ws.send(back.SerializeToString())
        async with asyncio.timeout(timeout):
            while True:
                msg = ForwardMsg()
                msg.ParseFromString(await ws.recv())
                kind = msg.WhichOneof("type")
                if kind == "new_session":
                    run.session_id = msg.new_session.initialize.session_id
                elif kind == "delta":
                    run.texts += _strings(MessageToDict(msg.delta))
                elif kind == "script_finished" and msg.script_finished in (
                        ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR):
                    # A run cut short for a rerun (the first run switching to st.navigation) goes on.
                    return run


def run_once(base_url: str, *, cookie: str | None = None, session_id: str | None = None, page_hash: str = "",
             query: str = "", origin: str | None = None, timeout: float = 60) -> Run:
    """Connect, ask for one run of the page ``page_hash`` (default page if empty) and return what it sent.

    Runs in a thread of its own, so that it also works beside Playwright's event loop.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _run(base_url, cookie, session_id, page_hash, query, origin, timeout)).result()
