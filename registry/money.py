"""Currencies and exact amounts: ISO 4217 data comes from the iso4217 package."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cache

from iso4217 import Currency

from .errors import ValidationError

MAX_VALUE = Decimal(10) ** 12


@cache
def minor_units(code: str) -> int:
    """Decimal places the currency allows (JPY 0, BRL 2, BHD 3)."""
    try:
        exponent = Currency(code).exponent
    except ValueError:
        raise ValidationError(
            "currency", f"unknown currency {code!r}; use an ISO 4217 code such as BRL"
        ) from None
    if exponent is None:
        raise ValidationError(
            "currency", f"{code} has no minor unit and is not accepted for orders"
        )
    return exponent


def normalize_currency(raw: object) -> str:
    """Return the upper-case ISO 4217 code, or raise naming the field."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError("currency", "is required (an ISO 4217 code such as BRL)")
    code = raw.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError(
            "currency", f"unknown currency {raw!r}; use an ISO 4217 code such as BRL"
        )
    minor_units(code)
    return code


def decimal_text(raw: str, field: str = "value") -> str:
    """An amount written as text, stripped; refused when empty or spelled
    with a comma or underscores (which Decimal() would otherwise read)."""
    text = raw.strip()
    if not text:
        raise ValidationError(field, "is required")
    if "," in text:
        raise ValidationError(
            field, f"{text!r} is not a number (write decimals with a dot: 12.50)"
        )
    if "_" in text:
        raise ValidationError(field, f"{text!r} is not a number")
    return text


def parse_value(raw: object, currency: str, field: str = "value") -> Decimal:
    """Turn a form, JSON or Python amount into an exact Decimal for `currency`."""
    if isinstance(raw, bool) or raw is None:
        raise ValidationError(field, "must be a number")
    if isinstance(raw, float):
        raw = repr(raw)  # the shortest repr round-trips, so 0.1 stays 0.1
    if isinstance(raw, str):
        raw = decimal_text(raw, field)
    try:
        value = Decimal(raw)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError(field, f"{raw!r} is not a number") from None
    if not value.is_finite():
        raise ValidationError(field, "must be a finite number")
    if value < 0:
        raise ValidationError(field, "must not be negative")
    if value > MAX_VALUE:
        raise ValidationError(field, "must be at most 1,000,000,000,000")
    places = minor_units(currency)
    quantum = Decimal(1).scaleb(-places)
    if value != value.quantize(quantum):
        allowed = "no decimals" if places == 0 else f"at most {places} decimals"
        raise ValidationError(field, f"{currency} allows {allowed}")
    return value.quantize(quantum)


def format_value(value: Decimal, currency: str) -> str:
    """The plain decimal string the API and exports give, e.g. '1234.50'."""
    return str(value.quantize(Decimal(1).scaleb(-minor_units(currency))))


def display(value: Decimal, currency: str) -> str:
    """A human reading of an amount: 'BRL 1,234.50'."""
    places = minor_units(currency)
    return f"{currency} {value:,.{places}f}"
