"""The registry's records and vocabularies, free of any storage detail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Status(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    OVERDUE = "overdue"
    REFUNDED = "refunded"
    CANCELED = "canceled"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Source(StrEnum):
    MANUAL = "manual"
    WEBHOOK = "webhook"
    API = "api"
    PAYMENTS = "payments"
    COMMERCE = "commerce"

    @property
    def label(self) -> str:
        return _SOURCE_LABELS[self]


_SOURCE_LABELS = {
    Source.MANUAL: "Manual",
    Source.WEBHOOK: "Webhook",
    Source.API: "API",
    Source.PAYMENTS: "Payments",
    Source.COMMERCE: "Commerce",
}


class Scope(StrEnum):
    """How far a user's wallet reaches when owner-based privacy is on."""

    OWN = "own"
    TEAM = "team"
    ALL = "all"


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    default_currency: str
    orders_enabled: bool
    owner_privacy: bool


@dataclass(frozen=True)
class User:
    id: int
    account_id: int
    email: str
    name: str
    is_admin: bool
    crm_manage: bool
    scope: Scope
    team: str | None


@dataclass(frozen=True)
class Actor:
    """The signed-in user together with the account settings that bind them."""

    user: User
    account: Account

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def account_id(self) -> int:
        return self.account.id

    @property
    def sees_whole_account(self) -> bool:
        return (
            not self.account.owner_privacy
            or self.user.is_admin
            or self.user.scope is Scope.ALL
        )


@dataclass(frozen=True)
class Contact:
    id: int
    account_id: int
    name: str
    email: str | None
    owner_id: int | None
    owner_name: str | None = None


@dataclass(frozen=True)
class Deal:
    id: int
    account_id: int
    contact_id: int
    title: str
    owner_id: int | None
    owner_name: str | None = None
    contact_name: str | None = None


@dataclass(frozen=True)
class Order:
    id: int
    account_id: int
    contact_id: int
    deal_id: int | None
    title: str
    value: Decimal
    currency: str
    status: Status
    source: Source
    external_id: str | None
    order_date: dt.date
    paid_date: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime
    contact_name: str | None = None
    deal_title: str | None = None


@dataclass(frozen=True)
class StatusChange:
    order_id: int
    from_status: Status | None
    to_status: Status
    changed_by: int | None
    changed_by_name: str | None
    source: Source
    changed_at: dt.datetime
