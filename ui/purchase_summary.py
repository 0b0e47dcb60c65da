"""A contact's purchase summary, for the contact page: what automation and
reports feed on (first and last purchase, paid orders, lifetime paid value
per currency, average days between purchases, RFM segment)."""

from __future__ import annotations

import streamlit as st

from registry.errors import RegistryError
from registry.models import Actor, Contact
from registry.permissions import Action, can
from registry.store import Database

from . import cache
from . import format as fmt
from .feedback import show_error
from .filters import EXPLORER_PAGE
from .report_format import amounts


def purchase_summary(db: Database, actor: Actor, contact: Contact) -> None:
    """Metrics of `contact`'s purchases, scored against the actor's wallet.
    Nothing at all when the module is off: the Orders section says why."""
    if not can(actor, Action.VIEW_ORDERS):
        return
    try:
        found = cache.contact_summary(cache.reader(db, actor), contact.id)
    except RegistryError as exc:
        show_error(exc)
        return
    st.subheader("Purchase summary", anchor=False)
    if not found.orders:
        st.caption("No orders yet.")
        return
    paid, first, last, between, segment = st.columns(5)
    paid.metric("Paid orders", f"{found.paid_orders:,} of {found.orders:,}")
    first.metric("First purchase", fmt.date(found.first_purchase) or "—")
    last.metric(
        "Last purchase",
        fmt.date(found.last_purchase) or "—",
        help=None if found.days_since is None else f"{found.days_since:,} days ago",
    )
    between.metric(
        "Days between purchases",
        "—" if found.avg_days is None else f"{found.avg_days:,.1f}",
        help="On average, from two purchases on.",
    )
    scores = (
        f"R {found.r} · F {found.f} · M {found.m}, each 1 to 5 against the "
        "other contacts you can see."
        if found.r is not None
        else "No paid orders to score."
    )
    segment.metric("Segment", found.segment, help=scores)
    paid_text = amounts(found.lifetime_paid) or "nothing paid yet"
    st.caption(f"Lifetime paid: {paid_text}. A purchase is a paid order.")
    st.page_link(
        EXPLORER_PAGE,
        label="This contact's orders in the explorer",
        icon=":material/table_view:",
        query_params={"contact": str(contact.id)},
    )
