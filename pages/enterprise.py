"""The register of one enterprise (一企一册): coming in a later release."""

import streamlit as st

from gridwatch import ui

st.title(ui.t("app.page.enterprise"))
ui.coming_soon()
