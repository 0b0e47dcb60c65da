"""The Orders section of a contact's or a deal's page: history, totals, detail."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from registry import crm, ingest, orders
from registry.errors import PermissionDenied, RegistryError
from registry.models import Actor, Contact, Deal, Order, StatusChange
from registry.permissions import Action, can, ensure
from registry.store import Database

from . import format as fmt
from . import layout, links, order_forms, status
from .deliveries import deliveries_table
from .feedback import show_error, show_flash

PAGE_SIZE = 50


def orders_section(
    db: Database, actor: Actor, contact: Contact, *, deal: Deal | None = None
) -> None:
    """Purchase history of `contact` (or of `deal` only), its totals and forms."""
    st.subheader("Orders", anchor=False)
    if not layout.orders_shown(actor):
        return
    show_flash()
    key = f"deal-{deal.id}" if deal else f"contact-{contact.id}"
    scope = {"deal_id": deal.id} if deal else {"contact_id": contact.id}
    try:
        deals = _contact_deals(db, actor, contact, deal)
        rows = _history(db, actor, scope, key)
        if rows:
            picked = _pick_order(_with_linked_order(db, actor, rows, scope), key)
            if picked is not None:
                _order_detail(db, actor, picked, deals, key)
    except RegistryError as exc:
        show_error(exc)
        return
    _new_order(db, actor, contact, deals, deal, key)


def _contact_deals(
    db: Database, actor: Actor, contact: Contact, deal: Deal | None
) -> list[Deal]:
    deals = crm.list_deals(db, actor, contact_id=contact.id)
    if deal is not None and all(d.id != deal.id for d in deals):
        deals.append(deal)
    return deals


def _history(
    db: Database, actor: Actor, scope: dict[str, int], key: str
) -> list[Order]:
    """Totals per currency, then one page of orders, newest first."""
    count = orders.count_orders(db, actor, **scope)
    if count == 0:
        st.caption("No orders yet.")
        return []
    totals_table(orders.totals(db, actor, **scope))
    pages = -(-count // PAGE_SIZE)
    page = 1
    if pages > 1:
        page = st.number_input(
            f"Page (of {pages}, {count} orders)",
            min_value=1,
            max_value=pages,
            value=1,
            key=f"{key}-page",
        )
    rows = orders.list_orders(
        db, actor, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **scope
    )
    history_table(rows)
    return rows


def totals_table(totals: list[orders.CurrencyTotal]) -> None:
    """One row per currency: amounts in different currencies are never added."""
    frame = pd.DataFrame(
        [
            {
                "Currency": t.currency,
                "Orders": t.orders,
                "Total": fmt.money(t.total, t.currency),
                "Paid": fmt.money(t.paid, t.currency),
            }
            for t in totals
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="content",
        column_config={
            "Total": st.column_config.TextColumn(alignment="right"),
            "Paid": st.column_config.TextColumn(alignment="right"),
        },
    )


def history_table(rows: list[Order]) -> None:
    """The purchase history as a table, statuses in their colours."""
    frame = pd.DataFrame(
        [
            {
                "#": o.id,
                "Title": o.title,
                "Value": fmt.money(o.value, o.currency),
                "Status": status.label(o.status),
                "Order date": fmt.date(o.order_date),
                "Paid date": fmt.date(o.paid_date),
                "Deal": o.deal_title or "",
                "Source": o.source.label,
                "External ID": o.external_id or "",
            }
            for o in rows
        ]
    )
    st.dataframe(
        frame.style.map(status.cell_style, subset=["Status"]),
        hide_index=True,
        column_config={"Value": st.column_config.TextColumn(alignment="right")},
    )


def _linked_order_id() -> int | None:
    """The `?order=` of a link from the ingestion log, if it is a number."""
    raw = st.query_params.get("order", "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


def _with_linked_order(
    db: Database, actor: Actor, rows: list[Order], scope: dict[str, int]
) -> list[Order]:
    """`rows`, plus the linked order when it belongs here but is on another
    page of the history."""
    wanted = _linked_order_id()
    if wanted is None or any(o.id == wanted for o in rows):
        return rows
    try:
        order = orders.get_order(db, actor, wanted)
    except RegistryError:
        return rows  # not in the wallet: the link opens nothing
    belongs = all(getattr(order, field) == value for field, value in scope.items())
    return [*rows, order] if belongs else rows


def _pick_order(rows: list[Order], key: str) -> Order | None:
    by_id = {o.id: o for o in rows}
    linked = _linked_order_id()
    picked = st.selectbox(
        "Open an order",
        options=list(by_id),
        index=list(by_id).index(linked) if linked in by_id else None,
        format_func=lambda order_id: _order_label(by_id[order_id]),
        placeholder="Choose an order to see its status history or change it",
        key=f"{key}-order",
    )
    return by_id.get(picked)


def _order_label(order: Order) -> str:
    return (
        f"#{order.id} · {order.title} · {fmt.money(order.value, order.currency)}"
        f" · {fmt.date(order.order_date)}"
    )


def _order_detail(
    db: Database, actor: Actor, order: Order, deals: list[Deal], key: str
) -> None:
    with st.container(border=True):
        st.markdown(
            f"**Order #{order.id} · {order.title}** {status.badge(order.status)}"
        )
        st.caption(
            f"{fmt.money(order.value, order.currency)} · ordered "
            f"{fmt.date(order.order_date)}"
            + (f" · paid {fmt.date(order.paid_date)}" if order.paid_date else "")
            + f" · source {order.source.label}"
            + (f" · external ID {order.external_id}" if order.external_id else "")
        )
        if order.deal_id is not None:
            links.deal_link(order.deal_id, f"Deal: {order.deal_title}")
        history = orders.status_history(db, actor, order.id)
        deliveries = ingest.order_deliveries(db, actor, order.id)
        if not can(actor, Action.MANAGE_ORDERS):
            st.markdown("**Status history**")
            status_history_table(history)
            if deliveries:
                st.markdown("**Deliveries**")
                deliveries_table(deliveries)
            return
        names = ["Status history", "Change status", "Edit"]
        if deliveries:  # only orders that came through the intake have any
            names.insert(1, "Deliveries")
        tabs = dict(zip(names, st.tabs(names), strict=True))
        with tabs["Status history"]:
            status_history_table(history)
        if deliveries:
            with tabs["Deliveries"]:
                deliveries_table(deliveries)
        with tabs["Change status"]:
            order_forms.status_form(db, actor, order, key=key)
        with tabs["Edit"]:
            order_forms.edit_order_form(db, actor, order, deals, key=key)


def status_history_table(changes: list[StatusChange]) -> None:
    """Every status change: from, to, who, when and from which source."""
    if not changes:  # orders loaded in bulk may carry no history of their own
        st.caption("No status changes recorded.")
        return
    frame = pd.DataFrame(
        [
            {
                "When": fmt.timestamp(c.changed_at),
                "From": status.label(c.from_status) if c.from_status else "(new)",
                "To": status.label(c.to_status),
                "By": c.changed_by_name or "(integration)",
                "Source": c.source.label,
            }
            for c in changes
        ]
    )
    st.dataframe(
        frame.style.map(status.cell_style, subset=["From", "To"]),
        hide_index=True,
    )


def _new_order(
    db: Database,
    actor: Actor,
    contact: Contact,
    deals: list[Deal],
    deal: Deal | None,
    key: str,
) -> None:
    st.markdown("#### New order")
    try:
        ensure(actor, Action.MANAGE_ORDERS)
    except PermissionDenied as exc:
        st.info(exc.message, icon=":material/lock:")
        return
    order_forms.new_order_form(
        db, actor, contact, deals, deal_id=deal.id if deal else None, key=key
    )
