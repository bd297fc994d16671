"""Links between pages that survive being copied and sent: page URL paths with query parameters.

Every internal link carries the language it was made in (``lang``), so a register
opened from an English brief, in a new tab or on another machine, is in English too.
"""

import os
from urllib.parse import urlencode, urlsplit

# What ``make run`` and ``gridwatch serve`` answer on; set $GRIDWATCH_BASE_URL to the address
# people type on the intranet (e.g. http://gridwatch.ajj.local:8501).
DEFAULT_BASE_URL = "http://localhost:8501"


def base_url(seen: str | None = None) -> str:
    """The app's address for links in files that leave it (the brief's HTML and Excel).

    ``$GRIDWATCH_BASE_URL`` if set; else the address a browser used (``seen``, a page's full URL);
    else ``DEFAULT_BASE_URL``.
    """
    configured = os.environ.get("GRIDWATCH_BASE_URL")
    if configured:
        return configured.rstrip("/")
    parts = urlsplit(seen or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else DEFAULT_BASE_URL


def absolute(url: str, base: str | None = None) -> str:
    """A page link (``/enterprise?…``) made absolute against ``base`` (default: ``base_url()``)."""
    return (base_url() if base is None else base.rstrip("/")) + url


def page_url(page_key: str, lang: str | None = None, **params) -> str:
    """A relative link to a page (its navigation key) with query parameters, ``lang`` last."""
    query = urlencode({k: v for k, v in {**params, "lang": lang}.items() if v is not None})
    return f"/{page_key}?{query}" if query else f"/{page_key}"


def enterprise_url(enterprise_id: str, lang: str | None = None) -> str:
    """The shareable link to one enterprise's register (一企一册): ``/enterprise?enterprise=ID&lang=zh``."""
    return page_url("enterprise", lang=lang, enterprise=enterprise_id)
