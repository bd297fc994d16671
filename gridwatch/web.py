"""The HTTP side of sign-in: the sign-in page, the session cookie and a gate in front of Streamlit.

A Streamlit script run cannot set a cookie, and anything it keeps belongs to a
Streamlit session that whoever knows its id can reconnect to. So the password is
checked here, in an ordinary HTML form outside Streamlit: a correct one opens a
session in ``auth.STATE`` and the response puts its random token in an HttpOnly,
SameSite=Lax cookie, then sends the browser on to the page it asked for. Every tab,
reload and shared link of that browser carries the cookie, and every script run looks
it up (``auth.current_user``). docs/auth.md says why Lax and not Strict.

``Gate`` is ASGI middleware that ``server.py`` hands to ``st.App``. With sign-in on it
serves ``/sign-in``, sends a page request without a session to it, and refuses media
files and uploads to requests without a session. Always, it refuses WebSocket
connections from another origin: Streamlit would otherwise ask the internet for the
server's external address to compare it with (docs/auth.md, "No outside lookup").
"""

import html
import math
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from gridwatch import audit, auth, i18n

SIGN_IN = "sign-in"
# First path segments Streamlit serves itself (assets, media, the WebSocket, its own
# OIDC routes): never a page, so never sent to the sign-in page.
NOT_PAGES = frozenset({"_stcore", "static", "media", "component", "app", "auth", "oauth2callback"})
MAX_FORM_BYTES = 16 * 1024
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

_installed = False


def installed() -> bool:
    """True once this process serves the app behind ``Gate`` (``python -m gridwatch serve``)."""
    return _installed


def base_path() -> str:
    """Streamlit's ``server.baseUrlPath`` as a prefix: '' or '/something'."""
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def sign_in_url(next_url: str = "/", lang: str | None = None) -> str:
    """The sign-in page's URL, coming back to ``next_url`` (a path on this server) afterwards."""
    params = {"next": next_url}
    if lang in i18n.LANGS:
        params["lang"] = lang
    return f"{base_path()}/{SIGN_IN}?{urlencode(params)}"


def safe_next(value: str | None) -> str:
    """``value`` if it is a path on this server (below the base path), else the app's home.

    Anything else (another host, a scheme, ``//host``, backslashes, control characters)
    would make the sign-in page an open redirect.
    """
    home = base_path() + "/"
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return home
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return home
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return home
    if base_path() and not (parts.path == base_path() or parts.path.startswith(home)):
        return home
    if parts.path == f"{base_path()}/{SIGN_IN}":
        return home
    return value


def _query_lang(query: str) -> str | None:
    wanted = parse_qs(query).get("lang", [None])[0]
    return wanted if wanted in i18n.LANGS else None


def _lang(params: dict, next_url: str) -> str:
    """The sign-in page's language: asked for, else that of the page to come back to, else Chinese."""
    wanted = params.get("lang")
    if wanted in i18n.LANGS:
        return wanted
    return _query_lang(urlsplit(next_url).query) or i18n.DEFAULT_LANG


def source_address(config: auth.Config, peer: str | None, headers) -> str | None:
    """The browser's address: the peer, or what a trusted proxy says it forwarded for.

    Counting failures per source needs the browser's address; behind a reverse proxy
    every connection comes from the proxy, which names the browser in X-Forwarded-For.
    Only a listed proxy (``proxy.trusted``) is believed.
    """
    forwarded = headers.get("x-forwarded-for")
    if forwarded and (peer or "127.0.0.1") in config.trusted_proxies:
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return peer


def _request_of(request: Request) -> auth.Request:
    peer = request.client.host if request.client else None
    # Streamlit reports a loopback peer as no address; the proxy check reads it the same way.
    ip = None if peer in ("127.0.0.1", "::1") else peer
    return auth.Request(cookies=request.cookies, headers=request.headers, ip=ip)


def _cookie_path() -> str:
    return base_path() + "/"


def _set_cookie(response: Response, request: Request, config: auth.Config, token: str) -> None:
    # A session cookie (no expiry date): closing the browser ends it on this computer; the
    # server ends it after the idle or absolute limit in any case.
    response.set_cookie(auth.COOKIE, token, path=_cookie_path(), httponly=True, samesite="lax",
                        secure=config.secure_cookie or request.url.scheme == "https")


def _clear_cookie(response: Response) -> None:
    response.delete_cookie(auth.COOKIE, path=_cookie_path(), httponly=True, samesite="lax")


