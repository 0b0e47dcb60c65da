"""Links between pages; a detail page takes its record id from `?id=`."""

from __future__ import annotations

import streamlit as st

SIGN_IN_PAGE = "views/sign_in.py"
CONTACTS_PAGE = "views/contact_list.py"
CONTACT_PAGE = "views/contact_detail.py"
DEALS_PAGE = "views/deal_list.py"
DEAL_PAGE = "views/deal_detail.py"
SETTINGS_PAGE = "views/account_settings.py"
IMPORT_PAGE = "views/order_import.py"
DELIVERIES_PAGE = "views/delivery_log.py"
ORDER_PAGE = "views/order_link.py"


def contact_link(contact_id: int, label: str) -> None:
    st.page_link(CONTACT_PAGE, label=label, query_params={"id": str(contact_id)})


def deal_link(deal_id: int, label: str) -> None:
    st.page_link(DEAL_PAGE, label=label, query_params={"id": str(deal_id)})


def order_address(order_id: int) -> str:
    """A relative address that opens an order on its contact's page, for
    table cells, which cannot hold page links."""
    return f"order?id={order_id}"


def record_id(kind: str, list_page: str) -> int:
    """The `?id=` of a detail page; stops the page when it is missing or bad."""
    raw = st.query_params.get("id", "").strip()
    if not raw:
        st.info(f"Choose a {kind} from the list.")
        st.page_link(list_page, label=f"All {kind}s", icon=":material/arrow_back:")
        st.stop()
    if not (raw.isascii() and raw.isdigit()):
        # Same words as the registry's NotFound, so a bad id reveals nothing.
        st.error(f"{kind.capitalize()} {raw} was not found.")
        st.stop()
    return int(raw)
