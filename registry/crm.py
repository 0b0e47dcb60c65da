"""Contacts and deals, always read through the actor's wallet."""

from __future__ import annotations

import logging

from . import wallet
from .accounts import find_user_by_email, get_account
from .errors import NotFound, ValidationError
from .models import Actor, Contact, Deal
from .permissions import Action, ensure
from .store import Database
from .validation import as_id, clean_email, clean_text

log = logging.getLogger(__name__)

_CONTACT_SELECT = (
    "SELECT c.id, c.account_id, c.name, c.email, c.owner_id, u.name "
    "FROM contacts c LEFT JOIN users u ON u.id = c.owner_id"
)
_DEAL_SELECT = (
    "SELECT d.id, d.account_id, d.contact_id, d.title, d.owner_id, u.name, c.name "
    "FROM deals d JOIN contacts c ON c.id = d.contact_id "
    "LEFT JOIN users u ON u.id = d.owner_id"
)


def _owner_id(db: Database, account_id: int, owner_email: str | None) -> int | None:
    if owner_email is None:
        return None
    email = clean_email(owner_email, "owner_email", required=True)
    try:
        owner = find_user_by_email(db, email)
    except NotFound:
        owner = None
    if owner is None or owner.account_id != account_id:
        raise ValidationError("owner_email", f"{email} is not a user of this account")
    return owner.id


def create_contact(
    db: Database,
    account_id: int,
    *,
    name: str,
    email: str | None = None,
    owner_email: str | None = None,
    owner_id: int | None = None,
) -> Contact:
    """Insert a contact (bootstrap and integrations; see `add_contact`)."""
    get_account(db, account_id)
    name = clean_text(name, "name")
    email = clean_email(email)
    if owner_email is not None:
        owner_id = _owner_id(db, account_id, owner_email)
    with db.cursor() as cur:
        row = cur.execute(
            "INSERT INTO contacts (account_id, name, email, owner_id) "
            "VALUES (?, ?, ?, ?) RETURNING id",
            [account_id, name, email, owner_id],
        ).fetchone()
    log.info("contact %s created in account %s", row[0], account_id)
    return _find_contact(db, row[0])


def add_contact(
    db: Database,
    actor: Actor,
    *,
    name: str,
    email: str | None = None,
    owner_email: str | None = None,
) -> Contact:
    """A user adds a contact; they own it unless they name another owner."""
    ensure(actor, Action.MANAGE_CRM)
    owner_id = None if owner_email else actor.id
    return create_contact(
        db,
        actor.account_id,
        name=name,
        email=email,
        owner_email=owner_email,
        owner_id=owner_id,
    )


def get_contact(db: Database, actor: Actor, contact_id: int) -> Contact:
    """The contact, if it exists in the actor's wallet; else NotFound."""
    contact_id = as_id(contact_id, "Contact")
    scope = wallet.contacts(actor)
    with db.cursor() as cur:
        row = cur.execute(
            f"{_CONTACT_SELECT} WHERE c.id = ? AND {scope.sql}",
            [contact_id, *scope.params],
        ).fetchone()
    if row is None:
        raise NotFound(f"Contact {contact_id} was not found.")
    return Contact(*row)


def find_contact_by_email(db: Database, actor: Actor, email: str) -> Contact:
    scope = wallet.contacts(actor)
    with db.cursor() as cur:
        row = cur.execute(
            f"{_CONTACT_SELECT} WHERE lower(c.email) = ? AND {scope.sql} "
            "ORDER BY c.id LIMIT 1",
            [email.strip().lower(), *scope.params],
        ).fetchone()
    if row is None:
        raise NotFound(f"No contact with email {email} was found.")
    return Contact(*row)


def search_contacts(
    db: Database, actor: Actor, query: str = "", *, limit: int = 50, offset: int = 0
) -> list[Contact]:
    """Contacts in the wallet whose name or email contains `query`."""
    scope = wallet.contacts(actor)
    params: list[object] = list(scope.params)
    where = scope.sql
    if query.strip():
        where += " AND (c.name ILIKE ? ESCAPE '\\' OR c.email ILIKE ? ESCAPE '\\')"
        pattern = f"%{_escape_like(query.strip())}%"
        params += [pattern, pattern]
    with db.cursor() as cur:
        rows = cur.execute(
            f"{_CONTACT_SELECT} WHERE {where} ORDER BY c.name, c.id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
    return [Contact(*r) for r in rows]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def create_deal(
    db: Database,
    contact_id: int,
    *,
    title: str,
    owner_email: str | None = None,
    owner_id: int | None = None,
) -> Deal:
    """Insert a deal for an existing contact (bootstrap; see `add_deal`)."""
    contact = _find_contact(db, contact_id)
    title = clean_text(title, "title")
    if owner_email is not None:
        owner_id = _owner_id(db, contact.account_id, owner_email)
    with db.cursor() as cur:
        row = cur.execute(
            "INSERT INTO deals (account_id, contact_id, title, owner_id) "
            "VALUES (?, ?, ?, ?) RETURNING id",
            [contact.account_id, contact_id, title, owner_id],
        ).fetchone()
    log.info("deal %s created for contact %s", row[0], contact_id)
    with db.cursor() as cur:
        return Deal(*cur.execute(f"{_DEAL_SELECT} WHERE d.id = ?", [row[0]]).fetchone())


def add_deal(
    db: Database,
    actor: Actor,
    contact_id: int,
    *,
    title: str,
    owner_email: str | None = None,
) -> Deal:
    """A user opens a deal for a contact in their wallet."""
    ensure(actor, Action.MANAGE_CRM)
    get_contact(db, actor, contact_id)
    owner_id = None if owner_email else actor.id
    return create_deal(
        db, contact_id, title=title, owner_email=owner_email, owner_id=owner_id
    )


def _find_contact(db: Database, contact_id: int) -> Contact:
    with db.cursor() as cur:
        row = cur.execute(f"{_CONTACT_SELECT} WHERE c.id = ?", [contact_id]).fetchone()
    if row is None:
        raise NotFound(f"Contact {contact_id} was not found.")
    return Contact(*row)


def get_deal(db: Database, actor: Actor, deal_id: int) -> Deal:
    """The deal, if it exists in the actor's wallet; else NotFound."""
    deal_id = as_id(deal_id, "Deal")
    scope = wallet.deals(actor)
    with db.cursor() as cur:
        row = cur.execute(
            f"{_DEAL_SELECT} WHERE d.id = ? AND {scope.sql}",
            [deal_id, *scope.params],
        ).fetchone()
    if row is None:
        raise NotFound(f"Deal {deal_id} was not found.")
    return Deal(*row)


def list_deals(
    db: Database,
    actor: Actor,
    *,
    contact_id: int | None = None,
    query: str = "",
    limit: int = 200,
) -> list[Deal]:
    """Deals in the wallet, optionally of one contact or matching `query`."""
    scope = wallet.deals(actor)
    where, params = scope.sql, list(scope.params)
    if contact_id is not None:
        where += " AND d.contact_id = ?"
        params.append(contact_id)
    if query.strip():
        where += " AND (d.title ILIKE ? ESCAPE '\\' OR c.name ILIKE ? ESCAPE '\\')"
        pattern = f"%{_escape_like(query.strip())}%"
        params += [pattern, pattern]
    with db.cursor() as cur:
        rows = cur.execute(
            f"{_DEAL_SELECT} WHERE {where} ORDER BY d.id DESC LIMIT ?",
            [*params, limit],
        ).fetchall()
    return [Deal(*r) for r in rows]
