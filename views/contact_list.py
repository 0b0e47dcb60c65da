"""Contacts in the wallet: search, open one, add one."""

import streamlit as st

from registry import accounts, crm
from registry.errors import RegistryError
from registry.permissions import Action, can
from ui import links, session
from ui.feedback import show_error

LIMIT = 50

db = session.database()
actor = session.actor()

st.title("Contacts")
query = st.text_input(
    "Search",
    placeholder="Name or email",
    key="contacts-query",
    icon=":material/search:",
)
contacts = crm.search_contacts(db, actor, query, limit=LIMIT + 1)

if not contacts:
    st.caption("No contacts match." if query.strip() else "No contacts yet.")
for contact in contacts[:LIMIT]:
    name, email, owner = st.columns([3, 3, 2], vertical_alignment="center")
    with name:
        links.contact_link(contact.id, contact.name)
    email.caption(contact.email or "")
    owner.caption(f"Owner: {contact.owner_name or 'nobody'}")
if len(contacts) > LIMIT:
    st.caption(f"Showing the first {LIMIT}; search to narrow the list.")

if can(actor, Action.MANAGE_CRM):
    st.subheader("Add a contact", anchor=False)
    owners = {None: "Me"}
    if actor.sees_whole_account:
        # Only someone who sees the whole account can hand a contact to a
        # colleague without losing sight of it.
        owners.update(
            {u.email: u.name for u in accounts.list_users(db, actor.account_id)}
        )
        owners.pop(actor.user.email, None)
    with st.form("add-contact"):
        new_name = st.text_input("Name", key="add-contact-name")
        new_email = st.text_input("Email (optional)", key="add-contact-email")
        owner_email = None
        if len(owners) > 1:
            owner_email = st.selectbox(
                "Owner",
                list(owners),
                format_func=owners.__getitem__,
                key="add-contact-owner",
            )
        added = st.form_submit_button("Add contact")
    if added:
        try:
            contact = crm.add_contact(
                db, actor, name=new_name, email=new_email, owner_email=owner_email
            )
        except RegistryError as exc:
            show_error(exc)
        else:
            st.switch_page(links.CONTACT_PAGE, query_params={"id": str(contact.id)})
