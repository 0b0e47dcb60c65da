"""One delivered order, checked field by field before any row is read.

`clean_order` turns a JSON object in the shape of `POST /api/v1/orders` into
an `Incoming`: the fields it carries, each already checked on its own. Rules
that need the stored order (an update keeps the fields a delivery leaves
out, so its currency may come from the row) run in `finalize`, once the
whole record is known. The rules are the forms' own (`registry.validation`,
`registry.money`); the fast paths below only skip work for input that is
plainly valid, and fall back to those functions to word any error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..errors import RegistryError, ValidationError
from ..models import Source, Status
from ..money import (
    MAX_VALUE,
    decimal_text,
    minor_units,
    normalize_currency,
    parse_value,
)
from ..validation import (
    EXTERNAL_ID_MAX,
    TITLE_MAX,
    check_paid_date,
    clean_email,
    clean_text,
    parse_choice,
    parse_date,
)

ORDER_FIELDS = frozenset(
    {
        "contact_id",
        "contact_email",
        "title",
        "value",
        "currency",
        "status",
        "order_date",
        "paid_date",
        "deal_id",
        "external_id",
        "source",
        "external_updated_at",
    }
)
# What PATCH may change: the order's own columns, not its identity.
PATCH_FIELDS = frozenset(
    {"title", "value", "currency", "status", "order_date", "paid_date", "deal_id"}
    | {"external_id", "external_updated_at"}
)

# Unicode category Cc is exactly these ranges, as `clean_text` checks.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_STATUSES = {s.value: s for s in Status}
_SOURCES = {s.value: s for s in Source}


@dataclass(slots=True)
class Incoming:
    """An order as one delivery describes it.

    `fields` holds the order columns the delivery carries; on an update only
    those change. `create_only` fills columns when the order is new (the
    Payments module, say, names no title). `target_id` addresses an order by
    id instead of by external ID (PATCH).
    """

    source: Source
    external_id: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    create_only: dict[str, Any] = field(default_factory=dict)
    contact_id: int | None = None
    contact_email: str | None = None
    contact_name: str | None = None
    external_updated_at: dt.datetime | None = None
    target_id: int | None = None


@dataclass(slots=True)
class Rejected:
    """A delivered order that failed its own checks; kept for the log."""

    error: RegistryError
    external_id: str | None = None


def text(raw: object, name: str, *, required: bool, max_length: int) -> str | None:
    """`clean_text`, with a shortcut for the common, valid case: printable
    ASCII. Other text takes the full rule, which also refuses bidirectional
    overrides and text made only of invisible characters."""
    if type(raw) is str and raw.isascii():
        stripped = raw.strip()
        if stripped and len(stripped) <= max_length and not _CONTROL.search(stripped):
            return stripped
    return clean_text(raw, name, required=required, max_length=max_length)


# Batches repeat a handful of currencies and dates: remember checked ones.
_MEMO_MAX = 4096
_currencies: dict[str, str] = {}
_days: dict[str, dt.date] = {}


def currency(raw: object) -> str:
    """`normalize_currency`, remembered per spelling."""
    code = _currencies.get(raw) if type(raw) is str else None
    if code is None:
        code = normalize_currency(raw)
        if len(_currencies) < _MEMO_MAX:
            _currencies[raw] = code  # type: ignore[index]
    return code


def day(raw: object, name: str) -> dt.date | None:
    """`parse_date` (YYYY-MM-DD), remembered per spelling; None stays None."""
    if type(raw) is str:
        found = _days.get(raw)
        if found is not None:
            return found
    parsed = parse_date(raw, name, required=False)
    if type(raw) is str and parsed is not None and len(_days) < _MEMO_MAX:
        _days[raw] = parsed
    return parsed


def moment(raw: object, name: str) -> dt.datetime | None:
    """An ISO 8601 date-time as naive UTC; without an offset it is UTC."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, dt.datetime):
        parsed: dt.datetime | None = raw
    elif isinstance(raw, str):
        try:
            parsed = dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            parsed = None
    else:
        parsed = None
    if parsed is None:
        raise ValidationError(
            name,
            f"{raw!r} is not a date-time (expected ISO 8601, e.g. 2024-05-01T12:00Z)",
        )
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def identifier(raw: object, name: str) -> int | None:
    """A positive integer id; digit strings (from CSV) are accepted too."""
    if raw is None or raw == "":
        return None
    if type(raw) is int and 0 < raw < 2**63:
        return raw
    if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) < 19:
        return int(raw.strip())
    raise ValidationError(name, f"{raw!r} is not an id (a positive integer)")


def status(raw: object) -> Status:
    """`parse_choice` for a status, with a shortcut for exact spellings."""
    found = _STATUSES.get(raw) if type(raw) is str else None
    return found or parse_choice(Status, raw, "status")


def source(raw: object) -> Source:
    """`parse_choice` for a source, with a shortcut for exact spellings."""
    found = _SOURCES.get(raw) if type(raw) is str else None
    return found or parse_choice(Source, raw, "source")


