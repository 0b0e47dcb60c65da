"""Orders: create, edit, change status, upsert by external ID, read.

Every read composes `wallet.orders(actor)` into its SQL; every write checks
the permission first, validates the whole record, and is written by the same
writer as the API's and the webhooks' orders (`registry.ingest`).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb

from . import wallet
from .errors import NotFound, ValidationError
from .ingest.engine import write_orders
from .ingest.log import Outcome
from .ingest.plan import Delivery, ItemResult
from .ingest.records import Incoming
from .models import Actor, Order, Source, Status, StatusChange
from .money import minor_units, normalize_currency, parse_value
from .permissions import Action, ensure
from .store import Database
from .validation import (
    EXTERNAL_ID_MAX,
    TITLE_MAX,
    as_id,
    check_paid_date,
    clean_text,
    parse_choice,
    parse_date,
)

log = logging.getLogger(__name__)

EDITABLE = (
    "title",
    "value",
    "currency",
    "status",
    "order_date",
    "paid_date",
    "deal_id",
    "external_id",
)

_FROM = (
    "FROM orders o JOIN contacts c ON c.id = o.contact_id "
    "LEFT JOIN deals d ON d.id = o.deal_id"
)
# Reads whose WHERE tests only the order's own columns (the wallet included).
_ORDERS = "FROM orders o"
_STORED_COLUMNS = (
    "o.id, o.account_id, o.contact_id, o.deal_id, o.title, o.value, o.currency, "
    "o.status, o.source, o.external_id, o.order_date, o.paid_date, "
    "o.created_at, o.updated_at"
)
_ORDER_COLUMNS = f"{_STORED_COLUMNS}, c.name, d.title"


@dataclass(frozen=True)
class Saved:
    """What a save did: the order as stored, and whether it is new."""

    order: Order
    created: bool


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    orders: int
    total: Decimal
    paid: Decimal


def _order(row: tuple) -> Order:
    values = list(row)
    currency = values[6]
    values[5] = Decimal(values[5]).quantize(Decimal(1).scaleb(-minor_units(currency)))
    values[7] = Status(values[7])
    values[8] = Source(values[8])
    return Order(*values)


# --- validation -------------------------------------------------------------


def _clean(
    actor: Actor, fields: dict[str, Any], today: dt.date
) -> tuple[Source, str | None, dict[str, Any]]:
    """Validate a whole order record from a form: its source, its external
    ID and its other columns, normalised; or raise ValidationError. Whether
    the contact and the deal exist and go together is the writer's check."""
    unknown = set(fields) - set(EDITABLE) - {"source"}
    if unknown:
        raise ValidationError(sorted(unknown)[0], "is not a field of an order")
    title = clean_text(fields.get("title"), "title", max_length=TITLE_MAX)
    raw_currency = fields.get("currency") or actor.account.default_currency
    currency = normalize_currency(raw_currency)
    value = parse_value(fields.get("value"), currency)
    status = parse_choice(Status, fields.get("status") or Status.PENDING, "status")
    source = parse_choice(Source, fields.get("source") or Source.MANUAL, "source")
    order_date = parse_date(fields.get("order_date") or today, "order_date")
    paid_date = parse_date(fields.get("paid_date"), "paid_date", required=False)
    check_paid_date(paid_date, order_date, today)
    external_id = clean_text(
        fields.get("external_id"),
        "external_id",
        required=False,
        max_length=EXTERNAL_ID_MAX,
    )
    columns = {
        "title": title,
        "value": value,
        "currency": currency,
        "status": status,
        "order_date": order_date,
        "paid_date": paid_date,
        "deal_id": _deal_id(fields.get("deal_id")),
    }
    return source, external_id, columns


def _deal_id(raw: object) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ValidationError("deal_id", "must be a deal id")
    try:
        return int(raw)
    except ValueError:
        raise ValidationError("deal_id", f"{raw!r} is not a deal id") from None


# --- writes -----------------------------------------------------------------
#
# The forms write through the intake's writer (registry/ingest), with one
# item and no ingestion-log entry: one place holds the upsert by external ID,
# the status history, the paid date and the wallet check for every channel.

_FORM = Delivery("form", source=Source.MANUAL, logged=False)


def create_order(db: Database, actor: Actor, contact_id: int, **fields: Any) -> Order:
    """Record a new order (or update the one holding its external ID)."""
    return save_order(db, actor, contact_id, **fields).order


def save_order(
    db: Database,
    actor: Actor,
    contact_id: int,
    *,
    today: dt.date | None = None,
    **fields: Any,
) -> Saved:
    """Insert an order; with an external ID already known for its source,
    update that order instead. The unique index decides, not a prior read."""
    ensure(actor, Action.MANAGE_ORDERS)
    today = today or dt.date.today()
    contact_id = as_id(contact_id, "Contact")
    source, external_id, columns = _clean(actor, fields, today)
    item = Incoming(source, external_id, columns, contact_id=contact_id)
    result = _write(db, actor, item, today)
    if result.outcome is Outcome.CREATED:
        log.info(
            "order %s created for contact %s via %s",
            result.order_id,
            contact_id,
            source,
        )
    return Saved(
        get_order(db, actor, result.order_id),  # type: ignore[arg-type]
        created=result.outcome is Outcome.CREATED,
    )


