"""Who is signed in: resolved once per rerun, in one place.

The signed-in user id lives in the Streamlit session, and survives a reload
through a session cookie (see ui/auth_routes.py). `_signed_in_user_id` is the
only function that knows where it comes from, so an OIDC sign-in through
`st.login`/`st.user` can replace it without touching any page.
"""

from __future__ import annotations

import json

import streamlit as st

from registry import accounts, sessions, store
from registry.errors import NotFound
from registry.models import Actor, Scope, User
from ui.auth_routes import SESSION_PATH

USER_KEY = "signed_in_user_id"
_ACTOR_KEY = "_actor"
_TOKEN_KEY = "_session_token"
_COOKIE_CALL_KEY = "_session_cookie_call"


def database() -> store.Database:
    """The process-wide database (REGISTRY_DB); may raise DatabaseLocked."""
    return store.connect()


def _signed_in_user_id() -> int | None:
    if USER_KEY not in st.session_state:
        token = st.context.cookies.get(sessions.COOKIE)
        user_id = sessions.user_for_session(database(), token)
        if user_id is not None:
            st.session_state[USER_KEY] = user_id
            st.session_state[_TOKEN_KEY] = token
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
    """Remember `user` for this session and, through a cookie, for reloads."""
    token = sessions.open_session(database(), user.id)
    st.session_state[USER_KEY] = user.id
    st.session_state[_TOKEN_KEY] = token
    st.session_state[_COOKIE_CALL_KEY] = ("POST", token)


def sign_out() -> None:
    sessions.close_session(database(), st.session_state.pop(_TOKEN_KEY, None))
    st.session_state.pop(USER_KEY, None)
    st.session_state.pop(_ACTOR_KEY, None)
    st.session_state[_COOKIE_CALL_KEY] = ("DELETE", "")


def sync_cookie() -> None:
    """After a sign-in or sign-out, have the browser set or drop the cookie.

    Runs once, on the rerun that follows; the script only calls this app's
    own route, with the token it just issued.
    """
    call = st.session_state.pop(_COOKIE_CALL_KEY, None)
    if call is None:
        return
    method, token = call
    st.html(
        f"<script>fetch({json.dumps(SESSION_PATH)}, {{method: {json.dumps(method)}, "
        f"body: {json.dumps(token) if method == 'POST' else 'null'}, "
        "credentials: 'same-origin'});</script>",
        unsafe_allow_javascript=True,
    )


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
