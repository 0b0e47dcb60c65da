"""The filters the dashboard and the explorer share, kept in the URL.

The URL (`st.query_params`, written by `OrderFilters.to_query_params`) is the
source of truth, so a view can be bookmarked and shared; whoever opens it
still sees only their own wallet, because filters are only ever ANDed with
it. Within a session the last filters are remembered too, so moving between
the dashboard and the explorer through the menu (which drops the query
string) keeps them.

The widgets sit in a form: a change costs a query over the wallet, so it
runs once, on "Apply filters", rather than at every click.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping

import streamlit as st

from registry import crm
from registry.errors import NotFound, ValidationError
from registry.filters import SEARCH_MAX, DateField, OrderFilters
from registry.models import Actor, Source, Status
from registry.reports import FilterChoices
from registry.store import Database

from . import status
from .feedback import show_error

DASHBOARD_PAGE = "views/dashboard_view.py"
EXPLORER_PAGE = "views/order_explorer.py"
RATES_PAGE = "views/exchange_rates.py"

# The URL keys OrderFilters reads and writes; other keys are left alone.
FILTER_KEYS = (
    "from",
    "to",
    "date",
    "status",
    "source",
    "currency",
    "owner",
    "team",
    "contact",
    "deal",
    "q",
)
# How many contacts the contact filter offers; the search box finds others.
CONTACT_OPTIONS = 300

_REMEMBERED = "_report_filters"
_SEEDED = "_report_filters_seeded"
_K = "flt-"
_WIDGETS = tuple(
    _K + name
    for name in (
        "date-field",
        "from",
        "to",
        "status",
        "source",
        "currency",
        "owner",
        "team",
        "contact",
        "deal",
        "search",
    )
)
_DEAL_LABELS = {None: "With or without", True: "Linked to a deal", False: "No deal"}
_EARLIEST = dt.date(2000, 1, 1)


def current() -> OrderFilters:
    """The filters of the URL, or else the ones last applied in this session."""
    params = st.query_params.to_dict()
    if any(key in params for key in FILTER_KEYS):
        return OrderFilters.from_query_params(params)
    return st.session_state.get(_REMEMBERED) or OrderFilters()


def panel(db: Database, actor: Actor, choices: FilterChoices) -> OrderFilters:
    """The filter form in an expander; returns the filters to apply, which
    are also written to the URL."""
    filters = current()
    contacts = _contact_options(db, actor, filters.contact_id)
    if st.session_state.get(_SEEDED) != filters or any(
        key not in st.session_state for key in _WIDGETS
    ):
        _seed(filters)
    active = _active_count(filters)
    label = "Filters" + (f" · {active} active" if active else "")
    with st.expander(label, icon=":material/filter_list:", key="flt-panel"):
        applied, cleared = _form(choices, filters, contacts)
    if cleared:
        _apply(OrderFilters())
        st.rerun()
    if applied:
        try:
            chosen = _from_widgets()
        except ValidationError as exc:
            show_error(exc)
        else:
            if chosen != filters:
                # Rerun before any report runs: the label, the caption and
                # every figure then follow the new filters.
                st.session_state[_SEEDED] = chosen
                _apply(chosen)
                st.rerun()
    _apply(filters)
    if active:
        st.caption(describe(filters, choices, contacts))
    return filters


def describe(
    filters: OrderFilters,
    choices: FilterChoices,
    contacts: Mapping[int, str] | None = None,
) -> str:
    """The active filters in words: 'Status: Paid · Currency: BRL'."""
    owners = {o.id: o.name for o in choices.owners}
    parts = []
    if filters.date_from or filters.date_to:
        since = filters.date_from.isoformat() if filters.date_from else "…"
        until = filters.date_to.isoformat() if filters.date_to else "…"
        parts.append(f"{filters.date_field.label}: {since} to {until}")
    for name, values in (
        ("Status", [status.label(s) for s in filters.statuses]),
        ("Source", [s.label for s in filters.sources]),
        ("Currency", list(filters.currencies)),
        ("Owner", [owners.get(i, f"user {i}") for i in filters.owner_ids]),
        ("Team", list(filters.teams)),
    ):
        if values:
            parts.append(f"{name}: {', '.join(values)}")
    if filters.contact_id is not None:
        name = (contacts or {}).get(filters.contact_id, f"#{filters.contact_id}")
        parts.append(f"Contact: {name}")
    if filters.has_deal is not None:
        parts.append(_DEAL_LABELS[filters.has_deal])
    if filters.search:
        parts.append(f"Search: “{filters.search}”")
    return "Showing only orders with " + " · ".join(parts)


def open_explorer(filters: OrderFilters) -> None:
    """Go to the explorer showing the orders `filters` select."""
    st.session_state[_REMEMBERED] = filters
    st.switch_page(EXPLORER_PAGE, query_params=filters.to_query_params())


# --- drill-down ---------------------------------------------------------------


def narrow(base: OrderFilters, picks: Iterable[Mapping[str, str]]) -> OrderFilters:
    """`base` narrowed to the chart elements a user selected.

    Each pick names what one bar stands for, as URL-style keys ("status",
    "source", "currency", "deal", "contact", or "month" as YYYY-MM); values
    of several picks add up (two status bars show either status).
    """
    picks = list(picks)
    if not picks:
        return base
    changes: dict[str, object] = {}
    for key, field, read in (
        ("status", "statuses", Status),
        ("source", "sources", Source),
        ("currency", "currencies", str),
    ):
        chosen = {read(p[key]) for p in picks if p.get(key)}
        if chosen:
            changes[field] = tuple(chosen)
    deals = {p["deal"] == "yes" for p in picks if p.get("deal")}
    if len(deals) == 1:
        changes["has_deal"] = deals.pop()
    contacts = [int(p["contact"]) for p in picks if p.get("contact")]
    if contacts:
        changes["contact_id"] = contacts[0]
    months = sorted(p["month"] for p in picks if p.get("month"))
    if months:
        first, last = _month_span(months[0], months[-1])
        changes["date_from"] = max(first, base.date_from or first)
        changes["date_to"] = min(last, base.date_to or last)
    return base.replace(**changes)


def _month_span(first: str, last: str) -> tuple[dt.date, dt.date]:
    start = dt.date.fromisoformat(f"{first}-01")
    end = dt.date.fromisoformat(f"{last}-01")
    return start, end.replace(day=calendar.monthrange(end.year, end.month)[1])


# --- the form -----------------------------------------------------------------


def _form(
    choices: FilterChoices, filters: OrderFilters, contacts: Mapping[int, str]
) -> tuple[bool, bool]:
    today = dt.date.today()
    with st.form("report-filters", border=False):
        when, since, until, deal = st.columns([2, 2, 2, 2])
        when.radio(
            "Date range on",
            list(DateField),
            format_func=lambda f: f.label,
            key=_K + "date-field",
            horizontal=True,
        )
        for column, name, label in ((since, "from", "From"), (until, "to", "To")):
            column.date_input(
                label,
                min_value=_EARLIEST,
                max_value=today + dt.timedelta(days=366),
                key=_K + name,
                format="YYYY-MM-DD",
            )
        deal.selectbox(
            "Deal",
            list(_DEAL_LABELS),
            format_func=_DEAL_LABELS.__getitem__,
            # None is a choice here; a selectbox shows it as its placeholder.
            placeholder=_DEAL_LABELS[None],
            key=_K + "deal",
        )
        first, second, third = st.columns(3)
        first.multiselect(
            "Status", list(Status), format_func=status.label, key=_K + "status"
        )
        second.multiselect(
            "Source", list(Source), format_func=lambda s: s.label, key=_K + "source"
        )
        third.multiselect(
            "Currency",
            _union(choices.currencies, filters.currencies),
            key=_K + "currency",
        )
        owners = {o.id: _owner_label(o.name, o.team) for o in choices.owners}
        first, second, third = st.columns(3)
        first.multiselect(
            "Owner",
            _union(owners, filters.owner_ids),
            format_func=lambda i: owners.get(i, f"User {i}"),
            key=_K + "owner",
            help="Orders whose contact or deal this person owns.",
        )
        second.multiselect(
            "Team", _union(choices.teams, filters.teams), key=_K + "team"
        )
        third.selectbox(
            "Contact",
            [None, *contacts],
            format_func=lambda i: "Any contact" if i is None else contacts[i],
            placeholder="Any contact",
            key=_K + "contact",
            help=f"The first {CONTACT_OPTIONS} contacts by name; the search "
            "box below also matches contact names.",
        )
        st.text_input(
            "Search",
            max_chars=SEARCH_MAX,
            placeholder="Title, contact name or external ID",
            key=_K + "search",
        )
        apply, clear, _ = st.columns([1, 1, 4])
        applied = apply.form_submit_button("Apply filters", type="primary")
        cleared = clear.form_submit_button("Clear all")
    return applied, cleared


def _seed(filters: OrderFilters) -> None:
    """Put `filters` into the widgets (before they are drawn)."""
    state = st.session_state
    state[_K + "date-field"] = filters.date_field
    state[_K + "from"] = filters.date_from
    state[_K + "to"] = filters.date_to
    state[_K + "status"] = list(filters.statuses)
    state[_K + "source"] = list(filters.sources)
    state[_K + "currency"] = list(filters.currencies)
    state[_K + "owner"] = list(filters.owner_ids)
    state[_K + "team"] = list(filters.teams)
    state[_K + "contact"] = filters.contact_id
    state[_K + "deal"] = filters.has_deal
    state[_K + "search"] = filters.search
    state[_SEEDED] = filters


def _from_widgets() -> OrderFilters:
    state = st.session_state
    return OrderFilters(
        date_from=state[_K + "from"],
        date_to=state[_K + "to"],
        date_field=state[_K + "date-field"],
        statuses=tuple(state[_K + "status"]),
        sources=tuple(state[_K + "source"]),
        currencies=tuple(state[_K + "currency"]),
        owner_ids=tuple(state[_K + "owner"]),
        teams=tuple(state[_K + "team"]),
        contact_id=state[_K + "contact"],
        has_deal=state[_K + "deal"],
        search=state[_K + "search"] or "",
    )


def _apply(filters: OrderFilters) -> None:
    """Remember `filters` and write them to the URL, keeping other keys."""
    st.session_state[_REMEMBERED] = filters
    params = st.query_params.to_dict()
    wanted = {k: v for k, v in params.items() if k not in FILTER_KEYS}
    wanted.update(filters.to_query_params())
    if wanted != params:
        st.query_params.from_dict(wanted)


def _contact_options(db: Database, actor: Actor, chosen: int | None) -> dict[int, str]:
    found = crm.search_contacts(db, actor, "", limit=CONTACT_OPTIONS)
    options = {c.id: c.name for c in found}
    if chosen is not None and chosen not in options:
        try:
            options[chosen] = crm.get_contact(db, actor, chosen).name
        except NotFound:
            # Outside this user's wallet (a shared link): say nothing of it.
            options[chosen] = f"Contact #{chosen}"
    return options


def _active_count(filters: OrderFilters) -> int:
    params = filters.to_query_params()
    # A date range is one filter, however many of its three keys are set.
    dated = any(k in params for k in ("from", "to"))
    return len(set(params) - {"from", "to", "date"}) + dated


def _owner_label(name: str, team: str | None) -> str:
    return f"{name} ({team})" if team else name


def _union(offered: Iterable, chosen: Iterable) -> list:
    """The offered options, plus chosen values the options lack (from a
    shared URL), so a widget can show every active filter."""
    out = list(offered)
    out += [value for value in chosen if value not in out]
    return out