def update_order(
    db: Database,
    actor: Actor,
    order_id: int,
    *,
    today: dt.date | None = None,
    **changes: Any,
) -> Order:
    """Edit an order's fields; a status change is appended to its history."""
    ensure(actor, Action.MANAGE_ORDERS)
    today = today or dt.date.today()
    current = get_order(db, actor, order_id)
    merged = {name: getattr(current, name) for name in EDITABLE}
    if (
        "source" in changes
        and parse_choice(Source, changes["source"], "source") is not current.source
    ):
        raise ValidationError(
            "source", "cannot be changed: it records where the order came from"
        )
    merged["source"] = current.source
    merged.update(changes)
    _, external_id, columns = _clean(actor, merged, today)
    columns["external_id"] = external_id
    item = Incoming(current.source, external_id, columns, target_id=current.id)
    _write(db, actor, item, today, before=current)
    return get_order(db, actor, current.id)


def change_status(
    db: Database,
    actor: Actor,
    order_id: int,
    status: Status | str,
    *,
    paid_date: dt.date | str | None = None,
    source: Source | str = Source.MANUAL,
    today: dt.date | None = None,
) -> Order:
    """Move an order to `status`, recording who, when and from which source."""
    ensure(actor, Action.MANAGE_ORDERS)
    today = today or dt.date.today()
    current = get_order(db, actor, order_id)
    merged = {name: getattr(current, name) for name in EDITABLE}
    merged["status"] = status
    merged["source"] = current.source
    if paid_date is not None:
        merged["paid_date"] = paid_date
    _, _, columns = _clean(actor, merged, today)
    change = {"status": columns["status"], "paid_date": columns["paid_date"]}
    via = parse_choice(Source, source, "source")
    item = Incoming(via, current.external_id, change, target_id=current.id)
    _write(db, actor, item, today, before=current)
    return get_order(db, actor, current.id)


def _write(
    db: Database,
    actor: Actor,
    item: Incoming,
    today: dt.date,
    *,
    before: Order | None = None,
) -> ItemResult:
    """Write one form's order; its refusal, if any, is raised."""
    (result,) = write_orders(db, actor, [item], _FORM, today=today)
    error = result.error
    if isinstance(error, NotFound) and error.field == "deal_id":
        # A form offers the contact's deals: any other is a wrong choice there.
        deal_id = item.fields["deal_id"]
        message = f"deal {deal_id} is not a deal of this contact"
        raise ValidationError("deal_id", message)
    if error is not None:
        raise error
    after = result.values
    if before is not None and after and after["status"] is not before.status:
        log.info("order %s status %s -> %s", before.id, before.status, after["status"])
    return result


# --- reads ------------------------------------------------------------------


def get_order(db: Database, actor: Actor, order_id: int) -> Order:
    """The order, if it is in the actor's wallet; else NotFound."""
    ensure(actor, Action.VIEW_ORDERS)
    order_id = as_id(order_id, "Order")
    scope = wallet.orders(actor)
    with db.cursor() as cur:
        row = cur.execute(
            f"SELECT {_ORDER_COLUMNS} {_FROM} WHERE o.id = ? AND {scope.sql}",
            [order_id, *scope.params],
        ).fetchone()
    if row is None:
        raise NotFound(f"Order {order_id} was not found.")
    return _order(row)


def _filters(
    actor: Actor, contact_id: int | None, deal_id: int | None
) -> tuple[str, list[object]]:
    scope = wallet.orders(actor)
    where, params = scope.sql, list(scope.params)
    if contact_id is not None:
        where += " AND o.contact_id = ?"
        params.append(contact_id)
    if deal_id is not None:
        where += " AND o.deal_id = ?"
        params.append(deal_id)
    return where, params


def list_orders(
    db: Database,
    actor: Actor,
    *,
    contact_id: int | None = None,
    deal_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Order]:
    """Orders in the wallet, newest first."""
    ensure(actor, Action.VIEW_ORDERS)
    where, params = _filters(actor, contact_id, deal_id)
    return _newest_first(db, where, [*params], limit=limit, offset=offset)


