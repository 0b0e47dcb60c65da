"""The dashboard's figures: KPIs and the data behind each chart.

Everything comes from one statement over the wallet's filtered orders (see
`grouping`), so Python receives a few hundred rows whatever the number of
orders. Each element also has a function of its own, which runs the same
statement asking only for its part.

Money is per currency: amounts are summed within a currency and never across.
With `convert=True` they are converted into the account's reporting currency
first (see `registry.rates`), and orders without a rate are counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from .. import rates
from ..errors import ValidationError
from ..filters import OrderFilters
from ..models import Actor, Status
from ..permissions import Action, ensure
from ..store import Database
from .grouping import (
    CONTACTS,
    CURRENCY,
    DEAL,
    MONTH,
    ORIGINAL,
    PARTS,
    SOURCE,
    STATUS,
    TOP,
    statement,
)
from .scan import quantize, scan

TOP_CONTACTS = 10
TOP_MAX = 100
OUTSTANDING = frozenset({Status.PENDING, Status.OVERDUE, Status.PARTIALLY_PAID})


@dataclass(frozen=True)
class CurrencyFigures:
    """One currency's KPIs (the reporting currency's, when converting)."""

    currency: str
    orders: int
    # Orders whose amount is known in this currency (all, unless converting).
    valued: int
    value: Decimal
    paid: Decimal
    outstanding: Decimal

    @property
    def average(self) -> Decimal | None:
        if not self.valued:
            return None
        return quantize(self.value / self.valued, self.currency)


@dataclass(frozen=True)
class Kpis:
    orders: int
    contacts: int
    refunded: int
    canceled: int
    currencies: tuple[CurrencyFigures, ...]

    @property
    def refund_rate(self) -> float | None:
        """Refunded orders as a share of all orders (None without orders)."""
        return self.refunded / self.orders if self.orders else None

    @property
    def cancel_rate(self) -> float | None:
        return self.canceled / self.orders if self.orders else None


@dataclass(frozen=True)
class RateUse:
    """How one currency's orders were converted."""

    currency: str
    orders: int
    unconverted: int
    # The earliest and latest rate dates used; None for the reporting
    # currency itself and for a currency with no rate at all.
    first_rate: dt.date | None
    last_rate: dt.date | None


@dataclass(frozen=True)
class Conversion:
    reporting: str
    currencies: tuple[RateUse, ...]

    @property
    def unconverted(self) -> int:
        return sum(use.unconverted for use in self.currencies)

    def describe(self) -> str:
        """One or two sentences for a chart caption."""
        used = [
            f"{u.currency}: {_span(u.first_rate, u.last_rate)}"
            for u in self.currencies
            if u.first_rate is not None
        ]
        text = (
            f"Amounts in {self.reporting}, each order at the latest rate on or "
            "before its order date"
        )
        text += f" ({'; '.join(used)})." if used else "."
        missing = [u for u in self.currencies if u.unconverted]
        if missing:
            counts = ", ".join(f"{u.unconverted:,} in {u.currency}" for u in missing)
            text += (
                f" {self.unconverted:,} orders had no rate and are left out of "
                f"the amounts ({counts}); they still count as orders."
            )
        return text


@dataclass(frozen=True)
class Dashboard:
    kpis: Kpis
    by_status: pd.DataFrame
    by_source: pd.DataFrame
    by_currency: pd.DataFrame
    monthly: pd.DataFrame
    top_contacts: pd.DataFrame
    deal_split: pd.DataFrame
    conversion: Conversion | None


# --- public functions ---------------------------------------------------------


def dashboard(
    db: Database,
    actor: Actor,
    filters: OrderFilters | None = None,
    *,
    convert: bool = False,
    top: int = TOP_CONTACTS,
) -> Dashboard:
    """Every figure of the dashboard from one query over the wallet."""
    parts = set(PARTS) - {ORIGINAL if not convert else CURRENCY}
    result = _run(db, actor, filters, parts, convert=convert, top=top)
    return Dashboard(
        kpis=_kpis(result),
        by_status=_by(result, STATUS),
        by_source=_by(result, SOURCE),
        by_currency=_by_currency(result),
        monthly=_monthly(result),
        top_contacts=_top_contacts(result),
        deal_split=_by(result, DEAL),
        conversion=_conversion(result),
    )


