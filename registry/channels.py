"""Signed delivery channels: per-account secrets, signatures, integration owner.

Each account has one secret per channel. The registry's own webhook and the
Payments module sign `"{timestamp}.{raw body}"` with HMAC-SHA256 (hex, in
`X-Registry-Signature: sha256=<hex>`); Shopify signs the raw body alone
(base64, in `X-Shopify-Hmac-Sha256`) and Nuvemshop likewise (hex, in
`X-Linkedstore-Hmac-Sha256`). Digests are compared with `hmac.compare_digest`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass, replace

from . import identity
from .accounts import get_account, get_user
from .errors import AuthenticationFailed, NotFound, PermissionDenied, ValidationError
from .models import Actor, Scope, User
from .permissions import Action, ensure
from .store import Database

log = logging.getLogger(__name__)

WEBHOOK = "webhook"
PAYMENTS = "payments"
SHOPIFY = "shopify"
NUVEMSHOP = "nuvemshop"
CHANNELS = (WEBHOOK, PAYMENTS, SHOPIFY, NUVEMSHOP)
# Commerce platforms sign with a secret they issue; the admin pastes it here.
PLATFORM_CHANNELS = (SHOPIFY, NUVEMSHOP)

TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"
_SECRET_MIN, _SECRET_MAX = 16, 256


@dataclass(frozen=True)
class ChannelSecret:
    """Whether a channel has a secret, and since when (never the secret)."""

    channel: str
    configured: bool
    rotated_at: dt.datetime | None


def _channel(raw: object) -> str:
    if raw not in CHANNELS:
        allowed = ", ".join(CHANNELS)
        raise ValidationError("channel", f"unknown channel {raw!r}; one of: {allowed}")
    return str(raw)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# --- secrets ----------------------------------------------------------------


def store_secret(db: Database, account_id: int, channel: str, secret: str) -> None:
    """Replace the channel's secret: the old one stops working at once."""
    channel = _channel(channel)
    get_account(db, account_id)
    if (
        not isinstance(secret, str)
        or not _SECRET_MIN <= len(secret) <= _SECRET_MAX
        or any(ch.isspace() or not ch.isprintable() for ch in secret)
    ):
        raise ValidationError(
            "secret",
            f"must be {_SECRET_MIN} to {_SECRET_MAX} printable characters "
            "without spaces",
        )
    with db.cursor() as cur:
        cur.execute(
            "INSERT INTO account_secrets (account_id, channel, secret, rotated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (account_id, channel) DO UPDATE "
            "SET secret = excluded.secret, rotated_at = excluded.rotated_at",
            [account_id, channel, secret, _now()],
        )
    log.info("%s secret of account %s replaced", channel, account_id)


def rotate_account_secret(db: Database, account_id: int, channel: str) -> str:
    """`registry secret rotate`: a new random secret, returned once."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    store_secret(db, account_id, channel, secret)
    return secret


def rotate_secret(db: Database, actor: Actor, channel: str) -> str:
    """Settings: an admin rotates a channel's secret; the new one is shown once."""
    ensure(actor, Action.ADMINISTER)
    return rotate_account_secret(db, actor.account_id, channel)


def set_secret(db: Database, actor: Actor, channel: str, secret: str) -> None:
    """Settings: an admin pastes the secret a commerce platform issued."""
    ensure(actor, Action.ADMINISTER)
    store_secret(db, actor.account_id, channel, secret.strip())


def secret_status(db: Database, actor: Actor) -> list[ChannelSecret]:
    """Every channel of the actor's account: configured or not, and when."""
    ensure(actor, Action.ADMINISTER)
    with db.cursor() as cur:
        rows = dict(
            cur.execute(
                "SELECT channel, rotated_at FROM account_secrets WHERE account_id = ?",
                [actor.account_id],
            ).fetchall()
        )
    return [ChannelSecret(c, c in rows, rows.get(c)) for c in CHANNELS]


def channel_secret(db: Database, account_id: int, channel: str) -> str | None:
    """The channel's current secret, or None when it has none."""
    with db.cursor() as cur:
        rows = cur.execute(
            "SELECT secret FROM account_secrets WHERE account_id = ? AND channel = ?",
            [account_id, channel],
        ).fetchall()
    return rows[0][0] if rows else None


