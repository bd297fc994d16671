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
    with pytest.raises(ValueError):
        auth.hash_password("short")


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
    assert state.resolve(config, ok.token) == (None, "unknown"), "an expired session is forgotten"


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
    state.sign_out(token)
    assert state.resolve(config, token) == (None, "unknown")
    token = state.sign_in(config, "clerk", "clerk-pass-2026").token
    smaller = auth.Config(users={k: v for k, v in config.users.items() if k != "clerk"})
    assert state.resolve(smaller, token) == (None, "unknown")


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


def test_proxy_header_only_from_trusted_proxy(config):
    on = auth.Config(users=config.users, proxy_header="X-Remote-User", trusted_proxies=("10.0.0.5", "127.0.0.1"))
    headers = {"X-Remote-User": "office"}
    assert auth.proxy_user(config, headers, "10.0.0.5") is None, "off unless enabled"
    assert auth.proxy_user(on, headers, "10.0.0.5").name == "office"
    assert auth.proxy_user(on, headers, None).name == "office", "loopback peer is reported as None"
    assert auth.proxy_user(on, headers, "10.0.0.9") is None, "header from an untrusted sender ignored"
    assert auth.proxy_user(on, {"X-Remote-User": "stranger"}, "10.0.0.5") is None
    assert auth.proxy_user(on, {}, "10.0.0.5") is None


def test_restrict_towns():
    assert auth.restrict_towns((), ()) == ()
    assert auth.restrict_towns(("甲镇",), ()) == ("甲镇",)
    assert auth.restrict_towns((), ("乙镇",)) == ("乙镇",)
    assert auth.restrict_towns(("甲镇", "乙镇"), ("乙镇",)) == ("乙镇",)
    assert auth.restrict_towns(("甲镇",), ("乙镇", "丙镇")) == ("乙镇", "丙镇"), "never widens to all"


def test_downloads_per_role():
    assert auth.may_download(None, "register")
    assert auth.may_download("leadership", "report")
    assert not auth.may_download("leadership", "register")
    assert not auth.may_download("leadership", "gap_list")
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
