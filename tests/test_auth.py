"""Sign-in logic without Streamlit: hashes, configuration, sessions, brute force, scope, CLI, audit."""

import json
import shutil
from pathlib import Path

import pytest
import yaml

from gridwatch import admin, audit, auth, cli, rules

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "auth_users.yaml"
EXAMPLE = Path(__file__).resolve().parent.parent / "config" / "auth.example.yaml"


class Clock:
    """A clock the test moves by hand (no sleeping)."""

    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def config() -> auth.Config:
    return auth.load_config(FIXTURE)


@pytest.fixture
def state() -> auth.AuthState:
    return auth.AuthState(clock=Clock())


def test_off_without_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDWATCH_AUTH", str(tmp_path / "none.yaml"))
    assert not auth.enabled()
    assert auth.load_config() is None
    monkeypatch.setenv("GRIDWATCH_AUTH", str(FIXTURE))
    assert auth.enabled()


def test_fixture_and_example_have_the_five_roles(config):
    example = auth.load_config(EXAMPLE)
    for c in (config, example):
        assert sorted(u.role for u in c.users.values()) == sorted(auth.ROLES)
        staff = [u for u in c.users.values() if u.role == "staff"]
        assert len(staff) == 1 and len(staff[0].towns) == 1 and staff[0].staff_id
    assert config.users["li"].towns == ("乙镇",)
    assert config.idle_seconds == 30 * 60 and config.absolute_seconds == 12 * 3600


def test_example_passwords_match_docs():
    example = auth.load_config(EXAMPLE)
    docs = (EXAMPLE.parent.parent / "docs" / "auth.md").read_text(encoding="utf-8")
    for name, password in {"leader": "leader-demo-2026", "office": "office-demo-2026", "weixc": "staff-demo-2026",
                           "clerk": "clerk-demo-2026", "admin": "admin-demo-2026"}.items():
        assert auth.check_password(example.users[name], password), name
        assert f"`{password}`" in docs


def test_hashes_only_and_wrong_password(config):
    raw = FIXTURE.read_text(encoding="utf-8")
    assert "leader-pass-2026" not in raw.split("\n", 1)[1]
    assert config.users["leader"].password_hash.startswith("$argon2id$")
    assert auth.check_password(config.users["leader"], "leader-pass-2026")
    assert not auth.check_password(config.users["leader"], "leader-pass-2027")
    assert not auth.check_password(None, "leader-pass-2026")
    assert not auth.check_password(auth.User("x", "office", password_hash="not-a-hash"), "whatever1")
    with pytest.raises(auth.AuthConfigError, match="at least 8 characters") as short:
        auth.hash_password("short")
    assert short.value.message("zh") == "密码至少需要 8 个字符"


