"""Question builder and read-only SQL console (数据探索): coming in a later release."""

import streamlit as st

from gridwatch import ui

st.title(ui.t("app.page.explore"))
ui.coming_soon()
