"""Report results cached per wallet, filters and data version (st.cache_data).

An entry's key holds everything that decides its answer: the database file,
the wallet (user, account, admin flag, scope, team, and the account's privacy
and module switches), the filters, and `reports.data_version`, which changes
with every write to the account — so a new order shows on the next rerun
without a restart, and a stale entry is never read again (it ages out).
Connections and actors are not hashable: they travel as `_`-prefixed
arguments, which st.cache_data leaves out of the key on purpose.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from registry import reports, summary
from registry.filters import OrderFilters
from registry.models import Actor
from registry.reports import Dashboard, FilterChoices
from registry.store import Database

# Long enough to serve a morning of reruns; short enough that entries of
# superseded data versions do not pile up.
_TTL = dt.timedelta(hours=1)
_ENTRIES = 256


@dataclass(frozen=True)
class Reader:
    """The database, the actor and the data version of one rerun."""

    db: Database
    actor: Actor
    version: str

    @property
    def key(self) -> tuple[object, ...]:
        """What decides a report's answer, besides its own arguments."""
        user, account = self.actor.user, self.actor.account
        return (
            str(self.db.path),
            user.id,
            account.id,
            user.is_admin,
            user.scope.value,
            user.team,
            account.owner_privacy,
            account.orders_enabled,
            self.version,
        )


def reader(db: Database, actor: Actor) -> Reader:
    """A Reader for this rerun; reading the data version costs about 1 ms."""
    return Reader(db, actor, reports.data_version(db, actor.account_id))


def dashboard(r: Reader, filters: OrderFilters, *, convert: bool) -> Dashboard:
    """`reports.dashboard`, cached."""
    return _dashboard(r.db, r.actor, r.key, filters, convert)


def filter_choices(r: Reader) -> FilterChoices:
    """`reports.filter_choices`, cached."""
    return _choices(r.db, r.actor, r.key)


def total(r: Reader, filters: OrderFilters) -> int:
    """How many orders match: the explorer counts once per filter set, and
    page turns then ask `explore` for rows only."""
    return _total(r.db, r.actor, r.key, filters)


def contact_summary(r: Reader, contact_id: int) -> summary.ContactSummary:
    """`summary.contact_summary` (scored against the whole wallet), cached."""
    return _contact_summary(r.db, r.actor, r.key, contact_id, dt.date.today())


def contact_summaries(
    r: Reader,
    filters: OrderFilters,
    *,
    sort: str,
    descending: bool,
    limit: int,
    offset: int,
    segment: str | None,
) -> summary.SummaryPage:
    """`summary.contact_summaries`, cached."""
    return _summaries(
        r.db,
        r.actor,
        r.key,
        filters,
        (sort, descending, limit, offset, segment),
        dt.date.today(),
    )


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner="Computing the figures…")
def _dashboard(
    _db: Database, _actor: Actor, key: tuple, filters: OrderFilters, convert: bool
) -> Dashboard:
    return reports.dashboard(_db, _actor, filters, convert=convert)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _choices(_db: Database, _actor: Actor, key: tuple) -> FilterChoices:
    return reports.filter_choices(_db, _actor)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _total(_db: Database, _actor: Actor, key: tuple, filters: OrderFilters) -> int:
    return reports.count(_db, _actor, filters)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner=False)
def _contact_summary(
    _db: Database, _actor: Actor, key: tuple, contact_id: int, today: dt.date
) -> summary.ContactSummary:
    return summary.contact_summary(_db, _actor, contact_id, today=today)


@st.cache_data(ttl=_TTL, max_entries=_ENTRIES, show_spinner="Scoring contacts…")
def _summaries(
    _db: Database,
    _actor: Actor,
    key: tuple,
    filters: OrderFilters,
    page: tuple[str, bool, int, int, str | None],
    today: dt.date,
) -> summary.SummaryPage:
    sort, descending, limit, offset, segment = page
    return summary.contact_summaries(
        _db,
        _actor,
        filters,
        sort=sort,
        descending=descending,
        limit=limit,
        offset=offset,
        segment=segment,
        today=today,
    )
