"""AppTest with sign-in on: the gate, each role's pages and refusals, town scope, sessions, audit.

AppTest has no browser and no HTTP server, so the tests stand in for both: each
AppTest gets a cookie jar (``browser_of``) that ``auth.browser_request`` reads on every
run, and ``sign_in`` opens a session the way the sign-in page does and puts its token
in that jar. The sign-in page itself is tested in tests/test_auth_web.py, a real
server in tests/test_auth_server.py and tests/e2e/test_auth_browser.py.
"""

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from gridwatch import auth, signin, web
from gridwatch.navigation import PAGES

APP = str(Path(__file__).resolve().parent.parent / "app.py")
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "auth_users.yaml"
ROLE_USER = {"leadership": "leader", "office": "office", "staff": "li", "clerk": "clerk", "admin": "admin"}
# What each role may open (written out here, not read from navigation.py, so a wrong PageSpec fails).
READ = {"overview", "briefing", "coverage", "hazards", "enterprise", "rectification", "performance", "explore",
        "plan"}
# Supervision quality compares named people: leadership and the office only, never staff.
OVERSIGHT = READ | {"quality"}
MAY_OPEN = {"leadership": OVERSIGHT, "office": OVERSIGHT | {"data_quality"}, "staff": READ,
            "clerk": {"data_import", "data_quality"}, "admin": {"admin", "data_quality"}}


class Clock:
    def __init__(self):
        self.now = 2_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture(autouse=True)
def served_through_app_py(monkeypatch):
    """Run every request through app.py, as a running server does.

    AppTest resets Streamlit's legacy ``pages/`` directory mode before each run, and in
    that mode a page's URL runs its script directly. A server leaves that mode for good on
    its first run (``ui.routing.route_through_app`` and ``st.navigation`` both switch it off), so
    the tests switch it off the same way after each PagesManager is made.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@dataclass
class Browser:
    """What the browser behind one AppTest sends with its connection."""

    cookies: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    ip: str | None = None


_browsers: dict[int, Browser] = {}


def browser_of(at: AppTest) -> Browser:
    """The browser of ``at`` (keyed by its session state, which its script runs share)."""
    return _browsers.setdefault(id(at._session_state._state), Browser())


def _browser_request() -> auth.Request:
    ctx = get_script_run_ctx()
    browser = _browsers.get(id(ctx.session_state._state), Browser()) if ctx else Browser()
    return auth.Request(cookies=dict(browser.cookies), headers=dict(browser.headers), ip=browser.ip)


@pytest.fixture
def clock(monkeypatch, tiny_db, tmp_path):
    """Sign-in on with the fixture users, a fresh in-process state, a hand-moved clock and test browsers."""
    c = Clock()
    monkeypatch.setattr(auth, "STATE", auth.AuthState(clock=c))
    monkeypatch.setenv("GRIDWATCH_AUTH", str(FIXTURE))
    monkeypatch.setenv("GRIDWATCH_DB", str(tiny_db))
    monkeypatch.setattr(auth, "browser_request", _browser_request)
    monkeypatch.setattr(signin, "_served", lambda: True)
    _browsers.clear()
    yield c
    _browsers.clear()


def audit_events(tmp_path):
    path = tmp_path / "audit.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def fresh(lang="zh", **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = lang
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def sign_in(at: AppTest, name: str, password: str | None = None) -> AppTest:
    """Sign ``at``'s browser in as the sign-in page does (session + cookie), then load ``/`` as its redirect does."""
    outcome = web.attempt_sign_in(auth.load_config(), name, password or f"{name}-pass-2026", None)
    assert outcome.ok, outcome
    browser_of(at).cookies[auth.COOKIE] = outcome.token
    at._page_hash = at._finished_page_script_hash = ""  # a fresh load of "/", not a rerun of the last page
    return at.run()


def signed_out(at: AppTest) -> bool:
    """True if the run shows the way to the sign-in page and nothing else."""
    return any("/sign-in?next=" in m.value for m in at.markdown) and not at.metric and not at.dataframe


