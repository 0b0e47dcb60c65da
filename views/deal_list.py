"""Deals in the wallet, each linked to its page and its contact's."""

import streamlit as st

from registry import crm
from ui import links, session

LIMIT = 100

db = session.database()
actor = session.actor()

st.title("Deals")
query = st.text_input(
    "Search",
    placeholder="Deal title or contact name",
    key="deals-query",
    icon=":material/search:",
)
deals = crm.list_deals(db, actor, query=query, limit=LIMIT + 1)

if not deals:
    st.caption("No deals match." if query.strip() else "No deals yet.")
for deal in deals[:LIMIT]:
    title, contact, owner = st.columns([3, 3, 2], vertical_alignment="center")
    with title:
        links.deal_link(deal.id, deal.title)
    with contact:
        links.contact_link(
            deal.contact_id, deal.contact_name or f"Contact {deal.contact_id}"
        )
    owner.caption(f"Owner: {deal.owner_name or 'nobody'}")
if len(deals) > LIMIT:
    st.caption(f"Showing the newest {LIMIT}; search to narrow the list.")
