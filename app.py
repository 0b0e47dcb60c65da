"""Entry point: `streamlit run app.py` serves the Orders Registry.

An st.App so that further routes (the HTTP API) can share this process and
its single DuckDB connection; the pages themselves live in navigation.py.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from ui import auth_routes

# Until st.navigation first runs in a process, Streamlit treats the `pages/`
# folder beside the script as a legacy multipage app, so the very first
# request to a page's address answered "page not found". The pages here are
# always declared by navigation.py.
PagesManager.uses_pages_directory = False

app = st.App("navigation.py", routes=auth_routes.routes)
