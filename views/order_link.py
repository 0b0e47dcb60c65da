"""An order's address (`?id=`): opens it on its contact's page.

Tables link here because a cell holds an address, not a page link, and the
ingestion log knows an order's id but not its contact.
"""

import streamlit as st

from registry import orders
from registry.errors import RegistryError
from ui import links, session
from ui.feedback import show_error

db = session.database()
actor = session.actor()

try:
    order = orders.get_order(db, actor, st.query_params.get("id", ""))
except RegistryError as exc:  # NotFound for a bad id too, as for any other
    st.title("Order")
    show_error(exc)
    st.stop()
st.switch_page(
    links.CONTACT_PAGE,
    query_params={"id": str(order.contact_id), "order": str(order.id)},
)
