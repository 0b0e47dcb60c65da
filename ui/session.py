"""Who is signed in: resolved once per rerun, in one place.

The signed-in user id lives in the Streamlit session. `_signed_in_user_id`
is the only function that knows where it comes from, so an OIDC sign-in
through `st.login`/`st.user` can replace it without touching any page.
"""

from __future__ import annotations

import streamlit as st

from registry import accounts, store
from registry.errors import NotFound
from registry.models import Actor, Scope, User

USER_KEY = "signed_in_user_id"
_ACTOR_KEY = "_actor"


def database() -> store.Database:
    """The process-wide database (REGISTRY_DB); may raise DatabaseLocked."""
    return store.connect()


def _signed_in_user_id() -> int | None:
    return st.session_state.get(USER_KEY)


def current_actor(db: store.Database) -> Actor | None:
    """Resolve the signed-in user into an Actor for this rerun, or None."""
    user_id = _signed_in_user_id()
    actor = None
    if user_id is not None:
        try:
            actor = accounts.actor_for(db, user_id)
        except NotFound:
            sign_out()  # the user was deleted since signing in
    st.session_state[_ACTOR_KEY] = actor
    return actor


def actor() -> Actor:
    """The actor `current_actor` resolved for this rerun; pages call this."""
    resolved = st.session_state.get(_ACTOR_KEY)
    if resolved is None:
        st.error("Sign in to see this page.")
        st.stop()
    return resolved


def sign_in(user: User) -> None:
    st.session_state[USER_KEY] = user.id


def sign_out() -> None:
    st.session_state.pop(USER_KEY, None)
    st.session_state.pop(_ACTOR_KEY, None)


def wallet_description(actor: Actor) -> str:
    """Whose contacts, deals and orders this actor sees, in a sentence."""
    user = actor.user
    if not actor.account.owner_privacy:
        return "Whole account (owner-based privacy is off)"
    if user.is_admin:
        return "Whole account (administrator)"
    if user.scope is Scope.ALL:
        return "Whole account"
    if user.scope is Scope.TEAM and user.team:
        return f"Team {user.team}'s contacts and deals"
    return "Your own contacts and deals"
