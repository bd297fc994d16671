"""The sign-in page and the gate in front of Streamlit (gridwatch/web.py), called as the ASGI app they are.

Each test sends raw ASGI requests to ``web.Gate`` wrapped around a stand-in for
Streamlit that records what reached it; tests/test_auth_server.py does the same
against a real server.
"""

import asyncio
import json
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from gridwatch import auth, web

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "auth_users.yaml"
HOST = "127.0.0.1:8501"


class Clock:
    def __init__(self):
        self.now = 3_000_000.0

    def __call__(self):
        return self.now


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name.lower()), None)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def cookie(self) -> SimpleCookie:
        jar = SimpleCookie()
        for k, v in self.headers:
            if k == "set-cookie":
                jar.load(v)
        return jar


class Streamlit:
    """Stands in for Streamlit's app: answers 200 and remembers every path that reached it."""

    def __init__(self):
        self.reached: list[str] = []

    async def __call__(self, scope, receive, send):
        self.reached.append(scope["path"])
        if scope["type"] == "websocket":
            await send({"type": "websocket.accept"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
        await send({"type": "http.response.body", "body": b"streamlit"})


def _run(coroutine) -> None:
    """Run on a thread of its own: the browser tests leave Playwright's event loop running in this one."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def call(app, method: str = "GET", path: str = "/", *, query: str = "", headers: dict | None = None,
         body: bytes = b"", client=("10.2.3.4", 50000), scheme: str = "http") -> Answer:
    headers = {"host": HOST, **{k.lower(): v for k, v in (headers or {}).items()}}
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": scheme,
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
             "client": client, "server": ("127.0.0.1", 8501)}
    inbox = [{"type": "http.request", "body": body, "more_body": False}]
    sent = []

    async def receive():
        return inbox.pop(0) if inbox else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    _run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return Answer(start["status"], [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in start["headers"]],
                  b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))


def websocket(app, headers: dict) -> list[dict]:
    scope = {"type": "websocket", "asgi": {"version": "3.0"}, "scheme": "ws", "path": "/_stcore/stream",
             "raw_path": b"/_stcore/stream", "query_string": b"", "root_path": "", "client": ("10.2.3.4", 50000),
             "headers": [(k.lower().encode(), v.encode()) for k, v in {"host": HOST, **headers}.items()],
             "server": ("127.0.0.1", 8501), "subprotocols": ["streamlit"]}
    sent = []

    async def receive():
        return {"type": "websocket.connect"}

    async def send(message):
        sent.append(message)

    _run(app(scope, receive, send))
    return sent


def form(**fields) -> dict:
    return {"body": urlencode(fields).encode(),
            "headers": {"content-type": "application/x-www-form-urlencoded", "origin": f"http://{HOST}"}}


@pytest.fixture
def inner() -> Streamlit:
    return Streamlit()


@pytest.fixture
def gate(inner) -> web.Gate:
    return web.Gate(inner)


@pytest.fixture
def on(monkeypatch) -> Clock:
    """Sign-in on with the fixture users and a fresh state on a hand-moved clock."""
    clock = Clock()
    monkeypatch.setattr(auth, "STATE", auth.AuthState(clock=clock))
    monkeypatch.setenv("GRIDWATCH_AUTH", str(FIXTURE))
    return clock


def audit_events(tmp_path) -> list[dict]:
    path = tmp_path / "audit.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def sign_in(gate, name: str, password: str | None = None, next_url: str = "/", **kwargs) -> Answer:
    return call(gate, "POST", "/sign-in", **form(name=name, password=password or f"{name}-pass-2026",
                                                   next=next_url), **kwargs)


def test_with_sign_in_off_everything_reaches_streamlit(gate, inner):
    for path in ("/", "/enterprise", "/media/abc.csv", "/_stcore/health"):
        assert call(gate, path=path).status == 200
    assert inner.reached == ["/", "/enterprise", "/media/abc.csv", "/_stcore/health"]
    answer = call(gate, path="/sign-in", query=urlencode({"next": "/hazards"}))
    assert (answer.status, answer.header("location")) == (303, "/hazards"), "no sign-in page to show"


def test_a_page_without_a_session_goes_to_the_sign_in_page_and_comes_back(gate, inner, on):
    answer = call(gate, path="/enterprise", query="enterprise=E3&lang=en")
    assert answer.status == 303 and not inner.reached
    target = urlsplit(answer.header("location"))
    assert target.path == "/sign-in"
    assert parse_qs(target.query) == {"next": ["/enterprise?enterprise=E3&lang=en"], "lang": ["en"]}
    page = call(gate, path="/sign-in", query=target.query)
    assert page.status == 200 and "Sign in" in page.text and 'name="password"' in page.text
    assert page.header("cache-control") == "no-store" and "frame-ancestors 'none'" in page.header(
        "content-security-policy")
    signed = sign_in(gate, "office", next_url="/enterprise?enterprise=E3&lang=en")
    assert (signed.status, signed.header("location")) == (303, "/enterprise?enterprise=E3&lang=en")
    cookie = signed.cookie[auth.COOKIE]
    assert cookie["httponly"] and cookie["samesite"].lower() == "lax" and cookie["path"] == "/"
    assert not cookie["secure"] and not cookie["expires"] and not cookie["max-age"], "a browser-session cookie"
    back = call(gate, path="/enterprise", query="enterprise=E3", headers={"cookie": f"{auth.COOKIE}={cookie.value}"})
    assert back.status == 200 and inner.reached == ["/enterprise"]


def test_what_is_not_a_page_passes_but_media_and_uploads_need_a_session(gate, inner, on):
    for path in ("/_stcore/health", "/_stcore/host-config", "/static/js/index.js", "/favicon.png", "/app/static/x"):
        assert call(gate, path=path).status == 200, path
    for path in ("/media/0123abcd.xlsx", "/_stcore/upload_file/session/file"):
        assert call(gate, path=path).status == 403, path
        assert call(gate, "PUT", path).status == 403, path
    token = sign_in(gate, "office").cookie[auth.COOKIE].value
    assert call(gate, path="/media/0123abcd.xlsx", headers={"cookie": f"{auth.COOKIE}={token}"}).status == 200


def test_a_session_cookie_is_secure_over_https_or_when_configured(gate, on, monkeypatch, tmp_path):
    assert sign_in(gate, "office", scheme="https").cookie[auth.COOKIE]["secure"]
    config = tmp_path / "auth.yaml"
    config.write_text(FIXTURE.read_text(encoding="utf-8") + "session: {secure_cookie: true}\n", encoding="utf-8")
    monkeypatch.setenv("GRIDWATCH_AUTH", str(config))
    assert sign_in(gate, "office").cookie[auth.COOKIE]["secure"], "behind a TLS proxy the app sees http"


def test_wrong_password_shows_the_form_again_and_is_audited(gate, on, tmp_path):
    answer = sign_in(gate, "office", "office-pass-2027")
    assert answer.status == 200 and auth.COOKIE not in answer.cookie
    assert "用户名或密码不正确" in answer.text
    assert 'value="office"' in answer.text and "office-pass-2027" not in answer.text
    event = audit_events(tmp_path)[-1]
    assert (event["event"], event["user"], event["reason"], event["ip"]) == ("sign_in_failed", "office", "wrong",
                                                                             "10.2.3.4")
    sign_in(gate, "office")
    event = audit_events(tmp_path)[-1]
    assert (event["event"], event["user"], event["via"]) == ("sign_in", "office", "password")


def test_brute_force_is_slowed_on_the_sign_in_page(gate, on):
    for _ in range(3):
        answer = sign_in(gate, "leader", "guess-guess")
    assert "2 秒后再试" in answer.text
    locked = sign_in(gate, "leader")
    assert locked.status == 200 and auth.COOKIE not in locked.cookie and "暂时锁定" in locked.text
    on.now += 2
    assert sign_in(gate, "leader").status == 303, "after the delay the right password works"


def test_missing_fields_and_bad_forms(gate, on):
    assert "请输入用户名和密码" in sign_in(gate, "  ", "x").text
    assert call(gate, "POST", "/sign-in", body=b"name=a&password=b",
                headers={"origin": f"http://{HOST}", "content-type": "text/plain"}).status == 400
    big = form(name="office", password="x" * (web.MAX_FORM_BYTES + 1))
    assert call(gate, "POST", "/sign-in", **big).status == 400


@pytest.mark.parametrize("headers", [{"origin": "http://evil.example"}, {"origin": "null"},
                                     {"origin": f"http://{HOST}", "sec-fetch-site": "cross-site"}])
def test_a_form_posted_from_another_site_is_refused(gate, on, headers):
    request = form(name="office", password="office-pass-2026")
    request["headers"].update(headers)
    answer = call(gate, "POST", "/sign-in", **request)
    assert answer.status == 403 and auth.COOKIE not in answer.cookie
    assert not auth.STATE.sessions


@pytest.mark.parametrize("wanted", ["https://evil.example/x", "//evil.example/x", "/\\evil.example", "evil",
                                    "/sign-in?next=//evil", "/ok\r\nSet-Cookie: x=1", ""])
def test_the_sign_in_page_sends_nobody_off_this_server(gate, on, wanted):
    assert sign_in(gate, "office", next_url=wanted).header("location") == "/"


def test_data_typed_into_the_form_comes_back_escaped(gate, on):
    answer = sign_in(gate, '"><script>alert(1)</script>', "guess-guess", next_url='/x?a="><b>')
    assert "<script>alert(1)" not in answer.text and "&lt;script&gt;" in answer.text
    assert '"><b>' not in answer.text


def test_signed_in_goes_straight_on_and_a_dead_cookie_is_cleared(gate, on):
    token = sign_in(gate, "office").cookie[auth.COOKIE].value
    cookie = {"cookie": f"{auth.COOKIE}={token}"}
    again = call(gate, path="/sign-in", query="next=%2Fhazards", headers=cookie)
    assert (again.status, again.header("location")) == (303, "/hazards")
    auth.STATE.sign_out(token)
    form_again = call(gate, path="/sign-in", query="next=%2Fhazards", headers=cookie)
    assert form_again.status == 200 and form_again.cookie[auth.COOKIE].value == ""


def test_the_source_is_the_peer_unless_a_trusted_proxy_forwards_for_someone(on):
    config = auth.Config(users={}, trusted_proxies=("10.0.0.1",))
    forwarded = {"x-forwarded-for": "1.2.3.4, 10.5.5.5"}
    assert web.source_address(config, "10.0.0.1", forwarded) == "10.5.5.5"
    assert web.source_address(config, "10.9.9.9", forwarded) == "10.9.9.9", "anyone else's header is ignored"
    assert web.source_address(config, "10.0.0.1", {}) == "10.0.0.1"


def test_failures_are_counted_per_source_on_the_page(gate, on, monkeypatch):
    monkeypatch.setattr(auth, "check_password", lambda user, password: False)
    for i in range(30):
        sign_in(gate, f"name{i}", "guess-guess", client=("10.7.7.7", 1000))
    refused = sign_in(gate, "office", client=("10.7.7.7", 1000))
    assert "这台电脑登录失败次数过多" in refused.text
    assert "这台电脑" not in sign_in(gate, "office", "guess-guess", client=("10.7.7.8", 1000)).text


def test_a_bad_configuration_is_shown_on_the_sign_in_page(gate, monkeypatch, tmp_path):
    bad = tmp_path / "auth.yaml"
    bad.write_text("users: {a: {role: boss}}\n", encoding="utf-8")
    monkeypatch.setenv("GRIDWATCH_AUTH", str(bad))
    answer = call(gate, path="/sign-in")
    assert answer.status == 500 and "角色“boss”不存在" in answer.text
    answer = call(gate, path="/sign-in", query="lang=en")
    assert answer.status == 500 and "role &#x27;boss&#x27;" in answer.text


@pytest.mark.parametrize("origin, allowed", [(None, True), (f"http://{HOST}", True), ("http://localhost:3000", True),
                                             ("http://evil.example", False), ("http://10.9.9.9:8501", False)])
def test_websockets_from_other_origins_are_refused_before_streamlit(gate, inner, origin, allowed):
    sent = websocket(gate, {"origin": origin} if origin else {})
    assert (sent[0]["type"] == "websocket.accept") is allowed
    assert (inner.reached == ["/_stcore/stream"]) is allowed
    if not allowed:
        assert sent == [{"type": "websocket.close", "code": 1008}]


def test_the_gate_says_it_is_installed(inner, monkeypatch):
    monkeypatch.setattr(web, "_installed", False)
    assert not web.installed()
    web.Gate(inner)
    assert web.installed(), "the app's scripts know they are behind the sign-in page"
