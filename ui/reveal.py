"""Secrets shown once: kept for the rerun that follows a write, then dropped.

A new API token or channel secret is stored only as a hash, or must not be
shown again, so the page shows it on the next rerun and forgets it there.
"""

from __future__ import annotations

import streamlit as st

_PREFIX = "_reveal-"


def keep(name: str, secret: str, note: str) -> None:
    """Hold `secret` (and what it is) for the next rerun only."""
    st.session_state[_PREFIX + name] = (secret, note)


def show(name: str) -> None:
    """Show the secret kept under `name`, if any, and forget it."""
    kept = st.session_state.pop(_PREFIX + name, None)
    if kept is None:
        return
    secret, note = kept
    with st.container(border=True):
        st.success(note, icon=":material/key:")
        st.code(secret, language=None)
