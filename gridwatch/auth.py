"""Sign-in, roles and town scope: who is looking, and what they may see.

Off unless an auth configuration exists (``$GRIDWATCH_AUTH`` or ``config/auth.yaml``).
Passwords are stored only as Argon2id hashes (argon2-cffi). Sessions live on the
server: a correct password opens a session under a random token, which the server
(``gridwatch/web.py``) hands to the browser in an HttpOnly cookie. Every script run
reads that cookie from the request of the connection it answers and looks the token
up; nothing kept in the Streamlit session names a user, so whoever reconnects to a
Streamlit session without the cookie is nobody. Failed sign-ins are counted per user
name and per source address; past a few free attempts each further attempt must
wait an increasing delay (capped), so guessing is slowed. An identity header set by
a trusted reverse proxy can stand in for the password form when the configuration
enables it. docs/auth.md explains the choices.

This module holds no Streamlit widgets (``gridwatch/signin.py`` draws them, and
``gridwatch/web.py`` serves the sign-in page); ``ui`` asks it for the signed-in user
to apply their role and town scope to every page and query.
"""

import heapq
import os
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gridwatch import i18n
from gridwatch.paths import CONFIG_DIR

ROLES = ("leadership", "office", "staff", "clerk", "admin")
# The session cookie: HttpOnly, SameSite=Lax, set only by the sign-in page (gridwatch/web.py).
COOKIE = "gridwatch_session"
DOWNLOAD_KINDS = ("report", "enterprise_register", "explore", "register", "gap_list", "quarantine")
# Every reading role takes away what it reads: reports, one enterprise's register
# (一企一册) and the explorer's results. Registers of a whole town or unit (企业/隐患台账)
# and gap lists (盲区/逾期清单) list enterprises by the hundred for the people who work
# them: office and staff. The import's quarantine (rejected rows to fix) is the clerk's.
_READ = frozenset({"report", "enterprise_register", "explore"})
DOWNLOADS = {
    "leadership": _READ,
    "office": _READ | {"register", "gap_list"},
    "staff": _READ | {"register", "gap_list"},
    "clerk": frozenset({"quarantine"}),
    "admin": frozenset(),
}
# A failed sign-in is remembered for a day after the last failure of the same name or
# source; the tables hold this many names (and sources) that failed within the day.
FORGET_SECONDS = 24 * 3600
FAILURE_TABLE_LIMIT = 10_000
# Beyond this many open sessions of one user (browsers signed in), the least recently
# used ends: sign-ins by a script cannot grow the session store without bound.
SESSIONS_PER_USER = 100
MIN_PASSWORD = 8

_hasher = PasswordHasher()
# Verified against when the user name is unknown, so a miss costs as long as a hit.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AuthConfigError(i18n.LocalisedError):
    """The auth configuration (or a user's settings) cannot be used; the message says what to fix."""

    prefix = "auth.config_error."


def config_path() -> Path:
    """The auth configuration: ``$GRIDWATCH_AUTH`` if set, else ``config/auth.yaml``."""
    env = os.environ.get("GRIDWATCH_AUTH")
    return Path(env) if env else CONFIG_DIR / "auth.yaml"


def enabled() -> bool:
    """True when an auth configuration exists (sign-in is then required)."""
    return config_path().is_file()


@dataclass(frozen=True)
class User:
    """A configured user: role, town scope (empty = whole county), own staff id."""

    name: str
    role: str
    towns: tuple[str, ...] = ()
    staff_id: str | None = None
    display_name: str = ""
    password_hash: str | None = None

    @property
    def shown_name(self) -> str:
        """The name to greet the user with."""
        return self.display_name or self.name


@dataclass(frozen=True)
class Config:
    """The parsed auth configuration."""

    users: dict[str, User]
    idle_seconds: float = 30 * 60
    absolute_seconds: float = 12 * 3600
    free_attempts: int = 3
    free_attempts_per_source: int = 30
    base_delay_seconds: float = 2.0
    max_delay_seconds: float = 15 * 60
    secure_cookie: bool = False
    proxy_header: str | None = None
    trusted_proxies: tuple[str, ...] = ()


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password`` (the only form a password is ever stored in)."""
    if len(password) < MIN_PASSWORD:
        raise AuthConfigError("short_password", n=MIN_PASSWORD)
    return _hasher.hash(password)


def check_password(user: User | None, password: str) -> bool:
    """True if ``password`` matches the user's stored hash (constant work for unknown users)."""
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        ok = _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and user is not None and bool(user.password_hash)


