"""Orders from commerce platforms, mapped from each platform's own payload.

Shopify posts its order resource to the webhook URL (topics orders/create,
orders/updated, orders/paid, …). Nuvemshop's REST order resource is accepted
the same way. Both become orders with source "commerce", keyed by the
platform's order id, filed under the contact with the buyer's email (created,
owned by the integration owner, when there is none). The payload's own
`updated_at` orders redeliveries: an older state never overwrites a newer one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..errors import ValidationError
from ..models import Source, Status
from ..money import normalize_currency, parse_value
from ..validation import NAME_MAX, TITLE_MAX, clean_email
from .records import Incoming, amount, moment, text

PARTIALLY_REFUNDED = "Partially refunded"

SHOPIFY_STATUS = {
    "pending": Status.PENDING,
    "authorized": Status.PENDING,
    "paid": Status.PAID,
    "partially_paid": Status.PARTIALLY_PAID,
    "refunded": Status.REFUNDED,
    "partially_refunded": Status.PAID,
    "voided": Status.CANCELED,
    # An authorisation that lapsed was never captured.
    "expired": Status.FAILED,
}

NUVEMSHOP_STATUS = {
    "pending": Status.PENDING,
    "authorized": Status.PENDING,
    "paid": Status.PAID,
    "partially_paid": Status.PARTIALLY_PAID,
    "refunded": Status.REFUNDED,
    "partially_refunded": Status.PAID,
    "voided": Status.CANCELED,
    # The buyer left the checkout: nothing was charged.
    "abandoned": Status.CANCELED,
}


def _object(raw: object) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise ValidationError("order", "must be a JSON object")
    return raw


def _nested(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key)
    return value if isinstance(value, Mapping) else {}


def _order_id(raw: Mapping[str, Any]) -> str:
    value = raw.get("id")
    if type(value) is int and value > 0:
        return str(value)
    if isinstance(value, str) and value.strip().isdigit():
        return value.strip()
    raise ValidationError("id", "is required: the platform's order id")


def _local_day(raw: object, field: str) -> dt.date:
    """The calendar date of a timestamp in its own offset (the shop's day)."""
    if isinstance(raw, str):
        try:
            return dt.datetime.fromisoformat(raw.strip()).date()
        except ValueError:
            pass
    raise ValidationError(field, f"{raw!r} is not an ISO 8601 date-time")


def _buyer(email: object, name: object) -> tuple[str, str]:
    found = clean_email(email if email else None, "email")
    if found is None:
        raise ValidationError(
            "email", "the order has no buyer email: orders are filed under a contact"
        )
    if isinstance(name, str) and name.strip():
        label = text(name, "customer.name", required=False, max_length=NAME_MAX)
    else:
        label = None
    return found, label or found


def _status(table: dict[str, Status], raw: object, field: str) -> Status:
    if raw is None:
        return Status.PENDING
    if raw not in table:
        allowed = ", ".join(table)
        raise ValidationError(field, f"unknown {field} {raw!r}; one of: {allowed}")
    return table[raw]


def shopify_order(raw: object) -> Incoming:
    """Map Shopify's order webhook payload, exactly as Shopify sends it."""
    order = _object(raw)
    customer = _nested(order, "customer")
    external_id = _order_id(order)
    currency = normalize_currency(order.get("currency"))
    financial = order.get("financial_status")
    email, name = _buyer(
        order.get("email") or order.get("contact_email") or customer.get("email"),
        " ".join(
            str(customer.get(k)) for k in ("first_name", "last_name") if customer.get(k)
        )
        or _nested(order, "billing_address").get("name"),
    )
    title = order.get("name") or (
        f"#{order['order_number']}" if order.get("order_number") else None
    )
    return Incoming(
        source=Source.COMMERCE,
        external_id=external_id,
        fields={
            "title": text(title, "name", required=True, max_length=TITLE_MAX),
            "value": parse_value(
                amount(order.get("total_price"), "total_price"), currency, "total_price"
            ),
            "currency": currency,
            "status": _status(SHOPIFY_STATUS, financial, "financial_status"),
            "order_date": _local_day(order.get("created_at"), "created_at"),
            "note": PARTIALLY_REFUNDED if financial == "partially_refunded" else None,
        },
        contact_email=email,
        contact_name=name,
        external_updated_at=moment(order.get("updated_at"), "updated_at"),
    )


def nuvemshop_order(raw: object) -> Incoming:
    """Map Nuvemshop's order resource (as its REST API documents it)."""
    order = _object(raw)
    if "event" in order and "total" not in order:
        raise ValidationError(
            "total",
            "send the order resource (as GET /orders/{id} returns it), "
            "not the bare event notification",
        )
    customer = _nested(order, "customer")
    external_id = _order_id(order)
    currency = normalize_currency(order.get("currency"))
    payment = order.get("payment_status")
    status = _status(NUVEMSHOP_STATUS, payment, "payment_status")
    if order.get("status") == "cancelled" and status is not Status.REFUNDED:
        status = Status.CANCELED
    email, name = _buyer(
        order.get("contact_email") or customer.get("email"),
        order.get("contact_name") or customer.get("name"),
    )
    number = order.get("number")
    fields: dict[str, Any] = {
        "title": text(
            f"#{number}" if number else None,
            "number",
            required=True,
            max_length=TITLE_MAX,
        ),
        "value": parse_value(amount(order.get("total"), "total"), currency, "total"),
        "currency": currency,
        "status": status,
        "order_date": _local_day(order.get("created_at"), "created_at"),
        "note": PARTIALLY_REFUNDED if payment == "partially_refunded" else None,
    }
    if status is Status.PAID and order.get("paid_at"):
        fields["paid_date"] = _local_day(order.get("paid_at"), "paid_at")
    return Incoming(
        source=Source.COMMERCE,
        external_id=external_id,
        fields=fields,
        contact_email=email,
        contact_name=name,
        external_updated_at=moment(order.get("updated_at"), "updated_at"),
    )
