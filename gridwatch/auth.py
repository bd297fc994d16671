"""Sign-in, roles and town scope: who is looking, and what they may see.

Off unless an auth configuration exists (``$GRIDWATCH_AUTH`` or ``config/auth.yaml``).
Passwords are stored only as Argon2id hashes (argon2-cffi). Sessions live on the
server: the browser session holds a random token, and only a token this process
issued and that has not expired maps to a user — a forged or stale token maps to
nobody. Failed sign-ins are counted per user name; past a few free attempts each
further attempt must wait an increasing delay (capped), so guessing is slowed.
An identity header set by a trusted reverse proxy can stand in for the password
form when the configuration enables it. docs/auth.md explains the choices.

This module holds no Streamlit widgets (``gridwatch/signin.py`` draws them); it
reads the browser session's token from ``st.session_state`` so that ``ui`` can
apply the signed-in user's town scope to every query.
"""

import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gridwatch.paths import CONFIG_DIR

ROLES = ("leadership", "office", "staff", "clerk", "admin")
TOKEN_KEY = "auth_token"
DOWNLOAD_KINDS = ("report", "register", "gap_list", "quarantine")
# Registers (企业/隐患台账) and gap lists (盲区/逾期清单) name enterprises one by one:
# leadership reads the figures but does not take those lists away. The import's
# quarantine (rejected rows to fix and re-import) is the clerk's.
DOWNLOADS = {
    "leadership": frozenset({"report"}),
    "office": frozenset({"report", "register", "gap_list"}),
    "staff": frozenset({"report", "register", "gap_list"}),
    "clerk": frozenset({"quarantine"}),
    "admin": frozenset(),
}