def _number(table: dict, key: str, default: float, where: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise AuthConfigError("not_positive", setting=f"{where}.{key}", value=value)
    return float(value)


def _user(name: str, entry, path: Path) -> User:
    if not isinstance(entry, dict):
        raise AuthConfigError("user_shape", path=str(path), name=name)
    role = entry.get("role")
    if role not in ROLES:
        raise AuthConfigError("bad_role", path=str(path), name=name, role=role, roles=ROLES)
    towns = entry.get("towns") or []
    if isinstance(towns, str) or not all(isinstance(t, str) and t for t in towns):
        raise AuthConfigError("towns_list", path=str(path), name=name)
    staff_id = entry.get("staff_id")
    if role == "staff" and not staff_id:
        raise AuthConfigError("no_staff_id", path=str(path), name=name)
    return User(name=str(name), role=role, towns=tuple(towns),
                staff_id=str(staff_id) if staff_id else None,
                display_name=str(entry.get("display_name") or ""),
                password_hash=entry.get("password_hash") or None)


def parse_config(raw: dict | None, path: Path) -> Config:
    """Check and convert a loaded YAML document into a ``Config``."""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise AuthConfigError("not_mapping", path=str(path))
    users = raw.get("users") or {}
    if not isinstance(users, dict):
        raise AuthConfigError("users_table", path=str(path))
    session = raw.get("session") or {}
    lockout = raw.get("lockout") or {}
    proxy = raw.get("proxy") or {}
    header = proxy.get("header") if proxy.get("enabled") else None
    trusted = tuple(str(a) for a in proxy.get("trusted") or ())
    if header and not trusted:
        raise AuthConfigError("proxy_trusted", path=str(path))
    secure = session.get("secure_cookie", False)
    if not isinstance(secure, bool):
        raise AuthConfigError("secure_cookie", path=str(path), value=secure)
    return Config(
        users={str(name): _user(str(name), entry, path) for name, entry in users.items()},
        idle_seconds=60 * _number(session, "idle_minutes", 30, "session"),
        absolute_seconds=3600 * _number(session, "absolute_hours", 12, "session"),
        free_attempts=int(_number(lockout, "free_attempts", 3, "lockout")),
        free_attempts_per_source=int(_number(lockout, "free_attempts_per_source", 30, "lockout")),
        base_delay_seconds=_number(lockout, "base_delay_seconds", 2, "lockout"),
        max_delay_seconds=_number(lockout, "max_delay_seconds", 900, "lockout"),
        secure_cookie=secure,
        proxy_header=str(header) if header else None,
        trusted_proxies=trusted,
    )


_config_cache: dict[tuple, Config] = {}


def load_config(path: Path | None = None) -> Config | None:
    """The configuration, re-read when the file changes; None when auth is off."""
    p = Path(path) if path else config_path()
    try:
        stat = p.stat()
    except FileNotFoundError:
        return None
    key = (str(p), stat.st_mtime_ns, stat.st_size)
    if key not in _config_cache:
        try:
            raw = yaml.safe_load(p.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise AuthConfigError("not_yaml", path=str(p), detail=str(exc).splitlines()[0]) from None
        _config_cache.clear()
        _config_cache[key] = parse_config(raw, p)
    return _config_cache[key]


def save_user(path: Path, name: str, *, role: str | None = None, towns: tuple[str, ...] | None = None,
              staff_id: str | None = None, password: str | None = None, display_name: str | None = None,
              create: bool = False) -> User:
    """Add a user (``create``) or change one in the YAML file; writes the hash, never the password."""
    raw = {}
    if path.exists():
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    users = raw.setdefault("users", {}) or {}
    raw["users"] = users
    if create and name in users:
        raise AuthConfigError("user_exists", name=name)
    if not create and name not in users:
        raise AuthConfigError("no_user", name=name, path=str(path))
    if not name or not name.strip() or any(c.isspace() for c in name):
        raise AuthConfigError("bad_name")
    entry = dict(users.get(name) or {})
    if role is not None:
        entry["role"] = role
    if towns is not None:
        entry["towns"] = list(towns)
    if staff_id is not None:
        entry["staff_id"] = staff_id or None
    if display_name is not None:
        entry["display_name"] = display_name
    if password is not None:
        entry["password_hash"] = hash_password(password)
    user = _user(name, entry, path)
    users[name] = entry
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return user


@dataclass
class Session:
    """A signed-in browser, known only to this server process."""

    user: str
    created: float
    last_seen: float
    password_hash: str | None = None
    # Why it ended ('signed_out', 'expired'), kept until the absolute limit so that every
    # tab of the browser can say why, not just the first to notice.
    ended: str | None = None


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0


class FailureTable:
    """Failed sign-ins per key (a user name or a source address), bounded without forgetting recent ones.

    An entry is forgotten ``FORGET_SECONDS`` after its last failure. When more than
    ``limit`` keys have failed within that time, the table keeps the nine tenths with
    the most failures (then the most recent): to push out the record of a name that
    failed n times, an attacker must first fail more than n times under each of
    thousands of other names, which the per-source delay slows in turn. Not
    thread-safe on its own: ``AuthState`` holds its lock around every call.
    """

    def __init__(self, limit: int = FAILURE_TABLE_LIMIT):
        self.limit = limit
        self._entries: dict[str, _Failures] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str, now: float) -> _Failures | None:
        """The failures recorded under ``key`` within the memory window, if any."""
        entry = self._entries.get(key)
        return None if entry is None or now - entry.last >= FORGET_SECONDS else entry

    def add(self, key: str, now: float) -> None:
        """Record one failure under ``key``."""
        entry = self.get(key, now) or _Failures()
        entry.count += 1
        entry.last = now
        self._entries[key] = entry
        if len(self._entries) > self.limit:
            self._make_room(now)

    def forget(self, key: str) -> None:
        """Drop the record of ``key`` (a successful sign-in of that name)."""
        self._entries.pop(key, None)

    def _make_room(self, now: float) -> None:
        self._entries = {k: e for k, e in self._entries.items() if now - e.last < FORGET_SECONDS}
        if len(self._entries) > self.limit:
            kept = heapq.nlargest(self.limit * 9 // 10, self._entries.items(),
                                  key=lambda item: (item[1].count, item[1].last))
            self._entries = dict(kept)


def _delay(config: Config, entry: _Failures | None, free: int, now: float) -> float:
    """How long after ``entry``'s last failure the next attempt must wait, from now (0 = now)."""
    if entry is None or entry.count < free:
        return 0.0
    # The exponent is bounded so that years of failures cannot overflow a float.
    delay = min(config.max_delay_seconds, config.base_delay_seconds * 2 ** min(entry.count - free, 64))
    return max(0.0, entry.last + delay - now)


@dataclass
class AuthState:
    """Sessions and failure counters of this process; ``clock`` is injectable for tests."""

    clock: object = time.time
    sessions: dict[str, Session] = field(default_factory=dict)
    failures: FailureTable = field(default_factory=FailureTable)
    sources: FailureTable = field(default_factory=FailureTable)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        """The current time in seconds."""
        return self.clock()

    def _waits(self, config: Config, name: str, source: str | None) -> tuple[float, float]:
        with self.lock:
            now = self.now()
            account = _delay(config, self.failures.get(name.casefold(), now), config.free_attempts, now)
            by_source = (_delay(config, self.sources.get(source, now), config.free_attempts_per_source, now)
                         if source else 0.0)
        return account, by_source

    def wait_seconds(self, config: Config, name: str, source: str | None = None) -> float:
        """How long an attempt for ``name`` from ``source`` must still wait before it is checked (0 = now)."""
        return max(self._waits(config, name, source))

    def _failed(self, name: str, source: str | None = None) -> None:
        with self.lock:
            now = self.now()
            self.failures.add(name.casefold(), now)
            if source:
                self.sources.add(source, now)

    def sign_in(self, config: Config, name: str, password: str, source: str | None = None) -> "SignIn":
        """Check a name and password from ``source`` (the browser's address); on success open a session.

        While the name or the source must wait, the attempt is refused without checking
        the password ('locked' or 'source_locked'), so guessing cannot outrun the delay.
        """
        name = name.strip()
        account, by_source = self._waits(config, name, source)
        if account > 0 or by_source > 0:
            return SignIn(ok=False, reason="locked" if account >= by_source else "source_locked",
                          wait_seconds=max(account, by_source))
        user = config.users.get(name)
        if not check_password(user, password):
            self._failed(name, source)
            return SignIn(ok=False, reason="wrong", wait_seconds=self.wait_seconds(config, name, source))
        with self.lock:
            self.failures.forget(name.casefold())
        return SignIn(ok=True, token=self.open_session(config, user))

    def open_session(self, config: Config, user: User) -> str:
        """A fresh random token for a new session of ``user``."""
        token = secrets.token_urlsafe(32)
        now = self.now()
        with self.lock:
            self._sweep(config, now)
            own = sorted((s.last_seen, t) for t, s in self.sessions.items() if s.user == user.name)
            for _, old in own[:max(0, len(own) - SESSIONS_PER_USER + 1)]:
                del self.sessions[old]
            self.sessions[token] = Session(user=user.name, created=now, last_seen=now,
                                           password_hash=user.password_hash)
        return token

    def _sweep(self, config: Config, now: float) -> None:
        """Forget sessions past the absolute limit (an ended one is kept until then, to say why)."""
        for token in [t for t, s in self.sessions.items() if now - s.created > config.absolute_seconds]:
            del self.sessions[token]

    def resolve(self, config: Config, token, *, touch: bool = True) -> tuple[User | None, str]:
        """The user a token belongs to and why not if none: 'ok', 'none', 'unknown', 'expired', 'signed_out'.

        A token this process did not issue (forged, tampered, from before a restart) is
        'unknown'; one idle or open for too long is 'expired'; one whose browser signed
        out is 'signed_out' (both until the absolute limit, then forgotten: 'unknown').
        A user removed from the configuration, or whose password was changed, since
        sign-in is 'unknown' too. ``touch`` counts the look-up as activity (a script run
        does; the page request and the tabs' watch do not).
        """
        if not token:
            return None, "none"
        if not isinstance(token, str):
            return None, "unknown"
        now = self.now()
        with self.lock:
            session = self.sessions.get(token)
            if session is None:
                return None, "unknown"
            if now - session.created > config.absolute_seconds:
                del self.sessions[token]
                return None, session.ended or "expired"
            if session.ended:
                return None, session.ended
            if now - session.last_seen > config.idle_seconds:
                session.ended = "expired"
                return None, "expired"
            user = config.users.get(session.user)
            if user is None or user.password_hash != session.password_hash:
                del self.sessions[token]
                return None, "unknown"
            if touch:
                session.last_seen = now
            return user, "ok"

    def sign_out(self, token) -> str | None:
        """End a browser's session (every tab of it); returns the user it belonged to, if any."""
        with self.lock:
            session = self.sessions.get(token) if isinstance(token, str) else None
            if session is None or session.ended:
                return None
            session.ended = "signed_out"
            return session.user


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt."""

    ok: bool
    token: str | None = None
    reason: str = ""
    wait_seconds: float = 0.0


STATE = AuthState()


@dataclass(frozen=True)
class Request:
    """What a browser sent with a request: its cookies, headers and peer address."""

    cookies: Mapping[str, str]
    headers: Mapping[str, str]
    ip: str | None = None


def proxy_user(config: Config, headers, ip: str | None) -> User | None:
    """The configured user a trusted reverse proxy names in its identity header, if any.

    Ignored unless enabled in the configuration and the connection comes from a listed
    proxy address (Streamlit reports a loopback peer as no address: list ``127.0.0.1``
    to trust a proxy on the same machine). The named user must exist in the configuration.
    """
    if not config.proxy_header or headers is None:
        return None
    peer = ip or "127.0.0.1"
    if peer not in config.trusted_proxies:
        return None
    wanted = config.proxy_header.lower()
    name = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return config.users.get(name.strip()) if name and name.strip() else None


def identify(config: Config, request: Request, *, touch: bool = True) -> tuple[User | None, str, str]:
    """Who sent ``request``: (user, why not if nobody, 'password' or 'proxy').

    The session cookie is looked up in this process's store; failing that, a trusted
    proxy's identity header names the user. Nothing else the browser sends counts.
    """
    user, why = STATE.resolve(config, request.cookies.get(COOKIE), touch=touch)
    if user is not None:
        return user, "ok", "password"
    named = proxy_user(config, request.headers, request.ip)
    if named is not None:
        return named, "ok", "proxy"
    return None, why, ""


def browser_request() -> Request:
    """The request of the connection the current script run answers (its WebSocket handshake).

    Read afresh on every run: a client that reconnects to a Streamlit session brings
    its own cookies and headers, never those of the browser that opened the session.
    """
    import streamlit as st

    context = st.context
    return Request(cookies=dict(context.cookies), headers=dict(context.headers), ip=context.ip_address)


def current_user() -> User | None:
    """The signed-in user of the browser this script run answers, or None (also when auth is off)."""
    config = load_config()
    if config is None:
        return None
    return identify(config, browser_request())[0]


def town_scope() -> tuple[str, ...]:
    """The towns this session may see; empty means the whole county."""
    user = current_user()
    return user.towns if user else ()


def restrict_towns(chosen, scope: tuple[str, ...]) -> tuple[str, ...]:
    """The towns a query gets: the chosen ones within scope, or the whole scope if none is chosen.

    With no scope the choice passes through (empty = all). A choice entirely outside the
    scope falls back to the scope, never to 'all'.
    """
    chosen = tuple(chosen or ())
    if not scope:
        return chosen
    inside = tuple(t for t in chosen if t in scope)
    return inside or tuple(scope)


def may_open(role: str | None, page_roles: tuple[str, ...]) -> bool:
    """True if a page with ``page_roles`` may be opened (every page when auth is off: role None)."""
    return role is None or role in page_roles


def may_download(role: str | None, kind: str) -> bool:
    """True if the role may take an export of ``kind`` (one of ``DOWNLOAD_KINDS``) away."""
    if kind not in DOWNLOAD_KINDS:
        raise ValueError(f"unknown download kind {kind!r}")
    return role is None or kind in DOWNLOADS.get(role, frozenset())
