"""The writer behind every intake channel: many orders, one transaction.

A batch is planned in Python (each order checked, merged with the stored one
when its external ID is known) and written with set-based SQL: one INSERT of
the new orders (with their first status-history and ingestion-log rows), one
UPDATE of the changed ones, and one INSERT each for the remaining history and
log rows. The transaction commits before the caller answers, so an
acknowledgement means the orders are on disk.

The UNIQUE (account_id, source, external_id) constraint decides whether an
order is new, never a read made before writing. A first attempt inserts
every keyed order as new, which costs no lookup for a batch of new orders;
when the constraint refuses one (it exists, or a concurrent delivery has just
created it), the attempt rolls back and the next one looks the keys up and
updates instead. DuckDB's write-write conflicts are retried the same way.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress

import duckdb

from ..errors import PermissionDenied, RegistryError
from ..models import Actor
from ..permissions import Action, ensure
from ..store import Database
from . import contacts
from .log import LogRows, Outcome
from .log import append as append_log
from .plan import Attempt, Conflict, Delivery, ItemResult
from .records import Incoming, Rejected

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8

__all__ = ["Delivery", "IntakeBusy", "ItemResult", "write_orders"]


class IntakeBusy(RegistryError):
    """The batch kept meeting concurrent writes; the caller may retry."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def write_orders(
    db: Database,
    actor: Actor,
    items: Sequence[Incoming | Rejected],
    delivery: Delivery,
    *,
    today: dt.date | None = None,
    dry_run: bool = False,
) -> list[ItemResult]:
    """Create or update each order; one result per item, in order.

    Items are independent: a rejected one is logged and the others are still
    written. With `dry_run` the transaction is rolled back and the results
    say what would happen (the CSV preview)."""
    try:
        ensure(actor, Action.MANAGE_ORDERS)
    except PermissionDenied as refusal:
        if not dry_run and delivery.logged:
            _log_refusal(db, actor, items, delivery, refusal)
        raise
    today = today or dt.date.today()
    creating = delivery.create_contacts and any(
        isinstance(i, Incoming) and i.contact_email for i in items
    )
    lookup = False
    for attempt in range(MAX_ATTEMPTS):
        try:
            with contacts.creation_lock if creating else nullcontext():
                plan = Attempt(actor, items, delivery, today, _now(), lookup=lookup)
                with transaction(db, commit=not dry_run) as cur:
                    return plan.run(cur)
        except Conflict as exc:
            log.debug("intake attempt %s conflicted: %s", attempt + 1, exc.__cause__)
            lookup = True
            if attempt:
                time.sleep(random.uniform(0, 0.002 * 2**attempt))
    raise IntakeBusy("The registry is busy with the same orders; try again.")


def _log_refusal(
    db: Database,
    actor: Actor,
    items: Sequence[Incoming | Rejected],
    delivery: Delivery,
    refusal: RegistryError,
) -> None:
    """A batch refused as a whole is still a delivery: log each item."""
    rows = LogRows.empty()
    for item in items:
        source = item.source if isinstance(item, Incoming) else delivery.source
        rows.add(source, item.external_id, None, Outcome.REJECTED, refusal.message)
    with db.transaction() as cur:
        append_log(
            cur, actor.account_id, delivery.channel, delivery.token_id, rows, _now()
        )


@contextmanager
def transaction(db: Database, *, commit: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, turning DuckDB's refusals into Conflict (retried);
    any other exception rolls back and passes through."""
    with db.cursor() as cur:
        cur.execute("BEGIN TRANSACTION")
        try:
            yield cur
        except BaseException as exc:
            _rollback(cur)
            if isinstance(
                exc, duckdb.ConstraintException | duckdb.TransactionException
            ):
                raise Conflict from exc
            raise
        if not commit:
            _rollback(cur)
            return
        try:
            cur.execute("COMMIT")
        except (duckdb.ConstraintException, duckdb.TransactionException) as exc:
            # DuckDB has already ended the transaction.
            raise Conflict from exc


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    # A failed COMMIT, or some failed statements, have already ended it.
    with suppress(duckdb.TransactionException):
        cur.execute("ROLLBACK")
