"""Numbers as the analyst pages show them: amounts, rates, summaries."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from registry.money import minor_units

from . import format as fmt


def amount(value: Decimal, currency: str) -> str:
    """'1,234.50' at the currency's own decimals; the label names the currency."""
    return f"{value:,.{minor_units(currency)}f}"


def percent(share: float | None) -> str:
    """'4.5%', or a dash when there is nothing to divide by."""
    return "—" if share is None else f"{share:.1%}"


def amounts(per_currency: Iterable[tuple[str, Decimal]]) -> str:
    """'BRL 1,200.00 · USD 30.00': one amount per currency, never summed."""
    return " · ".join(fmt.money(value, code) for code, value in per_currency)
