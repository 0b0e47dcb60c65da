"""Entry point: `streamlit run app.py` serves the Orders Registry.

One st.App serves the pages (declared in navigation.py), the REST API and
webhooks under /api, and the session-cookie route, so that all of them share
this process's single DuckDB connection.
"""

import streamlit as st
from starlette.routing import Mount

from registry.api import create_app
from ui import auth_routes

app = st.App(
    "navigation.py",
    routes=[*auth_routes.routes, Mount("/api", app=create_app())],
)
