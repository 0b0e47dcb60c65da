"""One attempt at writing a batch, inside the caller's transaction.

For each round of distinct keys: look up the orders already stored (only
when needed), plan each order's values, check deals and the wallet, then
write everything set-based. Results say, per item, what happened and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from ..errors import NotFound, PermissionDenied, RegistryError, ValidationError
from ..models import Actor, Order, Source, Status
from ..validation import paid_date_for
from . import contacts, sql
from .log import LogRows, Outcome
from .log import append as append_log
from .records import Incoming, Rejected, finalize

# Columns an update compares to decide whether anything changed.
COMPARED = (
    "contact_id",
    "deal_id",
    "title",
    "value",
    "currency",
    "status",
    "order_date",
    "paid_date",
    "external_id",
    "note",
)
OUTSIDE_WALLET = (
    "This order would fall outside your wallet: link it to one of your deals, "
    "or ask the contact's owner."
)


class Conflict(Exception):
    """DuckDB refused the attempt; the next one looks every key up."""


@dataclass(frozen=True)
class Delivery:
    """How a batch arrived: its channel, and what it may do."""

    channel: str
    # Logged for items rejected before their own source could be read.
    source: Source = Source.API
    token_id: int | None = None
    # Commerce and Payments name buyers by email and may bring new ones.
    create_contacts: bool = False
    # The ingestion log is for what integrations deliver; the forms' own
    # writes (channel "form") use this writer without a log entry.
    logged: bool = True


@dataclass(slots=True)
class ItemResult:
    """What became of one delivered order."""

    index: int
    outcome: Outcome
    order_id: int | None = None
    error: RegistryError | None = None
    reason: str | None = None
    values: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is not Outcome.REJECTED

    @property
    def order(self) -> Order | None:
        """The order as written (or found unchanged)."""
        v = self.values
        if v is None or self.order_id is None:
            return None
        return Order(
            id=self.order_id,
            account_id=v["account_id"],
            contact_id=v["contact_id"],
            deal_id=v["deal_id"],
            title=v["title"],
            value=v["value"],
            currency=v["currency"],
            status=v["status"],
            source=v["source"],
            external_id=v["external_id"],
            order_date=v["order_date"],
            paid_date=v["paid_date"],
            created_at=v["created_at"],
            updated_at=v["updated_at"],
        )


class Attempt:
    """Plan, check and write a batch; `run` returns one result per item."""

    def __init__(
        self,
        actor: Actor,
        items: Sequence[Incoming | Rejected],
        delivery: Delivery,
        today: dt.date,
        now: dt.datetime,
        *,
        lookup: bool,
    ) -> None:
        self.actor = actor
        self.items = items
        self.delivery = delivery
        self.today = today
        self.now = now
        self.lookup = lookup
        self.results: list[ItemResult | None] = [None] * len(items)
        self.contact_of: dict[int, int] = {}
        # The owner of each contact found or created, copied onto new orders.
        self.owner_of: dict[int, int | None] = {}
        # Contacts this attempt created for buyers it did not know.
        self.new_contacts: set[int] = set()
        self.fresh = {
            "id": None,
            "account_id": actor.account_id,
            "contact_id": None,
            "deal_id": None,
            "title": None,
            "value": None,
            "currency": actor.account.default_currency,
            "status": Status.PENDING,
            "source": None,
            "external_id": None,
            "order_date": today,
            "paid_date": None,
            "note": None,
            "external_updated_at": None,
            "created_at": now,
            "updated_at": now,
        }

    def run(self, cur: duckdb.DuckDBPyConnection) -> list[ItemResult]:
        """Plan, check and write every round; log what became of each item."""
        pending = []
        for index, item in enumerate(self.items):
            if isinstance(item, Rejected):
                self._reject(index, item.error)
            else:
                pending.append(index)
        self._resolve_contacts(cur, pending)
        for number, round_ in enumerate(_rounds(self.items, pending)):
            self._round(cur, round_, by_key=self.lookup or number > 0)
        self._drop_unused_contacts(cur)
        self._log_others(cur)
        return self.results  # type: ignore[return-value]

    def _drop_unused_contacts(self, cur: duckdb.DuckDBPyConnection) -> None:
        """A contact created for a buyer whose every order was refused is
        removed again: a rejected delivery leaves nothing behind."""
        used = {
            contact
            for i, contact in self.contact_of.items()
            if self.results[i] is not None
            and self.results[i].outcome is not Outcome.REJECTED  # type: ignore[union-attr]
        }
        unused = sorted(self.new_contacts - used)
        if unused:
            marks = ", ".join("?" for _ in unused)
            cur.execute(f"DELETE FROM contacts WHERE id IN ({marks})", unused)

    def _reject(self, index: int, error: RegistryError) -> None:
        self.results[index] = ItemResult(
            index, Outcome.REJECTED, error=error, reason=error.message
        )

    # --- contacts -------------------------------------------------------------

    def _resolve_contacts(
        self, cur: duckdb.DuckDBPyConnection, pending: list[int]
    ) -> None:
        items = self.items
        ids = {items[i].contact_id for i in pending if items[i].contact_id}
        emails = {
            items[i].contact_email
            for i in pending
            if not items[i].contact_id and items[i].contact_email
        }
        seen = contacts.by_id(cur, self.actor, ids)
        self.owner_of.update(seen)
        found: dict[str, int] = {}
        for email, (contact, owner) in contacts.by_email(
            cur, self.actor, emails
        ).items():
            found[email] = contact
            self.owner_of[contact] = owner
        if self.delivery.create_contacts and len(found) < len(emails):
            names: dict[str, str] = {}
            for i in pending:
                email = items[i].contact_email
                if email and not items[i].contact_id and email not in found:
                    names.setdefault(email, items[i].contact_name or email)
            created = contacts.create(cur, self.actor, names)
            self.new_contacts.update(created.values())
            self.owner_of.update(dict.fromkeys(created.values(), self.actor.id))
            found.update(created)
        for i in pending:
            item = items[i]
            if item.contact_id:
                if item.contact_id in seen:
                    self.contact_of[i] = item.contact_id
                else:
                    error = NotFound(f"Contact {item.contact_id} was not found.")
                    self._reject(i, error)
            elif item.contact_email:
                if item.contact_email in found:
                    self.contact_of[i] = found[item.contact_email]
                else:
                    email = item.contact_email
                    self._reject(
                        i, NotFound(f"No contact with email {email} was found.")
                    )

    # --- one round: orders whose keys are distinct -----------------------------

    def _round(
        self, cur: duckdb.DuckDBPyConnection, round_: list[int], *, by_key: bool
    ) -> None:
        round_ = [i for i in round_ if self.results[i] is None]
        if not round_:
            return
        existing = sql.existing_orders(
            cur, self.actor, [self.items[i] for i in round_], round_, by_key=by_key
        )
        planned: dict[int, dict[str, Any]] = {}
        for i in round_:
            try:
                values = self._plan(i, existing.get(i))
            except RegistryError as error:
                self._reject(i, error)
                continue
            if values is not None:
                planned[i] = values
        self._check_deals(cur, planned)
        if not self.actor.sees_whole_account:
            for i in sql.outside_wallet(cur, self.actor, planned):
                del planned[i]
                self._reject(i, PermissionDenied(OUTSIDE_WALLET))
        self._write(cur, planned, existing)

    def _plan(self, index: int, row: dict[str, Any] | None) -> dict[str, Any] | None:
        """The order's values after this delivery; None when it is stale."""
        item = self.items[index]
        if row is None:
            if item.target_id is not None:
                raise NotFound(f"Order {item.target_id} was not found.")
            values = {
                **self.fresh,
                "source": item.source,
                "external_id": item.external_id,
                **item.create_only,
            }
        else:
            if not row["visible"]:
                raise _hidden(item)
            if _stale(item, row):
                self.results[index] = _stale_result(index, row)
                return None
            values = {k: row[k] for k in sql.STORED}
        values.update(item.fields)
        contact_id = self.contact_of.get(index)
        if contact_id is not None:
            values["contact_id"] = contact_id
        if row is None:
            # A new order carries its owners (registry/wallet.py); the deal's
            # is filled in when the deal is checked.
            values["contact_owner_id"] = self.owner_of[values["contact_id"]]
            values["deal_owner_id"] = None
        if item.external_updated_at is not None:
            values["external_updated_at"] = item.external_updated_at
        finalize(values, self.today)
        values["paid_date"] = paid_date_for(
            values["status"],
            values["paid_date"],
            row["paid_date"] if row else None,
            self.today,
        )
        return values

    def _check_deals(
        self, cur: duckdb.DuckDBPyConnection, planned: dict[int, dict[str, Any]]
    ) -> None:
        wanted = {v["deal_id"] for v in planned.values() if v["deal_id"]}
        if not wanted:
            return
        deals = contacts.deals_of(cur, self.actor.account_id, wanted)
        for i, values in list(planned.items()):
            deal_id = values["deal_id"]
            if not deal_id:
                continue
            contact_id, owner = deals.get(deal_id, (None, None))
            if contact_id == values["contact_id"]:
                values["deal_owner_id"] = owner
                continue
            del planned[i]
            if deal_id not in deals:
                # Another account's deal answers as a missing one does.
                found = NotFound(f"Deal {deal_id} was not found.", field="deal_id")
                self._reject(i, found)
            else:
                message = f"deal {deal_id} is not a deal of this contact"
                self._reject(i, ValidationError("deal_id", message))

    # --- writing ---------------------------------------------------------------

    def _write(
        self,
        cur: duckdb.DuckDBPyConnection,
        planned: dict[int, dict[str, Any]],
        existing: dict[int, dict[str, Any]],
    ) -> None:
        results = self.results
        created, updated, moved = [], [], []
        rekeyed = False
        for i, values in planned.items():
            row = existing.get(i)
            if row is None:
                created.append(values)
                results[i] = ItemResult(i, Outcome.CREATED, values=values)
                continue
            changed = any(values[k] != row[k] for k in COMPARED)
            if changed:
                values["updated_at"] = self.now
                rekeyed = rekeyed or values["external_id"] != row["external_id"]
            if changed or values["external_updated_at"] != row["external_updated_at"]:
                updated.append(values)
            if values["status"] is not row["status"]:
                moved.append((values, row["status"], self.items[i].source))
            results[i] = ItemResult(
                i,
                Outcome.UPDATED if changed else Outcome.UNCHANGED,
                order_id=row["id"],
                reason=None if changed else "no change",
                values=values,
            )
        if created:
            ids = sql.new_order_ids(cur, len(created))
            for values, order_id in zip(created, ids, strict=True):
                values["id"] = order_id
            for i, values in planned.items():
                if i not in existing:
                    results[i].order_id = values["id"]
            sql.insert_orders(cur, created, self.actor, self.delivery, self.now)
        if updated:
            sql.update_orders(cur, updated, rekeyed=rekeyed)
        if moved:
            sql.append_history(cur, self.actor, moved, self.now)

    def _log_others(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Log every result but the created ones (logged with their insert)."""
        if not self.delivery.logged:
            return
        rows = LogRows.empty()
        for index, result in enumerate(self.results):
            if result.outcome is Outcome.CREATED:
                continue
            item = self.items[index]
            source = item.source if isinstance(item, Incoming) else self.delivery.source
            external_id = item.external_id
            if external_id is None and result.values:
                external_id = result.values.get("external_id")
            rows.add(
                source, external_id, result.order_id, result.outcome, result.reason
            )
        append_log(
            cur,
            self.actor.account_id,
            self.delivery.channel,
            self.delivery.token_id,
            rows,
            self.now,
        )


def _hidden(item: Incoming) -> RegistryError:
    if item.target_id is not None:
        return NotFound(f"Order {item.target_id} was not found.")
    return ValidationError(
        "external_id",
        f"{item.external_id!r} already belongs to an order outside your wallet",
    )


def _stale(item: Incoming, row: dict[str, Any]) -> bool:
    stored, incoming = row["external_updated_at"], item.external_updated_at
    return stored is not None and incoming is not None and incoming < stored


def _stale_result(index: int, row: dict[str, Any]) -> ItemResult:
    stored = row["external_updated_at"].isoformat(timespec="seconds")
    return ItemResult(
        index,
        Outcome.UNCHANGED,
        order_id=row["id"],
        reason=f"stale: the stored order is newer (updated {stored}Z)",
        values=row,
    )


def _rounds(
    items: Sequence[Incoming | Rejected], pending: list[int]
) -> list[list[int]]:
    """Split a batch so no round holds one order twice: round n carries the
    n-th delivery of each key, so later deliveries apply on top of earlier."""
    rounds: list[list[int]] = [[]]
    seen: dict[tuple, int] = {}
    for i in pending:
        item = items[i]
        if item.target_id is not None:
            key: tuple | None = ("id", item.target_id)
        elif item.external_id is not None:
            key = (item.source, item.external_id)
        else:
            key = None
        depth = 0
        if key is not None:
            depth = seen.get(key, -1) + 1
            seen[key] = depth
        if depth == len(rounds):
            rounds.append([])
        rounds[depth].append(i)
    return rounds
