"""What the filter widgets offer: owners, teams and the wallet's currencies."""

from __future__ import annotations

from dataclasses import dataclass

from ..accounts import list_users
from ..filters import OrderFilters
from ..models import Actor
from ..permissions import Action, ensure
from ..store import Database
from .scan import scan


@dataclass(frozen=True)
class Owner:
    id: int
    name: str
    team: str | None


@dataclass(frozen=True)
class FilterChoices:
    owners: tuple[Owner, ...]
    teams: tuple[str, ...]
    # Currencies the wallet's orders use, for the currency filter.
    currencies: tuple[str, ...]


def filter_choices(db: Database, actor: Actor) -> FilterChoices:
    """Options for the owner, team and currency filters (a scan of the
    wallet's currency column: cache it with the dashboard)."""
    ensure(actor, Action.VIEW_ORDERS)
    users = list_users(db, actor.account_id)
    source = scan(actor, OrderFilters())
    with db.cursor() as cur:
        rows = cur.execute(
            f"SELECT DISTINCT o.currency {source.sql} ORDER BY 1", source.params
        ).fetchall()
    return FilterChoices(
        owners=tuple(Owner(u.id, u.name, u.team) for u in users),
        teams=tuple(sorted({u.team for u in users if u.team})),
        currencies=tuple(row[0] for row in rows),
    )
