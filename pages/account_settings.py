"""Account settings and users; administrators only."""

import pandas as pd
import streamlit as st

from registry import accounts
from registry.errors import RegistryError
from registry.permissions import Action, ensure
from ui import format as fmt
from ui import session
from ui.feedback import flash, show_error, show_flash

db = session.database()
actor = session.actor()

st.title("Settings")
try:
    ensure(actor, Action.ADMINISTER)
except RegistryError as exc:
    show_error(exc)
    st.stop()

account = actor.account
show_flash()
st.subheader(account.name, anchor=False)
with st.form("account-settings"):
    orders_enabled = st.toggle(
        "Orders Registry",
        value=account.orders_enabled,
        key="settings-orders",
        help="Off: every Orders section says the module is disabled.",
    )
    owner_privacy = st.toggle(
        "Owner-based privacy",
        value=account.owner_privacy,
        key="settings-privacy",
        help="On: users see the orders of contacts and deals they (or their "
        "team) own, unless they are admins or have scope 'all'.",
    )
    codes = list(fmt.currency_codes())
    currency = st.selectbox(
        "Default currency",
        codes,
        index=codes.index(account.default_currency),
        key="settings-currency",
    )
    saved = st.form_submit_button("Save settings", type="primary")

if saved:
    try:
        accounts.configure(
            db,
            actor,
            orders_enabled=orders_enabled,
            owner_privacy=owner_privacy,
            default_currency=currency,
        )
    except RegistryError as exc:
        show_error(exc)
    else:
        flash("Settings saved.")
        st.rerun()

st.subheader("Users", anchor=False)
users = accounts.list_users(db, actor.account_id)
st.dataframe(
    pd.DataFrame(
        [
            {
                "Name": u.name,
                "Email": u.email,
                "Admin": u.is_admin,
                "CRM management": u.crm_manage,
                "Scope": u.scope.value,
                "Team": u.team or "",
            }
            for u in users
        ]
    ),
    hide_index=True,
)
