"""The filters shared by the dashboard, the explorer and exports.

An `OrderFilters` is a frozen, normalised value: equal filters compare and
hash equal (a cache key), round-trip through URL query parameters, and turn
into one SQL predicate with bound parameters, always ANDed with the actor's
wallet. Like `wallet`, the predicate expects the aliases `o` (orders), `c`
(contacts) and `d` (deals).

"Owner" and "team" match an order when its contact's owner or its deal's
owner matches — the same two links that put an order in a wallet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import quote, unquote

from . import wallet
from .errors import ValidationError
from .models import Actor, Scope, Source, Status
from .money import normalize_currency
from .validation import clean_text, parse_choice, parse_date

SEARCH_MAX = 200
# A bookmarked URL is untrusted input: cap how many values one key may carry.
LIST_MAX = 50


class DateField(StrEnum):
    """Which of an order's dates the date range applies to."""

    ORDER = "order_date"
    PAID = "paid_date"

    @property
    def label(self) -> str:
        return "Order date" if self is DateField.ORDER else "Paid date"


@dataclass(frozen=True)
class OrderFilters:
    """What the analyst asked to see; empty fields do not filter."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    date_field: DateField = DateField.ORDER
    statuses: tuple[Status, ...] = ()
    sources: tuple[Source, ...] = ()
    currencies: tuple[str, ...] = ()
    owner_ids: tuple[int, ...] = ()
    teams: tuple[str, ...] = ()
    contact_id: int | None = None
    has_deal: bool | None = None
    search: str = ""

    def __post_init__(self) -> None:
        for field, value in _normalised(self).items():
            object.__setattr__(self, field, value)

    @property
    def is_empty(self) -> bool:
        return self == OrderFilters()

    def replace(self, **changes: Any) -> OrderFilters:
        """A copy with some fields changed (a drill-down, a cleared filter)."""
        return dataclasses.replace(self, **changes)

    def where(self, actor: Actor) -> wallet.Predicate:
        """The actor's wallet AND these filters, as one SQL predicate."""
        return wallet.orders(actor) & self.where_orders(actor.account_id)

    def where_orders(self, account_id: int) -> wallet.Predicate:
        """These filters alone, over `o` only (no joins needed); to be ANDed
        with a wallet — on its own it is not a scope."""
        parts = self._parts(account_id)
        if not parts:
            return wallet.Predicate("TRUE", ())
        combined = parts[0]
        for part in parts[1:]:
            combined = combined & part
        return combined

    def to_query_params(self) -> dict[str, str]:
        """Plain strings for `st.query_params`; empty filters are left out."""
        out = {
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "date": "paid" if self.date_field is DateField.PAID else "",
            "status": ",".join(s.value for s in self.statuses),
            "source": ",".join(s.value for s in self.sources),
            "currency": ",".join(self.currencies),
            "owner": ",".join(str(i) for i in self.owner_ids),
            # Team names are free text: quote them so a comma stays inside.
            "team": ",".join(quote(t, safe="") for t in self.teams),
            "contact": str(self.contact_id) if self.contact_id else "",
            "deal": {True: "yes", False: "no", None: ""}[self.has_deal],
            "q": self.search,
        }
        return {key: value for key, value in out.items() if value}

    @classmethod
    def from_query_params(cls, params: Mapping[str, Any]) -> OrderFilters:
        """Read filters from URL parameters; unreadable values are dropped."""
        fields: dict[str, Any] = {}
        for key, (field, read) in _READERS.items():
            raw = _last(params.get(key))
            if raw is None:
                continue
            try:
                fields[field] = read(raw)
            except (ValidationError, ValueError, KeyError):
                continue
        while True:
            try:
                return cls(**fields)
            except ValidationError as exc:
                if fields.pop(exc.field, None) is None:
                    return cls()

    def _parts(self, account_id: int) -> list[wallet.Predicate]:
        parts: list[wallet.Predicate] = []
        column = f"o.{self.date_field.value}"
        if self.date_from:
            parts.append(wallet.Predicate(f"{column} >= ?", (self.date_from,)))
        if self.date_to:
            parts.append(wallet.Predicate(f"{column} <= ?", (self.date_to,)))
        for column, values in (
            ("o.status", tuple(s.value for s in self.statuses)),
            ("o.source", tuple(s.value for s in self.sources)),
            ("o.currency", self.currencies),
        ):
            if values:
                parts.append(_in(column, values))
        if self.owner_ids:
            parts.append(_owned_by(lambda column: _in(column, self.owner_ids)))
        if self.teams:
            members = _in("team", self.teams)
            parts.append(
                _owned_by(
                    lambda column: wallet.Predicate(
                        f"{column} IN (SELECT id FROM users WHERE account_id = ? "
                        f"AND {members.sql})",
                        (account_id, *members.params),
                    )
                )
            )
        if self.contact_id is not None:
            parts.append(wallet.Predicate("o.contact_id = ?", (self.contact_id,)))
        if self.has_deal is not None:
            test = "IS NOT NULL" if self.has_deal else "IS NULL"
            parts.append(wallet.Predicate(f"o.deal_id {test}", ()))
        if self.search:
            parts.append(_search(account_id, self.search))
        return parts


