"""The server ``python -m gridwatch serve`` runs: app.py as an ``st.App`` behind the sign-in gate.

``gridwatch.web.Gate`` serves the sign-in page and sets the HttpOnly session cookie,
which a Streamlit script cannot do (docs/auth.md). ``streamlit run server.py`` starts
the same server: Streamlit finds the ``st.App`` below and serves it with uvicorn.
"""

import streamlit as st
from starlette.middleware import Middleware

from gridwatch.web import Gate

app = st.App("app.py", middleware=[Middleware(Gate)])