def open_url(at: AppTest, page_key: str) -> AppTest:
    """Request ``/<page_key>`` as a browser does: the page whose url_path hashes the same.

    ``AppTest.switch_page`` only finds pages backed by a script file; a refused page (or the
    sign-in form) is a function page under the same URL, which is exactly what a typed URL
    reaches, so the test sets the requested page hash the way the browser's URL does.
    """
    at._page_hash = calc_hash(page_key)
    return at.run()


def refused(at: AppTest) -> bool:
    return any("无权打开" in e.value or "may not open" in e.value for e in at.error)


def test_nobody_signed_in_sees_the_way_to_sign_in_and_nothing_else(clock):
    at = fresh()
    assert not at.exception
    assert signed_out(at), "a link to the sign-in page, no figure"
    assert any("请先登录" in i.value for i in at.info)
    for spec in PAGES:
        open_url(at, spec.key)
        assert not at.exception
        assert signed_out(at), spec.key
        assert not any("🚧" in i.value for i in at.info), "no page script ran"
        link = next(m.value for m in at.markdown if "/sign-in?next=" in m.value)
        assert f"next=%2F{'' if spec.default else spec.key}" in link, "the link comes back to the page asked for"


def test_nothing_in_the_streamlit_session_names_a_user(clock):
    """Only the request counts: values in session state (old token key, the last user seen) sign nobody in."""
    token = auth.STATE.sign_in(auth.load_config(), "admin", "admin-pass-2026").token
    at = fresh(**{"auth_token": token, signin.SEEN_KEY: "admin", "user": "admin", auth.COOKIE: token})
    assert signed_out(at) and not at.title[0].value.startswith("用户")
    assert signin.SEEN_KEY not in at.session_state


def test_a_reconnect_without_the_cookie_is_nobody_and_finds_nothing_left(clock, tmp_path):
    """The session-id takeover, as AppTest sees it: same Streamlit session, another client without the cookie."""
    at = open_url(sign_in(fresh(), "office"), "explore")
    at.text_area(key="ex_sql").input("select count(*) as n from enterprises")
    at.button(key="ex_run").click().run()
    assert "ex_console_result" in at.session_state
    browser_of(at).cookies.clear()  # the attacker's client: same session id, none of the victim's cookies
    at.run()
    assert signed_out(at) and not at.text_area
    assert "ex_console_result" not in at.session_state and "global_filters" not in at.session_state
    event = audit_events(tmp_path)[-1]
    assert (event["event"], event["user"], event["reason"]) == ("session_refused", "office", "none")


def test_another_users_cookie_in_the_same_session_gets_that_user_only(clock):
    at = open_url(sign_in(fresh(), "office"), "explore")
    at.text_area(key="ex_sql").input("select count(*) as n from enterprises")
    at.button(key="ex_run").click().run()
    clerk = auth.STATE.sign_in(auth.load_config(), "clerk", "clerk-pass-2026").token
    browser_of(at).cookies[auth.COOKIE] = clerk  # a client with the clerk's cookie reconnects to this session
    at.run()
    assert not at.exception
    assert refused(at), "the clerk may not open the explore page the office user had open"
    assert "ex_console_result" not in at.session_state
    assert any("数据录入员" in c.value for c in at.sidebar.caption)


@pytest.mark.parametrize("role, title", [("leadership", "领导周报"), ("clerk", "数据导入"), ("admin", "用户与规则")])
def test_each_role_lands_on_its_first_page(clock, role, title):
    at = sign_in(fresh(), ROLE_USER[role])
    assert not at.exception and not refused(at)
    assert at.title[0].value == title


def test_a_refusal_leads_to_the_roles_first_page(clock):
    at = open_url(sign_in(fresh(), "clerk"), "overview")
    assert refused(at)
    links = at.get("page_link")
    assert len(links) == 1 and "数据导入" in links[0].proto.label


