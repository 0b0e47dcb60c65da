"""Orders: create, edit, change status, upsert by external ID, read.

Every read composes `wallet.orders(actor)` into its SQL; every write checks
the permission first and validates the whole record before touching a row.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb

from . import wallet
from .crm import get_contact
from .errors import NotFound, PermissionDenied, ValidationError
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
    paid_date_for,
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


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _order(row: tuple) -> Order:
    values = list(row)
    currency = values[6]
    values[5] = Decimal(values[5]).quantize(Decimal(1).scaleb(-minor_units(currency)))
    values[7] = Status(values[7])
    values[8] = Source(values[8])
    return Order(*values)


# --- validation -------------------------------------------------------------


def _clean(
    cur: duckdb.DuckDBPyConnection,
    actor: Actor,
    contact_id: int,
    fields: dict[str, Any],
    today: dt.date,
) -> dict[str, Any]:
    """Validate a whole order record; return it normalised, or raise."""
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
    deal_id = _clean_deal(cur, actor, contact_id, fields.get("deal_id"))
    return {
        "title": title,
        "value": value,
        "currency": currency,
        "status": status,
        "source": source,
        "order_date": order_date,
        "paid_date": paid_date,
        "external_id": external_id,
        "deal_id": deal_id,
    }


def _clean_deal(
    cur: duckdb.DuckDBPyConnection, actor: Actor, contact_id: int, raw: object
) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ValidationError("deal_id", "must be a deal id")
    try:
        deal_id = int(raw)
    except ValueError:
        raise ValidationError("deal_id", f"{raw!r} is not a deal id") from None
    row = cur.execute(
        "SELECT contact_id FROM deals WHERE id = ? AND account_id = ?",
        [deal_id, actor.account_id],
    ).fetchone()
    if row is None or row[0] != contact_id:
        raise ValidationError(
            "deal_id", f"deal {deal_id} is not a deal of this contact"
        )
    return deal_id


# --- writes -----------------------------------------------------------------


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
    get_contact(db, actor, contact_id)
    with db.cursor() as cur:
        values = _clean(cur, actor, contact_id, fields, today)
    values["paid_date"] = paid_date_for(
        values["status"], values["paid_date"], None, today
    )
    try:
        return Saved(_insert(db, actor, contact_id, values), created=True)
    except duckdb.ConstraintException:
        if values["external_id"] is None:
            raise
    existing = _id_by_external_id(db, actor, values["source"], values["external_id"])
    return Saved(_update(db, actor, existing, contact_id, values, today), False)


def _insert(
    db: Database, actor: Actor, contact_id: int, values: dict[str, Any]
) -> Order:
    now = _now()
    with db.transaction() as cur:
        order_id = cur.execute(
            "INSERT INTO orders (account_id, contact_id, deal_id, title, value, "
            "currency, status, source, external_id, order_date, paid_date, "
            f"created_by, created_at, updated_at, {wallet.OWNER_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            f"{wallet.owners('?', '?')}) RETURNING id",
            [
                actor.account_id,
                contact_id,
                values["deal_id"],
                values["title"],
                values["value"],
                values["currency"],
                values["status"].value,
                values["source"].value,
                values["external_id"],
                values["order_date"],
                values["paid_date"],
                actor.id,
                now,
                now,
                contact_id,
                values["deal_id"],
            ],
        ).fetchone()[0]
        _append_history(
            cur, actor, order_id, None, values["status"], values["source"], now
        )
        _ensure_in_wallet(cur, actor, order_id)
    log.info(
        "order %s created for contact %s via %s", order_id, contact_id, values["source"]
    )
    return get_order(db, actor, order_id)


def _id_by_external_id(
    db: Database, actor: Actor, source: Source, external_id: str
) -> int:
    scope = wallet.orders(actor)
    with db.cursor() as cur:
        row = cur.execute(
            "SELECT o.id, bool_or("
            + scope.sql
            + ") "
            + _FROM
            + " WHERE o.account_id = ? AND o.source = ? AND o.external_id = ? "
            "GROUP BY o.id",
            [*scope.params, actor.account_id, source.value, external_id],
        ).fetchone()
    if row is None:
        raise ValidationError("external_id", "could not be matched; try again")
    if not row[1]:
        raise ValidationError(
            "external_id",
            f"{external_id!r} already belongs to an order outside your wallet",
        )
    return row[0]


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
    with db.cursor() as cur:
        values = _clean(cur, actor, current.contact_id, merged, today)
    try:
        return _update(db, actor, order_id, current.contact_id, values, today)
    except duckdb.ConstraintException:
        # The only unique key an edit can break is (account, source, external ID).
        raise ValidationError(
            "external_id",
            f"{values['external_id']!r} already belongs to another "
            f"{values['source']} order",
        ) from None


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
    with db.cursor() as cur:
        values = _clean(cur, actor, current.contact_id, merged, today)
    source = parse_choice(Source, source, "source")
    return _update(
        db, actor, order_id, current.contact_id, values, today, change_source=source
    )


def _update(
    db: Database,
    actor: Actor,
    order_id: int,
    contact_id: int,
    values: dict[str, Any],
    today: dt.date,
    *,
    change_source: Source | None = None,
) -> Order:
    now = _now()
    with db.transaction() as cur:
        before = cur.execute(
            "SELECT status, paid_date FROM orders WHERE id = ?", [order_id]
        ).fetchone()
        old_status = Status(before[0])
        new_status = values["status"]
        values["paid_date"] = paid_date_for(
            new_status, values["paid_date"], before[1], today
        )
        cur.execute(
            "UPDATE orders SET contact_id = ?, deal_id = ?, title = ?, value = ?, "
            "currency = ?, status = ?, order_date = ?, paid_date = ?, "
            f"external_id = ?, updated_at = ?, {wallet.owners_set('?', '?')} "
            "WHERE id = ?",
            [
                contact_id,
                values["deal_id"],
                values["title"],
                values["value"],
                values["currency"],
                new_status.value,
                values["order_date"],
                values["paid_date"],
                values["external_id"],
                now,
                contact_id,
                values["deal_id"],
                order_id,
            ],
        )
        if new_status is not old_status:
            _append_history(
                cur,
                actor,
                order_id,
                old_status,
                new_status,
                change_source or values["source"],
                now,
            )
        _ensure_in_wallet(cur, actor, order_id)
    if new_status is not old_status:
        log.info("order %s status %s -> %s", order_id, old_status, new_status)
    return get_order(db, actor, order_id)


def _append_history(
    cur: duckdb.DuckDBPyConnection,
    actor: Actor,
    order_id: int,
    from_status: Status | None,
    to_status: Status,
    source: Source,
    at: dt.datetime,
) -> None:
    cur.execute(
        "INSERT INTO order_status_history (account_id, order_id, from_status, "
        "to_status, changed_by, source, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            actor.account_id,
            order_id,
            from_status.value if from_status else None,
            to_status.value,
            actor.id,
            source.value,
            at,
        ],
    )


def _ensure_in_wallet(
    cur: duckdb.DuckDBPyConnection, actor: Actor, order_id: int
) -> None:
    """Refuse a write whose result the actor could not see (rolls it back)."""
    scope = wallet.orders(actor)
    row = cur.execute(
        f"SELECT 1 {_FROM} WHERE o.id = ? AND {scope.sql}",
        [order_id, *scope.params],
    ).fetchone()
    if row is None:
        raise PermissionDenied(
            "This order would fall outside your wallet: link it to one of your "
            "deals, or ask the contact's owner."
        )


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
