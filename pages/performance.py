"""Quarterly staff performance scoring (季度量化考核): coming in a later release."""

import streamlit as st

from gridwatch import ui

st.title(ui.t("app.page.performance"))
ui.coming_soon()
