"""Rectification and enforcement closed loop (整改闭环): coming in a later release."""

import streamlit as st

from gridwatch import ui

st.title(ui.t("app.page.rectification"))
ui.coming_soon()
