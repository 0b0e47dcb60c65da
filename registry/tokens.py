"""API tokens: issued once, stored as a SHA-256 hash, revocable.

A token stands for one user: a request carrying it acts as that user, so the
module switch, the CRM-management permission and the wallet apply to it
exactly as they do in the UI. Who a token stands for is remembered in
memory until an account, user or token is written (registry/identity.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from . import identity
from .accounts import find_user_by_email, get_user
from .errors import AuthenticationFailed, NotFound, ValidationError
from .models import Account, Actor, Scope, User
from .permissions import Action, can, ensure
from .store import Database
from .validation import clean_text

log = logging.getLogger(__name__)

# A recognisable prefix lets secret scanners and people tell what leaked.
PREFIX = "reg_"
NAME_MAX = 100
# Writing last_used_at on every request would make concurrent requests with
# one token conflict on that row; once a minute is precise enough to audit.
_TOUCH_EVERY = 60.0

_COLUMNS = (
    "t.id, t.account_id, t.user_id, u.email, t.name, t.created_at, "
    "t.last_used_at, t.revoked_at"
)
_SELECT = f"SELECT {_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id"


@dataclass(frozen=True)
class ApiToken:
    """A token's record; the token itself is never stored."""

    id: int
    account_id: int
    user_id: int
    user_email: str
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class IssuedToken:
    """A new token: `token` is shown to its owner once and never again."""

    token: str
    info: ApiToken


@dataclass(frozen=True)
class TokenActor:
    """Who a request's bearer token stands for."""

    actor: Actor
    token_id: int


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _get(db: Database, token_id: int) -> ApiToken:
    with db.cursor() as cur:
        rows = cur.execute(f"{_SELECT} WHERE t.id = ?", [token_id]).fetchall()
    if not rows:
        raise NotFound(f"Token {token_id} was not found.")
    return ApiToken(*rows[0])


def issue_token(db: Database, user_id: int, name: str = "api") -> IssuedToken:
    """Create a token for a user (bootstrap and CLI; see `create_token`)."""
    user = get_user(db, user_id)
    name = clean_text(name, "name", max_length=NAME_MAX)
    token = PREFIX + secrets.token_urlsafe(32)
    with identity.write(db) as cur:
        token_id = cur.execute(
            "INSERT INTO api_tokens (account_id, user_id, name, token_hash, "
            "created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
            [user.account_id, user.id, name, hash_token(token), _now()],
        ).fetchall()[0][0]
    log.info("api token %s issued for user %s", token_id, user.id)
    return IssuedToken(token, _get(db, token_id))


def issue_token_for_email(db: Database, email: str, name: str = "cli") -> IssuedToken:
    """`registry token create --email E`: a token for the user with that email."""
    return issue_token(db, find_user_by_email(db, email).id, name)


def create_token(
    db: Database, actor: Actor, *, name: str, user_id: int | None = None
) -> IssuedToken:
    """Settings: an admin issues a token for any user of the account; anyone
    else only for themselves."""
    target = actor.id if user_id is None else user_id
    if target != actor.id:
        ensure(actor, Action.ADMINISTER)
        try:
            user = get_user(db, target)
        except NotFound:
            user = None
        if user is None or user.account_id != actor.account_id:
            raise ValidationError("user_id", "is not a user of this account")
    return issue_token(db, target, name)


def list_tokens(db: Database, actor: Actor) -> list[ApiToken]:
    """The account's tokens for an admin; one's own tokens for anyone else."""
    where, params = "t.account_id = ?", [actor.account_id]
    if not can(actor, Action.ADMINISTER):
        where += " AND t.user_id = ?"
        params.append(actor.id)
    with db.cursor() as cur:
        rows = cur.execute(
            f"{_SELECT} WHERE {where} ORDER BY t.revoked_at IS NOT NULL, t.id DESC",
            params,
        ).fetchall()
    return [ApiToken(*r) for r in rows]


def revoke_token(db: Database, actor: Actor, token_id: int) -> ApiToken:
    """Revoke a token at once; admins revoke any of the account's tokens."""
    token = _get(db, token_id)
    mine = token.user_id == actor.id
    if token.account_id != actor.account_id or not (
        mine or can(actor, Action.ADMINISTER)
    ):
        raise NotFound(f"Token {token_id} was not found.")
    if token.active:
        with identity.write(db) as cur:
            cur.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE id = ?", [_now(), token_id]
            )
        log.info("api token %s revoked by user %s", token_id, actor.id)
    return _get(db, token_id)


_last_touch: dict[int, float] = {}
_touch_lock = threading.Lock()


UNKNOWN = "The API token is unknown or has been revoked."


def authenticate_token(db: Database, token: str | None) -> TokenActor:
    """The actor a bearer token stands for; AuthenticationFailed when the
    token is missing, unknown or revoked."""
    if not token:
        raise AuthenticationFailed("An API token is required: Authorization: Bearer")
    found = authenticate_tokens(db, [token]).get(token)
    if found is None:
        raise AuthenticationFailed(UNKNOWN)
    return found


def authenticate_tokens(db: Database, tokens: Iterable[str]) -> dict[str, TokenActor]:
    """Token -> the actor it stands for, for every active token among
    `tokens`: from memory when known (see registry/identity.py), else in one
    query for all the others (the group writer resolves a group's at once)."""
    by_hash = {hash_token(t): t for t in tokens}
    known, generation = identity.remembered(db).lookup(by_hash)
    unknown = [h for h in by_hash if h not in known]
    if unknown:
        read = _read_tokens(db, unknown)
        identity.remembered(db).remember(read, generation)
        known.update(read)
    for bearer in known.values():
        _touch(db, bearer.token_id)
    return {by_hash[h]: bearer for h, bearer in known.items()}


def _read_tokens(db: Database, hashes: list[str]) -> dict[str, TokenActor]:
    """Token hash -> the actor, for the active tokens among `hashes`."""
    with db.cursor() as cur:
        rows = cur.execute(
            "SELECT t.token_hash, t.id, u.id, u.account_id, u.email, u.name, "
            "u.is_admin, u.crm_manage, u.scope, u.team, a.id, a.name, "
            "a.default_currency, a.orders_enabled, a.owner_privacy "
            "FROM api_tokens t JOIN users u ON u.id = t.user_id "
            "JOIN accounts a ON a.id = u.account_id "
            "WHERE t.token_hash IN (SELECT unnest(?::VARCHAR[])) "
            "AND t.revoked_at IS NULL",
            [hashes],
        ).fetchall()
    found = {}
    for row in rows:
        user = User(*row[2:8], Scope(row[8]), row[9])
        actor = Actor(user=user, account=Account(*row[10:]))
        found[row[0]] = TokenActor(actor, row[1])
    return found


def _touch(db: Database, token_id: int) -> None:
    # The last-used time changes no token's answer: a plain cursor, so the
    # remembered answers stay (see registry/identity.py).
    now = time.monotonic()
    with _touch_lock:
        if now - _last_touch.get(token_id, -_TOUCH_EVERY) < _TOUCH_EVERY:
            return
        _last_touch[token_id] = now
    try:
        with db.cursor() as cur:
            cur.execute(
                "UPDATE api_tokens SET last_used_at = ? WHERE id = ?",
                [_now(), token_id],
            )
    except duckdb.TransactionException:
        pass  # another request is stamping the same row; one stamp is enough
