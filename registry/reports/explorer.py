"""The explorer: one page of the wallet's filtered orders, sorted in SQL."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import pandas as pd

from .. import orders
from ..errors import ValidationError
from ..filters import OrderFilters
from ..models import Actor
from ..permissions import Action, ensure
from ..store import Database
from .scan import Scan, quantize, scan

PAGE_MAX = 1000

# Sorts on these columns read the newest (oldest) days first; see `_page`.
_DATED = {
    "order_date": "order_date",
    "paid_date": "paid_date",
    "updated_at": "updated_at",
}
# The first window should hold this many times the rows a page needs, if the
# wallet were the whole account; each retry widens it this many times.
_FIRST_WINDOW = 8
_WIDEN = 8

# Sort keys the page may ask for, and the order columns behind them ("name"
# is the contact's). Amounts only compare within a currency, so "value"
# sorts by currency first.
SORTS: dict[str, tuple[str, ...]] = {
    "order_date": ("order_date",),
    "paid_date": ("paid_date",),
    "value": ("currency", "value"),
    "title": ("title",),
    "status": ("status",),
    "source": ("source",),
    "currency": ("currency",),
    "contact": ("name",),
    "external_id": ("external_id",),
    "updated_at": ("updated_at",),
    "id": (),
}

COLUMNS = (
    "id",
    "order_date",
    "paid_date",
    "contact_id",
    "contact",
    "deal_id",
    "deal",
    "title",
    "value",
    "currency",
    "status",
    "source",
    "external_id",
    "updated_at",
)


@dataclass(frozen=True)
class ExplorerPage:
    """A page of orders (a DataFrame with `COLUMNS`) and where it lies."""

    rows: pd.DataFrame
    total: int | None
    offset: int
    limit: int

    @property
    def page(self) -> int:
        """1-based number of this page."""
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int | None:
        if self.total is None:
            return None
        return max(1, math.ceil(self.total / self.limit))


def explore(
    db: Database,
    actor: Actor,
    filters: OrderFilters | None = None,
    *,
    sort: str = "order_date",
    descending: bool = True,
    limit: int = 50,
    offset: int = 0,
    with_total: bool = True,
) -> ExplorerPage:
    """One page of the wallet's orders matching `filters`, and their number
    (skip it with `with_total=False` when the count is already known)."""
    ensure(actor, Action.VIEW_ORDERS)
    filters = filters or OrderFilters()
    order_sql(sort, descending, "o", "c")  # refuse an unknown sort first
    limit, offset = page_window(limit, offset)
    source = scan(actor, filters)
    with db.transaction() as cur:
        rows = _page(cur, actor, source, sort, descending, limit, offset)
        total = None
        if with_total:
            total = cur.execute(
                f"SELECT count(*) {source.sql}", source.params
            ).fetchone()[0]
    records = [(*r[:8], quantize(r[8], r[9]), *r[9:]) for r in rows]
    frame = pd.DataFrame(records, columns=list(COLUMNS))
    # Pages without any deal would otherwise give an all-None object column.
    frame["deal_id"] = frame["deal_id"].astype("Int64")
    return ExplorerPage(frame, total, offset, limit)


def _page(
    cur: duckdb.DuckDBPyConnection,
    actor: Actor,
    source: Scan,
    sort: str,
    descending: bool,
    limit: int,
    offset: int,
) -> list:
    """The page's rows in order, with contact and deal names (`COLUMNS`).

    Only ids and sort keys are sorted; the page's other columns are then
    read for its rows alone, and the names looked up for them."""
    keys = _page_keys(cur, actor, source, sort, descending, limit, offset)
    if not keys:
        return []
    found = orders.by_id(cur, _STORED, [k[0] for k in keys])
    contacts, deals = orders.names(cur, keys)
    rows = []
    for order_id, contact_id, deal_id in keys:
        o = found[order_id]
        rows.append((*o[:4], contacts[contact_id], deal_id, deals.get(deal_id), *o[4:]))
    return rows


# The stored columns of a page's rows, around the names `_page` puts in.
_STORED = (
    "o.id, o.order_date, o.paid_date, o.contact_id, o.title, o.value, "
    "o.currency, o.status, o.source, o.external_id, o.updated_at"
)


def _page_keys(
    cur: duckdb.DuckDBPyConnection,
    actor: Actor,
    source: Scan,
    sort: str,
    descending: bool,
    limit: int,
    offset: int,
) -> list[tuple[int, int, int | None]]:
    """(id, contact id, deal id) of the page's orders, in order."""
    join = "JOIN contacts c ON c.id = o.contact_id " if sort == "contact" else ""
    select = f"SELECT o.id, o.contact_id, o.deal_id {source.with_joins(join)}"
    order = f"ORDER BY {order_sql(sort, descending, 'o', 'c')} LIMIT ? OFFSET ?"
    column = _DATED.get(sort)
    if column:
        # The page's rows are the newest (oldest) ones: try the last days
        # first, where the scan keeps a fraction of the orders. When that
        # window holds a full page, no row outside it can come before its
        # rows, so the page is exact; otherwise widen, then scan all.
        compare = ">=" if descending else "<="
        for bound in _windows(cur, actor, column, descending, offset + limit):
            rows = cur.execute(
                f"{select} AND o.{column} {compare} ? {order}",
                [*source.params, bound, limit, offset],
            ).fetchall()
            if len(rows) == limit:
                return rows
    return cur.execute(f"{select} {order}", [*source.params, limit, offset]).fetchall()


