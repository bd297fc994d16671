"""gridwatch's page style: ``app.css`` and the print script, injected on every page by ``page_style``."""

import streamlit as st

from gridwatch.paths import PACKAGE

STYLE = PACKAGE / "app.css"
PRINT_SCRIPT = PACKAGE / "print.js"


def page_style() -> None:
    """gridwatch's page style (``gridwatch/app.css``): printing without the sidebar, compact cards on phones.

    Style-only HTML goes to Streamlit's event container and takes no room on the page. The
    print script (``gridwatch/print.js``, our own static code, no data in it) scales charts
    drawn wider than the paper when the page is printed; it sits at the foot of the sidebar.
    """
    st.html(STYLE)
    st.sidebar.html(f"<script>{PRINT_SCRIPT.read_text(encoding='utf-8')}</script>", unsafe_allow_javascript=True)
