"""A batch of plainly new, plainly valid orders, checked and written as columns.

Bulk loads are the common batch: a thousand orders the registry has never
seen, each naming its contact by id. Going through `clean_order` and the
planner builds several objects per order, which is where a batch spent most
of its time. This path reads each field straight into a column, writes the
columns with the planner's own INSERT statements, and answers from the ids.

It only takes what it can decide without wording an error. Anything else —
a field that fails a check, a key seen twice, a deal, a buyer named by
email, a contact that is not found or falls outside the wallet, an external
ID that already exists — makes it step aside (`None`) having written
nothing, and the batch goes through the general writer, which words every
error and updates known orders. So the rules stay the general writer's;
this path only accepts the input they plainly accept.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import duckdb

from ..errors import RegistryError
from ..models import Actor, Source, Status
from ..money import MAX_VALUE, decimal_text, minor_units
from ..permissions import Action, can
from ..store import Database
from ..validation import EXTERNAL_ID_MAX, TITLE_MAX, check_paid_date, paid_date_for
from . import contacts, records, sql
from .engine import transaction
from .plan import Conflict, Delivery
from .rows import Rows

# Fields this path reads: a deal, a buyer's email or an integration's own
# update time send the batch to the general writer.
_FIELDS = records.ORDER_FIELDS - {"deal_id", "contact_email", "external_updated_at"}
_STATUSES = {s.value: s for s in Status}
_SOURCES = {s.value: s for s in Source}


class _StepAside(Exception):
    """The batch is not plainly new and valid: the general writer takes it."""


def write_new(
    db: Database,
    actor: Actor,
    batch: list[Any],
    delivery: Delivery,
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> list[int] | None:
    """Create every order of `batch` and return their ids in order, or None
    (nothing written) when the batch needs the general writer."""
    if not batch or not can(actor, Action.MANAGE_ORDERS):
        return None
    today = today or dt.date.today()
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    try:
        columns = _columns(batch, actor.account.default_currency, today)
    except (_StepAside, RegistryError):
        return None
    try:
        with transaction(db, commit=True) as cur:
            return _insert(cur, actor, columns, delivery, now)
    except (_StepAside, Conflict):
        return None


def _columns(
    batch: list[Any], default_currency: str, today: dt.date
) -> dict[str, list[Any]]:
    """Each order's stored values as columns; _StepAside (or the checks' own
    ValidationError) for anything the general writer should word."""
    contact_ids: list[int] = []
    titles: list[str] = []
    units: list[int] = []
    currencies: list[str] = []
    statuses: list[str] = []
    sources: list[str] = []
    external_ids: list[str | None] = []
    order_dates: list[dt.date] = []
    paid_dates: list[dt.date | None] = []
    keys: set[tuple[str, str]] = set()
    for raw in batch:
        if type(raw) is not dict or not _FIELDS.issuperset(raw):
            raise _StepAside
        get = raw.get
        contact_id = get("contact_id")
        if type(contact_id) is not int or not 0 < contact_id < 2**63:
            raise _StepAside
        code = get("currency")
        code = default_currency if code is None else records.currency(code)
        status = _STATUSES.get(get("status", "pending"))
        source = _SOURCES.get(get("source", "api"))
        if status is None or source is None:
            raise _StepAside
        order_date = get("order_date")
        order_date = today if order_date is None else _day(order_date, "order_date")
        paid_date = get("paid_date")
        if paid_date is not None:
            paid_date = _day(paid_date, "paid_date")
        paid_date = paid_date_for(status, paid_date, None, today)
        check_paid_date(paid_date, order_date, today)
        external_id = get("external_id")
        if external_id is not None:
            external_id = _text(external_id, "external_id", EXTERNAL_ID_MAX)
            key = (source.value, external_id)
            if key in keys:
                raise _StepAside  # the n-th delivery of a key applies on top
            keys.add(key)
        contact_ids.append(contact_id)
        titles.append(_text(get("title"), "title", TITLE_MAX))
        units.append(_units(get("value"), code))
        currencies.append(code)
        statuses.append(status.value)
        sources.append(source.value)
        external_ids.append(external_id)
        order_dates.append(order_date)
        paid_dates.append(paid_date)
    return {
        "contact_id": contact_ids,
        "title": titles,
        "units": units,
        "currency": currencies,
        "status": statuses,
        "source": sources,
        "external_id": external_ids,
        "order_date": order_dates,
        "paid_date": paid_dates,
    }


def _text(raw: object, name: str, max_length: int) -> str:
    """Printable ASCII is checked here; other text by the forms' own rule."""
    if type(raw) is str and raw.isascii() and raw.isprintable():
        text = raw.strip(" ")
        if text and len(text) <= max_length:
            return text
        raise _StepAside
    text = records.text(raw, name, required=True, max_length=max_length)
    if text is None:
        raise _StepAside
    return text


