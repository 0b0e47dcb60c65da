"""Accounts, users, sign-in and the actor a request or rerun acts as."""

from __future__ import annotations

import logging
from functools import cache

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import identity
from .errors import AuthenticationFailed, NotFound, ValidationError
from .models import Account, Actor, Scope, User
from .money import normalize_currency
from .permissions import Action, ensure
from .store import Database
from .validation import clean_email, clean_text, parse_choice

log = logging.getLogger(__name__)

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A throwaway hash to verify against when the email is unknown, so a
    failed sign-in takes as long whether or not the user exists. Made on
    first use: hashing at import would slow every command that never signs in."""
    return _hasher.hash("not a real password")


PASSWORD_MIN = 8

_ACCOUNT_COLUMNS = "id, name, default_currency, orders_enabled, owner_privacy"
_USER_COLUMNS = "id, account_id, email, name, is_admin, crm_manage, scope, team"


def _account(row: tuple) -> Account:
    return Account(*row)


def _user(row: tuple) -> User:
    values = list(row)
    values[6] = Scope(values[6])
    return User(*values)


def create_account(db: Database, name: str, currency: str = "BRL") -> Account:
    """A new account: the Orders Registry off and owner-based privacy off."""
    name = clean_text(name, "name")
    currency = normalize_currency(currency)
    with identity.write(db) as cur:
        row = cur.execute(
            f"INSERT INTO accounts (name, default_currency) VALUES (?, ?) "
            f"RETURNING {_ACCOUNT_COLUMNS}",
            [name, currency],
        ).fetchone()
    log.info("account %s created", row[0])
    return _account(row)


def get_account(db: Database, account_id: int) -> Account:
    with db.cursor() as cur:
        row = cur.execute(
            f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE id = ?", [account_id]
        ).fetchone()
    if row is None:
        raise NotFound(f"Account {account_id} does not exist.")
    return _account(row)


def list_accounts(db: Database) -> list[Account]:
    with db.cursor() as cur:
        rows = cur.execute(
            f"SELECT {_ACCOUNT_COLUMNS} FROM accounts ORDER BY id"
        ).fetchall()
    return [_account(r) for r in rows]


def update_account(
    db: Database,
    account_id: int,
    *,
    orders_enabled: bool | None = None,
    owner_privacy: bool | None = None,
    default_currency: str | None = None,
) -> Account:
    """Change an account's switches; bootstrap use (the CLI). See `configure`."""
    get_account(db, account_id)
    changes: dict[str, object] = {}
    if orders_enabled is not None:
        changes["orders_enabled"] = bool(orders_enabled)
    if owner_privacy is not None:
        changes["owner_privacy"] = bool(owner_privacy)
    if default_currency is not None:
        changes["default_currency"] = normalize_currency(default_currency)
    if changes:
        assignments = ", ".join(f"{column} = ?" for column in changes)
        with identity.write(db) as cur:
            cur.execute(
                f"UPDATE accounts SET {assignments} WHERE id = ?",
                [*changes.values(), account_id],
            )
        log.info("account %s settings changed: %s", account_id, changes)
    return get_account(db, account_id)


def configure(db: Database, actor: Actor, **changes: object) -> Account:
    """An administrator changes their own account's settings."""
    ensure(actor, Action.ADMINISTER)
    return update_account(db, actor.account_id, **changes)  # type: ignore[arg-type]


def create_user(
    db: Database,
    account_id: int,
    *,
    email: str,
    name: str,
    password: str | None,
    is_admin: bool = False,
    crm_manage: bool = False,
    scope: str | Scope = Scope.OWN,
    team: str | None = None,
) -> User:
    """Add a user to an account; the password is stored as an argon2 hash."""
    get_account(db, account_id)
    email = clean_email(email, required=True)
    name = clean_text(name, "name")
    scope = parse_choice(Scope, scope, "scope")
    team = clean_text(team, "team", required=False, max_length=100)
    if password is not None and len(password) < PASSWORD_MIN:
        raise ValidationError("password", f"must be at least {PASSWORD_MIN} characters")
    password_hash = _hasher.hash(password) if password is not None else None
    try:
        with identity.write(db) as cur:
            row = cur.execute(
                "INSERT INTO users (account_id, email, name, password_hash, "
                "is_admin, crm_manage, scope, team) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                f"RETURNING {_USER_COLUMNS}",
                [
                    account_id,
                    email,
                    name,
                    password_hash,
                    is_admin,
                    crm_manage,
                    scope.value,
                    team,
                ],
            ).fetchone()
    except duckdb.ConstraintException:
        raise ValidationError("email", f"{email} is already a user") from None
    log.info("user %s created in account %s", row[0], account_id)
    return _user(row)


def update_user(
    db: Database,
    user_id: int,
    *,
    is_admin: bool | None = None,
    crm_manage: bool | None = None,
    scope: str | Scope | None = None,
    team: str | None = None,
) -> User:
    """Change a user's role, permission, scope or team (an empty team clears
    it); bootstrap use, like `update_account`. Tokens of the user act with
    the new settings from the next request on."""
    get_user(db, user_id)
    changes: dict[str, object] = {}
    if is_admin is not None:
        changes["is_admin"] = bool(is_admin)
    if crm_manage is not None:
        changes["crm_manage"] = bool(crm_manage)
    if scope is not None:
        changes["scope"] = parse_choice(Scope, scope, "scope").value
    if team is not None:
        changes["team"] = clean_text(team, "team", required=False, max_length=100)
    if changes:
        assignments = ", ".join(f"{column} = ?" for column in changes)
        with identity.write(db) as cur:
            cur.execute(
                f"UPDATE users SET {assignments} WHERE id = ?",
                [*changes.values(), user_id],
            )
        log.info("user %s settings changed: %s", user_id, changes)
    return get_user(db, user_id)


def get_user(db: Database, user_id: int) -> User:
    with db.cursor() as cur:
        row = cur.execute(
            f"SELECT {_USER_COLUMNS} FROM users WHERE id = ?", [user_id]
        ).fetchone()
    if row is None:
        raise NotFound(f"User {user_id} does not exist.")
    return _user(row)


def find_user_by_email(db: Database, email: str) -> User:
    with db.cursor() as cur:
        row = cur.execute(
            f"SELECT {_USER_COLUMNS} FROM users WHERE email = ?",
            [email.strip().lower()],
        ).fetchone()
    if row is None:
        raise NotFound(f"No user with email {email}.")
    return _user(row)


def list_users(db: Database, account_id: int) -> list[User]:
    with db.cursor() as cur:
        rows = cur.execute(
            f"SELECT {_USER_COLUMNS} FROM users WHERE account_id = ? ORDER BY name",
            [account_id],
        ).fetchall()
    return [_user(r) for r in rows]


def authenticate(db: Database, email: str, password: str) -> User:
    """The user with this email and password, or AuthenticationFailed."""
    with db.cursor() as cur:
        row = cur.execute(
            f"SELECT {_USER_COLUMNS}, password_hash FROM users WHERE email = ?",
            [(email or "").strip().lower()],
        ).fetchone()
    stored = row[-1] if row and row[-1] else _dummy_hash()
    try:
        _hasher.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        stored = None
    if row is None or stored is None or row[-1] is None:
        log.info("sign-in refused for %s", email)
        raise AuthenticationFailed("Unknown email or wrong password.")
    return _user(row[:-1])


def actor_for(db: Database, user_id: int) -> Actor:
    """Resolve a user id (from a session, a token or OIDC) into an Actor."""
    user = get_user(db, user_id)
    return Actor(user=user, account=get_account(db, user.account_id))