@pytest.mark.parametrize("role", list(ROLE_USER))
def test_each_role_opens_its_pages_and_is_refused_the_others(clock, tmp_path, role):
    at = sign_in(fresh(), ROLE_USER[role])
    assert not at.exception
    name = auth.load_config(FIXTURE).users[ROLE_USER[role]].shown_name
    assert any(name in c.value for c in at.sidebar.caption), "who is signed in is shown"
    for spec in PAGES:
        open_url(at, spec.key)
        assert not at.exception, (role, spec.key, at.exception)
        if spec.key in MAY_OPEN[role]:
            assert not refused(at), (role, spec.key)
            assert at.title, (role, spec.key)
        else:
            assert refused(at), (role, spec.key)
            assert not at.metric and not at.dataframe, "the refused page's script did not run"
    events = audit_events(tmp_path)
    assert events[0]["event"] == "sign_in"
    assert {e["page"] for e in events if e["event"] == "page_refused"} == {p.key for p in PAGES} - MAY_OPEN[role]


def test_english_refusal(clock):
    at = sign_in(fresh("en"), "clerk")
    open_url(at, "overview")
    assert any("Your role (Data clerk) may not open this page" in e.value for e in at.error)


def test_town_scoped_staff_sees_only_their_town(clock):
    # li is scoped to 乙镇. Tiny county, default period 2026-01-01..04-05 (see test_app):
    # 乙镇 operating E3, E4, E5 = 3; inspected in period E5 (I6 on 04-05) = 1 → 33.3%;
    # blind spots E4 (no village/grid), E5 (unknown grid) = 2. County-wide would be 5 / 3 / 60.0%.
    at = open_url(sign_in(fresh(), "li"), "overview")
    shown = {m.label: m.value for m in at.metric}
    assert shown["在营企业"] == "3"
    assert shown["已检查企业"] == "1"
    assert shown["检查覆盖率"] == "33.3%"
    assert shown["网格盲区企业"] == "2"
    assert at.session_state["global_filters"].towns == ("乙镇",)


def test_scope_cannot_be_widened_by_stored_filters(clock):
    from datetime import date

    from gridwatch.filters import Filters

    at = sign_in(fresh(), "li")
    # Even a stored Filters naming the other town is cut back to the scope.
    at.session_state["global_filters"] = Filters(date(2026, 1, 1), date(2026, 4, 5), date(2026, 4, 5), towns=("甲镇",))
    open_url(at, "overview")
    shown = {m.label: m.value for m in at.metric}
    assert shown["在营企业"] == "3"


def test_whole_county_user_sees_everything(clock):
    at = open_url(sign_in(fresh(), "office"), "overview")
    shown = {m.label: m.value for m in at.metric}
    assert shown["在营企业"] == "5" and shown["检查覆盖率"] == "60.0%"


def test_expired_session_refused(clock, tmp_path):
    at = sign_in(fresh(), "office")
    assert at.metric
    clock.now += 31 * 60  # idle limit 30 minutes
    at.run()
    assert signed_out(at)
    assert any("登录已过期" in w.value for w in at.warning)
    assert audit_events(tmp_path)[-1] == {**audit_events(tmp_path)[-1], "event": "session_refused",
                                          "reason": "expired"}


def test_tampered_session_cookie_refused(clock):
    at = sign_in(fresh(), "office")
    token = browser_of(at).cookies[auth.COOKIE]
    browser_of(at).cookies[auth.COOKIE] = token[:-2] + ("xy" if not token.endswith("xy") else "zz")
    at.run()
    assert signed_out(at)
    assert any("登录凭据无效" in w.value for w in at.warning)


def test_sign_out(clock, tmp_path):
    at = sign_in(fresh(), "office")
    token = browser_of(at).cookies[auth.COOKIE]
    other_tab = fresh()
    browser_of(other_tab).cookies[auth.COOKIE] = token  # the same browser's cookie in a second tab
    assert other_tab.run().metric
    at.sidebar.button(key="auth_sign_out").click().run()
    assert signed_out(at) and any("您已退出登录" in i.value for i in at.info)
    assert auth.STATE.resolve(auth.load_config(), token) == (None, "signed_out")
    assert audit_events(tmp_path)[-1]["event"] == "sign_out" and audit_events(tmp_path)[-1]["user"] == "office"
    other_tab.run()
    assert signed_out(other_tab), "every tab of the browser is signed out"


