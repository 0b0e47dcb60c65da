"""Numbers as the analyst pages show them: amounts, rates, summaries."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from registry.money import minor_units

from . import format as fmt


def amount(value: Decimal, currency: str) -> str:
    """'1,234.50' at the currency's own decimals; the label names the currency."""
    return f"{value:,.{minor_units(currency)}f}"


# Figures from a million up are shown in short (their exact amount in the
# tooltip): a KPI column is about ten characters wide, and a cut-off number
# ("17,161,61…") reads as a different one.
_SHORT = ((Decimal(10) ** 12, "T"), (Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"))


def headline(value: Decimal, currency: str) -> tuple[str, str | None]:
    """A KPI's text and, when shortened, the exact amount for its tooltip:
    ('17.16M', 'BRL 17,161,612.34'), or ('945,123.45', None)."""
    for size, suffix in _SHORT:
        if abs(value) >= size:
            return f"{value / size:,.2f}{suffix}", fmt.money(value, currency)
    return amount(value, currency), None


def percent(share: float | None) -> str:
    """'4.5%', or a dash when there is nothing to divide by."""
    return "—" if share is None else f"{share:.1%}"


def amounts(per_currency: Iterable[tuple[str, Decimal]]) -> str:
    """'BRL 1,200.00 · USD 30.00': one amount per currency, never summed."""
    return " · ".join(fmt.money(value, code) for code, value in per_currency)
