"""Per-contact purchase summary and RFM segment, computed in SQL.

A purchase is an order with status paid; its day is the order date. For each
contact in the wallet: orders, paid orders, first and last purchase, lifetime
paid value per currency, and the average days between purchases
((last − first) / (purchases − 1), from two purchases on).

RFM scores rank the wallet's purchasing contacts in quintiles (1 low … 5
high) with NTILE: recency by the last purchase (recent is high), frequency
by the number of purchases, monetary by paid value within each currency —
amounts in different currencies are never compared, so a contact's M is its
best score over its currencies. Equal values share the higher quintile, so
two contacts with the same last purchase never land in different scores.
Scores are relative to the wallet: a rep's contacts are ranked among the
rep's contacts, an admin's among the account's.

Segments, the first rule that matches:

| segment        | rule                          |
|----------------|-------------------------------|
| Champions      | R ≥ 4, F ≥ 4 and M ≥ 4        |
| Loyal          | R ≥ 3 and F ≥ 4               |
| New            | R ≥ 4 and a single purchase   |
| Promising      | R ≥ 4                         |
| Need attention | R = 3                         |
| At risk        | R ≤ 2 and F ≥ 3               |
| Hibernating    | R ≤ 2 and F ≤ 2               |
| No purchases   | orders, but none paid         |
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from .crm import get_contact
from .errors import ValidationError
from .filters import OrderFilters
from .models import Actor
from .permissions import Action, ensure
from .reports.explorer import page_window
from .reports.scan import money_text, quantize, scan
from .store import Database
from .wallet import Predicate

SEGMENTS = (
    "Champions",
    "Loyal",
    "New",
    "Promising",
    "Need attention",
    "At risk",
    "Hibernating",
    "No purchases",
)

# Sort keys of the list and their SQL; the contact id breaks ties.
SORTS = {
    "contact": "name",
    "orders": "orders",
    "paid_orders": "paid_orders",
    "first_purchase": "first_purchase",
    "last_purchase": "last_purchase",
    "avg_days": "avg_days",
    "recency": "r",
    "frequency": "f",
    "monetary": "m",
    "segment": "segment_rank",
}

COLUMNS = (
    "contact_id",
    "contact",
    "orders",
    "paid_orders",
    "first_purchase",
    "last_purchase",
    "days_since",
    "avg_days",
    "lifetime_paid",
    "r",
    "f",
    "m",
    "segment",
)


@dataclass(frozen=True)
class ContactSummary:
    contact_id: int
    contact: str
    orders: int
    paid_orders: int
    first_purchase: dt.date | None
    last_purchase: dt.date | None
    days_since: int | None
    avg_days: float | None
    # (currency, lifetime paid value), by currency code.
    lifetime_paid: tuple[tuple[str, Decimal], ...]
    r: int | None
    f: int | None
    m: int | None
    segment: str


@dataclass(frozen=True)
class SummaryPage:
    rows: pd.DataFrame
    total: int
    offset: int
    limit: int


def contact_summary(
    db: Database,
    actor: Actor,
    contact_id: int,
    filters: OrderFilters | None = None,
    *,
    today: dt.date | None = None,
) -> ContactSummary:
    """One contact's summary, scored against the wallet; NotFound when the
    contact is outside it."""
    contact = get_contact(db, actor, contact_id)
    scored = scored_sql(actor, filters, today=today)
    with db.cursor() as cur:
        row = cur.execute(
            f"{scored.sql} SELECT {_SELECT} FROM scored WHERE contact_id = ?",
            [*scored.params, contact.id],
        ).fetchone()
    if row is None:
        return _no_orders(contact.id, contact.name)
    return ContactSummary(*_record(row))


def contact_summaries(
    db: Database,
    actor: Actor,
    filters: OrderFilters | None = None,
    *,
    sort: str = "last_purchase",
    descending: bool = True,
    limit: int = 50,
    offset: int = 0,
    segment: str | None = None,
    today: dt.date | None = None,
) -> SummaryPage:
    """A page of the wallet's contacts with orders, their summary and segment."""
    scored = scored_sql(actor, filters, today=today)
    where, params = _segment_where(segment)
    order = summary_order(sort, descending)
    limit, offset = page_window(limit, offset)
    with db.cursor() as cur:
        rows = cur.execute(
            f"{scored.sql} SELECT {_SELECT}, count(*) OVER () FROM scored "
            f"WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*scored.params, *params, limit, offset],
        ).fetchall()
        total = rows[0][-1] if rows else 0
        if not rows and offset:
            total = cur.execute(
                f"{scored.sql} SELECT count(*) FROM scored WHERE {where}",
                [*scored.params, *params],
            ).fetchone()[0]
    frame = pd.DataFrame([_record(row[:-1]) for row in rows], columns=list(COLUMNS))
    # Scores stay whole numbers even when some contacts have none.
    frame = frame.astype({"r": "Int64", "f": "Int64", "m": "Int64"})
    return SummaryPage(frame, total, offset, limit)


