"""How money, dates and times read on screen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache

from iso4217 import Currency

from registry import money as registry_money


def money(value: Decimal, currency: str) -> str:
    """'BRL 1,234.50': the currency's own number of decimals, never rounded away."""
    return registry_money.display(value, currency)


def date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def timestamp(value: dt.datetime | None) -> str:
    """Stored times are UTC; say so rather than guess the reader's zone."""
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else ""


@cache
def currency_codes() -> tuple[str, ...]:
    """ISO 4217 codes an order may use: those with a minor unit, sorted."""
    return tuple(sorted({c.code for c in Currency if c.exponent is not None}))
