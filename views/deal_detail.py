"""One deal: its contact and the orders linked to it (`?id=`)."""

import streamlit as st

from registry import crm
from registry.errors import RegistryError
from ui import links, session
from ui.feedback import show_error
from ui.orders import orders_section

db = session.database()
actor = session.actor()
deal_id = links.record_id("deal", links.DEALS_PAGE)

try:
    deal = crm.get_deal(db, actor, deal_id)
    contact = crm.get_contact(db, actor, deal.contact_id)
except RegistryError as exc:
    show_error(exc)
    st.stop()

st.title(deal.title)
st.caption(f"Deal · owner {deal.owner_name or 'nobody'}")
links.contact_link(contact.id, f"Contact: {contact.name}")

orders_section(db, actor, contact, deal=deal)
