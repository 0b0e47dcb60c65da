"""Events of the CRM's Payments module, as orders with source "payments".

An event names the payment by its external ID. The first event creates the
order (titled after the payment, dated when it occurred); later ones move
its status. `occurred_at` orders the events: a redelivered older event does
not undo a newer one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ValidationError
from ..models import Source, Status
from ..money import normalize_currency, parse_value
from ..validation import EXTERNAL_ID_MAX, clean_email
from .records import Incoming, amount, moment, text

EVENT_STATUS = {
    "payment.succeeded": Status.PAID,
    "payment.partially_paid": Status.PARTIALLY_PAID,
    "payment.refunded": Status.REFUNDED,
    "payment.failed": Status.FAILED,
}
FIELDS = frozenset(
    {"type", "external_id", "amount", "currency", "contact_email", "occurred_at"}
)


def payment_event(raw: object) -> Incoming:
    """Map one Payments event; raise ValidationError naming the field."""
    if not isinstance(raw, Mapping):
        raise ValidationError("event", "must be a JSON object")
    unknown = raw.keys() - FIELDS
    if unknown:
        raise ValidationError(sorted(unknown)[0], "is not a field of a payment event")
    kind = raw.get("type")
    if kind not in EVENT_STATUS:
        allowed = ", ".join(EVENT_STATUS)
        raise ValidationError("type", f"unknown event type {kind!r}; one of: {allowed}")
    status = EVENT_STATUS[kind]
    external_id = text(
        raw.get("external_id"), "external_id", required=True, max_length=EXTERNAL_ID_MAX
    )
    currency = normalize_currency(raw.get("currency"))
    value = parse_value(amount(raw.get("amount"), "amount"), currency, "amount")
    email = clean_email(raw.get("contact_email"), "contact_email", required=True)
    occurred = moment(raw.get("occurred_at"), "occurred_at")
    if occurred is None:
        raise ValidationError("occurred_at", "is required")
    fields: dict[str, Any] = {"status": status}
    if status is Status.PAID:
        # The captured amount is what the order is worth.
        fields.update(value=value, currency=currency, paid_date=occurred.date())
    return Incoming(
        source=Source.PAYMENTS,
        external_id=external_id,
        fields=fields,
        create_only={
            "title": f"Payment {external_id}",
            "value": value,
            "currency": currency,
            "order_date": occurred.date(),
        },
        contact_email=email,
        external_updated_at=occurred,
    )
