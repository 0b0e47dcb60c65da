"""API tokens on the Settings page: issue, list and revoke.

An admin manages the tokens of every user of the account; anyone else their
own. The registry enforces that; these widgets only offer what it allows.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from registry import tokens
from registry.errors import RegistryError
from registry.models import Actor, User
from registry.store import Database

from . import format as fmt
from . import reveal
from .feedback import flash, show_error

_REVEAL = "api-token"


def tokens_section(db: Database, actor: Actor, users: list[User] | None) -> None:
    """Tokens for the REST API; `users` (admins only) are those one may issue
    a token for, else the actor issues for themselves."""
    st.caption(
        "A program sends a token as `Authorization: Bearer <token>` and acts as "
        "the token's user: the same permissions and the same wallet. "
        "API reference: `/api/docs`."
    )
    reveal.show(_REVEAL)
    _issue_form(db, actor, users)
    listed = tokens.list_tokens(db, actor)
    if not listed:
        st.caption("No tokens yet.")
        return
    _tokens_table(listed, with_user=users is not None)
    _revoke(db, actor, [t for t in listed if t.active])


def _issue_form(db: Database, actor: Actor, users: list[User] | None) -> None:
    with st.form("new-token", clear_on_submit=True):
        left, right = st.columns(2)
        name = left.text_input(
            "Token name",
            placeholder="What will use it, e.g. Online store sync",
            key="new-token-name",
        )
        user_id = actor.id
        if users is not None:
            by_id = {u.id: u for u in users}
            user_id = right.selectbox(
                "For user",
                list(by_id),
                index=list(by_id).index(actor.id) if actor.id in by_id else 0,
                format_func=lambda i: f"{by_id[i].name} <{by_id[i].email}>",
                help="The token acts as this user.",
                key="new-token-user",
            )
        created = st.form_submit_button("Create token", type="primary")
    if not created:
        return
    try:
        issued = tokens.create_token(db, actor, name=name, user_id=user_id)
    except RegistryError as exc:
        show_error(exc)
        return
    info = issued.info
    reveal.keep(
        _REVEAL,
        issued.token,
        f"Token #{info.id} “{info.name}” for {info.user_email} created. "
        "It is shown only this once.",
    )
    st.rerun()


def _tokens_table(listed: list[tokens.ApiToken], *, with_user: bool) -> None:
    rows = []
    for t in listed:
        row = {"#": t.id, "Name": t.name}
        if with_user:
            row["User"] = t.user_email
        row |= {
            "Created": fmt.timestamp(t.created_at),
            "Last used": fmt.timestamp(t.last_used_at) or "never",
            "State": "Active" if t.active else f"Revoked {fmt.timestamp(t.revoked_at)}",
        }
        rows.append(row)
    st.dataframe(pd.DataFrame(rows), hide_index=True)


def _revoke(db: Database, actor: Actor, active: list[tokens.ApiToken]) -> None:
    if not active:
        return
    by_id = {t.id: t for t in active}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox(
        "Token to revoke",
        list(by_id),
        index=None,
        format_func=lambda i: f"#{i} · {by_id[i].name} · {by_id[i].user_email}",
        placeholder="Choose a token",
        key="revoke-token",
    )
    if not right.button("Revoke token", disabled=chosen is None, key="revoke"):
        return
    try:
        tokens.revoke_token(db, actor, chosen)
    except RegistryError as exc:
        show_error(exc)
        return
    flash(f"Token #{chosen} revoked: requests carrying it now answer 401.")
    st.rerun()
