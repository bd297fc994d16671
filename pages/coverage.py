"""Grid coverage map and gap registers (网格覆盖): coming in a later release."""

import streamlit as st

from gridwatch import ui

st.title(ui.t("app.page.coverage"))
ui.coming_soon()
