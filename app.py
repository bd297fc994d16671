"""gridwatch: configure the app, draw the shared sidebar and route to the pages."""

import streamlit as st

from gridwatch import ui
from gridwatch.navigation import PAGES, SECTIONS

st.set_page_config(page_title="gridwatch", page_icon="🛡️", layout="wide")

pages = {
    ui.t(f"app.section.{section}"): [
        st.Page(spec.script, title=ui.t(f"app.page.{spec.key}"), icon=spec.icon,
                url_path=spec.key, default=spec.default)
        for spec in PAGES
        if spec.section == section
    ]
    for section in SECTIONS
}
current = st.navigation(pages)
ui.language_switch()
if ui.connection() is not None:
    ui.stamps()
    ui.sidebar_filters()
current.run()
