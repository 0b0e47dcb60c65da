"""Find the contacts a batch of deliveries names, in one query per kind.

Lookups go through the actor's contact wallet, as the forms do: a contact
the actor may not see is "not found". Commerce and Payments deliveries name
a buyer by email and may bring a new one: those contacts are created inside
the delivery's own transaction, owned by the account's integration owner.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import duckdb

from .. import wallet
from ..models import Actor
from .rows import Rows

# Contacts have no unique email, so two deliveries for one new buyer could
# each create one. Creating is rare (a first purchase) and serialised here;
# the lock is held until the creating transaction commits.
creation_lock = threading.Lock()


# Up to this many ids (a group of single orders), one list parameter tested
# with list_contains is the cheapest statement, about 0.5 ms less than a
# join; past it, the join with the ids as rows wins (3x at a thousand).
_LISTED_MAX = 32


def by_id(
    cur: duckdb.DuckDBPyConnection, actor: Actor, ids: Iterable[int]
) -> dict[int, int | None]:
    """Contact id -> its owner, for the contacts among `ids` in the actor's
    wallet. The owner is copied onto the orders written for the contact."""
    ids = list(ids)
    if not ids:
        return {}
    scope = wallet.contacts(actor)
    if len(ids) <= _LISTED_MAX:
        rows = cur.execute(
            "SELECT c.id, c.owner_id FROM contacts c "
            f"WHERE list_contains(?::BIGINT[], c.id) AND {scope.sql}",
            [ids, *scope.params],
        ).fetchall()
        return dict(rows)
    wanted = Rows("wanted_contacts", {"id": ("BIGINT", ids)})
    with wanted.bound(cur) as relation_of:
        relation, params = relation_of()
        rows = cur.execute(
            "SELECT c.id, c.owner_id FROM contacts c "
            f"WHERE c.id IN (SELECT id FROM {relation}) AND {scope.sql}",
            [*params, *scope.params],
        ).fetchall()
    return dict(rows)


def by_email(
    cur: duckdb.DuckDBPyConnection, actor: Actor, emails: Iterable[str]
) -> dict[str, tuple[int, int | None]]:
    """Lower-case email -> the oldest matching contact in the actor's wallet,
    as (id, owner)."""
    emails = list(emails)
    if not emails:
        return {}
    scope = wallet.contacts(actor)
    wanted = Rows("wanted_emails", {"email": ("VARCHAR", emails)})
    with wanted.bound(cur) as relation_of:
        relation, params = relation_of()
        rows = cur.execute(
            "SELECT lower(c.email), min(c.id), arg_min(c.owner_id, c.id) "
            f"FROM contacts c WHERE lower(c.email) IN (SELECT email FROM {relation}) "
            f"AND {scope.sql} GROUP BY 1",
            [*params, *scope.params],
        ).fetchall()
    return {email: (contact, owner) for email, contact, owner in rows}


def create(
    cur: duckdb.DuckDBPyConnection, actor: Actor, names: dict[str, str]
) -> dict[str, int]:
    """Create one contact per email (email -> name), owned by the actor."""
    created = {}
    for email, name in names.items():
        created[email] = cur.execute(
            "INSERT INTO contacts (account_id, name, email, owner_id) "
            "VALUES (?, ?, ?, ?) RETURNING id",
            [actor.account_id, name, email, actor.id],
        ).fetchall()[0][0]
    return created


def deals_of(
    cur: duckdb.DuckDBPyConnection, account_id: int, ids: Iterable[int]
) -> dict[int, tuple[int, int | None]]:
    """Deal id -> (its contact id, its owner), for the account's deals among
    `ids`."""
    ids = list(ids)
    if not ids:
        return {}
    wanted = Rows("wanted_deals", {"id": ("BIGINT", ids)})
    with wanted.bound(cur) as relation_of:
        relation, params = relation_of()
        rows = cur.execute(
            "SELECT id, contact_id, owner_id FROM deals WHERE account_id = ? "
            f"AND id IN (SELECT id FROM {relation})",
            [account_id, *params],
        ).fetchall()
    return {deal: (contact, owner) for deal, contact, owner in rows}
