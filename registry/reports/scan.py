"""The orders one report reads, as SQL with bound parameters.

A `Scan` is the FROM … WHERE part every report shares: the actor's wallet
(`wallet.orders_relation`, aliased `o`), the filters ANDed on top, and, when
converting, a join to the reporting currency's daily rates (aliased `r`).
Reports put their own SELECT in front of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from iso4217 import Currency

from .. import rates, wallet
from ..errors import ValidationError
from ..filters import OrderFilters
from ..models import Actor
from ..money import minor_units, normalize_currency


@dataclass(frozen=True)
class Scan:
    """FROM … WHERE over the wallet's filtered orders, and how to read money."""

    relation: str
    joins: str
    where: str
    params: tuple[object, ...]
    # The amount and its currency: the order's own, or converted.
    value: str
    currency: str
    reporting: str | None = None

    @property
    def sql(self) -> str:
        return self.with_joins("")

    @property
    def converting(self) -> bool:
        return self.reporting is not None

    def with_joins(self, joins: str) -> str:
        """The FROM … WHERE text with more joins (without parameters) on `o`."""
        return f"FROM {self.relation} o {self.joins}{joins}WHERE {self.where}"


def scan(actor: Actor, filters: OrderFilters, *, reporting: str | None = None) -> Scan:
    """The actor's wallet narrowed by `filters`; amounts converted into
    `reporting` (an ISO 4217 code) when given."""
    relation = wallet.orders_relation(actor)
    where = filters.where_orders(actor.account_id)
    if reporting is None:
        return Scan(
            relation=relation.sql,
            joins="",
            where=where.sql,
            params=relation.params + where.params,
            value="o.value",
            currency="o.currency",
        )
    try:
        code = normalize_currency(reporting)
    except ValidationError as exc:
        raise ValidationError("reporting_currency", exc.reason) from None
    table = rates.conversion_rates(actor.account_id, code)
    return Scan(
        relation=relation.sql,
        joins=(
            f"LEFT JOIN {table.sql} r "
            "ON r.currency = o.currency AND r.day = o.order_date "
        ),
        where=where.sql,
        params=relation.params + table.params + where.params,
        # Widened first: DECIMAL(18, 4) times a rate overflows at 18 digits.
        value="(CAST(o.value AS DECIMAL(38, 4)) * r.rate)",
        # A checked three-letter code, so writing it into the SQL is safe.
        currency=f"'{code}'",
        reporting=code,
    )


@cache
def money_text(value: str, currency: str) -> str:
    """SQL turning an amount into text with its currency's decimals
    ("1234.50", "1200" for JPY), exactly, without passing through floats."""
    arms = []
    for places in sorted(_places_other_than_two()):
        codes = ", ".join(f"'{c}'" for c in _places_other_than_two()[places])
        arms.append(
            f"WHEN {currency} IN ({codes}) THEN "
            f"CAST(CAST({value} AS DECIMAL(38, {places})) AS VARCHAR)"
        )
    fallback = f"CAST(CAST({value} AS DECIMAL(38, 2)) AS VARCHAR)"
    return f"CASE {' '.join(arms)} ELSE {fallback} END"


@cache
def _places_other_than_two() -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = {}
    for entry in Currency:
        if entry.exponent is not None and entry.exponent != 2:
            found.setdefault(entry.exponent, []).append(entry.code)
    return {places: tuple(sorted(codes)) for places, codes in found.items()}


def quantize(value: object, currency: str) -> Decimal:
    """An amount from DuckDB at its currency's decimals (BRL 2, JPY 0)."""
    return Decimal(value).quantize(_quantum(currency))


@cache
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))
