"""Entry point: `streamlit run app.py` serves the Orders Registry.

One st.App serves the pages (declared in navigation.py), the REST API and
webhooks under /api, and the session-cookie route, so that all of them share
this process's single DuckDB connection.
"""

import streamlit as st
from starlette.routing import Mount
from streamlit.runtime.pages_manager import PagesManager

from registry.api import create_app
from ui import auth_routes

# Until st.navigation first runs in a process, Streamlit treats the `pages/`
# folder beside the script as a legacy multipage app, so the very first
# request to a page's address answered "page not found". The pages here are
# always declared by navigation.py.
PagesManager.uses_pages_directory = False

app = st.App(
    "navigation.py",
    routes=[*auth_routes.routes, Mount("/api", app=create_app())],
)
