"""Ground truth for the report tests, written in plain SQL and Python,
independent of `registry.wallet`, `registry.filters` and `registry.reports`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from registry import accounts
from registry.models import Actor, Scope
from registry.money import minor_units
from registry.store import Database

# The day the demo dataset is generated for; its dates end here.
TODAY = dt.date(2026, 11, 1)

TRUTH_FROM = (
    "FROM orders o JOIN contacts c ON c.id = o.contact_id "
    "LEFT JOIN deals d ON d.id = o.deal_id"
)


def actor_by_email(db: Database, email: str) -> Actor:
    return accounts.actor_for(db, accounts.find_user_by_email(db, email).id)


def truth_wallet(actor: Actor) -> str:
    """The wallet rule of DESIGN.md as literal SQL over o, c and d."""
    account = f"o.account_id = {int(actor.account_id)}"
    user = actor.user
    if not actor.account.owner_privacy or user.is_admin or user.scope is Scope.ALL:
        return account
    if user.scope is Scope.TEAM and user.team:
        team = user.team.replace("'", "''")
        reach = (
            f"IN (SELECT id FROM users WHERE account_id = {int(actor.account_id)} "
            f"AND team = '{team}')"
        )
    else:
        reach = f"= {int(user.id)}"
    return f"{account} AND (c.owner_id {reach} OR d.owner_id {reach})"


def money(value: object, currency: str) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-minor_units(currency)))
