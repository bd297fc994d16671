"""Hazard counts per enterprise (隐患分析): coming in a later release."""

import streamlit as st

from gridwatch import ui

st.title(ui.t("app.page.hazards"))
ui.coming_soon()
