"""Settings: one's own API tokens for everyone; the account, its users, every
user's tokens and the signed channels for administrators."""

import pandas as pd
import streamlit as st

from registry import accounts
from registry.errors import PermissionDenied, RegistryError
from registry.permissions import Action, ensure
from ui import format as fmt
from ui import session
from ui.channel_settings import channels_section, integration_owner_section
from ui.feedback import flash, show_error, show_flash
from ui.token_settings import tokens_section

db = session.database()
actor = session.actor()

st.title("Settings")
show_flash()
try:
    ensure(actor, Action.ADMINISTER)
except PermissionDenied as exc:
    st.subheader("Your API tokens", anchor=False)
    tokens_section(db, actor, users=None)
    st.subheader("Account, users and integrations", anchor=False)
    show_error(exc)
    st.stop()

account = actor.account
users = accounts.list_users(db, actor.account_id)
# A tracked tab stays open across the rerun that follows a write, so a new
# token or secret is shown where it was asked for.
account_tab, tokens_tab, channels_tab = st.tabs(
    ["Account and users", "API tokens", "Integrations"],
    key="settings-tab",
    on_change="rerun",
)

with account_tab:
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

with tokens_tab:
    tokens_section(db, actor, users=users)

with channels_tab:
    st.subheader("Integration owner", anchor=False)
    integration_owner_section(db, actor, users)
    st.subheader("Signed channels", anchor=False)
    channels_section(db, actor)
