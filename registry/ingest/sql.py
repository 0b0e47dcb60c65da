"""Set-based SQL for the intake writer: each statement handles a whole batch,
so a thousand orders cost one INSERT rather than a thousand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import duckdb

from .. import wallet
from ..errors import ValidationError
from ..models import Actor, Source, Status
from .records import Incoming
from .rows import Rows

if TYPE_CHECKING:
    from .plan import Delivery

# The stored columns an update starts from.
STORED = (
    "id",
    "account_id",
    "contact_id",
    "deal_id",
    "title",
    "value",
    "currency",
    "status",
    "source",
    "external_id",
    "order_date",
    "paid_date",
    "note",
    "external_updated_at",
    "created_at",
    "updated_at",
)
_SELECT_STORED = ", ".join(f"o.{c}" for c in STORED)
_JOINS = "JOIN contacts c ON c.id = o.contact_id LEFT JOIN deals d ON d.id = o.deal_id"


def _row(values: tuple) -> dict[str, Any]:
    row = dict(zip(STORED, values, strict=False))
    row["status"] = Status(row["status"])
    row["source"] = Source(row["source"])
    row["visible"] = values[-1]
    return row


def existing_orders(
    cur: duckdb.DuckDBPyConnection,
    actor: Actor,
    items: Sequence[Incoming],
    indices: Sequence[int],
    *,
    by_key: bool,
) -> dict[int, dict[str, Any]]:
    """Index -> the stored order each item addresses, with `visible` telling
    whether it lies in the actor's wallet. Items addressed by external ID
    are looked up only when `by_key` (a first attempt assumes they are new)."""
    scope = wallet.orders(actor)
    found: dict[int, dict[str, Any]] = {}
    targets: dict[int, list[int]] = {}
    keyed: dict[Source, tuple[list[int], list[str]]] = {}
    for index, item in zip(indices, items, strict=True):
        if item.target_id is not None:
            targets.setdefault(item.target_id, []).append(index)
        elif by_key and item.external_id is not None:
            positions, keys = keyed.setdefault(item.source, ([], []))
            positions.append(index)
            keys.append(item.external_id)
    if targets:
        wanted = Rows("wanted_orders", {"id": ("BIGINT", list(targets))})
        with wanted.bound(cur) as relation_of:
            relation, params = relation_of()
            rows = cur.execute(
                f"SELECT {_SELECT_STORED}, coalesce(({scope.sql}), FALSE) "
                "FROM orders o "
                f"WHERE o.account_id = ? AND o.id IN (SELECT id FROM {relation})",
                [*scope.params, actor.account_id, *params],
            ).fetchall()
        for values in rows:
            for index in targets[values[0]]:
                found[index] = _row(values)
    for source, (positions, keys) in keyed.items():
        wanted = Rows(
            "order_keys",
            {"idx": ("BIGINT", positions), "external_id": ("VARCHAR", keys)},
        )
        with wanted.bound(cur) as relation_of:
            relation, params = relation_of()
            rows = cur.execute(
                f"SELECT k.idx, {_SELECT_STORED}, coalesce(({scope.sql}), FALSE) "
                f"FROM {relation} k "
                "JOIN orders o ON o.external_id = k.external_id "
                "WHERE o.account_id = ? AND o.source = ?",
                [*scope.params, *params, actor.account_id, source.value],
            ).fetchall()
        for values in rows:
            found[values[0]] = _row(values[1:])
    return found


def outside_wallet(
    cur: duckdb.DuckDBPyConnection, actor: Actor, rows: dict[int, dict[str, Any]]
) -> list[int]:
    """The indices whose order, as planned, would fall outside the wallet."""
    if not rows:
        return []
    scope = wallet.order_links(actor)
    planned = Rows(
        "planned_orders",
        {
            "idx": ("BIGINT", list(rows)),
            "account_id": ("BIGINT", [v["account_id"] for v in rows.values()]),
            "contact_id": ("BIGINT", [v["contact_id"] for v in rows.values()]),
            "deal_id": ("BIGINT", [v["deal_id"] for v in rows.values()]),
        },
    )
    with planned.bound(cur) as relation_of:
        relation, params = relation_of()
        found = cur.execute(
            # A missing deal makes the predicate NULL, which is "outside" too.
            f"SELECT o.idx FROM {relation} o {_JOINS} "
            f"WHERE NOT coalesce(({scope.sql}), FALSE)",
            [*params, *scope.params],
        ).fetchall()
    return [r[0] for r in found]


def new_order_ids(cur: duckdb.DuckDBPyConnection, count: int) -> list[int]:
    """Ids for new orders, drawn before inserting so results map to items."""
    rows = cur.execute("SELECT nextval('order_ids') FROM range(?)", [count]).fetchall()
    return [r[0] for r in rows]


def _units(value: Decimal) -> int:
    # Ten-thousandths: DECIMAL(18, 4) as an integer, which travels to DuckDB
    # several times faster than a decimal column.
    return int(value.scaleb(4))


def _orders(
    name: str, rows: Sequence[dict[str, Any]], *, times: bool, owners: bool = False
) -> Rows:
    def column(key: str) -> list[Any]:
        return [r[key] for r in rows]

    columns: dict[str, tuple[str, list[Any]]] = {
        "id": ("BIGINT", column("id")),
        "contact_id": ("BIGINT", column("contact_id")),
        "deal_id": ("BIGINT", column("deal_id")),
        "title": ("VARCHAR", column("title")),
        "units": ("BIGINT", [_units(r["value"]) for r in rows]),
        "currency": ("VARCHAR", column("currency")),
        "status": ("VARCHAR", [r["status"].value for r in rows]),
        "source": ("VARCHAR", [r["source"].value for r in rows]),
        "external_id": ("VARCHAR", column("external_id")),
        "order_date": ("DATE", column("order_date")),
        "paid_date": ("DATE", column("paid_date")),
        "external_updated_at": ("TIMESTAMP", column("external_updated_at")),
        "note": ("VARCHAR", column("note")),
    }
    if times:
        columns["updated_at"] = ("TIMESTAMP", column("updated_at"))
    if owners:
        columns["contact_owner_id"] = ("BIGINT", column("contact_owner_id"))
        columns["deal_owner_id"] = ("BIGINT", column("deal_owner_id"))
    return Rows(name, columns)


# Exact: integer units times a DECIMAL(5, 4) literal, never a float.
_VALUE = "(u.units::DECIMAL(18, 0) * 0.0001)::DECIMAL(18, 4)"


def insert_orders(
    cur: duckdb.DuckDBPyConnection,
    rows: Sequence[dict[str, Any]],
    actor: Actor,
    delivery: Delivery,
    now: dt.datetime,
) -> None:
    """Insert new orders, given as planned values, with their first
    status-history row and their ingestion-log row; raises
    ConstraintException when a key exists."""
    new = _orders("new_orders", rows, times=False, owners=True)
    insert_rows(cur, new, actor, delivery, now)


def insert_rows(
    cur: duckdb.DuckDBPyConnection,
    new: Rows,
    actor: Actor,
    delivery: Delivery,
    now: dt.datetime,
) -> None:
    """`insert_orders` for columns already in the shape `_orders` gives:
    ids drawn, amounts in ten-thousandths, owners copied."""
    account = actor.account_id
    with new.bound(cur) as relation_of:
        relation, params = relation_of()
        cur.execute(
            "INSERT INTO orders (id, account_id, contact_id, deal_id, title, value, "
            "currency, status, source, external_id, order_date, paid_date, "
            "created_by, created_at, updated_at, external_updated_at, note, "
            f"{wallet.OWNER_COLUMNS}) "
            f"SELECT u.id, ?, u.contact_id, u.deal_id, u.title, {_VALUE}, "
            "u.currency, u.status::order_status, u.source::order_source, "
            "u.external_id, u.order_date, u.paid_date, ?, ?, ?, "
            # The owners copied onto each order (registry/wallet.py) were read
            # with the contacts and deals the plan checked, in this
            # transaction: joining them here again cost 3 ms a statement.
            "u.external_updated_at, u.note, u.contact_owner_id, u.deal_owner_id "
            f"FROM {relation} u",
            [account, actor.id, now, now, *params],
        )
        relation, params = relation_of("id", "status", "source")
        cur.execute(
            "INSERT INTO order_status_history (account_id, order_id, from_status, "
            "to_status, changed_by, source, changed_at) "
            "SELECT ?, u.id, NULL, u.status::order_status, ?, "
            f"u.source::order_source, ? FROM {relation} u",
            [account, actor.id, now, *params],
        )
        if not delivery.logged:
            return
        relation, params = relation_of("id", "source", "external_id")
        cur.execute(
            "INSERT INTO ingestion_log (account_id, received_at, source, channel, "
            "external_id, order_id, outcome, token_id) "
            "SELECT ?, ?, u.source::order_source, ?, u.external_id, u.id, "
            f"'created', ? FROM {relation} u",
            [account, now, delivery.channel, delivery.token_id, *params],
        )


_UPDATED = (
    "contact_id = u.contact_id, deal_id = u.deal_id, title = u.title, "
    f"value = {_VALUE}, currency = u.currency, status = u.status::order_status, "
    "order_date = u.order_date, paid_date = u.paid_date, "
    "updated_at = u.updated_at, external_updated_at = u.external_updated_at, "
    f"note = u.note, {wallet.owners_set('u.contact_id', 'u.deal_id')}"
)


def update_orders(
    cur: duckdb.DuckDBPyConnection,
    rows: Sequence[dict[str, Any]],
    *,
    rekeyed: bool = False,
) -> None:
    """Write the planned values over stored orders, matched by id.

    The external ID is part of the unique key, and DuckDB rewrites an indexed
    column as a delete plus an insert; it is set only when an edit changes it
    (`rekeyed`), and a clash then names the field."""
    assignments = _UPDATED + (", external_id = u.external_id" if rekeyed else "")
    with _orders("changed_orders", rows, times=True).bound(cur) as relation_of:
        relation, params = relation_of()
        try:
            cur.execute(
                f"UPDATE orders SET {assignments} FROM {relation} u "
                "WHERE orders.id = u.id",
                params,
            )
        except duckdb.ConstraintException:
            if not rekeyed:
                raise
            raise ValidationError(
                "external_id", "already belongs to another order from this source"
            ) from None


def append_history(
    cur: duckdb.DuckDBPyConnection,
    actor: Actor,
    changes: Sequence[tuple[dict[str, Any], Status | None, Source]],
    at: dt.datetime,
) -> None:
    """One status-history row per (order values, previous status, source)."""
    moves = Rows(
        "status_changes",
        {
            "order_id": ("BIGINT", [v["id"] for v, _, _ in changes]),
            "from_status": ("VARCHAR", [p.value if p else None for _, p, _ in changes]),
            "to_status": ("VARCHAR", [v["status"].value for v, _, _ in changes]),
            "source": ("VARCHAR", [s.value for _, _, s in changes]),
        },
    )
    with moves.bound(cur) as relation_of:
        relation, params = relation_of()
        cur.execute(
            "INSERT INTO order_status_history (account_id, order_id, from_status, "
            "to_status, changed_by, source, changed_at) "
            "SELECT ?, u.order_id, u.from_status::order_status, "
            "u.to_status::order_status, ?, u.source::order_source, ? "
            f"FROM {relation} u",
            [actor.account_id, actor.id, at, *params],
        )