def kpis(
    db: Database, actor: Actor, filters: OrderFilters | None = None, *, convert=False
) -> Kpis:
    """Orders, contacts with orders, value, paid, outstanding, rates, averages."""
    return _kpis(_run(db, actor, filters, {STATUS, CONTACTS}, convert=convert))


def by_status(
    db: Database, actor: Actor, filters: OrderFilters | None = None, *, convert=False
) -> pd.DataFrame:
    """Orders and value per status and currency."""
    return _by(_run(db, actor, filters, {STATUS}, convert=convert), STATUS)


def by_source(
    db: Database, actor: Actor, filters: OrderFilters | None = None, *, convert=False
) -> pd.DataFrame:
    """Orders and value per source and currency."""
    return _by(_run(db, actor, filters, {SOURCE}, convert=convert), SOURCE)


def by_currency(
    db: Database, actor: Actor, filters: OrderFilters | None = None, *, convert=False
) -> pd.DataFrame:
    """Orders and value per currency; converted amounts too when converting."""
    part = ORIGINAL if convert else CURRENCY
    return _by_currency(_run(db, actor, filters, {part}, convert=convert))


def monthly(
    db: Database, actor: Actor, filters: OrderFilters | None = None, *, convert=False
) -> pd.DataFrame:
    """Orders and value per month (of the filtered date), status and currency."""
    return _monthly(_run(db, actor, filters, {MONTH}, convert=convert))


def top_contacts(
    db: Database,
    actor: Actor,
    filters: OrderFilters | None = None,
    *,
    convert: bool = False,
    top: int = TOP_CONTACTS,
) -> pd.DataFrame:
    """The contacts with the highest value, ranked within each currency."""
    return _top_contacts(_run(db, actor, filters, {TOP}, convert=convert, top=top))


def deal_split(
    db: Database, actor: Actor, filters: OrderFilters | None = None, *, convert=False
) -> pd.DataFrame:
    """Orders and value linked to a deal versus not, per currency."""
    return _by(_run(db, actor, filters, {DEAL}, convert=convert), DEAL)


# --- running the statement -----------------------------------------------------


@dataclass(frozen=True)
class _Result:
    rows: dict[str, list[dict[str, object]]]
    reporting: str | None

    def part(self, name: str) -> list[dict[str, object]]:
        return self.rows.get(name, [])


def _run(
    db: Database,
    actor: Actor,
    filters: OrderFilters | None,
    parts: set[str],
    *,
    convert: bool,
    top: int = TOP_CONTACTS,
) -> _Result:
    ensure(actor, Action.VIEW_ORDERS)
    filters = filters or OrderFilters()
    reporting = _reporting(db, actor) if convert else None
    source = scan(actor, filters, reporting=reporting)
    sql, params = statement(source, filters, parts, top=_top(top))
    rows: dict[str, list[dict[str, object]]] = {}
    with db.cursor() as cur:
        cursor = cur.execute(sql, params)
        names = [column[0] for column in cursor.description]
        money = [n for n in ("amount", "native") if n in names]
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            for name in money:  # sent as text (see grouping.statement)
                if row[name] is not None:
                    row[name] = Decimal(row[name])
            rows.setdefault(row["part"], []).append(row)
    return _Result(rows, reporting)


def _reporting(db: Database, actor: Actor) -> str:
    code = rates.reporting_currency(db, actor)
    if code is None:
        raise ValidationError(
            "reporting_currency",
            "is not set; an administrator sets it, with exchange rates, in Settings",
        )
    return code


def _top(top: int) -> int:
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= TOP_MAX:
        raise ValidationError("top", f"must be a whole number from 1 to {TOP_MAX}")
    return top


# --- shaping the rows ---------------------------------------------------------