def test_proxy_header_signs_in_only_from_trusted_proxy(clock, monkeypatch, tmp_path):
    config = tmp_path / "auth.yaml"
    config.write_text(FIXTURE.read_text(encoding="utf-8")
                      + "proxy: {enabled: true, header: X-Remote-User, trusted: [10.1.1.1]}\n", encoding="utf-8")
    monkeypatch.setenv("GRIDWATCH_AUTH", str(config))
    untrusted = AppTest.from_file(APP, default_timeout=60)
    browser_of(untrusted).headers.update({"X-Remote-User": "li"})
    browser_of(untrusted).ip = "10.9.9.9"
    assert signed_out(untrusted.run()), "header from an untrusted address ignored"
    at = AppTest.from_file(APP, default_timeout=60)
    browser_of(at).headers.update({"x-remote-user": "li"})
    browser_of(at).ip = "10.1.1.1"
    open_url(at.run(), "overview")
    assert {m.label: m.value for m in at.metric}["在营企业"] == "3", "li's scope applies"
    assert not at.sidebar.button, "no sign-out button: the proxy signs people out"
    assert [e["via"] for e in audit_events(tmp_path) if e["event"] == "sign_in"] == ["proxy"]


def test_bad_config_says_why(clock, monkeypatch, tmp_path):
    bad = tmp_path / "auth.yaml"
    bad.write_text("users: {a: {role: boss}}\n", encoding="utf-8")
    monkeypatch.setenv("GRIDWATCH_AUTH", str(bad))
    at = fresh()
    assert not at.exception
    # In the page's language, naming the file, the user and the role.
    assert any(e.value.startswith("登录配置有误") and "auth\\.yaml：用户“a”的角色“boss”不存在" in e.value
               for e in at.error), [e.value for e in at.error]


def test_without_the_sign_in_server_says_how_to_start(clock, monkeypatch):
    """``streamlit run app.py`` has no sign-in page: with sign-in on, say so instead of a dead link."""
    monkeypatch.setattr(signin, "_served", lambda: False)
    at = fresh()
    assert not at.exception and not at.metric
    assert any("python -m gridwatch serve" in e.value for e in at.error)


def test_staff_sees_only_own_performance_rows(clock, monkeypatch):
    from gridwatch import ui

    captured = {}
    original = ui.download_button

    def capture(label, data, **kwargs):
        captured[kwargs["file_name"]] = data
        return original(label, data, **kwargs)

    monkeypatch.setattr(ui, "download_button", capture)
    at = sign_in(fresh(), "li")
    open_url(at, "performance")
    assert not at.exception
    ranking = at.dataframe[0].value  # the ranking table comes first
    assert list(ranking["姓名"]) == ["李四"], "only li's own row, no colleague"
    assert not any(s.key in ("perf_role", "perf_unit") for s in at.selectbox), "no choosing whose rows to see"
    exported = {name: export_text(data, name) for name, data in captured.items() if name.startswith("performance")}
    assert len(exported) == 2
    for name, text in exported.items():
        assert "李四" in text and "张三" not in text and "S1" not in text, name
    assert at.selectbox(key="perf_person").options == ["李四（第一中队）"]
    office = sign_in(fresh(), "office")
    open_url(office, "performance")
    # Office sees the peer group (S1 is 中队长, S2 执法人员: one each) and can pick anyone in it.
    assert len(office.selectbox(key="perf_role").options) == 2



def test_page_checks_the_role_itself_without_app_py(clock, monkeypatch):
    """Behind app.py's routing, ``ui.require_data()`` refuses too (a page run on its own)."""
    at = sign_in(fresh(), "clerk")
    page = AppTest.from_file(str(Path(APP).parent / "pages" / "overview.py"), default_timeout=60)
    browser_of(page).cookies.update(browser_of(at).cookies)
    page.run()
    assert not page.exception
    assert refused(page) and not page.metric
    nobody = AppTest.from_file(str(Path(APP).parent / "pages" / "overview.py"), default_timeout=60).run()
    assert not nobody.metric and any("请先登录" in w.value for w in nobody.warning)


