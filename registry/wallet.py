"""Who may see what, as SQL with bound parameters.

Every read of orders, contacts or deals composes one of these predicates into
its WHERE clause, so rows outside the actor's wallet never leave DuckDB. The
predicates expect the aliases `o` (orders), `c` (contacts) and `d` (deals).

An order is in a wallet through the owner of its contact or of its deal. Each
order row carries copies of both (`contact_owner_id`, `deal_owner_id`), written
in the same statement as the order (`owners`), so the wallet of a whole report
is one filter on the orders table: no join of ten million orders to contacts
and deals before counting them. The copies follow an order's contact and deal
when the order changes; whoever adds ownership transfer of contacts or deals
must update the orders' copies in the same transaction (`owners_set`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Actor, Scope


@dataclass(frozen=True)
class Predicate:
    sql: str
    params: tuple[object, ...]

    def __and__(self, other: Predicate) -> Predicate:
        return Predicate(f"({self.sql}) AND ({other.sql})", self.params + other.params)


def _owned(column: str, actor: Actor) -> Predicate:
    """`column` holds a user id that lies inside the actor's reach."""
    user = actor.user
    if user.scope is Scope.TEAM and user.team:
        return Predicate(
            f"{column} IN (SELECT id FROM users WHERE account_id = ? AND team = ?)",
            (actor.account_id, user.team),
        )
    return Predicate(f"{column} = ?", (user.id,))


def _either(first: Predicate, second: Predicate) -> Predicate:
    return Predicate(f"({first.sql} OR {second.sql})", first.params + second.params)


def orders(actor: Actor) -> Predicate:
    """Stored orders (`o`) of the account whose contact or deal the actor may
    access, read from the owners copied onto each order."""
    account = Predicate("o.account_id = ?", (actor.account_id,))
    if actor.sees_whole_account:
        return account
    return account & _either(
        _owned("o.contact_owner_id", actor), _owned("o.deal_owner_id", actor)
    )


def order_links(actor: Actor) -> Predicate:
    """The same rule for an order not yet written: `o` holds its account,
    and `c` and `d` are the contact and deal it would link to."""
    account = Predicate("o.account_id = ?", (actor.account_id,))
    if actor.sees_whole_account:
        return account
    return account & _either(_owned("c.owner_id", actor), _owned("d.owner_id", actor))


def owners(contact_id: str, deal_id: str) -> str:
    """SQL for an order's two copied owners, in the column order of
    `OWNER_COLUMNS`, given SQL for its contact id and deal id."""
    return (
        f"(SELECT owner_id FROM contacts WHERE id = {contact_id}), "
        f"(SELECT owner_id FROM deals WHERE id = {deal_id})"
    )


OWNER_COLUMNS = "contact_owner_id, deal_owner_id"


def owners_set(contact_id: str, deal_id: str) -> str:
    """`owners` as the SET list of an UPDATE of orders."""
    return (
        f"contact_owner_id = (SELECT owner_id FROM contacts WHERE id = {contact_id}), "
        f"deal_owner_id = (SELECT owner_id FROM deals WHERE id = {deal_id})"
    )


def contacts(actor: Actor) -> Predicate:
    """Contacts the actor owns (or their team does), or has a deal with."""
    account = Predicate("c.account_id = ?", (actor.account_id,))
    if actor.sees_whole_account:
        return account
    deal_owner = _owned("dw.owner_id", actor)
    via_deal = Predicate(
        "EXISTS (SELECT 1 FROM deals dw WHERE dw.contact_id = c.id "
        f"AND {deal_owner.sql})",
        deal_owner.params,
    )
    return account & _either(_owned("c.owner_id", actor), via_deal)


def deals(actor: Actor) -> Predicate:
    """Deals the actor owns, or whose contact they own."""
    account = Predicate("d.account_id = ?", (actor.account_id,))
    if actor.sees_whole_account:
        return account
    return account & _either(_owned("d.owner_id", actor), _owned("c.owner_id", actor))


def orders_relation(actor: Actor) -> Predicate:
    """The rows of `orders(actor)` as a subquery with the columns of `orders`:
    one scan of the orders table, filtered on its own columns."""
    scope = orders(actor)
    return Predicate(f"(SELECT * FROM orders o WHERE {scope.sql})", scope.params)
