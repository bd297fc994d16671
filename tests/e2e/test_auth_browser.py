"""Sign-in in a real browser: a session survives reloads, new tabs and shared links, sign-out ends it in every tab,
and a client reusing the browser's Streamlit session id is not signed in (issues 15 and 18)."""

from pathlib import Path
from urllib.parse import urlparse

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from gridwatch import links, signin, warehouse
from harness.browser import CHROMIUM_ARGS, ERRORS, wait_drawn
from harness.serving import serve

from ..streamlit_ws import run_once
from .conftest import LOCAL_HOSTS, OUTPUT

USERS = Path(__file__).resolve().parents[1] / "fixtures" / "auth_users.yaml"
SIGN_OUT = '[data-testid="stSidebar"] button:has-text("退出登录")'


@pytest.fixture(scope="module")
def signed_server(demo_db, tmp_path_factory):
    """The demo county served with sign-in on (the fixture users; passwords <name>-pass-2026)."""
    audit = tmp_path_factory.mktemp("auth_e2e") / "audit.jsonl"
    with serve(demo_db, {"GRIDWATCH_AUTH": str(USERS), "GRIDWATCH_AUDIT": str(audit)}) as (url, _):
        yield url


@pytest.fixture(scope="module")
def own_browser(chromium_path):
    """Chromium for this module only: the session-wide one keeps Playwright's event loop running in the
    main thread until the end of the session, which the load test's harness (asyncio.run) cannot share."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def context(own_browser):
    """A browser context (one cookie jar, several tabs) at 1280×720 that blocks anything leaving localhost."""
    ctx = own_browser.new_context(viewport={"width": 1280, "height": 720}, locale="zh-CN")
    ctx.outside_requests = []

    def guard(route):
        url = route.request.url
        if urlparse(url).scheme in ("data", "blob") or urlparse(url).hostname in LOCAL_HOSTS:
            return route.continue_()
        ctx.outside_requests.append(url)
        return route.abort()

    ctx.route("**/*", guard)
    yield ctx
    ctx.close()


def session_ids(page) -> list[str]:
    """Collect the Streamlit session ids the server hands this tab (as the frontend keeps them to reconnect)."""
    found: list[str] = []

    def watch(ws):
        def frame(payload):
            if isinstance(payload, bytes):
                msg = ForwardMsg()
                msg.ParseFromString(payload)
                if msg.WhichOneof("type") == "new_session":
                    found.append(msg.new_session.initialize.session_id)

        ws.on("framereceived", frame)

    page.on("websocket", watch)
    return found


def shot(page, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"auth-{name}.png"))


def signed_in_as(page, name: str) -> bool:
    wait_drawn(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    return name in sidebar.inner_text() and page.locator(SIGN_OUT).count() == 1


def test_sign_in_stays_across_reloads_tabs_and_links_and_sign_out_ends_every_tab(signed_server, context, demo_db):
    url = signed_server
    con = warehouse.open_readonly(demo_db)
    enterprise_id, enterprise = con.execute("select enterprise_id, name from enterprises order by 1 limit 1").fetchone()
    con.close()
    link = url + links.enterprise_url(enterprise_id, "zh")  # as the brief writes it, language included

    first = context.new_page()
    ids = session_ids(first)
    first.goto(link)  # a shared register link (the brief's 打开), before signing in
    first.wait_for_selector("form input[name=password]")
    assert urlparse(first.url).path == "/sign-in"
    shot(first, "sign-in")
    first.fill("input[name=name]", "office")
    first.fill("input[name=password]", "office-pass-2026")
    first.click("button[type=submit]")
    assert signed_in_as(first, "office"), "signed in"
    assert first.url == link, "back on the page the link asked for"
    assert enterprise in first.inner_text("body"), "the register asked for"
    shot(first, "signed-in")

    first.reload()
    assert signed_in_as(first, "office"), "a reload keeps the session"
    assert first.locator("input[name=password]").count() == 0

    second = context.new_page()
    second.goto(f"{url}/overview")
    assert signed_in_as(second, "office"), "a new tab keeps the session"
    third = context.new_page()
    third.goto(link)
    assert signed_in_as(third, "office"), "a deep link in a new tab keeps the session"
    third.close()

    # The takeover of issue 15: a client that knows this tab's Streamlit session id, without its cookie.
    assert ids, "the tab got a session id"
    attacker = run_once(url, session_id=ids[-1])
    assert attacker.session_id == ids[-1], "the attacker reached the tab's Streamlit session"
    assert attacker.shows("/sign-in?next=") and not attacker.shows("office"), "and is not signed in"
    stranger = context.browser.new_context()
    stranger_page = stranger.new_page()
    stranger_page.goto(link)
    stranger_page.wait_for_selector("form input[name=password]")
    stranger.close()

    first.reload()
    assert signed_in_as(first, "office"), "the victim's own tab, with the cookie, is still signed in"
    first.locator(SIGN_OUT).click()
    first.wait_for_selector("text=您已退出登录", timeout=30_000)
    shot(first, "signed-out")
    # The other tab notices by itself within the watch interval, without a click.
    second.wait_for_selector("text=您已退出登录", timeout=(signin.WATCH_SECONDS + 15) * 1000)
    assert second.locator(SIGN_OUT).count() == 0 and second.locator('[data-testid="stMetric"]').count() == 0
    shot(second, "other-tab-signed-out")
    second.reload()
    second.wait_for_selector("form input[name=password]")
    assert urlparse(second.url).path == "/sign-in"
    for page in (first, second):
        assert page.locator(ERRORS).count() == 0
    assert context.outside_requests == []


def test_each_role_lands_on_its_first_page_and_sees_only_its_pages(signed_server, context):
    page = context.new_page()
    page.goto(f"{signed_server}/")
    page.fill("input[name=name]", "clerk")
    page.fill("input[name=password]", "clerk-pass-2026")
    page.click("button[type=submit]")
    wait_drawn(page)
    assert page.locator("h1").first.inner_text() == "数据导入", "the clerk lands on the import, not a refusal"
    nav = page.locator('[data-testid="stSidebarNav"]')
    assert nav.count() == 0 or "总览" not in nav.inner_text(), "no page the clerk may not open is listed"
    shot(page, "clerk-home")
    page.goto(f"{signed_server}/overview")
    wait_drawn(page)
    assert page.locator('[data-testid="stAlertContentError"]').count() == 1
    page.locator('[data-testid="stPageLink"] a').click()
    wait_drawn(page)
    assert page.locator("h1").first.inner_text() == "数据导入", "the refusal leads to the clerk's page"