def _windows(
    cur: duckdb.DuckDBPyConnection,
    actor: Actor,
    column: str,
    descending: bool,
    needed: int,
) -> Iterator[dt.date | dt.datetime]:
    """Bounds of ever wider windows at the newest (oldest) end of `column`,
    sized from the account's own spread of dates; DuckDB answers that from
    column statistics."""
    low, high, orders = cur.execute(
        f"SELECT min({column}), max({column}), count(*) FROM orders "
        "WHERE account_id = ?",
        [actor.account_id],
    ).fetchone()
    if low is None:
        return
    spread = max((high - low).total_seconds() / 86_400, 1.0)
    days = max(1, math.ceil(_FIRST_WINDOW * needed * spread / orders))
    while days < spread:
        step = dt.timedelta(days=days)
        yield high - step if descending else low + step
        days *= _WIDEN


def count(db: Database, actor: Actor, filters: OrderFilters | None = None) -> int:
    """How many of the wallet's orders match `filters`."""
    ensure(actor, Action.VIEW_ORDERS)
    source = scan(actor, filters or OrderFilters())
    with db.cursor() as cur:
        return cur.execute(f"SELECT count(*) {source.sql}", source.params).fetchone()[0]


def order_sql(sort: str, descending: bool, orders: str, contacts: str) -> str:
    """ORDER BY text for a whitelisted sort key over the aliases `orders` and
    `contacts`; the order id breaks ties, so pages never overlap."""
    if sort not in SORTS:
        allowed = ", ".join(SORTS)
        raise ValidationError(
            "sort", f"unknown sort {sort!r}; expected one of: {allowed}"
        )
    direction = "DESC" if descending else "ASC"
    keys = [
        f"{contacts if column == 'name' else orders}.{column} {direction} NULLS LAST"
        for column in SORTS[sort]
    ]
    keys.append(f"{orders}.id {direction}")
    return ", ".join(keys)


def page_window(limit: object, offset: object) -> tuple[int, int]:
    """Check a page's size (1 to PAGE_MAX) and offset (0 or more)."""
    if not _whole(limit) or not 1 <= limit <= PAGE_MAX:  # type: ignore[operator]
        raise ValidationError("limit", f"must be a whole number from 1 to {PAGE_MAX}")
    if not _whole(offset) or offset < 0:  # type: ignore[operator]
        raise ValidationError("offset", "must be a whole number, 0 or more")
    return limit, offset  # type: ignore[return-value]


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