def _in(column: str, values: tuple[object, ...]) -> wallet.Predicate:
    marks = ", ".join("?" for _ in values)
    return wallet.Predicate(f"{column} IN ({marks})", values)


def _owned_by(owner: Callable[[str], wallet.Predicate]) -> wallet.Predicate:
    """Orders whose contact or deal has an owner passing `owner`, a test of
    one column: the owners copied onto each order."""
    contact, deal = owner("o.contact_owner_id"), owner("o.deal_owner_id")
    return wallet.Predicate(
        f"({contact.sql} OR {deal.sql})", contact.params + deal.params
    )


def _search(account_id: int, text: str) -> wallet.Predicate:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return wallet.Predicate(
        "(o.title ILIKE ? ESCAPE '\\' OR o.external_id ILIKE ? ESCAPE '\\' "
        "OR o.contact_id IN (SELECT id FROM contacts WHERE account_id = ? "
        "AND name ILIKE ? ESCAPE '\\'))",
        (pattern, pattern, account_id, pattern),
    )


# --- normalisation ------------------------------------------------------------


def _normalised(f: OrderFilters) -> dict[str, Any]:
    """Every field in canonical form (sorted, deduplicated), or ValidationError."""
    date_from = parse_date(f.date_from, "date_from", required=False)
    date_to = parse_date(f.date_to, "date_to", required=False)
    if date_from and date_to and date_from > date_to:
        date_from, date_to = date_to, date_from
    return {
        "date_from": date_from,
        "date_to": date_to,
        "date_field": parse_choice(DateField, f.date_field, "date_field"),
        "statuses": _members(Status, f.statuses, "statuses"),
        "sources": _members(Source, f.sources, "sources"),
        "currencies": _canonical(
            (_currency(c) for c in _items(f.currencies, "currencies")), "currencies"
        ),
        "owner_ids": _canonical(
            (_as_id(i, "owner_ids") for i in _items(f.owner_ids, "owner_ids")),
            "owner_ids",
        ),
        "teams": _canonical(
            (clean_text(t, "teams", max_length=100) for t in _items(f.teams, "teams")),
            "teams",
        ),
        "contact_id": (
            None if f.contact_id is None else _as_id(f.contact_id, "contact_id")
        ),
        "has_deal": _as_bool(f.has_deal),
        "search": clean_text(f.search, "search", required=False, max_length=SEARCH_MAX)
        or "",
    }


def _items(values: object, field: str) -> tuple[Any, ...]:
    if values is None:
        return ()
    if isinstance(values, str | int):
        return (values,)
    if not isinstance(values, Iterable):
        raise ValidationError(field, "must be a list")
    return tuple(values)


