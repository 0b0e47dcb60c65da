"""Signed channels on the Settings page: where each one delivers, its secret,
and the integration owner that signed deliveries act as."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import streamlit as st

from registry import channels
from registry.errors import RegistryError
from registry.models import Actor, User
from registry.store import Database

from . import format as fmt
from . import reveal
from .feedback import flash, show_error

_REGISTRY_SIGNATURE = (
    "Sign each delivery with this secret: `X-Registry-Timestamp` (unix seconds) "
    "and `X-Registry-Signature: sha256=<hex HMAC-SHA256 of "
    '"{timestamp}.{raw body}">`. Deliveries more than 300 s old are refused.'
)


@dataclass(frozen=True)
class Channel:
    """How an admin configures one signed channel."""

    name: str  # as registry.channels names it
    label: str
    path: str  # the endpoint under the app's address, for `str.format`
    how: str


CHANNELS = (
    Channel(
        channels.WEBHOOK,
        "Webhook",
        "/api/v1/webhooks/orders/{account_id}",
        "One order per POST, in the shape of `POST /api/v1/orders`, with an "
        "`external_id`. " + _REGISTRY_SIGNATURE,
    ),
    Channel(
        channels.PAYMENTS,
        "Payments module",
        "/api/v1/payments/events/{account_id}",
        "Payment events (`payment.succeeded`, `payment.partially_paid`, "
        "`payment.refunded`, `payment.failed`). " + _REGISTRY_SIGNATURE,
    ),
    Channel(
        channels.SHOPIFY,
        "Shopify",
        "/api/v1/integrations/shopify/{account_id}",
        "In Shopify, create order webhooks (JSON) to this address, then paste "
        "the signing secret Shopify shows for them. Shopify signs with "
        "`X-Shopify-Hmac-Sha256`.",
    ),
    Channel(
        channels.NUVEMSHOP,
        "Nuvemshop",
        "/api/v1/integrations/nuvemshop/{account_id}",
        "Post Nuvemshop order resources to this address, signed with your "
        "Nuvemshop app's secret (`X-Linkedstore-Hmac-Sha256`), and paste that "
        "secret here.",
    ),
)


def app_address(page: str) -> str:
    """The app's address as the browser reaches it, without the path of
    `page` (empty when unknown, as under AppTest)."""
    parts = urlsplit(st.context.url or "")
    if not parts.scheme or not parts.netloc:
        return ""
    path = parts.path.rstrip("/")
    if path.endswith(f"/{page}"):
        path = path[: -len(page) - 1]
    return f"{parts.scheme}://{parts.netloc}{path}"


def channels_section(db: Database, actor: Actor) -> None:
    """Each channel's endpoint, how it signs, and its secret."""
    status = {s.channel: s for s in channels.secret_status(db, actor)}
    base = app_address("settings")
    for channel in CHANNELS:
        with st.container(border=True):
            _channel(db, actor, channel, status[channel.name], base)


def _channel(
    db: Database,
    actor: Actor,
    channel: Channel,
    secret: channels.ChannelSecret,
    base: str,
) -> None:
    if secret.configured:
        state = f":green-badge[Secret set {fmt.timestamp(secret.rotated_at)}]"
    else:
        state = ":orange-badge[No secret: deliveries are refused]"
    st.markdown(f"**{channel.label}** {state}")
    reveal.show(f"secret-{channel.name}")
    path = channel.path.format(account_id=actor.account_id)
    st.code(f"POST {base}{path}", language=None)
    st.caption(channel.how)
    if channel.name in channels.PLATFORM_CHANNELS:
        _paste_secret(db, actor, channel)
    else:
        _rotate_secret(db, actor, channel, secret.configured)


def _rotate_secret(
    db: Database, actor: Actor, channel: Channel, configured: bool
) -> None:
    key = f"rotate-{channel.name}"
    if not configured:
        clicked = st.button("Create secret", key=key)
    else:
        # Rotating breaks the sender until it has the new secret: ask first.
        with st.popover("Rotate secret"):
            st.caption(
                "The current secret stops verifying deliveries at once: give "
                "the new one to the sender straight away."
            )
            clicked = st.button("Rotate now", type="primary", key=key)
    if not clicked:
        return
    try:
        secret = channels.rotate_secret(db, actor, channel.name)
    except RegistryError as exc:
        show_error(exc)
        return
    note = f"New {channel.label.lower()} secret. It is shown only this once"
    if configured:
        note += "; the previous secret no longer verifies deliveries"
    reveal.keep(f"secret-{channel.name}", secret, note + ".")
    st.rerun()


def _paste_secret(db: Database, actor: Actor, channel: Channel) -> None:
    with st.form(f"secret-{channel.name}", clear_on_submit=True):
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        pasted = left.text_input(
            f"{channel.label} secret",
            type="password",
            key=f"secret-{channel.name}-value",
        )
        saved = right.form_submit_button(f"Save {channel.label} secret")
    if not saved:
        return
    try:
        channels.set_secret(db, actor, channel.name, pasted)
    except RegistryError as exc:
        show_error(exc)
        return
    flash(f"{channel.label} secret saved; it verifies deliveries from now on.")
    st.rerun()


def integration_owner_section(db: Database, actor: Actor, users: list[User]) -> None:
    """Choose the user that signed deliveries act as."""
    st.caption(
        "Webhook, Payments and commerce deliveries act as this user, with the "
        "whole account in reach; contacts they create are owned by this user."
    )
    owner = channels.integration_owner(db, actor.account_id)
    if owner is None:
        st.warning("No integration owner: signed deliveries are refused.")
    by_id = {u.id: u for u in users}
    with st.form("integration-owner"):
        chosen = st.selectbox(
            "Integration owner",
            list(by_id),
            index=list(by_id).index(owner.id) if owner and owner.id in by_id else 0,
            format_func=lambda i: f"{by_id[i].name} <{by_id[i].email}>",
            key="integration-owner",
        )
        saved = st.form_submit_button("Save integration owner")
    if not saved:
        return
    try:
        user = channels.set_integration_owner(db, actor, chosen)
    except RegistryError as exc:
        show_error(exc)
        return
    flash(f"Integrations now act as {user.name}.")
    st.rerun()