def export_sql(
    actor: Actor,
    filters: OrderFilters | None = None,
    *,
    segment: str | None = None,
    sort: str = "last_purchase",
    descending: bool = True,
    today: dt.date | None = None,
) -> Predicate:
    """The whole summary list as one SELECT, flat columns, for `exports`."""
    scored = scored_sql(actor, filters, today=today)
    where, params = _segment_where(segment)
    paid = money_text("l.paid_value", "l.currency")
    lifetime = f"list_transform(lifetime, lambda l: l.currency || ' ' || {paid})"
    return Predicate(
        f"{scored.sql} SELECT contact_id, name AS contact, orders, paid_orders, "
        "first_purchase, last_purchase, days_since, avg_days, "
        f"array_to_string({lifetime}, '; ') AS lifetime_paid, r, f, m, segment "
        f"FROM scored WHERE {where} ORDER BY {summary_order(sort, descending)}",
        (*scored.params, *params),
    )


def scored_sql(
    actor: Actor, filters: OrderFilters | None, *, today: dt.date | None = None
) -> Predicate:
    """`WITH … scored AS (…)`: one row per contact with orders in the wallet,
    with its summary, R, F, M and segment. Callers append their SELECT."""
    ensure(actor, Action.VIEW_ORDERS)
    # Scores rank contacts against each other, so a contact filter applies
    # after scoring (see `contact_summary`), never to the ranked set.
    filters = (filters or OrderFilters()).replace(contact_id=None)
    source = scan(actor, filters)
    today = today or dt.date.today()
    return Predicate(
        "WITH per_currency AS ("
        "SELECT o.contact_id, o.currency, count(*) AS orders, "
        "count(*) FILTER (WHERE o.status = 'paid') AS paid_orders, "
        "min(o.order_date) FILTER (WHERE o.status = 'paid') AS first_purchase, "
        "max(o.order_date) FILTER (WHERE o.status = 'paid') AS last_purchase, "
        "sum(o.value) FILTER (WHERE o.status = 'paid') AS paid_value "
        f"{source.sql} GROUP BY o.contact_id, o.currency), "
        # M within each currency; ties take the highest tile of their value.
        "money AS (SELECT contact_id, max(m) AS m FROM ("
        "SELECT contact_id, max(tile) OVER (PARTITION BY currency, paid_value) AS m "
        "FROM (SELECT *, ntile(5) OVER (PARTITION BY currency "
        "ORDER BY paid_value, contact_id) AS tile "
        "FROM per_currency WHERE paid_value IS NOT NULL)) GROUP BY contact_id), "
        "per_contact AS (SELECT contact_id, sum(orders) AS orders, "
        "sum(paid_orders) AS paid_orders, min(first_purchase) AS first_purchase, "
        "max(last_purchase) AS last_purchase, "
        "list({'currency': currency, 'paid_value': paid_value} ORDER BY currency) "
        "FILTER (WHERE paid_value IS NOT NULL) AS lifetime "
        "FROM per_currency GROUP BY contact_id), "
        "ranked AS (SELECT *, "
        "ntile(5) OVER (ORDER BY last_purchase, contact_id) AS r_tile, "
        "ntile(5) OVER (ORDER BY paid_orders, contact_id) AS f_tile "
        "FROM per_contact WHERE paid_orders > 0), "
        "tied AS (SELECT contact_id, "
        "max(r_tile) OVER (PARTITION BY last_purchase) AS r, "
        "max(f_tile) OVER (PARTITION BY paid_orders) AS f FROM ranked), "
        "scored AS (SELECT p.*, c.name, t.r, t.f, mo.m, "
        "CAST(? AS DATE) - p.last_purchase AS days_since, "
        "CASE WHEN p.paid_orders > 1 THEN "
        "(p.last_purchase - p.first_purchase) / (p.paid_orders - 1) END AS avg_days, "
        f"{_SEGMENT} AS segment, "
        f"{_SEGMENT_RANK} AS segment_rank "
        "FROM per_contact p JOIN contacts c ON c.id = p.contact_id "
        "LEFT JOIN tied t USING (contact_id) LEFT JOIN money mo USING (contact_id))",
        (*source.params, today),
    )


