"""Streamlit helpers shared by the pages: session, links, formatting, sections.

Everything here may import Streamlit; `registry` never imports this package.
"""