def amount(raw: object, name: str = "value") -> Decimal:
    """A number or decimal string as an exact Decimal; never via float.

    Only the reading happens here: `finalize` applies the value rules once
    the currency is known (an update may take it from the stored order)."""
    kind = type(raw)
    if kind is Decimal:
        return raw  # type: ignore[return-value]
    if kind is int:
        return Decimal(raw)  # type: ignore[arg-type]
    if kind is str:
        digits = decimal_text(raw, name)  # type: ignore[arg-type]
        try:
            return Decimal(digits)
        except ArithmeticError:
            raise ValidationError(name, f"{raw!r} is not a number") from None
    if kind is float:
        raise ValidationError(name, "must be sent as a JSON number or decimal string")
    raise ValidationError(name, "must be a number")


def clean_order(
    raw: object,
    *,
    default_source: Source = Source.API,
    forced_source: Source | None = None,
    require_external_id: bool = False,
) -> Incoming:
    """Check one order in the POST /orders shape; raise ValidationError."""
    if not isinstance(raw, Mapping):
        raise ValidationError("order", "must be a JSON object")
    if not ORDER_FIELDS.issuperset(raw):
        unknown = sorted(raw.keys() - ORDER_FIELDS)[0]
        raise ValidationError(unknown, "is not a field of an order")
    get = raw.get
    fields: dict[str, Any] = {
        "title": text(get("title"), "title", required=True, max_length=TITLE_MAX),
        "value": amount(get("value")),
    }
    if (raw_currency := get("currency")) is not None:
        fields["currency"] = currency(raw_currency)
    if (raw_status := get("status")) is not None:
        fields["status"] = status(raw_status)
    if (raw_date := get("order_date")) is not None:
        fields["order_date"] = day(raw_date, "order_date")
    if "paid_date" in raw:
        fields["paid_date"] = day(raw["paid_date"], "paid_date")
    if "deal_id" in raw:
        fields["deal_id"] = identifier(raw["deal_id"], "deal_id")
    external_id = get("external_id")
    if external_id is not None:
        external_id = text(
            external_id, "external_id", required=False, max_length=EXTERNAL_ID_MAX
        )
    if require_external_id and external_id is None:
        raise ValidationError("external_id", "is required")
    contact_id = identifier(get("contact_id"), "contact_id")
    contact_email = None
    if contact_id is None:
        contact_email = clean_email(get("contact_email"), "contact_email")
        if contact_email is None:
            raise ValidationError("contact_id", "is required (or contact_email)")
    chosen = forced_source or default_source
    if forced_source is None and (raw_source := get("source")) is not None:
        chosen = source(raw_source)
    updated = get("external_updated_at")
    return Incoming(
        chosen,
        external_id,
        fields,
        {},
        contact_id,
        contact_email,
        None,
        None if updated is None else moment(updated, "external_updated_at"),
    )


def clean_patch(raw: object, order_id: int) -> Incoming:
    """Check the changes of PATCH /orders/{id}: any subset of its columns.

    The order keeps its own source; the change is recorded as made via API."""
    if not isinstance(raw, Mapping):
        raise ValidationError("order", "must be a JSON object")
    unknown = raw.keys() - PATCH_FIELDS
    if unknown:
        raise ValidationError(sorted(unknown)[0], "is not a field you can change")
    fields: dict[str, Any] = {}
    if "title" in raw:
        fields["title"] = text(
            raw["title"], "title", required=True, max_length=TITLE_MAX
        )
    if "value" in raw:
        fields["value"] = amount(raw["value"])
    if "currency" in raw:
        fields["currency"] = currency(raw["currency"])
    if "status" in raw:
        fields["status"] = status(raw["status"])
    if "order_date" in raw:
        fields["order_date"] = parse_date(raw["order_date"], "order_date")
    if "paid_date" in raw:
        fields["paid_date"] = day(raw["paid_date"], "paid_date")
    if "deal_id" in raw:
        fields["deal_id"] = identifier(raw["deal_id"], "deal_id")
    if "external_id" in raw:
        fields["external_id"] = text(
            raw["external_id"],
            "external_id",
            required=False,
            max_length=EXTERNAL_ID_MAX,
        )
    return Incoming(
        source=Source.API,
        fields=fields,
        target_id=order_id,
        external_updated_at=moment(
            raw.get("external_updated_at"), "external_updated_at"
        ),
    )


def reject(raw: object, error: RegistryError) -> Rejected:
    """Keep a failed item's external ID, when it has a readable one, for the log."""
    external_id = raw.get("external_id") if isinstance(raw, Mapping) else None
    if not isinstance(external_id, str) or len(external_id) > EXTERNAL_ID_MAX:
        external_id = None
    return Rejected(error, external_id)


def finalize(values: dict[str, Any], today: dt.date) -> None:
    """Check the whole record in place: value against its currency, dates."""
    if values.get("title") is None:
        raise ValidationError("title", "is required")
    code = values["currency"]
    value = values.get("value")
    places = _places.get(code)
    if places is None:
        places = _places[code] = minor_units(code)
    # Plainly valid amounts skip the full check; it words every error.
    if not (
        type(value) is Decimal
        and value.is_finite()
        and 0 <= value <= MAX_VALUE
        and value.as_tuple().exponent >= -places
    ):
        values["value"] = parse_value(value, code)
    order_date = values.get("order_date")
    if order_date is None:
        raise ValidationError("order_date", "is required")
    paid_date = values.get("paid_date")
    if paid_date is not None:
        check_paid_date(paid_date, order_date, today)


_places: dict[str, int] = {}
