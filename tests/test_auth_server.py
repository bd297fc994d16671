"""A real server with sign-in on: the session-id takeover of issue 15 fails, the gate is installed.

The attacker is a WebSocket client that puts a signed-in user's Streamlit session id
where Streamlit's frontend puts it to reconnect (tests/streamlit_ws.py). Before the
session cookie, that client was signed in as the victim, live and after the tab closed.
"""

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from harness.serving import serve

from .conftest import build_fixture_db
from .streamlit_ws import run_once

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "auth_users.yaml"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``python -m gridwatch serve`` on the tiny county with the fixture users; yields (url, audit file)."""
    where = tmp_path_factory.mktemp("auth_server")
    db = build_fixture_db(where / "tiny.duckdb", "tiny.sql")
    audit = where / "audit.jsonl"
    with serve(db, {"GRIDWATCH_AUTH": str(FIXTURE), "GRIDWATCH_AUDIT": str(audit)}) as (url, _):
        yield url, audit


class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    """One request without following redirects: (status, headers)."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.build_opener(_Stay).open(request, timeout=30) as answer:
            return answer.status, dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def sign_in(url: str, name: str) -> str:
    """Sign in on the sign-in page as a browser does; return the Cookie header value it would send."""
    status, headers = fetch(f"{url}/sign-in", {"name": name, "password": f"{name}-pass-2026", "next": "/"},
                            {"Origin": url})
    assert status == 303, (status, headers)
    return headers["set-cookie"].split(";")[0]


def test_serve_puts_the_sign_in_page_in_front_of_every_page(server):
    url, _ = server
    status, headers = fetch(f"{url}/hazards?lang=en")
    assert status == 303 and headers["location"] == "/sign-in?next=%2Fhazards%3Flang%3Den&lang=en"
    assert fetch(f"{url}/media/0123.xlsx")[0] == 403
    cookie = sign_in(url, "office")
    assert fetch(f"{url}/hazards", headers={"Cookie": cookie})[0] == 200


def test_a_session_id_is_not_a_bearer_token(server):
    url, audit = server
    victim_cookie = sign_in(url, "li")
    victim = run_once(url, cookie=victim_cookie)
    assert victim.shows("李四") and victim.session_id, "the victim is signed in"

    live = run_once(url, session_id=victim.session_id)
    assert live.session_id == victim.session_id, "the attacker did reach the victim's Streamlit session"
    assert not live.shows("李四") and not live.shows("乙镇"), "but is not signed in as the victim"
    assert live.shows("/sign-in?next=") and live.shows("请先登录")

    # The victim's client is gone (tab closed); the session waits in Streamlit's storage.
    closed = run_once(url, session_id=victim.session_id)
    assert closed.session_id == victim.session_id and not closed.shows("李四")

    clerk = run_once(url, cookie=sign_in(url, "clerk"), session_id=victim.session_id)
    assert clerk.shows("数据录入员") and not clerk.shows("李四"), "another user's cookie gets that user only"

    back = run_once(url, cookie=victim_cookie, session_id=victim.session_id)
    assert back.shows("李四"), "the victim, with the cookie, is still signed in"
    events = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    refused = [e for e in events if e["event"] == "session_refused"]
    assert refused and refused[0]["user"] == "li" and refused[0]["reason"] == "none"


def test_a_page_on_another_site_cannot_open_the_websocket(server):
    import websockets

    url, _ = server
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        run_once(url, cookie=sign_in(url, "office"), origin="http://evil.example")
    assert refused.value.response.status_code == 403
    assert run_once(url, cookie=sign_in(url, "office"), origin=url).shows("/sign-in") is False

