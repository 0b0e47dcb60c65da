"""The reporting currency and exchange rates an administrator enters.

A rate (base, quote, rate, valid_from) says that one unit of `base` is worth
`rate` units of `quote` from `valid_from` on, until the next rate of the same
pair. Reports convert an order into the reporting currency R with the latest
rate whose valid_from is on or before the order date, taken from the pair
(order currency → R) or, failing that, the inverse of (R → order currency),
1/rate. When both directions have a rate on the same day, the one entered in
the direction of the conversion wins. An order with no such rate is not
converted: reports count it instead of dropping it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from . import identity
from .errors import NotFound, ValidationError
from .models import Actor
from .money import normalize_currency
from .permissions import Action, ensure
from .store import Database
from .validation import parse_date
from .wallet import Predicate

log = logging.getLogger(__name__)

# exchange_rates.rate is DECIMAL(18, 8).
RATE_PLACES = 8
RATE_MAX = Decimal("9999999999.99999999")
# The identity "rate" of the reporting currency applies from the first day.
_ALWAYS = dt.date(1, 1, 1)


@dataclass(frozen=True)
class ExchangeRate:
    base: str
    quote: str
    rate: Decimal
    valid_from: dt.date

    @property
    def label(self) -> str:
        return f"1 {self.base} = {self.rate.normalize():f} {self.quote}"


def reporting_currency(db: Database, actor: Actor) -> str | None:
    """The account's reporting currency, or None when none is set."""
    with db.cursor() as cur:
        row = cur.execute(
            "SELECT reporting_currency FROM accounts WHERE id = ?", [actor.account_id]
        ).fetchone()
    return row[0] if row else None


def set_reporting_currency(db: Database, actor: Actor, currency: object) -> str | None:
    """An administrator sets (or, with None or "", clears) the reporting currency."""
    ensure(actor, Action.ADMINISTER)
    code = None
    if currency not in (None, ""):
        code = _currency(currency, "reporting_currency")
    with identity.write(db) as cur:
        cur.execute(
            "UPDATE accounts SET reporting_currency = ? WHERE id = ?",
            [code, actor.account_id],
        )
    log.info("account %s reporting currency set to %s", actor.account_id, code)
    return code


def set_rate(
    db: Database,
    actor: Actor,
    *,
    base: object,
    quote: object,
    rate: object,
    valid_from: object,
) -> ExchangeRate:
    """An administrator enters a rate; the same pair and day is replaced."""
    ensure(actor, Action.ADMINISTER)
    entry = ExchangeRate(
        base=_currency(base, "base"),
        quote=_currency(quote, "quote"),
        rate=parse_rate(rate),
        valid_from=parse_date(valid_from, "valid_from"),
    )
    if entry.base == entry.quote:
        raise ValidationError("quote", "must differ from the base currency")
    with db.cursor() as cur:
        cur.execute(
            "INSERT OR REPLACE INTO exchange_rates "
            "(account_id, base, quote, rate, valid_from) VALUES (?, ?, ?, ?, ?)",
            [actor.account_id, entry.base, entry.quote, entry.rate, entry.valid_from],
        )
    log.info("account %s: %s from %s", actor.account_id, entry.label, entry.valid_from)
    return entry


def delete_rate(
    db: Database, actor: Actor, *, base: object, quote: object, valid_from: object
) -> None:
    """An administrator removes one rate; NotFound when there is no such rate."""
    ensure(actor, Action.ADMINISTER)
    key = [
        actor.account_id,
        _currency(base, "base"),
        _currency(quote, "quote"),
        parse_date(valid_from, "valid_from"),
    ]
    with db.cursor() as cur:
        row = cur.execute(
            "DELETE FROM exchange_rates WHERE account_id = ? AND base = ? "
            "AND quote = ? AND valid_from = ? RETURNING 1",
            key,
        ).fetchone()
    if row is None:
        raise NotFound(f"No {key[1]}→{key[2]} rate valid from {key[3]}.")
    log.info("account %s rate %s→%s of %s removed", *key)