def download_script():
    import pandas as pd

    from gridwatch import exports, ui

    ui.download_button("register", exports.csv_bytes(pd.DataFrame({"a": [1]})), kind="register",
                       what="test register", file_name="register.csv", mime="text/csv")
    ui.download_button("report", b"report", kind="report", what="test report", file_name="report.txt")
    ui.download_button("one register", b"e1", kind="enterprise_register", what="test E1", file_name="e1.txt")
    ui.download_button("explore", b"rows", kind="explore", what="test explore", file_name="explore.txt")


@pytest.mark.parametrize("name, buttons", [("leader", ["report", "one register", "explore"]),
                                           ("office", ["register", "report", "one register", "explore"]),
                                           ("clerk", [])])
def test_downloads_follow_the_role_and_are_audited(clock, tmp_path, deferred_downloads, name, buttons):
    at = sign_in(fresh(), name)
    script = AppTest.from_function(download_script, default_timeout=60)
    browser_of(script).cookies.update(browser_of(at).cookies)
    script.run()
    assert not script.exception
    shown = [b.label for b in script.get("download_button")]
    assert shown == buttons
    assert len([c for c in script.caption if "不能下载" in c.value]) == 4 - len(buttons)
    if buttons:
        # What a click runs, on a worker thread without the session, as Streamlit runs it.
        click = threading.Thread(target=deferred_downloads["register.csv" if name == "office" else "report.txt"])
        click.start()
        click.join()
        event = audit_events(tmp_path)[-1]
        assert (event["event"], event["user"], event["kind"]) == ("export", name, "register" if name == "office"
                                                                  else "report")


@pytest.mark.parametrize("page, query", [("enterprise", {"enterprise": "E3"}), ("explore", {})])
def test_leadership_takes_away_one_register_and_explorer_results(clock, page, query):
    """Issue 18: leadership reads, so it may download what it reads; whole registers and gap lists stay refused."""
    at = sign_in(fresh(), "leader")
    at.query_params.update(query)
    open_url(at, page)
    assert not at.exception
    assert at.get("download_button"), f"{page}: a download is offered"
    assert not [c for c in at.caption if "不能下载" in c.value], f"{page}: nothing refused"
    hazards = open_url(at, "hazards")
    assert [c for c in hazards.caption if "不能下载" in c.value], "the hazard register is still refused"


def test_scoped_console_and_builder_on_the_explore_page(clock):
    at = sign_in(fresh(), "li")
    open_url(at, "explore")
    assert not at.exception
    at.text_area(key="ex_sql").input("select town, count(*) as n from enterprises group by town")
    at.button(key="ex_run").click().run()
    assert not at.exception
    answer = next(d.value for d in at.dataframe if "n" in d.value.columns and "town" in d.value.columns)
    # 乙镇 only: E3, E4, E5.
    assert answer.to_dict("records") == [{"town": "乙镇", "n": 3}]


def test_sign_out_clears_what_the_user_left(clock):
    at = sign_in(fresh(), "office")
    open_url(at, "explore")
    at.text_area(key="ex_sql").input("select count(*) as n from enterprises")
    at.button(key="ex_run").click().run()
    assert "ex_console_result" in at.session_state
    at.sidebar.button(key="auth_sign_out").click().run()
    assert "ex_console_result" not in at.session_state


def export_text(data, file_name: str) -> str:
    """The text of an export as a reader sees it (CSV/HTML decoded, every xlsx cell joined)."""
    import io

    import openpyxl

    raw = data() if callable(data) else data
    raw = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    if file_name.endswith(".zip"):
        import zipfile

        archive = zipfile.ZipFile(io.BytesIO(raw))
        return "\n".join(name + "\n" + export_text(archive.read(name), name) for name in archive.namelist())
    if file_name.endswith(".xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True)
        return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                         for cell in row if cell is not None)
    if file_name.endswith(".pdf"):
        return ""
    return raw.decode("utf-8-sig")


OTHER_TOWN = ("甲镇", "甲一机械厂", "甲二食品厂", "甲三冶炼厂")