# The segment rules of the module docstring, in order; R ≤ 2 from "At risk".
_RULES = (
    ("Champions", "t.r >= 4 AND t.f >= 4 AND mo.m >= 4"),
    ("Loyal", "t.r >= 3 AND t.f >= 4"),
    ("New", "t.r >= 4 AND p.paid_orders = 1"),
    ("Promising", "t.r >= 4"),
    ("Need attention", "t.r = 3"),
    ("At risk", "t.f >= 3"),
    ("Hibernating", "TRUE"),
)


def _segment_case(label) -> str:
    arms = " ".join(
        f"WHEN {rule} THEN {label(SEGMENTS.index(name), name)}" for name, rule in _RULES
    )
    none = label(SEGMENTS.index("No purchases"), "No purchases")
    return f"CASE WHEN t.r IS NULL THEN {none} {arms} END"


_SEGMENT = _segment_case(lambda rank, name: f"'{name}'")
_SEGMENT_RANK = _segment_case(lambda rank, name: str(rank))

_SELECT = (
    "contact_id, name, orders, paid_orders, first_purchase, last_purchase, "
    "days_since, avg_days, lifetime, r, f, m, segment"
)


def summary_order(sort: str, descending: bool) -> str:
    """ORDER BY text for a whitelisted sort key."""
    if sort not in SORTS:
        allowed = ", ".join(SORTS)
        raise ValidationError(
            "sort", f"unknown sort {sort!r}; expected one of: {allowed}"
        )
    direction = "DESC" if descending else "ASC"
    return f"{SORTS[sort]} {direction} NULLS LAST, contact_id {direction}"


def _segment_where(segment: str | None) -> tuple[str, list[object]]:
    if segment in (None, ""):
        return "TRUE", []
    if segment not in SEGMENTS:
        expected = ", ".join(SEGMENTS)
        raise ValidationError(
            "segment", f"unknown segment {segment!r}; expected one of: {expected}"
        )
    return "segment = ?", [segment]


def _record(row: tuple) -> tuple:
    """A row of `_SELECT` with exact money and plain numbers."""
    values = list(row)
    values[2], values[3] = int(values[2]), int(values[3])
    if values[7] is not None:
        values[7] = round(float(values[7]), 1)
    values[8] = tuple(
        (item["currency"], quantize(item["paid_value"], item["currency"]))
        for item in values[8] or ()
    )
    return tuple(values)


def _no_orders(contact_id: int, name: str) -> ContactSummary:
    empty = dict.fromkeys(COLUMNS)
    empty.update(
        contact_id=contact_id,
        contact=name,
        orders=0,
        paid_orders=0,
        lifetime_paid=(),
        segment="No purchases",
    )
    return ContactSummary(*empty.values())
