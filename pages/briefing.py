"""Weekly leadership briefing (领导周报): coming in a later release."""

import streamlit as st

from gridwatch import ui

st.title(ui.t("app.page.briefing"))
ui.coming_soon()