@pytest.mark.parametrize("page", ["coverage", "hazards", "rectification", "briefing", "explore", "enterprise"])
def test_scoped_users_exports_hold_no_other_town(clock, monkeypatch, page):
    from gridwatch import ui

    captured = []
    original = ui.download_button

    def capture(label, data, **kwargs):
        captured.append((kwargs["file_name"], data))
        return original(label, data, **kwargs)

    monkeypatch.setattr(ui, "download_button", capture)
    at = open_url(sign_in(fresh(), "li"), page)
    assert not at.exception, at.exception
    texts = {name: export_text(data, name) for name, data in captured}
    readable = {name: text for name, text in texts.items() if text}
    assert readable or page == "enterprise", f"{page} offered no readable export"
    for name, text in readable.items():
        assert not any(word in text for word in OTHER_TOWN), (page, name)
    if page in ("hazards", "coverage"):
        assert any("乙" in text for text in readable.values()), "the scoped town's rows are there"


def test_register_of_another_towns_enterprise_is_not_shown(clock):
    at = sign_in(fresh(), "li")
    at.query_params["enterprise"] = "E1"  # 甲一机械厂 of 甲镇: outside li's scope, treated as unknown
    open_url(at, "enterprise")
    assert not at.exception
    assert any("E1" in e.value for e in at.error) and [t.value for t in at.title] == ["一企一册"]
    at.query_params["enterprise"] = "E3"  # 乙一化工厂 of 乙镇
    open_url(at, "enterprise")
    assert [t.value for t in at.title] == ["乙一化工厂"]
    at.text_input(key="reg_search").input("厂").run()  # 甲一机械厂, 甲二食品厂, 乙一化工厂, 乙二建材厂, 甲三冶炼厂
    assert all("甲" not in option for option in at.selectbox(key="reg_pick").options)
    assert len(at.selectbox(key="reg_pick").options) == 2


def test_admin_adds_a_user_and_rules_are_checked(clock, monkeypatch, tmp_path):
    import shutil

    from gridwatch import rules

    config = tmp_path / "auth.yaml"
    shutil.copy(FIXTURE, config)
    monkeypatch.setenv("GRIDWATCH_AUTH", str(config))
    rules_copy = tmp_path / "rules.toml"
    shutil.copy(rules.rules_file(), rules_copy)
    monkeypatch.setenv("GRIDWATCH_RULES", str(rules_copy))
    at = open_url(sign_in(fresh(), "admin"), "admin")
    assert not at.exception and at.title[0].value == "用户与规则"
    at.text_input(key="admin_new_name").input("zhao")
    at.text_input[3].input("zhao-secret-9")  # name, display name, staff id, password
    [b for b in at.button if "保存用户" in b.label][0].click().run()
    assert any("zhao" in s.value for s in at.success), at.error
    saved = auth.load_config(config).users["zhao"]
    assert saved.role == "leadership" and auth.check_password(saved, "zhao-secret-9")
    assert "zhao-secret-9" not in config.read_text(encoding="utf-8")
    before = rules_copy.read_text(encoding="utf-8")
    at.text_area[0].input("[broken")
    [b for b in at.button if "保存规则" in b.label][0].click().run()
    # The reason is in the page's language too (the parser's own detail stays as it says it).
    assert any(e.value.startswith("规则未保存：不是有效的 TOML：") for e in at.error), [e.value for e in at.error]
    assert rules_copy.read_text(encoding="utf-8") == before
    at.text_input(key="admin_new_name").input("qian")
    at.text_input[3].input("short")
    [b for b in at.button if "保存用户" in b.label][0].click().run()
    assert any(e.value == "未保存：密码至少需要 8 个字符" for e in at.error), [e.value for e in at.error]
    assert "qian" not in auth.load_config(config).users


def test_clerk_import_action_is_audited(clock, tmp_path):
    at = open_url(sign_in(fresh(), "clerk"), "data_import")
    assert not at.exception and not refused(at)
    at.checkbox(key="restore_sure").check().run()
    at.button(key="restore_demo").click().run()
    assert not at.exception
    event = audit_events(tmp_path)[-1]
    assert (event["event"], event["user"], event["what"]) == ("import", "clerk", "restore demo")