def _canonical(values: Iterable[Any], field: str) -> tuple[Any, ...]:
    out = tuple(sorted(set(values)))
    if len(out) > LIST_MAX:
        raise ValidationError(field, f"at most {LIST_MAX} values")
    return out


def _members(enum: type[StrEnum], values: object, field: str) -> tuple[Any, ...]:
    chosen = {parse_choice(enum, v, field) for v in _items(values, field)}
    # Enum order (pending, paid, …) rather than alphabetical: it is the order
    # charts and legends use.
    return tuple(m for m in enum if m in chosen)


def _currency(raw: object) -> str:
    try:
        return normalize_currency(raw)
    except ValidationError as exc:
        raise ValidationError("currencies", exc.reason) from None


def _as_id(raw: object, field: str) -> int:
    if isinstance(raw, bool):
        raise ValidationError(field, "must be an id")
    try:
        value = int(raw)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ValidationError(field, f"{raw!r} is not an id") from None
    if value <= 0:
        raise ValidationError(field, f"{raw!r} is not an id")
    return value


def _as_bool(raw: object) -> bool | None:
    if raw is None or isinstance(raw, bool):
        return raw
    raise ValidationError("has_deal", "must be yes, no or empty")


# --- query parameters ---------------------------------------------------------


def _last(raw: object) -> str | None:
    """st.query_params gives the last value of a repeated key; lists too."""
    if isinstance(raw, list | tuple):
        raw = raw[-1] if raw else None
    if not isinstance(raw, str) or not raw.strip():
        return None
    return raw.strip()


def _split(raw: str) -> list[str]:
    return [part for part in (p.strip() for p in raw.split(",")) if part]


def _tolerant(read: Callable[[str], Any]) -> Callable[[str], tuple[Any, ...]]:
    """Read each comma-separated item, dropping the ones that do not parse."""

    def many(raw: str) -> tuple[Any, ...]:
        kept = []
        for part in _split(raw)[:LIST_MAX]:
            try:
                kept.append(read(part))
            except (ValidationError, ValueError):
                continue
        return tuple(kept)

    return many


def _read_deal(raw: str) -> bool:
    answer = {"yes": True, "true": True, "1": True}
    answer |= {"no": False, "false": False, "0": False}
    try:
        return answer[raw.lower()]
    except KeyError:
        raise ValueError(raw) from None


def _read_search(raw: str) -> str:
    # Control characters are what `clean_text` refuses; drop them instead.
    kept = "".join(ch for ch in raw if unicodedata.category(ch) != "Cc")
    return kept.strip()[:SEARCH_MAX]


_READERS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "from": ("date_from", dt.date.fromisoformat),
    "to": ("date_to", dt.date.fromisoformat),
    "date": (
        "date_field",
        lambda raw: {"paid": DateField.PAID, "order": DateField.ORDER}[raw.lower()],
    ),
    "status": ("statuses", _tolerant(lambda s: parse_choice(Status, s, "status"))),
    "source": ("sources", _tolerant(lambda s: parse_choice(Source, s, "source"))),
    "currency": ("currencies", _tolerant(normalize_currency)),
    "owner": ("owner_ids", _tolerant(lambda s: _as_id(s, "owner"))),
    "team": (
        "teams",
        _tolerant(lambda t: clean_text(unquote(t), "team", max_length=100)),
    ),
    "contact": ("contact_id", lambda raw: _as_id(raw, "contact")),
    "deal": ("has_deal", _read_deal),
    "q": ("search", _read_search),
}


# --- what the page says about scope -------------------------------------------


def coverage(actor: Actor) -> str:
    """Whose orders the actor's pages cover, in words for a caption."""
    if actor.sees_whole_account:
        return f"All orders of {actor.account.name}"
    if actor.user.scope is Scope.TEAM and actor.user.team:
        return (
            f"Your team's wallet: orders whose contact or deal is owned by "
            f"someone in team {actor.user.team}"
        )
    return "Your wallet: orders whose contact or deal you own"
