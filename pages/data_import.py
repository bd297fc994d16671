"""Loading exports into the warehouse (数据导入): coming in a later release."""

import streamlit as st

from gridwatch import ui

st.title(ui.t("app.page.data_import"))
ui.coming_soon()
