"""The script every rerun executes: database, actor, sidebar, then the page."""

from collections.abc import Callable

import streamlit as st

from registry.errors import RegistryError
from registry.permissions import Action, can
from ui import layout, links, session

st.set_page_config(
    page_title="Orders Registry",
    page_icon=":material/receipt_long:",
    layout="wide",
)

# (file, title, icon, URL path, listed in the menu). The page files live in
# `views/`, not `pages/`: Streamlit would take a `pages/` folder beside the
# script for a legacy multipage app and route by file name.
PAGES = [
    (links.CONTACTS_PAGE, "Contacts", ":material/group:", "contacts", True),
    (links.CONTACT_PAGE, "Contact", None, "contact", False),
    (links.DEALS_PAGE, "Deals", ":material/handshake:", "deals", True),
    (links.DEAL_PAGE, "Deal", None, "deal", False),
    (links.ORDER_PAGE, "Order", None, "order", False),
    ("views/dashboard_view.py", "Dashboard", ":material/bar_chart:", "dashboard", True),
    ("views/order_explorer.py", "Explorer", ":material/table_view:", "explorer", True),
    ("views/exchange_rates.py", "Exchange rates", ":material/euro:", "rates", True),
    (links.IMPORT_PAGE, "Import orders", ":material/upload_file:", "import", True),
    (links.DELIVERIES_PAGE, "Ingestion log", ":material/input:", "deliveries", True),
    (links.SETTINGS_PAGE, "Settings", ":material/settings:", "settings", True),
]
# Pages every signed-in user may open (to be told why they cannot use them),
# listed in the menu only for those who can: the orders pages vanish from the
# menu while the module is off. Settings is listed for everyone: anyone
# manages their own API tokens there.
MENU_ACTION = {
    "dashboard": Action.VIEW_ORDERS,
    "explorer": Action.VIEW_ORDERS,
    "rates": Action.VIEW_ORDERS,
    "import": Action.MANAGE_ORDERS,
    "deliveries": Action.ADMINISTER,
}


def _at_every_address(
    page: str | Callable[[], None], title: str, url_path: str
) -> list[st.Page]:
    """`page` as the default and under every page's address, so a bookmarked
    address (with its ?id=) shows it, then opens once the obstacle is gone."""
    return [st.Page(page, title=title, url_path=url_path, default=True)] + [
        st.Page(page, title=title, url_path=path, visibility="hidden")
        for *_, path, _ in PAGES
    ]


def _unavailable(message: str) -> None:
    def page() -> None:
        st.title("Orders Registry")
        st.error(message, icon=":material/lock:")

    # Even here st.navigation decides the page, whatever the address.
    pages = _at_every_address(page, "Orders Registry", "unavailable")
    st.navigation(pages, position="hidden").run()
    st.stop()


try:
    db = session.database()
except RegistryError as exc:  # DatabaseLocked above all: another process has it
    _unavailable(exc.message)

actor = session.current_actor(db)
session.sync_cookie()

if actor is None:
    pages = _at_every_address(links.SIGN_IN_PAGE, "Sign in", "login")
else:
    layout.sidebar(actor)
    pages = [
        st.Page(
            file,
            title=title,
            icon=icon,
            url_path=path,
            visibility="visible"
            if listed and (path not in MENU_ACTION or can(actor, MENU_ACTION[path]))
            else "hidden",
        )
        for file, title, icon, path, listed in PAGES
    ]

st.navigation(pages).run()
