"""The one statement behind the dashboard.

Two aggregations read the wallet's filtered orders: a cube by month, status,
source, deal link and currency (a few thousand rows at most), and a
per-contact sum by currency. DuckDB then rolls the cube up into every chart's
breakdown, picks the top contacts of each currency and counts distinct
contacts — so one statement answers the whole dashboard and Python receives
rows for a screen. (Two plain GROUP BYs measured faster than one GROUP BY
GROUPING SETS over the same rows.) Each output row names its `part`.
"""

from __future__ import annotations

from collections.abc import Collection

from ..filters import OrderFilters
from .scan import Scan

# The parts a caller may ask for.
MONTH = "month"  # month, status, currency
STATUS = "status"  # status, currency
CURRENCY = "currency"  # currency (the reporting one, when converting)
SOURCE = "source"  # source, currency
DEAL = "deal"  # has_deal, currency
ORIGINAL = "original"  # when converting: each own currency and its rates
TOP = "top"  # the top contacts of each currency
CONTACTS = "contacts"  # distinct contacts, in `orders`
PARTS = (MONTH, STATUS, CURRENCY, SOURCE, DEAL, ORIGINAL, TOP, CONTACTS)

# Which cube columns each roll-up keeps.
_ROLLUPS = {
    MONTH: ("month", "status", "currency"),
    STATUS: ("status", "currency"),
    CURRENCY: ("currency",),
    SOURCE: ("source", "currency"),
    DEAL: ("has_deal", "currency"),
    ORIGINAL: ("original",),
}
_CUBE = ("month", "status", "source", "has_deal", "currency", "original")
_ORDER = (
    "part",
    "month",
    "status",
    "source",
    "has_deal",
    "currency",
    "original",
    "place",
)


def statement(
    source: Scan, filters: OrderFilters, parts: Collection[str], *, top: int
) -> tuple[str, tuple[object, ...]]:
    """SQL answering `parts` over `source`, and its parameters."""
    ctes, pieces, params = [], [], []
    columns = {"part"}
    rollups = [p for p in _ROLLUPS if p in parts]
    if ORIGINAL in rollups and not source.converting:
        raise ValueError("the original-currency part only exists when converting")
    if rollups:
        ctes.append(f"cube AS ({_cube(source, filters)})")
        params += source.params
        pieces.append(_rollup(source, rollups))
        columns.update(k for p in rollups for k in _ROLLUPS[p])
    if TOP in parts:
        columns.update(("currency", "place"))
    if TOP in parts or CONTACTS in parts:
        ctes.append(f"per_contact AS MATERIALIZED ({_per_contact(source)})")
        params += source.params
    if TOP in parts:
        ctes.append(f"tops AS ({_tops(top)})")
        pieces.append(_TOP_ROWS)
    if CONTACTS in parts:
        pieces.append(
            f"SELECT '{CONTACTS}' AS part, count(DISTINCT contact_id) AS orders "
            "FROM per_contact"
        )
    union = " UNION ALL BY NAME ".join(pieces)
    # Amounts leave as text, read into Decimal by the caller: DuckDB hands a
    # DECIMAL(38, 4) to Python about three times slower than its text.
    money = ["amount"] if rollups or TOP in parts else []
    if rollups and source.converting:
        money.append("native")
    if money:
        casts = ", ".join(f"CAST({m} AS VARCHAR) AS {m}" for m in money)
        union = f"SELECT * REPLACE ({casts}) FROM ({union})"
    # Statuses and sources are ENUMs: they sort in their declared order, the
    # order every chart and legend uses.
    order = ", ".join(f"{c} NULLS LAST" for c in _ORDER if c in columns)
    sql = f"WITH {', '.join(ctes)} {union} ORDER BY {order}"
    return sql, tuple(params)


def _cube_columns(source: Scan) -> tuple[str, ...]:
    # Without conversion the orders' own currency is `currency` itself.
    return _CUBE if source.converting else _CUBE[:-1]