@pytest.mark.parametrize("text, message", [
    ("users: {a: {role: boss}}", "role 'boss'"),
    ("users: {a: {role: staff}}", "no staff_id"),
    ("users: {a: {role: office, towns: 甲镇}}", "towns must be a list"),
    ("users: [a, b]", "`users` must be a table"),
    ("session: {idle_minutes: -5}\nusers: {}", "session.idle_minutes"),
    ("proxy: {enabled: true, header: X-User}\nusers: {}", "proxy.trusted"),
    ("users: {a: [", "not valid YAML"),
])
def test_bad_configuration_says_what(tmp_path, text, message):
    path = tmp_path / "auth.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(auth.AuthConfigError, match=message.replace("(", r"\(")):
        auth.load_config(path)


def test_session_lifecycle_and_expiry(config, state):
    clock = state.clock
    ok = state.sign_in(config, "office", "office-pass-2026")
    assert ok.ok and ok.token
    user, why = state.resolve(config, ok.token)
    assert (user.name, why) == ("office", "ok")
    # Idle limit 30 min: a click at 29 min keeps it alive; 31 min of silence after that ends it.
    clock.now += 29 * 60
    assert state.resolve(config, ok.token)[1] == "ok"
    clock.now += 31 * 60
    assert state.resolve(config, ok.token) == (None, "expired")
    clock.now += 60
    assert state.resolve(config, ok.token) == (None, "expired"), "every tab, not just the first, says why"
    clock.now += 12 * 3600
    assert state.resolve(config, ok.token) == (None, "expired")
    assert state.resolve(config, ok.token) == (None, "unknown"), "forgotten after the absolute limit"


def test_absolute_expiry_despite_activity(config, state):
    token = state.sign_in(config, "office", "office-pass-2026").token
    for _ in range(12 * 3):  # a click every 20 minutes for 12 hours
        state.clock.now += 20 * 60
        assert state.resolve(config, token)[1] == "ok"
    state.clock.now += 20 * 60  # 12 h 20 min since sign-in
    assert state.resolve(config, token) == (None, "expired")


def test_forged_or_tampered_token_refused(config, state):
    token = state.sign_in(config, "admin", "admin-pass-2026").token
    assert state.resolve(config, token)[0].role == "admin"
    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B"), "admin", "", None, 42, {"user": "admin"}):
        assert state.resolve(config, forged)[0] is None
    other = auth.AuthState(clock=state.clock)  # another process (or after a restart) knows nothing
    assert other.resolve(config, token) == (None, "unknown")


def test_sign_out_and_removed_user(config, state, tmp_path):
    token = state.sign_in(config, "clerk", "clerk-pass-2026").token
    assert state.sign_out(token) == "clerk"
    assert state.resolve(config, token) == (None, "signed_out")
    assert state.sign_out(token) is None, "ends once"
    state.clock.now += 12 * 3600 + 1
    assert state.resolve(config, token) == (None, "signed_out")
    assert state.resolve(config, token) == (None, "unknown"), "forgotten after the absolute limit"
    token = state.sign_in(config, "clerk", "clerk-pass-2026").token
    smaller = auth.Config(users={k: v for k, v in config.users.items() if k != "clerk"})
    assert state.resolve(smaller, token) == (None, "unknown")


def test_a_new_password_ends_the_users_sessions(config, state):
    token = state.sign_in(config, "clerk", "clerk-pass-2026").token
    other = state.sign_in(config, "office", "office-pass-2026").token
    clerk = config.users["clerk"]
    changed = auth.Config(users={**config.users, "clerk": auth.User(
        name="clerk", role=clerk.role, password_hash=auth.hash_password("clerk-pass-2027"))})
    assert state.resolve(changed, token) == (None, "unknown")
    assert state.resolve(changed, other)[1] == "ok"


def test_looking_without_touching_does_not_keep_a_session_alive(config, state):
    token = state.sign_in(config, "office", "office-pass-2026").token
    for _ in range(3):  # the page request and the tabs' watch look every few minutes; nobody clicks
        state.clock.now += 10 * 60
        assert state.resolve(config, token, touch=False)[1] == "ok"
    state.clock.now += 60  # 31 minutes since the last click
    assert state.resolve(config, token) == (None, "expired")


def test_sessions_per_user_are_bounded(config, state):
    office = config.users["office"]
    tokens = [state.open_session(config, office) for _ in range(auth.SESSIONS_PER_USER)]
    assert all(state.resolve(config, t)[1] == "ok" for t in tokens)
    state.clock.now += 1
    for t in tokens[1:]:
        state.resolve(config, t)  # every session but the first is used again
    newest = state.open_session(config, office)
    assert state.resolve(config, tokens[0]) == (None, "unknown"), "the least recently used one ends"
    assert state.resolve(config, newest)[1] == "ok" and state.resolve(config, tokens[1])[1] == "ok"
    assert len(state.sessions) == auth.SESSIONS_PER_USER


def test_expired_sessions_are_swept_at_the_next_sign_in(config, state):
    for _ in range(5):
        state.open_session(config, config.users["office"])
    state.clock.now += 12 * 3600 + 1
    state.open_session(config, config.users["leader"])
    assert [s.user for s in state.sessions.values()] == ["leader"]


def test_brute_force_slowed_with_growing_delays(config, state):
    clock = state.clock
    # 3 free attempts, then 2 s, 4 s, 8 s … (base 2 s doubling), capped at 900 s.
    for _ in range(2):
        assert state.sign_in(config, "leader", "guess-0000").wait_seconds == 0
    third = state.sign_in(config, "leader", "guess-0000")
    assert (third.reason, third.wait_seconds) == ("wrong", 2.0)
    # While locked, even the right password is not checked.
    locked = state.sign_in(config, "leader", "leader-pass-2026")
    assert not locked.ok and locked.reason == "locked" and locked.wait_seconds == 2.0
    clock.now += 2
    fourth = state.sign_in(config, "leader", "guess-0000")
    assert fourth.wait_seconds == 4.0
    clock.now += 4
    assert state.sign_in(config, "leader", "guess-0000").wait_seconds == 8.0
    # Another user name is not affected; letter case does not get round the counter.
    assert state.sign_in(config, "office", "office-pass-2026").ok
    assert state.sign_in(config, "LEADER", "x-guess-1").reason == "locked"
    clock.now += 8
    assert state.sign_in(config, "leader", "leader-pass-2026").ok
    assert state.wait_seconds(config, "leader") == 0, "success resets the counter"


def test_delay_is_capped(config, state):
    for _ in range(30):
        state._failed("nobody")
    assert state.wait_seconds(config, "nobody") == config.max_delay_seconds
    unknown = state.sign_in(config, "nobody", "anything-1")
    assert unknown.reason == "locked"
    for _ in range(2000):  # years of failures: the delay stays at the cap (no float overflow)
        state._failed("nobody")
    assert state.wait_seconds(config, "nobody") == config.max_delay_seconds


def test_a_day_without_failures_forgets_a_name(config, state):
    for _ in range(5):
        state._failed("leader")
    assert state.wait_seconds(config, "leader") > 0
    state.clock.now += auth.FORGET_SECONDS
    assert state.wait_seconds(config, "leader") == 0
    state._failed("leader")
    assert state.failures.get("leader", state.now()).count == 1, "counting starts again"


@pytest.fixture
def fast_wrong_passwords(monkeypatch):
    """Every password check fails at once (Argon2 costs ~50 ms: too slow for 10,000 attempts)."""
    monkeypatch.setattr(auth, "check_password", lambda user, password: False)


def test_failures_under_10001_other_names_do_not_reset_a_target(config, state, fast_wrong_passwords):
    """Issue 15 point 9: the table used to clear itself past 10,000 names, and the target's delay with it."""
    for _ in range(6):
        state._failed("leader", "10.0.0.1")
    before = state.wait_seconds(config, "leader")
    assert before == 16.0  # 6 failures, 3 free: 2 * 2**3
    for i in range(10_001):
        outcome = state.sign_in(config, f"spray{i}", "guess-0000", source=f"10.1.{i // 250}.{i % 250}")
        assert outcome.reason == "wrong"
    assert len(state.failures) <= auth.FAILURE_TABLE_LIMIT and len(state.sources) <= auth.FAILURE_TABLE_LIMIT
    assert state.wait_seconds(config, "leader") == before, "the target still waits"
    locked = state.sign_in(config, "leader", "leader-pass-2026", source="10.0.0.2")
    assert not locked.ok and locked.reason == "locked"
    assert state.wait_seconds(config, "anyone", source="10.0.0.1") == 0


def test_the_table_keeps_the_names_with_most_failures_when_full():
    table = auth.FailureTable(limit=10)
    for _ in range(3):
        table.add("target", 0.0)
    for i in range(1, 30):
        table.add(f"other{i}", float(i))
    assert len(table) <= 10
    assert table.get("target", 30.0).count == 3, "an entry with more failures than every newcomer stays"
    assert table.get("other29", 30.0).count == 1, "the newest single failures stay too"
    table.add("late", auth.FORGET_SECONDS + 40.0)
    assert len(table) == 1 + sum(1 for i in range(1, 30) if table.get(f"other{i}", auth.FORGET_SECONDS + 40.0))


def test_guessing_from_one_computer_is_slowed_across_names(config, state, fast_wrong_passwords):
    """Per source: 30 free failures under any names, then the same growing delay; other computers unaffected."""
    for i in range(29):
        assert state.sign_in(config, f"name{i}", "guess", source="10.9.9.9").wait_seconds == 0
    thirtieth = state.sign_in(config, "name29", "guess", source="10.9.9.9")
    assert (thirtieth.reason, thirtieth.wait_seconds) == ("wrong", 2.0)
    refused = state.sign_in(config, "office", "office-pass-2026", source="10.9.9.9")
    assert (refused.ok, refused.reason, refused.wait_seconds) == (False, "source_locked", 2.0)
    assert state.wait_seconds(config, "office", source="10.8.8.8") == 0
    state.clock.now += 2
    state.sign_in(config, "name30", "guess", source="10.9.9.9")
    assert state.wait_seconds(config, "office", source="10.9.9.9") == 4.0


def test_a_correct_password_does_not_clear_the_sources_record(config, state, monkeypatch):
    monkeypatch.setattr(auth, "check_password", lambda user, password: password == "right-one-1")
    for i in range(30):
        state.sign_in(config, f"name{i}", "guess", source="10.9.9.9")
    state.clock.now += 2
    assert state.sign_in(config, "office", "right-one-1", source="10.9.9.9").ok
    assert state.sources.get("10.9.9.9", state.now()).count == 30, "an insider cannot wipe the record by signing in"


def test_proxy_header_only_from_trusted_proxy(config):
    on = auth.Config(users=config.users, proxy_header="X-Remote-User", trusted_proxies=("10.0.0.5", "127.0.0.1"))
    headers = {"X-Remote-User": "office"}
    assert auth.proxy_user(config, headers, "10.0.0.5") is None, "off unless enabled"
    assert auth.proxy_user(on, headers, "10.0.0.5").name == "office"
    assert auth.proxy_user(on, headers, None).name == "office", "loopback peer is reported as None"
    assert auth.proxy_user(on, headers, "10.0.0.9") is None, "header from an untrusted sender ignored"
    assert auth.proxy_user(on, {"X-Remote-User": "stranger"}, "10.0.0.5") is None
    assert auth.proxy_user(on, {}, "10.0.0.5") is None
    assert auth.proxy_user(on, {"x-remote-user": "office"}, "10.0.0.5").name == "office", "header names ignore case"


def test_identify_reads_the_cookie_then_a_trusted_proxy_and_nothing_else(config, monkeypatch):
    state = auth.AuthState(clock=Clock())
    monkeypatch.setattr(auth, "STATE", state)
    token = state.sign_in(config, "office", "office-pass-2026").token
    user, why, via = auth.identify(config, auth.Request(cookies={auth.COOKIE: token}, headers={}))
    assert (user.name, why, via) == ("office", "ok", "password")
    for cookies, headers in [({}, {}), ({"auth_token": token, "user": "office"}, {"X-Remote-User": "office"}),
                             ({auth.COOKIE: token + "x"}, {})]:
        assert auth.identify(config, auth.Request(cookies=cookies, headers=headers))[0] is None
    on = auth.Config(users=config.users, proxy_header="X-Remote-User", trusted_proxies=("127.0.0.1",))
    assert auth.identify(on, auth.Request(cookies={}, headers={"X-Remote-User": "li"}))[:3:2] == (
        config.users["li"], "proxy")


def test_restrict_towns():
    assert auth.restrict_towns((), ()) == ()
    assert auth.restrict_towns(("甲镇",), ()) == ("甲镇",)
    assert auth.restrict_towns((), ("乙镇",)) == ("乙镇",)
    assert auth.restrict_towns(("甲镇", "乙镇"), ("乙镇",)) == ("乙镇",)
    assert auth.restrict_towns(("甲镇",), ("乙镇", "丙镇")) == ("乙镇", "丙镇"), "never widens to all"


def test_downloads_per_role():
    assert auth.may_download(None, "register")
    assert auth.may_download("leadership", "report")
    assert auth.may_download("leadership", "enterprise_register"), "one enterprise's register (issue 18)"
    assert auth.may_download("leadership", "explore"), "the explorer's results (issue 18)"
    assert not auth.may_download("leadership", "register")
    assert not auth.may_download("leadership", "gap_list")
    for role in ("office", "staff"):
        assert all(auth.may_download(role, kind) for kind in ("report", "enterprise_register", "explore"))
    assert not any(auth.may_download(role, kind) for role in ("clerk", "admin")
                   for kind in ("report", "enterprise_register", "explore", "register"))
    assert auth.may_download("office", "register") and auth.may_download("office", "gap_list")
    assert not auth.may_download("clerk", "report")
    with pytest.raises(ValueError):
        auth.may_download("office", "everything")


def _cli(args, monkeypatch, stdin=""):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return cli.main(args)


def test_cli_adds_user_and_sets_password(tmp_path, monkeypatch, capsys):
    path = tmp_path / "auth.yaml"
    assert _cli(["user", "add", "wang", "--role", "staff", "--towns", "甲镇，乙镇", "--staff-id", "S1",
                 "--config", str(path), "--password-stdin"], monkeypatch, "first-secret-1\n") == 0
    text = path.read_text(encoding="utf-8")
    assert "first-secret-1" not in text and "$argon2id$" in text
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    user = auth.load_config(path).users["wang"]
    assert (user.role, user.towns, user.staff_id) == ("staff", ("甲镇", "乙镇"), "S1")
    assert auth.check_password(user, "first-secret-1")
    assert _cli(["user", "passwd", "wang", "--config", str(path), "--password-stdin"],
                monkeypatch, "second-secret-2\n") == 0
    user = auth.load_config(path).users["wang"]
    assert auth.check_password(user, "second-secret-2") and not auth.check_password(user, "first-secret-1")
    assert _cli(["user", "list", "--config", str(path)], monkeypatch) == 0
    listed = capsys.readouterr().out
    assert "wang\tstaff\t甲镇,乙镇\tS1\tpassword" in listed and "$argon2" not in listed


@pytest.mark.parametrize("args, stdin, message", [
    (["add", "a", "--role", "boss"], "long-enough-1\n", "unknown role"),
    (["add", "a", "--role", "staff"], "long-enough-1\n", "no staff_id"),
    (["add", "a", "--role", "office"], "short\n", "at least 8"),
    (["add", "leader", "--role", "office"], "long-enough-1\n", "already exists"),
    (["passwd", "ghost"], "long-enough-1\n", "no user 'ghost'"),
])
def test_cli_errors_are_one_line(tmp_path, monkeypatch, capsys, args, stdin, message):
    path = tmp_path / "auth.yaml"
    shutil.copy(FIXTURE, path)
    before = path.read_text(encoding="utf-8")
    code = _cli(["user", *args, "--config", str(path), "--password-stdin"], monkeypatch, stdin)
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
    assert path.read_text(encoding="utf-8") == before


def test_audit_records_and_reads(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDWATCH_AUDIT", str(tmp_path / "a" / "audit.jsonl"))
    audit.record("sign_in", user="office", via="password")
    audit.record("export", user="li", kind="register", what="hazards 乙镇")
    lines = (tmp_path / "a" / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["event"] for line in lines] == ["sign_in", "export"]
    with open(tmp_path / "a" / "audit.jsonl", "a", encoding="utf-8") as f:
        f.write("{broken\n")
    frame = audit.read()
    assert list(frame["event"]) == ["export", "sign_in"]
    assert frame.iloc[0]["what"] == "hazards 乙镇" and frame.iloc[0]["user"] == "li"
    with pytest.raises(ValueError):
        audit.record("anything")


def test_rules_checked_before_saving(tmp_path):
    good = rules.rules_file().read_text(encoding="utf-8")
    target = tmp_path / "rules.toml"
    target.write_text(good, encoding="utf-8")
    with pytest.raises(admin.RulesError, match="not valid TOML"):
        admin.save_rules("[broken", target)
    with pytest.raises(admin.RulesError, match="missing"):
        admin.save_rules("[scoring]\nmajor_weight = 2\n", target)
    with pytest.raises(admin.RulesError, match="interval_red"):
        admin.save_rules(good.replace("red = 30", "red = -30"), target)
    assert target.read_text(encoding="utf-8") == good
    admin.save_rules(good.replace("red = 30", "red = 20"), target)
    assert rules.load(target)["inspection_interval_days"]["red"] == 20


def test_save_user_keeps_other_settings(tmp_path):
    path = tmp_path / "auth.yaml"
    path.write_text("session: {idle_minutes: 10}\nusers: {}\n", encoding="utf-8")
    auth.save_user(path, "zhao", role="office", password="zhao-secret-1", create=True)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert raw["session"] == {"idle_minutes": 10}
    with pytest.raises(auth.AuthConfigError):
        auth.save_user(path, "with space", role="office", password="zhao-secret-1", create=True)
