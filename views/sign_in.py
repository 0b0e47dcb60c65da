"""Sign in with email and password."""

import streamlit as st

from registry import accounts
from registry.errors import RegistryError
from ui import session
from ui.feedback import show_error

st.title("Orders Registry")
st.caption("Contacts' purchase history.")

with st.form("sign-in"):
    email = st.text_input("Email", autocomplete="username")
    password = st.text_input(
        "Password", type="password", autocomplete="current-password"
    )
    submitted = st.form_submit_button("Sign in", type="primary")

st.caption("The README lists the demo users: an admin, a manager, reps and an analyst.")

if submitted:
    try:
        user = accounts.authenticate(session.database(), email, password)
    except RegistryError as exc:
        show_error(exc)
    else:
        session.sign_in(user)
        st.rerun()
