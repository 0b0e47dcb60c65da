"""One contact: profile, deals and the Orders section (`?id=`)."""

import streamlit as st

from registry import crm
from registry.errors import RegistryError
from registry.permissions import Action, can
from ui import links, session
from ui.feedback import show_error
from ui.orders import orders_section
from ui.purchase_summary import purchase_summary

db = session.database()
actor = session.actor()
contact_id = links.record_id("contact", links.CONTACTS_PAGE)

try:
    contact = crm.get_contact(db, actor, contact_id)
    deals = crm.list_deals(db, actor, contact_id=contact.id)
except RegistryError as exc:
    show_error(exc)
    st.stop()

st.title(contact.name)
st.caption(f"{contact.email or 'No email'} · owner {contact.owner_name or 'nobody'}")

st.subheader("Deals", anchor=False)
if not deals:
    st.caption("No deals.")
for deal in deals:
    links.deal_link(deal.id, f"{deal.title} · owner {deal.owner_name or 'nobody'}")

if can(actor, Action.MANAGE_CRM):
    with st.popover("New deal", icon=":material/add:"):
        with st.form("new-deal"):
            title = st.text_input("Deal title", key="new-deal-title")
            opened = st.form_submit_button("Add deal")
        if opened:
            try:
                deal = crm.add_deal(db, actor, contact.id, title=title)
            except RegistryError as exc:
                show_error(exc)
            else:
                st.switch_page(links.DEAL_PAGE, query_params={"id": str(deal.id)})

purchase_summary(db, actor, contact)
orders_section(db, actor, contact)
