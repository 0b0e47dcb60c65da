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
