"""The API's JSON shapes, as pydantic models.

Contact and deal bodies are validated by these models. Order bodies are read
from the raw bytes (numbers as Decimal) and checked by the registry's own
rules, shared with the forms and the CSV import; `OrderIn` describes that
shape in the OpenAPI document, and a test keeps it equal to those rules.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from ..models import Source, Status

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Money = Annotated[
    Decimal | str,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
            ],
            "description": "A JSON number or a decimal string such as "
            '"1234.50", with no more decimals than the currency allows.',
            "examples": ["1234.50"],
        }
    ),
]
MoneyOut = Annotated[
    str, Field(description='Decimal string, e.g. "1234.50"', examples=["1234.50"])
]
Currency = Annotated[
    str,
    Field(min_length=3, max_length=3, description="ISO 4217 code", examples=["BRL"]),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in (
        (401, "Missing, unknown or revoked token"),
        (403, "Orders Registry disabled, or no CRM-management permission"),
        (404, "Not found, or outside your wallet"),
        (413, "Body over 1 MiB"),
        (422, "Invalid input; `field` names it"),
        (429, "Rate limit exceeded; see Retry-After"),
    )
}


class OrderIn(Strict):
    """One order. Give `contact_id` or `contact_email`."""

    contact_id: Id | None = None
    contact_email: str | None = Field(None, max_length=254)
    title: str = Field(min_length=1, max_length=200)
    value: Money
    currency: Currency | None = Field(
        None, description="Defaults to the account's currency"
    )
    status: Status | None = Field(None, description="Defaults to pending")
    order_date: dt.date | None = Field(None, description="Defaults to today")
    paid_date: dt.date | None = None
    deal_id: Id | None = None
    external_id: str | None = Field(
        None,
        max_length=200,
        description="Your own ID: resending it updates the order instead of "
        "adding another (unique per account and source)",
    )
    source: Source | None = Field(None, description='Defaults to "api"')
    external_updated_at: dt.datetime | None = Field(
        None,
        description="When your system last changed the order: a delivery "
        "older than the stored one is ignored",
    )


class OrderPatch(Strict):
    """The fields to change; the others keep their values."""

    title: str | None = Field(None, min_length=1, max_length=200)
    value: Money | None = None
    currency: Currency | None = None
    status: Status | None = None
    order_date: dt.date | None = None
    paid_date: dt.date | None = None
    deal_id: Id | None = None
    external_id: str | None = Field(None, max_length=200)
    external_updated_at: dt.datetime | None = None


class OrderOut(BaseModel):
    id: int
    contact_id: int
    deal_id: int | None
    title: str
    value: MoneyOut
    currency: str
    status: Status
    source: Source
    external_id: str | None
    order_date: dt.date
    paid_date: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime


class OrderPage(BaseModel):
    items: list[OrderOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last one"
    )


class BatchIn(Strict):
    orders: list[OrderIn] = Field(max_length=1000)


class BatchItem(BaseModel):
    index: int
    status: Literal["created", "updated", "error"]
    id: int | None = None
    outcome: Literal["created", "updated", "unchanged"] | None = Field(
        None, description="unchanged: the order already held these values"
    )
    error: ErrorDetail | None = None


class BatchOut(BaseModel):
    results: list[BatchItem]
    created: int
    updated: int
    errors: int


class HistoryEntry(BaseModel):
    from_status: Status | None
    to_status: Status
    changed_by: int | None
    changed_by_name: str | None
    source: Source
    changed_at: dt.datetime


class DeliveryOut(BaseModel):
    id: int
    received_at: dt.datetime
    source: Source
    channel: str
    external_id: str | None
    order_id: int | None
    outcome: Literal["created", "updated", "unchanged", "rejected"]
    reason: str | None


class ContactIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=254)
    owner_email: str | None = Field(
        None, max_length=254, description="Defaults to the token's user"
    )


class ContactOut(BaseModel):
    id: int
    name: str
    email: str | None
    owner_id: int | None


class DealIn(Strict):
    contact_id: Id
    title: str = Field(min_length=1, max_length=200)
    owner_email: str | None = Field(
        None, max_length=254, description="Defaults to the token's user"
    )


class DealOut(BaseModel):
    id: int
    contact_id: int
    title: str
    owner_id: int | None


class PaymentEvent(BaseModel):
    """An event of the Payments module."""

    type: Literal[
        "payment.succeeded",
        "payment.partially_paid",
        "payment.refunded",
        "payment.failed",
    ]
    external_id: str = Field(min_length=1, max_length=200)
    amount: Money
    currency: Currency
    contact_email: str
    occurred_at: dt.datetime


class Acknowledged(BaseModel):
    outcome: Literal["unchanged"]
    reason: str


def body(model: type[BaseModel], description: str = "") -> dict[str, Any]:
    """An `openapi_extra` documenting a JSON body the route reads itself."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{model.__name__}"}
                }
            },
        }
    }


def commerce_body(description: str) -> dict[str, Any]:
    """A platform's own order payload, documented by reference to it."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "application/json": {
                    "schema": {"type": "object", "additionalProperties": True}
                }
            },
        }
    }


# Request bodies read from raw bytes; their schemas are added to the document.
DOCUMENTED_ONLY = (OrderIn, OrderPatch, BatchIn, PaymentEvent)