def _newest_first(
    db: Database, where: str, params: list[object], *, limit: int, offset: int = 0
) -> list[Order]:
    """One page of the orders matching `where` (over `o` alone), newest
    first, in three small steps inside one snapshot.

    The first statement picks the page through the wallet reading only key
    columns; the second fetches those few orders whole; the third the names
    of their contacts and deals. Sorting whole rows, or joining the names in
    the same statement, costs a busy contact's page three to four times as
    long at ten million orders.
    """
    with db.transaction() as cur:
        keys = cur.execute(
            f"SELECT o.id, o.contact_id, o.deal_id {_ORDERS} WHERE {where} "
            "ORDER BY o.order_date DESC, o.id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        if not keys:
            return []
        found = by_id(cur, _STORED_COLUMNS, [k[0] for k in keys])
        contacts, deals = names(cur, keys)
    return [
        _order((*found[i], contacts[c], deals.get(d))) for i, c, d in keys if i in found
    ]


def by_id(
    cur: duckdb.DuckDBPyConnection, columns: str, ids: list[int]
) -> dict[int, tuple]:
    """Order id -> `columns` (SQL over `o`, the id first) of the orders with
    those ids: a page's rows, once its keys are known."""
    rows = cur.execute(
        f"SELECT {columns} FROM orders o WHERE o.id IN ({marks(ids)})", ids
    )
    return {row[0]: row for row in rows.fetchall()}


def names(
    cur: duckdb.DuckDBPyConnection, keys: list[tuple[int, int, int | None]]
) -> tuple[dict[int, str], dict[int, str]]:
    """The contact names and deal titles of a page of (order id, contact id,
    deal id): two lookups of a few ids, cheaper than joining the page's
    statement to the whole contacts and deals tables."""
    return (
        _names(cur, "SELECT id, name FROM contacts", {k[1] for k in keys}),
        _names(cur, "SELECT id, title FROM deals", {k[2] for k in keys}),
    )


def _names(cur: duckdb.DuckDBPyConnection, select: str, ids: set) -> dict:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = cur.execute(f"{select} WHERE id IN ({marks(wanted)})", wanted)
    return dict(rows.fetchall())


def marks(values: list) -> str:
    """One `?` per value, comma-separated, for an IN list."""
    return ", ".join("?" for _ in values)


def page_orders(
    db: Database,
    actor: Actor,
    *,
    contact_id: int | None = None,
    deal_id: int | None = None,
    status: Status | None = None,
    source: Source | None = None,
    currency: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    after: tuple[dt.date, int] | None = None,
    limit: int = 50,
) -> list[Order]:
    """Orders in the wallet, newest first, resuming after the (order date, id)
    of the last one already seen: a keyset page, stable under inserts."""
    ensure(actor, Action.VIEW_ORDERS)
    where, params = _filters(actor, contact_id, deal_id)
    for clause, value in (
        ("o.status = ?", status.value if status else None),
        ("o.source = ?", source.value if source else None),
        ("o.currency = ?", currency),
        ("o.order_date >= ?", date_from),
        ("o.order_date <= ?", date_to),
    ):
        if value is not None:
            where += f" AND {clause}"
            params.append(value)
    if after is not None:
        where += " AND (o.order_date < ? OR (o.order_date = ? AND o.id < ?))"
        params += [after[0], after[0], after[1]]
    return _newest_first(db, where, params, limit=limit)


def count_orders(
    db: Database,
    actor: Actor,
    *,
    contact_id: int | None = None,
    deal_id: int | None = None,
) -> int:
    ensure(actor, Action.VIEW_ORDERS)
    where, params = _filters(actor, contact_id, deal_id)
    with db.cursor() as cur:
        row = cur.execute(f"SELECT count(*) {_ORDERS} WHERE {where}", params)
        return row.fetchone()[0]


def totals(
    db: Database,
    actor: Actor,
    *,
    contact_id: int | None = None,
    deal_id: int | None = None,
) -> list[CurrencyTotal]:
    """Order count, total and paid value per currency — never summed across."""
    ensure(actor, Action.VIEW_ORDERS)
    where, params = _filters(actor, contact_id, deal_id)
    with db.cursor() as cur:
        rows = cur.execute(
            f"SELECT o.currency, count(*), sum(o.value), "
            f"coalesce(sum(o.value) FILTER (WHERE o.status = 'paid'), 0) "
            f"{_ORDERS} WHERE {where} GROUP BY o.currency ORDER BY o.currency",
            params,
        ).fetchall()
    out = []
    for currency, count, total, paid in rows:
        quantum = Decimal(1).scaleb(-minor_units(currency))
        out.append(
            CurrencyTotal(
                currency,
                count,
                Decimal(total).quantize(quantum),
                Decimal(paid).quantize(quantum),
            )
        )
    return out


def status_history(db: Database, actor: Actor, order_id: int) -> list[StatusChange]:
    """Every status change of an order in the wallet, oldest first."""
    get_order(db, actor, order_id)
    with db.cursor() as cur:
        rows = cur.execute(
            "SELECT h.order_id, h.from_status, h.to_status, h.changed_by, u.name, "
            "h.source, h.changed_at FROM order_status_history h "
            "LEFT JOIN users u ON u.id = h.changed_by "
            "WHERE h.order_id = ? AND h.account_id = ? ORDER BY h.changed_at, h.id",
            [order_id, actor.account_id],
        ).fetchall()
    return [
        StatusChange(
            order_id=r[0],
            from_status=Status(r[1]) if r[1] else None,
            to_status=Status(r[2]),
            changed_by=r[3],
            changed_by_name=r[4],
            source=Source(r[5]),
            changed_at=r[6],
        )
        for r in rows
    ]
