"""Links between pages that survive being copied and sent: page URL paths with query parameters.

Every internal link carries the language it was made in (``lang``), so a register
opened from an English brief, in a new tab or on another machine, is in English too.
"""

from urllib.parse import urlencode


def page_url(page_key: str, lang: str | None = None, **params) -> str:
    """A relative link to a page (its navigation key) with query parameters, ``lang`` last."""
    query = urlencode({k: v for k, v in {**params, "lang": lang}.items() if v is not None})
    return f"/{page_key}?{query}" if query else f"/{page_key}"


def enterprise_url(enterprise_id: str, lang: str | None = None) -> str:
    """The shareable link to one enterprise's register (一企一册): ``/enterprise?enterprise=ID&lang=zh``."""
    return page_url("enterprise", lang=lang, enterprise=enterprise_id)
