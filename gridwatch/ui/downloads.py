"""File downloads: the role must be allowed, the file is built on click, and every export is audited."""

import streamlit as st

from gridwatch import audit, auth
from gridwatch.ui.access import role
from gridwatch.ui.routing import current_page
from gridwatch.ui.text import t


def download_button(label: str, data, *, kind: str, what: str, file_name: str, where=None, **kwargs) -> None:
    """``st.download_button`` that the role must be allowed (``auth.may_download``), built on click, audited.

    ``data``: bytes, text, or a callable without arguments returning them (preferred: nothing
    is built until someone clicks). ``kind``: report, register, gap_list or quarantine;
    ``what``: a short description for the audit log (the query or sheet and the filters);
    ``where``: a container (column) to draw in. A refused role sees why instead of the button.

    The file is always deferred: Streamlit serves it at ``/media/…`` only after the click asked
    for it, and the ``export`` record is written then, once the bytes exist. An eager file sat
    at its URL from the page's first run, fetched by the browser without any click. The click
    does not rerun the page.
    """
    where = where or st
    if not auth.may_download(role(), kind):
        where.caption("🔒 " + t("app.download_refused"))
        return
    # The builder runs on a Streamlit worker thread with no session: who and where are bound now.
    user = audit.signed_in_user()
    spec = current_page()
    page = spec.key if spec is not None else ""

    def build() -> bytes:
        raw = data() if callable(data) else data
        raw = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        audit.record("export", user=user, kind=kind, what=what, file=file_name, bytes=len(raw),
                     **({"page": page} if page else {}))
        return raw

    kwargs.pop("on_click", None)
    kwargs.setdefault("key", f"dl_{file_name}")
    where.download_button(label, build, file_name=file_name, on_click="ignore", **kwargs)