_hasher = PasswordHasher()
# Verified against when the user name is unknown, so a miss costs as long as a hit.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AuthConfigError(Exception):
    """The auth configuration cannot be used; the message says what to fix."""


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
    base_delay_seconds: float = 2.0
    max_delay_seconds: float = 15 * 60
    proxy_header: str | None = None
    trusted_proxies: tuple[str, ...] = ()


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password`` (the only form a password is ever stored in)."""
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
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
        raise AuthConfigError(f"{where}.{key} must be a positive number, not {value!r}")
    return float(value)


def _user(name: str, entry, path: Path) -> User:
    if not isinstance(entry, dict):
        raise AuthConfigError(f"{path}: user {name!r} must be a table of role, towns, …")
    role = entry.get("role")
    if role not in ROLES:
        raise AuthConfigError(f"{path}: user {name!r} has role {role!r}; use one of {', '.join(ROLES)}")
    towns = entry.get("towns") or []
    if isinstance(towns, str) or not all(isinstance(t, str) and t for t in towns):
        raise AuthConfigError(f"{path}: user {name!r}: towns must be a list of town names")
    staff_id = entry.get("staff_id")
    if role == "staff" and not staff_id:
        raise AuthConfigError(f"{path}: user {name!r} has role staff but no staff_id")
    return User(name=str(name), role=role, towns=tuple(towns),
                staff_id=str(staff_id) if staff_id else None,
                display_name=str(entry.get("display_name") or ""),
                password_hash=entry.get("password_hash") or None)


def parse_config(raw: dict | None, path: Path) -> Config:
    """Check and convert a loaded YAML document into a ``Config``."""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise AuthConfigError(f"{path}: expected a YAML mapping with a `users` table")
    users = raw.get("users") or {}
    if not isinstance(users, dict):
        raise AuthConfigError(f"{path}: `users` must be a table of user name → settings")
    session = raw.get("session") or {}
    lockout = raw.get("lockout") or {}
    proxy = raw.get("proxy") or {}
    header = proxy.get("header") if proxy.get("enabled") else None
    trusted = tuple(str(a) for a in proxy.get("trusted") or ())
    if header and not trusted:
        raise AuthConfigError(f"{path}: proxy.enabled needs proxy.trusted (the proxy's addresses)")
    return Config(
        users={str(name): _user(str(name), entry, path) for name, entry in users.items()},
        idle_seconds=60 * _number(session, "idle_minutes", 30, "session"),
        absolute_seconds=3600 * _number(session, "absolute_hours", 12, "session"),
        free_attempts=int(_number(lockout, "free_attempts", 3, "lockout")),
        base_delay_seconds=_number(lockout, "base_delay_seconds", 2, "lockout"),
        max_delay_seconds=_number(lockout, "max_delay_seconds", 900, "lockout"),
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
            raise AuthConfigError(f"{p}: not valid YAML: {str(exc).splitlines()[0]}") from None
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
        raise AuthConfigError(f"user {name!r} already exists")
    if not create and name not in users:
        raise AuthConfigError(f"no user {name!r} in {path}")
    if not name or not name.strip() or any(c.isspace() for c in name):
        raise AuthConfigError("a user name must be non-empty and without spaces")
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
    """A signed-in browser session, known only to this server process."""

    user: str
    created: float
    last_seen: float
    via: str = "password"


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0


@dataclass
class AuthState:
    """Sessions and failure counters of this process; ``clock`` is injectable for tests."""

    clock: object = time.time
    sessions: dict[str, Session] = field(default_factory=dict)
    failures: dict[str, _Failures] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        """The current time in seconds."""
        return self.clock()

    def wait_seconds(self, config: Config, name: str) -> float:
        """How long ``name`` must still wait before another attempt is checked (0 = now)."""
        with self.lock:
            f = self.failures.get(name.casefold())
            if f is None or f.count < config.free_attempts:
                return 0.0
            delay = min(config.max_delay_seconds,
                        config.base_delay_seconds * 2 ** (f.count - config.free_attempts))
            return max(0.0, f.last + delay - self.now())

    def _failed(self, name: str) -> None:
        with self.lock:
            if len(self.failures) > 10_000:
                self.failures.clear()
            f = self.failures.setdefault(name.casefold(), _Failures())
            f.count += 1
            f.last = self.now()

    def sign_in(self, config: Config, name: str, password: str) -> "SignIn":
        """Check a name and password; on success open a session and return its token."""
        name = name.strip()
        wait = self.wait_seconds(config, name)
        if wait > 0:
            return SignIn(ok=False, reason="locked", wait_seconds=wait)
        user = config.users.get(name)
        if not check_password(user, password):
            self._failed(name)
            return SignIn(ok=False, reason="wrong", wait_seconds=self.wait_seconds(config, name))
        with self.lock:
            self.failures.pop(name.casefold(), None)
        return SignIn(ok=True, token=self.open_session(name))

    def open_session(self, name: str, via: str = "password") -> str:
        """A fresh random token for a new session of ``name``."""
        token = secrets.token_urlsafe(32)
        now = self.now()
        with self.lock:
            self.sessions[token] = Session(user=name, created=now, last_seen=now, via=via)
        return token

    def resolve(self, config: Config, token) -> tuple[User | None, str]:
        """The user a token belongs to and why not if none: 'ok', 'none', 'unknown', 'expired'.

        A token this process did not issue (forged, tampered, from before a restart) is
        'unknown'; one idle or open for too long is 'expired' and forgotten; a user removed
        from the configuration since sign-in is 'unknown' too. Touches the session.
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
            if now - session.last_seen > config.idle_seconds or now - session.created > config.absolute_seconds:
                del self.sessions[token]
                return None, "expired"
            user = config.users.get(session.user)
            if user is None:
                del self.sessions[token]
                return None, "unknown"
            session.last_seen = now
            return user, "ok"

    def sign_out(self, token) -> None:
        """Forget a session."""
        with self.lock:
            if isinstance(token, str):
                self.sessions.pop(token, None)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt."""

    ok: bool
    token: str | None = None
    reason: str = ""
    wait_seconds: float = 0.0


STATE = AuthState()


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
    name = headers.get(config.proxy_header)
    return config.users.get(name.strip()) if name and name.strip() else None


def current_user() -> User | None:
    """The signed-in user of this browser session, or None (also when auth is off)."""
    import streamlit as st

    return current_user_for(st.session_state.get(TOKEN_KEY))


def current_user_for(token) -> User | None:
    """The user a session token belongs to (None when auth is off or the token is not valid)."""
    config = load_config()
    if config is None:
        return None
    user, _ = STATE.resolve(config, token)
    return user


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
    """True if the role may take an export of ``kind`` (report, register, gap_list, quarantine) away."""
    if kind not in DOWNLOAD_KINDS:
        raise ValueError(f"unknown download kind {kind!r}")
    return role is None or kind in DOWNLOADS.get(role, frozenset())