def _cube(source: Scan, filters: OrderFilters) -> str:
    keys = _cube_columns(source)
    date = f"o.{filters.date_field.value}"
    columns = [
        # Months as a number (year × 12 + month − 1): cheaper to compute and
        # group than a truncated date; turned into dates on the few rows out.
        f"year({date}) * 12 + month({date}) - 1 AS month",
        "o.status AS status",
        "o.source AS source",
        "o.deal_id IS NOT NULL AS has_deal",
        f"{source.currency} AS currency",
        "o.currency AS original",
        f"{source.value} AS amount",
    ]
    if not source.converting:
        columns.remove("o.currency AS original")
    measures = ["count(*) AS orders", "sum(amount) AS amount"]
    if source.converting:
        columns += ["o.value AS native", "r.valid_from AS rate_date"]
        measures += [
            "count(amount) AS valued",
            "sum(native) AS native",
            "count(*) FILTER (WHERE amount IS NULL) AS unconverted",
            "min(rate_date) AS first_rate",
            "max(rate_date) AS last_rate",
        ]
    return (
        f"SELECT {', '.join(keys)}, {', '.join(measures)} "
        f"FROM (SELECT {', '.join(columns)} {source.sql}) "
        f"GROUP BY {', '.join(keys)}"
    )


def _rollup(source: Scan, rollups: list[str]) -> str:
    """Every requested breakdown of the cube, in one pass over its rows."""
    sums = ["CAST(sum(orders) AS BIGINT) AS orders", "sum(amount) AS amount"]
    if source.converting:
        sums += [
            "CAST(sum(valued) AS BIGINT) AS valued",
            "sum(native) AS native",
            "CAST(sum(unconverted) AS BIGINT) AS unconverted",
            "min(first_rate) AS first_rate",
            "max(last_rate) AS last_rate",
        ]
    used = [k for k in _cube_columns(source) if any(k in _ROLLUPS[p] for p in rollups)]
    label = " ".join(
        f"WHEN GROUPING({', '.join(used)}) = {_gid(used, _ROLLUPS[p])} THEN '{p}'"
        for p in rollups
    )
    month = (
        "CASE WHEN month IS NOT NULL THEN make_date(CAST(month // 12 AS INTEGER), "
        "CAST(month % 12 + 1 AS INTEGER), 1) END AS month"
    )
    keys = [month if k == "month" else k for k in used]
    grouping = ", ".join(f"({', '.join(_ROLLUPS[p])})" for p in rollups)
    return (
        f"SELECT CASE {label} END AS part, {', '.join(keys)}, {', '.join(sums)} "
        f"FROM cube GROUP BY GROUPING SETS ({grouping})"
    )


def _gid(used: list[str], kept: tuple[str, ...]) -> int:
    """GROUPING()'s value over `used`: a 1 bit for each column left out."""
    width = len(used)
    return sum(1 << (width - 1 - i) for i, k in enumerate(used) if k not in kept)


def _per_contact(source: Scan) -> str:
    return (
        "SELECT contact_id, currency, count(*) AS orders, sum(amount) AS amount "
        f"FROM (SELECT o.contact_id AS contact_id, {source.currency} AS currency, "
        f"{source.value} AS amount {source.sql}) GROUP BY contact_id, currency"
    )


def _tops(top: int) -> str:
    """Per currency, the top contacts as a list: largest amount, then most
    orders, then lowest id. A top-N aggregate, not a sort of every contact."""
    rank = "{'amount': amount, 'orders': orders, 'contact': -contact_id}"
    entry = "{'contact_id': contact_id, 'orders': orders, 'amount': amount}"
    return (
        f"SELECT currency, arg_max({entry}, {rank}, {int(top)}) AS best "
        "FROM per_contact WHERE amount IS NOT NULL GROUP BY currency"
    )


# `arg_max` lists the top contacts best first; their names come last, for
# those few rows only.
_TOP_ROWS = (
    f"SELECT '{TOP}' AS part, t.currency, t.e.contact_id AS contact_id, "
    "t.e.orders AS orders, t.e.amount AS amount, t.place, ct.name AS contact_name "
    "FROM (SELECT currency, unnest(best) AS e, unnest(range(1, len(best) + 1)) "
    "AS place FROM tops) t JOIN contacts ct ON ct.id = t.e.contact_id"
)
