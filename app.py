"""gridwatch: configure the app, draw the shared sidebar and route to the pages."""

import streamlit as st

from gridwatch import auth, signin, ui
from gridwatch.navigation import PAGES, SECTIONS

st.set_page_config(page_title="gridwatch", page_icon="🛡️", layout="wide")

user = signin.gate()
role = user.role if user else None
allowed = [spec for spec in PAGES if auth.may_open(role, spec.roles)]
# Each role lands on its first page ("/" is the briefing for readers, the import for the clerk).
landing = next((spec for spec in allowed if spec.default), allowed[0])
opened = {spec.key: st.Page(spec.script, title=ui.t(f"app.page.{spec.key}"), icon=spec.icon,
                            url_path=spec.key, default=spec is landing)
          for spec in allowed}
pages = {
    ui.t(f"app.section.{section}"): [
        opened.get(spec.key)
        or st.Page(signin.refusal(spec, user, opened[landing.key]), title=ui.t(f"app.page.{spec.key}"),
                   icon=spec.icon, url_path=spec.key, visibility="hidden")
        for spec in PAGES
        if spec.section == section
    ]
    for section in SECTIONS
}
current = st.navigation(pages)
ui.language_switch()
signin.sidebar(user)
if ui.has_warehouse():
    ui.stamps()
    ui.sidebar_filters()
ui.page_style()
current.run()
