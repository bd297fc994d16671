"""Links between pages that survive being copied and sent: page URL paths with query parameters."""

from urllib.parse import urlencode


def page_url(page_key: str, **params) -> str:
    """A relative link to a page (its navigation key) with query parameters."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"/{page_key}?{query}" if query else f"/{page_key}"


def enterprise_url(enterprise_id: str) -> str:
    """The shareable link to one enterprise's register (一企一册): ``/enterprise?enterprise=ID``."""
    return page_url("enterprise", enterprise=enterprise_id)