def _day(raw: object, name: str) -> dt.date:
    day = records.day(raw, name)
    if day is None:
        raise _StepAside
    return day


def _units(raw: object, currency: str) -> int:
    """The amount in ten-thousandths, when it is plainly valid for `currency`."""
    kind = type(raw)
    if kind is str:
        try:  # the forms' rule for amounts written as text
            value = Decimal(decimal_text(raw))  # type: ignore[arg-type]
        except (ArithmeticError, RegistryError):
            raise _StepAside from None
    elif kind is Decimal:
        value = raw  # type: ignore[assignment]
    elif kind is int:
        value = Decimal(raw)  # type: ignore[arg-type]
    else:
        raise _StepAside
    if not (
        value.is_finite()
        and 0 <= value <= MAX_VALUE
        and value.as_tuple().exponent >= -minor_units(currency)  # type: ignore[operator]
    ):
        raise _StepAside
    return int(value.scaleb(4))


def _insert(
    cur: duckdb.DuckDBPyConnection,
    actor: Actor,
    columns: dict[str, list[Any]],
    delivery: Delivery,
    now: dt.datetime,
) -> list[int]:
    """Check the contacts (and the wallet), then insert; the new ids."""
    contact_ids = columns["contact_id"]
    owners = contacts.by_id(cur, actor, set(contact_ids))
    try:
        owner_ids = [owners[c] for c in contact_ids]
    except KeyError:
        raise _StepAside from None  # not found, or outside the contact wallet
    if not actor.sees_whole_account and _outside_wallet(cur, actor, contact_ids):
        raise _StepAside
    count = len(contact_ids)
    ids = sql.new_order_ids(cur, count)
    nothing = [None] * count
    new = Rows(
        "new_orders",
        {
            "id": ("BIGINT", ids),
            "contact_id": ("BIGINT", contact_ids),
            "deal_id": ("BIGINT", nothing),
            "title": ("VARCHAR", columns["title"]),
            "units": ("BIGINT", columns["units"]),
            "currency": ("VARCHAR", columns["currency"]),
            "status": ("VARCHAR", columns["status"]),
            "source": ("VARCHAR", columns["source"]),
            "external_id": ("VARCHAR", columns["external_id"]),
            "order_date": ("DATE", columns["order_date"]),
            "paid_date": ("DATE", columns["paid_date"]),
            "external_updated_at": ("TIMESTAMP", nothing),
            "note": ("VARCHAR", nothing),
            "contact_owner_id": ("BIGINT", owner_ids),
            "deal_owner_id": ("BIGINT", nothing),
        },
    )
    sql.insert_rows(cur, new, actor, delivery, now)
    return ids


def _outside_wallet(
    cur: duckdb.DuckDBPyConnection, actor: Actor, contact_ids: list[int]
) -> bool:
    """Whether an order without a deal for any of these contacts would fall
    outside the actor's wallet (the planner's own check)."""
    distinct = sorted(set(contact_ids))
    planned = {
        i: {"account_id": actor.account_id, "contact_id": c, "deal_id": None}
        for i, c in enumerate(distinct)
    }
    return bool(sql.outside_wallet(cur, actor, planned))