def _same_site_post(request: Request) -> bool:
    """False for a form posted from another site (login CSRF): Origin must be this host."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host")


def page_html(lang: str, next_url: str, *, name: str = "", errors: tuple[str, ...] = (),
              warnings: tuple[str, ...] = ()) -> str:
    """The sign-in page in ``lang``: title, messages, the form and the language switch."""
    def t(key: str, **values) -> str:
        return html.escape(i18n.text(key, lang, **values))

    other = "en" if lang == "zh" else "zh"
    tag = {"zh": "zh-CN", "en": "en"}
    switch = html.escape(f"{base_path()}/{SIGN_IN}?{urlencode({'next': next_url, 'lang': other})}")
    boxes = "".join(f'<p class="box error" role="alert">{html.escape(e)}</p>' for e in errors)
    boxes += "".join(f'<p class="box warning">{html.escape(w)}</p>' for w in warnings)
    return f"""<!DOCTYPE html>
<html lang="{tag[lang]}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t("auth.sign_in")} · {t("app.title")}</title>
<style>
body {{ margin: 0; font-family: "Source Sans Pro", "Noto Sans CJK SC", sans-serif; background: #f5f6f8;
       color: #262730; }}
main {{ max-width: 24rem; margin: 10vh auto; padding: 2rem; background: #fff; border-radius: .5rem;
       box-shadow: 0 1px 4px rgba(0, 0, 0, .12); }}
h1 {{ font-size: 1.4rem; margin: 0 0 .25rem; }}
h2 {{ font-size: 1.1rem; font-weight: normal; margin: 0 0 1.25rem; color: #555; }}
label {{ display: block; margin: .75rem 0 .25rem; font-size: .9rem; }}
input {{ box-sizing: border-box; width: 100%; padding: .55rem .6rem; font-size: 1rem;
        border: 1px solid #ccc; border-radius: .3rem; }}
button {{ margin-top: 1.25rem; width: 100%; padding: .6rem; font-size: 1rem; color: #fff;
         background: #c0392b; border: 0; border-radius: .3rem; cursor: pointer; }}
.box {{ padding: .6rem .75rem; border-radius: .3rem; font-size: .9rem; }}
.error {{ background: #fdecea; color: #8a1c13; }}
.warning {{ background: #fff6e0; color: #6b4e00; }}
.help {{ margin-top: 1.25rem; font-size: .85rem; color: #666; }}
.lang {{ float: right; font-size: .85rem; }}
</style>
</head>
<body>
<main>
<a class="lang" href="{switch}" lang="{tag[other]}" hreflang="{tag[other]}">{html.escape(i18n.language_name(other))}</a>
<h1>{t("app.title")}</h1>
<h2>{t("auth.sign_in")}</h2>
{boxes}
<form method="post" action="{html.escape(f'{base_path()}/{SIGN_IN}')}">
<input type="hidden" name="next" value="{html.escape(next_url)}">
<input type="hidden" name="lang" value="{lang}">
<label for="name">{t("auth.name")}</label>
<input id="name" name="name" autocomplete="username" autocapitalize="none" required autofocus
       value="{html.escape(name)}">
<label for="password">{t("auth.password")}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">{t("auth.submit")}</button>
</form>
<p class="help">{t("auth.help")}</p>
</main>
</body>
</html>
"""


def _html(content: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status, headers=SECURITY_HEADERS)


def attempt_sign_in(config: auth.Config, name: str, password: str, source: str | None) -> auth.SignIn:
    """Check the password (Argon2, tens of milliseconds: off the event loop) and audit the attempt."""
    outcome = auth.STATE.sign_in(config, name, password, source)
    if outcome.ok:
        audit.record("sign_in", user=name.strip(), via="password", ip=source or "")
    else:
        audit.record("sign_in_failed", user=name.strip(), reason=outcome.reason, ip=source or "")
    return outcome


async def _read_form(request: Request) -> dict[str, str] | None:
    """The posted form's fields (first value of each), or None if it is not a small url-encoded form."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}


async def sign_in_page(request: Request, config: auth.Config | None,
                       config_error: auth.AuthConfigError | None) -> Response:
    """GET: the form (or straight on, if already signed in); POST: check it, set the cookie, go on."""
    params = dict(request.query_params)
    if config_error is not None:
        lang = _lang(params, "/")
        shown = i18n.text("auth.bad_config", lang, error=config_error.message(lang))
        return _html(page_html(lang, "/", errors=(shown,)), status=500)
    if request.method == "POST":
        if not _same_site_post(request):
            return PlainTextResponse(i18n.text("auth.cross_site", _lang(params, "/")), status_code=403,
                                     headers=SECURITY_HEADERS)
        form = await _read_form(request)
        if form is None:
            return PlainTextResponse(i18n.text("auth.bad_form", _lang(params, "/")), status_code=400,
                                     headers=SECURITY_HEADERS)
        params = form
    next_url = safe_next(params.get("next"))
    lang = _lang(params, next_url)
    if config is None:
        return RedirectResponse(next_url, status_code=303)
    signed_in, why, _ = auth.identify(config, _request_of(request), touch=False)
    if signed_in is not None:
        return RedirectResponse(next_url, status_code=303, headers={"Cache-Control": "no-store"})
    if request.method != "POST":
        response = _html(page_html(lang, next_url))
        if why != "none":
            _clear_cookie(response)
        return response
    name, password = params.get("name", ""), params.get("password", "")
    if not name.strip() or not password:
        return _html(page_html(lang, next_url, name=name, errors=(i18n.text("auth.missing", lang),)))
    source = source_address(config, request.client.host if request.client else None, request.headers)
    outcome = await anyio.to_thread.run_sync(attempt_sign_in, config, name, password, source)
    if outcome.ok:
        response = RedirectResponse(next_url, status_code=303, headers={"Cache-Control": "no-store"})
        _set_cookie(response, request, config, outcome.token)
        return response
    seconds = max(1, math.ceil(outcome.wait_seconds))
    if outcome.reason == "locked":
        errors, warnings = (i18n.text("auth.locked", lang, seconds=seconds),), ()
    elif outcome.reason == "source_locked":
        errors, warnings = (i18n.text("auth.source_locked", lang, seconds=seconds),), ()
    else:
        errors = (i18n.text("auth.wrong", lang),)
        warnings = (i18n.text("auth.slowed", lang, seconds=seconds),) if outcome.wait_seconds > 0 else ()
    return _html(page_html(lang, next_url, name=name, errors=errors, warnings=warnings))


def origin_allowed(headers) -> bool:
    """True for a WebSocket whose Origin Streamlit accepts without looking anything up.

    Streamlit accepts its own host, localhost and ``browser.serverAddress`` at once; for
    any other origin it asks checkip.amazonaws.com for the server's external address to
    compare (``server_util.is_url_from_allowed_origins``). An intranet server must not, and
    a page on another site has no business opening the app's WebSocket: refused here.
    """
    from streamlit import config

    origin = headers.get("origin")
    if origin is None or not config.get_option("server.enableCORS"):
        return True
    parts = urlsplit(origin)
    if parts.netloc and parts.netloc == headers.get("host"):
        return True
    allowed = {"localhost", "127.0.0.1", "0.0.0.0", "::1"}  # noqa: S104 - names compared, not bound
    if config.is_manually_set("browser.serverAddress"):
        allowed.add(urlsplit("//" + config.get_option("browser.serverAddress")).hostname)
    return parts.hostname in allowed


class Gate:
    """ASGI middleware in front of Streamlit: the sign-in page, page and media gates, origin check."""

    def __init__(self, app):
        global _installed  # noqa: PLW0603 - one app per process; the script asks whether it is behind us
        self.app = app
        _installed = True

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            if not origin_allowed(HTTPConnection(scope).headers):
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        path = scope["path"][len(base_path()):].lstrip("/") if scope["path"].startswith(base_path()) else ""
        try:
            config, config_error = auth.load_config(), None
        except auth.AuthConfigError as exc:
            config, config_error = None, exc
        if path == SIGN_IN:
            response = await sign_in_page(request, config, config_error)
            await response(scope, receive, send)
            return
        if config is not None and not self._allowed(request, config, path):
            response = self._refuse(request, path)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _allowed(request: Request, config: auth.Config, path: str) -> bool:
        first = path.split("/", 1)[0]
        guarded = first == "media" or path.startswith("_stcore/upload_file")
        page = (request.method in ("GET", "HEAD") and first not in NOT_PAGES
                and "." not in path.rsplit("/", 1)[-1])
        if not (guarded or page):
            return True
        return auth.identify(config, _request_of(request), touch=False)[0] is not None

    @staticmethod
    def _refuse(request: Request, path: str) -> Response:
        if path.split("/", 1)[0] in NOT_PAGES:
            lang = _query_lang(request.url.query) or i18n.DEFAULT_LANG
            return PlainTextResponse(i18n.text("app.sign_in_first", lang), status_code=403, headers=SECURITY_HEADERS)
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(sign_in_url(safe_next(here), _query_lang(request.url.query)), status_code=303,
                                headers={"Cache-Control": "no-store"})
