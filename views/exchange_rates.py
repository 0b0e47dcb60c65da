"""The reporting currency and the exchange rates the dashboard converts with.

Administrators change them; everyone else who sees orders may read them, so
an analyst knows which rates a converted chart used.
"""

import datetime as dt

import pandas as pd
import streamlit as st

from registry import rates
from registry.errors import PermissionDenied, RegistryError
from registry.models import Actor
from registry.permissions import Action, ensure
from registry.store import Database
from ui import cache, layout, session
from ui.feedback import flash, show_error, show_flash
from ui.format import currency_codes


def reporting_form(db: Database, actor: Actor, reporting: str | None) -> None:
    codes = [None, *currency_codes()]
    with st.form("reporting-currency"):
        chosen = st.selectbox(
            "Reporting currency",
            codes,
            index=codes.index(reporting),
            format_func=lambda c: "None (no conversion)" if c is None else c,
            key="rates-reporting",
        )
        saved = st.form_submit_button("Save reporting currency")
    if saved:
        try:
            code = rates.set_reporting_currency(db, actor, chosen)
        except RegistryError as exc:
            show_error(exc)
        else:
            flash(f"Reporting currency set to {code}." if code else "Cleared.")
            st.rerun()


def rate_form(db: Database, actor: Actor, reporting: str | None) -> None:
    codes = list(currency_codes())
    quote = reporting or actor.account.default_currency
    with st.form("add-rate", clear_on_submit=False):
        st.markdown("**Add or replace a rate**")
        base_at, quote_at, rate_at, from_at = st.columns(4)
        base = base_at.selectbox(
            "Base", codes, index=codes.index("USD"), key="rates-base"
        )
        quote = quote_at.selectbox(
            "Quote", codes, index=codes.index(quote), key="rates-quote"
        )
        value = rate_at.text_input(
            "Rate", placeholder="5.4321", key="rates-rate", help="Quote per base."
        )
        since = from_at.date_input(
            "Valid from", value=dt.date.today(), key="rates-from", format="YYYY-MM-DD"
        )
        saved = st.form_submit_button("Save rate", type="primary")
    if saved:
        try:
            entry = rates.set_rate(
                db, actor, base=base, quote=quote, rate=value, valid_from=since
            )
        except RegistryError as exc:
            show_error(exc)
        else:
            flash(f"Saved: {entry.label} from {entry.valid_from}.")
            st.rerun()


def remove_form(db: Database, actor: Actor, entries: list[rates.ExchangeRate]) -> None:
    with st.form("remove-rate"):
        entry = st.selectbox(
            "Remove a rate",
            entries,
            format_func=lambda e: f"{e.label} from {e.valid_from}",
            key="rates-remove",
        )
        removed = st.form_submit_button("Remove rate")
    if removed and entry is not None:
        try:
            rates.delete_rate(
                db,
                actor,
                base=entry.base,
                quote=entry.quote,
                valid_from=entry.valid_from,
            )
        except RegistryError as exc:
            show_error(exc)
        else:
            flash(f"Removed: {entry.label} from {entry.valid_from}.")
            st.rerun()


def uncovered(entries: list[rates.ExchangeRate], reporting: str, used) -> list[str]:
    """Currencies of the wallet's orders with no rate to or from `reporting`."""
    covered = {reporting}
    for e in entries:
        if reporting in (e.base, e.quote):
            covered.update((e.base, e.quote))
    return [code for code in used if code not in covered]


db = session.database()
actor = session.actor()

st.title("Exchange rates")
if not layout.orders_shown(actor):
    st.stop()
show_flash()
try:
    ensure(actor, Action.ADMINISTER)
    admin = True
except PermissionDenied as exc:
    admin = False
    st.info(f"{exc.message} Rates are shown read-only.", icon=":material/lock:")

st.caption(
    "Amounts in different currencies are never added together. With a "
    "reporting currency and rates, the dashboard can convert: each order at "
    "the latest rate valid on or before its order date, from the pair "
    "(order currency → reporting currency) or else the inverse of the "
    "opposite pair. Orders with no rate are counted, not dropped."
)
reporting = rates.reporting_currency(db, actor)
entries = rates.list_rates(db, actor)

st.subheader("Reporting currency", anchor=False)
if admin:
    reporting_form(db, actor, reporting)
else:
    st.markdown(f"**{reporting or 'Not set'}**")

st.subheader("Rates", anchor=False)
if reporting:
    used = cache.filter_choices(cache.reader(db, actor)).currencies
    missing = uncovered(entries, reporting, used)
    if missing:
        st.warning(
            f"No rate to or from {reporting} yet for {', '.join(missing)}: "
            "their orders stay unconverted.",
            icon=":material/warning:",
        )
if entries:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Pair": f"{e.base} → {e.quote}",
                    "Rate": e.label,
                    "Valid from": e.valid_from.isoformat(),
                }
                for e in entries
            ]
        ),
        hide_index=True,
    )
else:
    st.caption("No rates yet.")
if admin:
    rate_form(db, actor, reporting)
    if entries:
        remove_form(db, actor, entries)