def list_rates(db: Database, actor: Actor) -> list[ExchangeRate]:
    """The account's rates by pair, newest first within a pair."""
    with db.cursor() as cur:
        rows = cur.execute(
            "SELECT base, quote, rate, valid_from FROM exchange_rates "
            "WHERE account_id = ? ORDER BY base, quote, valid_from DESC",
            [actor.account_id],
        ).fetchall()
    return [ExchangeRate(*row) for row in rows]


def parse_rate(raw: object, field: str = "rate") -> Decimal:
    """An exact positive rate with at most eight decimals."""
    if isinstance(raw, bool) or raw is None:
        raise ValidationError(field, "must be a number")
    if isinstance(raw, float):
        raw = repr(raw)
    if isinstance(raw, str):
        raw = raw.strip().replace("_", "")
        if not raw:
            raise ValidationError(field, "is required")
    try:
        value = Decimal(raw)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError(field, f"{raw!r} is not a number") from None
    if not value.is_finite():
        raise ValidationError(field, "must be a finite number")
    if value <= 0:
        raise ValidationError(field, "must be greater than zero")
    if value > RATE_MAX:
        raise ValidationError(field, f"must be at most {RATE_MAX:,}")
    quantum = Decimal(1).scaleb(-RATE_PLACES)
    if value != value.quantize(quantum):
        raise ValidationError(field, f"allows at most {RATE_PLACES} decimals")
    return value.quantize(quantum)


def _currency(raw: object, field: str) -> str:
    try:
        return normalize_currency(raw)
    except ValidationError as exc:
        raise ValidationError(field, exc.reason) from None


def conversion_rates(account_id: int, reporting: str) -> Predicate:
    """A subquery of (currency, day, rate, valid_from): what one unit of
    `currency` is worth in `reporting` on each day of the account's orders,
    and the date of the rate that gives it.

    Spelled out day by day (a few thousand rows) so that reports find an
    order's rate with an equality join on (currency, order date) instead of
    sorting millions of orders for an ASOF join. Inverse rates are 1/rate
    computed in DOUBLE and kept to 12 decimals (DuckDB divides decimals in
    floating point); the reporting currency itself converts at exactly 1.
    """
    return Predicate(
        "(WITH bounds AS (SELECT min(order_date) AS first_day, "
        "max(order_date) AS last_day FROM orders WHERE account_id = ?), "
        "entered AS (SELECT currency, valid_from, rate FROM ("
        "SELECT base AS currency, valid_from, "
        "CAST(rate AS DECIMAL(38, 12)) AS rate, 0 AS inverse "
        "FROM exchange_rates WHERE account_id = ? AND quote = ? "
        "UNION ALL "
        "SELECT quote, valid_from, "
        "CAST(1 / CAST(rate AS DOUBLE) AS DECIMAL(38, 12)), 1 "
        "FROM exchange_rates WHERE account_id = ? AND base = ? "
        "UNION ALL "
        "SELECT ?, ?, CAST(1 AS DECIMAL(38, 12)), 0) "
        "QUALIFY row_number() OVER ("
        "PARTITION BY currency, valid_from ORDER BY inverse) = 1), "
        "periods AS (SELECT currency, valid_from, rate, lead(valid_from) OVER ("
        "PARTITION BY currency ORDER BY valid_from) AS next_from FROM entered) "
        "SELECT currency, CAST(unnest(generate_series("
        "CAST(greatest(valid_from, first_day) AS TIMESTAMP), "
        "CAST(least(coalesce(next_from - 1, last_day), last_day) AS TIMESTAMP), "
        "INTERVAL 1 DAY)) AS DATE) AS day, rate, valid_from "
        "FROM periods, bounds)",
        (account_id, account_id, reporting, account_id, reporting, reporting, _ALWAYS),
    )


def is_identity(valid_from: dt.date | None) -> bool:
    """Whether a rate date is the reporting currency's own (no rate used)."""
    return valid_from == _ALWAYS
