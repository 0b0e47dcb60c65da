"""The order forms: new order, edit order, change status.

A form keeps what the user typed when the registry rejects it, so they can
correct it; after a save its widgets get fresh keys, which empties them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from registry import orders
from registry.errors import RegistryError
from registry.models import Actor, Contact, Deal, Order, Status
from registry.store import Database

from . import format as fmt
from . import status
from .feedback import flash, show_error

# Wide bounds: the registry, not the date picker, decides what is acceptable.
_EARLIEST = dt.date(1900, 1, 1)
_AHEAD = dt.timedelta(days=3653)


def _date_input(label: str, value: dt.date | None, key: str, **kwargs: Any):
    """A date picker whose bounds never exclude `value` (integrations may send
    dates a person would not pick)."""
    latest = dt.date.today() + _AHEAD
    return st.date_input(
        label,
        value=value,
        min_value=min(_EARLIEST, value or _EARLIEST),
        max_value=max(latest, value or latest),
        key=key,
        **kwargs,
    )


def _form_key(name: str) -> str:
    return f"{name}-{st.session_state.get(f'{name}-saves', 0)}"


def _saved(name: str, message: str) -> None:
    """After a write: confirm on the next rerun with the form emptied."""
    counter = f"{name}-saves"
    st.session_state[counter] = st.session_state.get(counter, 0) + 1
    flash(message)
    st.rerun()


def _deal_select(
    deals: list[Deal], selected: int | None, key: str, extra: Order | None = None
) -> int | None:
    titles: dict[int | None, str] = {None: "No deal"}
    titles.update({d.id: d.title for d in deals})
    if extra is not None and extra.deal_id is not None:
        titles.setdefault(extra.deal_id, extra.deal_title or f"Deal {extra.deal_id}")
    options = list(titles)
    return st.selectbox(
        "Deal",
        options,
        index=options.index(selected) if selected in titles else 0,
        format_func=titles.__getitem__,
        help="Only this contact's deals.",
        key=f"{key}-deal",
    )


def _currency_select(default: str, key: str) -> str:
    codes = list(fmt.currency_codes())
    return st.selectbox(
        "Currency",
        codes,
        index=codes.index(default) if default in codes else 0,
        key=f"{key}-currency",
    )


def _paid_date(
    value: dt.date | None, key: str, label: str = "Paid date"
) -> dt.date | None:
    return _date_input(
        label,
        value,
        f"{key}-paid",
        help="Optional. An order that becomes paid without one gets today's date.",
    )


def _order_fields(
    actor: Actor,
    deals: list[Deal],
    key: str,
    *,
    order: Order | None = None,
    deal_id: int | None = None,
) -> dict[str, Any]:
    """The widgets shared by the new-order and edit forms, as registry fields."""
    fields: dict[str, Any] = {}
    left, right = st.columns(2)
    with left:
        title = st.text_input(
            "Title", value=order.title if order else "", key=f"{key}-title"
        )
        value = st.text_input(
            "Value",
            value=str(order.value) if order else "",
            placeholder="1234.50",
            help="Digits with a dot for decimals, as many as the currency allows.",
            key=f"{key}-value",
        )
        currency = _currency_select(
            order.currency if order else actor.account.default_currency, key
        )
        external_id = st.text_input(
            "External ID",
            value=(order.external_id or "") if order else "",
            help="Optional: the order's ID in another system. Saving an ID that "
            "is already known updates that order.",
            key=f"{key}-external",
        )
    with right:
        order_date = _date_input(
            "Order date",
            order.order_date if order else dt.date.today(),
            f"{key}-ordered",
        )
        paid_date = _paid_date(order.paid_date if order else None, key)
        selected_deal = _deal_select(
            deals, order.deal_id if order else deal_id, key, extra=order
        )
        if order is None:  # an existing order's status has a control of its own
            fields["status"] = st.selectbox(
                "Status",
                list(Status),
                index=0,
                format_func=status.label,
                key=f"{key}-status",
            )
    return fields | {
        "title": title,
        "value": value,
        "currency": currency,
        "order_date": order_date,
        "paid_date": paid_date,
        "deal_id": selected_deal,
        "external_id": external_id,
    }


def new_order_form(
    db: Database,
    actor: Actor,
    contact: Contact,
    deals: list[Deal],
    *,
    deal_id: int | None,
    key: str,
) -> None:
    """Create an order for `contact`; `deal_id` preselects one of its deals."""
    name = f"{key}-new-order"
    form_key = _form_key(name)
    with st.form(form_key):
        fields = _order_fields(actor, deals, form_key, deal_id=deal_id)
        submitted = st.form_submit_button("Add order", type="primary")
    if not submitted:
        return
    try:
        saved = orders.save_order(db, actor, contact.id, **fields)
    except RegistryError as exc:
        show_error(exc)
        return
    verb = "added" if saved.created else "updated (its external ID was known)"
    _saved(name, f"Order #{saved.order.id} {verb}.")


def edit_order_form(
    db: Database, actor: Actor, order: Order, deals: list[Deal], *, key: str
) -> None:
    """Change an order's fields; its status has a control of its own."""
    name = f"{key}-edit-{order.id}"
    form_key = _form_key(name)
    with st.form(form_key):
        st.markdown("**Edit order**")
        fields = _order_fields(actor, deals, form_key, order=order)
        submitted = st.form_submit_button("Save changes")
    if not submitted:
        return
    try:
        orders.update_order(db, actor, order.id, **fields)
    except RegistryError as exc:
        show_error(exc)
        return
    _saved(name, f"Order #{order.id} saved.")


def status_form(db: Database, actor: Actor, order: Order, *, key: str) -> None:
    """Move an order to another status; the change joins its status history."""
    name = f"{key}-status-{order.id}"
    form_key = _form_key(name)
    with st.form(form_key):
        st.markdown("**Change status**")
        choices = list(Status)
        new_status = st.selectbox(
            "New status",
            choices,
            index=choices.index(order.status),
            format_func=status.label,
            key=f"{form_key}-status",
        )
        paid_date = _paid_date(None, form_key, "Paid on")
        submitted = st.form_submit_button("Change status")
    if not submitted:
        return
    if new_status is order.status and paid_date is None:
        st.warning(f"The order is already {status.label(order.status)}.")
        return
    try:
        orders.change_status(db, actor, order.id, new_status, paid_date=paid_date)
    except RegistryError as exc:
        show_error(exc)
        return
    _saved(name, f"Order #{order.id} is now {status.label(new_status)}.")