def _amount(row: dict[str, object], column: str = "amount") -> Decimal:
    """An exact amount in the row's currency (zero when nothing converted)."""
    value = row[column]
    currency = row["currency"] if column == "amount" else row["original"]
    return quantize(value or 0, currency)  # type: ignore[arg-type]


def _by(result: _Result, part: str) -> pd.DataFrame:
    dimension = {DEAL: "has_deal"}.get(part, part)
    rows = result.part(part)
    records = [
        (r[dimension], r["currency"], int(r["orders"]), _amount(r)) for r in rows
    ]
    return pd.DataFrame(records, columns=[dimension, "currency", "orders", "value"])


def _monthly(result: _Result) -> pd.DataFrame:
    # Orders without the filtered date (unpaid, by paid date) have no month.
    rows = [r for r in result.part(MONTH) if r["month"] is not None]
    records = [
        (r["month"], r["status"], r["currency"], int(r["orders"]), _amount(r))
        for r in rows
    ]
    return pd.DataFrame(
        records, columns=["month", "status", "currency", "orders", "value"]
    )


def _top_contacts(result: _Result) -> pd.DataFrame:
    rows = result.part(TOP)
    records = [
        (
            r["currency"],
            int(r["place"]),
            r["contact_id"],
            r["contact_name"],
            int(r["orders"]),
            _amount(r),
        )
        for r in rows
    ]
    return pd.DataFrame(
        records,
        columns=["currency", "rank", "contact_id", "contact", "orders", "value"],
    )


def _by_currency(result: _Result) -> pd.DataFrame:
    if result.reporting is None:
        rows = result.part(CURRENCY)
        records = [(r["currency"], int(r["orders"]), _amount(r)) for r in rows]
        return pd.DataFrame(records, columns=["currency", "orders", "value"])
    rows = result.part(ORIGINAL)
    records = [
        (
            r["original"],
            int(r["orders"]),
            _amount(r, "native"),
            quantize(r["amount"], result.reporting) if r["valued"] else None,
            int(r["unconverted"]),
        )
        for r in rows
    ]
    return pd.DataFrame(
        records,
        columns=["currency", "orders", "value", "converted", "unconverted"],
    )


def _kpis(result: _Result) -> Kpis:
    per_currency: dict[str, dict[str, object]] = {}
    counts = dict.fromkeys(Status, 0)
    for row in result.part(STATUS):
        status, code = Status(row["status"]), row["currency"]
        counts[status] += int(row["orders"])
        figures = per_currency.setdefault(
            code, dict.fromkeys(("orders", "valued", "value", "paid", "open"), 0)
        )
        amount = row["amount"] or 0
        figures["orders"] += int(row["orders"])
        figures["valued"] += int(row.get("valued", row["orders"]))
        figures["value"] += amount
        if status is Status.PAID:
            figures["paid"] += amount
        elif status in OUTSTANDING:
            figures["open"] += amount
    currencies = tuple(
        CurrencyFigures(
            currency=code,
            orders=f["orders"],
            valued=f["valued"],
            value=quantize(f["value"], code),
            paid=quantize(f["paid"], code),
            outstanding=quantize(f["open"], code),
        )
        for code, f in sorted(per_currency.items())
    )
    contacts = result.part(CONTACTS)
    return Kpis(
        orders=sum(counts.values()),
        contacts=int(contacts[0]["orders"]) if contacts else 0,
        refunded=counts[Status.REFUNDED],
        canceled=counts[Status.CANCELED],
        currencies=currencies,
    )


def _conversion(result: _Result) -> Conversion | None:
    if result.reporting is None:
        return None
    uses = []
    for row in result.part(ORIGINAL):
        first, last = row["first_rate"], row["last_rate"]
        if rates.is_identity(first):
            first = last = None
        uses.append(
            RateUse(
                row["original"],
                int(row["orders"]),
                int(row["unconverted"]),
                first,
                last,
            )
        )
    return Conversion(result.reporting, tuple(uses))


def _span(first: dt.date | None, last: dt.date | None) -> str:
    if first == last:
        return f"rate of {first}"
    return f"rates of {first} to {last}"