# --- signatures -------------------------------------------------------------


def _digest(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The X-Registry-Signature value for a body sent at `timestamp`."""
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + _digest(secret, message).hex()


def verify(
    secret: str | None,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    *,
    now: float | None = None,
) -> None:
    """Raise AuthenticationFailed unless the signature and its time hold."""
    if not secret or not timestamp or not signature:
        raise AuthenticationFailed("The delivery is not signed.")
    try:
        sent = int(timestamp.strip())
    except ValueError:
        raise AuthenticationFailed(
            "X-Registry-Timestamp is not unix seconds."
        ) from None
    now = time.time() if now is None else now
    if abs(now - sent) > TOLERANCE_SECONDS:
        raise AuthenticationFailed(
            f"The delivery's timestamp is more than {TOLERANCE_SECONDS} s away."
        )
    if not hmac.compare_digest(sign(secret, sent, body), signature.strip()):
        raise AuthenticationFailed("The signature does not match.")


def sign_shopify(secret: str, body: bytes) -> str:
    """The X-Shopify-Hmac-Sha256 value: base64 HMAC-SHA256 of the raw body."""
    return base64.b64encode(_digest(secret, body)).decode()


def verify_shopify(secret: str | None, signature: str | None, body: bytes) -> None:
    """Raise AuthenticationFailed unless Shopify's HMAC header matches."""
    if not secret or not signature:
        raise AuthenticationFailed("The delivery is not signed.")
    if not hmac.compare_digest(sign_shopify(secret, body), signature.strip()):
        raise AuthenticationFailed("The signature does not match.")


def sign_nuvemshop(secret: str, body: bytes) -> str:
    """The X-Linkedstore-Hmac-Sha256 value: hex HMAC-SHA256 of the raw body."""
    return _digest(secret, body).hex()


def verify_nuvemshop(secret: str | None, signature: str | None, body: bytes) -> None:
    """Raise AuthenticationFailed unless Nuvemshop's HMAC header matches."""
    if not secret or not signature:
        raise AuthenticationFailed("The delivery is not signed.")
    expected = sign_nuvemshop(secret, body)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise AuthenticationFailed("The signature does not match.")


# --- the integration owner --------------------------------------------------


def integration_owner(db: Database, account_id: int) -> User | None:
    """The user integrations act as: the one chosen on Settings, else the
    account's first admin; None when the account has neither."""
    with db.cursor() as cur:
        rows = cur.execute(
            "SELECT coalesce("
            " (SELECT u.id FROM accounts a JOIN users u"
            "  ON u.id = a.integration_owner_id AND u.account_id = a.id"
            "  WHERE a.id = ?),"
            " (SELECT min(id) FROM users WHERE account_id = ? AND is_admin))",
            [account_id, account_id],
        ).fetchall()
    user_id = rows[0][0]
    return get_user(db, user_id) if user_id is not None else None


def set_integration_owner(db: Database, actor: Actor, user_id: int) -> User:
    """Settings: an admin chooses who owns contacts that integrations create."""
    ensure(actor, Action.ADMINISTER)
    try:
        user = get_user(db, user_id)
    except NotFound:
        user = None
    if user is None or user.account_id != actor.account_id:
        raise ValidationError("user_id", "is not a user of this account")
    with identity.write(db) as cur:
        cur.execute(
            "UPDATE accounts SET integration_owner_id = ? WHERE id = ?",
            [user.id, actor.account_id],
        )
    log.info("account %s integration owner is now user %s", actor.account_id, user.id)
    return user


def channel_actor(db: Database, account_id: int) -> Actor:
    """The actor a signed delivery acts as: the integration owner, with the
    reach of the whole account (the signature authenticates the account, not
    a person), and still subject to the account's module switch."""
    account = get_account(db, account_id)
    owner = integration_owner(db, account_id)
    if owner is None:
        raise PermissionDenied(
            "This account has no integration owner: choose one in Settings."
        )
    reach = replace(owner, scope=Scope.ALL, crm_manage=True)
    return Actor(user=reach, account=account)
