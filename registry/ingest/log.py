"""The ingestion log: one row per delivered order, whatever became of it.

Every API, webhook, Payments, commerce and CSV write appends here, in the
same transaction as the order it describes: when it was received, from
which source and channel, the external ID, the order it touched, the outcome
(created, updated, unchanged, rejected) and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import duckdb

from .. import wallet
from ..errors import NotFound
from ..models import Actor, Source
from ..permissions import Action, ensure
from ..store import Database
from ..validation import as_id
from .rows import Rows


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True)
class LogEntry:
    """One delivery as the log recorded it."""

    id: int
    received_at: dt.datetime
    source: Source
    channel: str
    external_id: str | None
    order_id: int | None
    outcome: Outcome
    reason: str | None
    token_id: int | None


_COLUMNS = (
    "id, received_at, source, channel, external_id, order_id, outcome, reason, token_id"
)


def _entry(row: tuple) -> LogEntry:
    values = list(row)
    values[2] = Source(values[2])
    values[6] = Outcome(values[6])
    return LogEntry(*values)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass(slots=True)
class LogRows:
    """Columns of log rows gathered while a batch is planned."""

    sources: list[str]
    external_ids: list[str | None]
    order_ids: list[int | None]
    outcomes: list[str]
    reasons: list[str | None]

    @classmethod
    def empty(cls) -> LogRows:
        return cls([], [], [], [], [])

    def add(
        self,
        source: Source,
        external_id: str | None,
        order_id: int | None,
        outcome: Outcome,
        reason: str | None,
    ) -> None:
        self.sources.append(source.value)
        self.external_ids.append(external_id)
        self.order_ids.append(order_id)
        self.outcomes.append(outcome.value)
        self.reasons.append(reason)


def append(
    cur: duckdb.DuckDBPyConnection,
    account_id: int,
    channel: str,
    token_id: int | None,
    rows: LogRows,
    received_at: dt.datetime,
) -> None:
    """Write gathered rows in one statement, inside the caller's transaction."""
    if not rows.outcomes:
        return
    delivered = Rows(
        "delivered_rows",
        {
            "source": ("VARCHAR", rows.sources),
            "external_id": ("VARCHAR", rows.external_ids),
            "order_id": ("BIGINT", rows.order_ids),
            "outcome": ("VARCHAR", rows.outcomes),
            "reason": ("VARCHAR", rows.reasons),
        },
    )
    with delivered.bound(cur) as relation_of:
        relation, params = relation_of()
        cur.execute(
            "INSERT INTO ingestion_log (account_id, received_at, source, channel, "
            "external_id, order_id, outcome, reason, token_id) "
            "SELECT ?, ?, u.source::order_source, ?, u.external_id, u.order_id, "
            f"u.outcome, u.reason, ? FROM {relation} u",
            [account_id, received_at, channel, token_id, *params],
        )


def record_rejection(
    db: Database,
    account_id: int,
    *,
    source: Source,
    channel: str,
    reason: str,
    external_id: str | None = None,
    token_id: int | None = None,
    outcome: Outcome = Outcome.REJECTED,
) -> None:
    """Log a delivery that wrote no order: refused as a whole (module off, no
    integration owner) or acknowledged without effect."""
    with db.cursor() as cur:
        cur.execute(
            "INSERT INTO ingestion_log (account_id, received_at, source, channel, "
            "external_id, outcome, reason, token_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                account_id,
                _now(),
                source.value,
                channel,
                external_id,
                outcome.value,
                reason,
                token_id,
            ],
        )


def list_deliveries(
    db: Database,
    actor: Actor,
    *,
    outcome: Outcome | str | None = None,
    channel: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[LogEntry]:
    """The account's deliveries, newest first (admins only); `before_id`
    pages back from the last entry shown."""
    ensure(actor, Action.ADMINISTER)
    where, params = ["account_id = ?"], [actor.account_id]
    if outcome is not None:
        where.append("outcome = ?")
        params.append(Outcome(outcome).value)
    if channel:
        where.append("channel = ?")
        params.append(channel)
    if before_id is not None:
        where.append("id < ?")
        params.append(before_id)
    with db.cursor() as cur:
        rows = cur.execute(
            f"SELECT {_COLUMNS} FROM ingestion_log WHERE {' AND '.join(where)} "
            "ORDER BY id DESC LIMIT ?",
            [*params, limit],
        ).fetchall()
    return [_entry(r) for r in rows]


def count_deliveries(db: Database, actor: Actor) -> dict[Outcome, int]:
    """How many deliveries the account's log holds, per outcome (admins only)."""
    ensure(actor, Action.ADMINISTER)
    with db.cursor() as cur:
        rows = cur.execute(
            "SELECT outcome, count(*) FROM ingestion_log WHERE account_id = ? "
            "GROUP BY outcome",
            [actor.account_id],
        ).fetchall()
    return {Outcome(o): n for o, n in rows}


def order_deliveries(db: Database, actor: Actor, order_id: int) -> list[LogEntry]:
    """The deliveries that touched an order in the actor's wallet, oldest first."""
    ensure(actor, Action.VIEW_ORDERS)
    order_id = as_id(order_id, "Order")
    scope = wallet.orders(actor)
    with db.cursor() as cur:
        if not cur.execute(
            f"SELECT 1 FROM orders o WHERE o.id = ? AND {scope.sql}",
            [order_id, *scope.params],
        ).fetchall():
            raise NotFound(f"Order {order_id} was not found.")
        rows = cur.execute(
            f"SELECT {_COLUMNS} FROM ingestion_log "
            "WHERE account_id = ? AND order_id = ? ORDER BY id",
            [actor.account_id, order_id],
        ).fetchall()
    return [_entry(r) for r in rows]
