"""The frame around every signed-in page: who is signed in, and signing out."""

from __future__ import annotations

import streamlit as st

from registry.errors import ModuleDisabled
from registry.models import Actor
from registry.permissions import Action, can

from . import session


def _role(actor: Actor) -> str:
    user = actor.user
    if user.is_admin:
        return "Administrator"
    if user.crm_manage:
        return "Manages contacts, deals and orders"
    return "Reads contacts, deals and orders"


def sidebar(actor: Actor) -> None:
    """Who is signed in, what they may see, and a Sign out button."""
    user = actor.user
    with st.sidebar:
        st.markdown(f"**{user.name}**  \n{user.email}")
        team = f" · team {user.team}" if user.team else ""
        st.caption(f"{actor.account.name} · {_role(actor)}{team}")
        # What the scope setting amounts to, in words: an administrator's
        # "own" scope, or any scope with privacy off, still sees everything.
        st.caption(f"Sees: {session.wallet_description(actor)}")
        if st.button("Sign out", key="sign-out", icon=":material/logout:"):
            session.sign_out()
            st.rerun()


def orders_shown(actor: Actor) -> bool:
    """False, after saying so, while the Orders Registry is off for the
    actor's account: an orders page or section then shows nothing else."""
    if can(actor, Action.VIEW_ORDERS):
        return True
    st.info(ModuleDisabled().message, icon=":material/block:")
    return False
