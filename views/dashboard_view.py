"""The analyst's dashboard: KPIs and charts of the wallet's filtered orders.

Selecting a bar opens the explorer filtered to the orders behind it.
"""

from decimal import Decimal

import streamlit as st

from registry import rates
from registry.errors import RegistryError
from registry.filters import OrderFilters, coverage
from registry.models import Actor
from registry.reports import Dashboard, Kpis
from registry.store import Database
from ui import cache, charts, layout, session
from ui import filters as report_filters
from ui.feedback import show_error
from ui.report_format import headline, percent


def conversion_toggle(db: Database, actor: Actor) -> str | None:
    """The reporting currency when the user asks to convert, else None."""
    reporting = rates.reporting_currency(db, actor)
    if reporting is None or not rates.list_rates(db, actor):
        if actor.user.is_admin:
            st.page_link(
                report_filters.RATES_PAGE,
                label="Set a reporting currency and exchange rates to compare "
                "amounts across currencies",
                icon=":material/currency_exchange:",
            )
        return None
    on = st.toggle(
        f"Convert to {reporting}",
        key="dash-convert",
        help="Each order at the latest rate on or before its order date.",
    )
    return reporting if on else None


def kpis(figures: Kpis, converted: bool) -> None:
    orders, contacts, refunds, cancels = st.columns(4)
    orders.metric("Orders", f"{figures.orders:,}")
    contacts.metric("Contacts with orders", f"{figures.contacts:,}")
    refunds.metric(
        "Refund rate",
        percent(figures.refund_rate),
        help=f"{figures.refunded:,} refunded orders",
    )
    cancels.metric(
        "Cancel rate",
        percent(figures.cancel_rate),
        help=f"{figures.canceled:,} canceled orders",
    )
    frame = st.container(border=True)
    for money in sorted(figures.currencies, key=lambda f: -f.orders):
        code = money.currency
        with frame:
            name, value, paid, open_, average = st.columns([1, 2, 2, 2, 2])
            name.markdown(f"**{code}**" + (" (converted)" if converted else ""))
            name.caption(
                f"{money.valued:,} of {money.orders:,} orders converted"
                if money.valued < money.orders
                else f"{money.orders:,} orders"
            )
            _money_metric(value, f"Value ({code})", money.value, code)
            _money_metric(paid, f"Paid ({code})", money.paid, code)
            _money_metric(
                open_,
                f"Outstanding ({code})",
                money.outstanding,
                code,
                "Pending, overdue and partially paid orders.",
            )
            if money.average is None:
                average.metric(f"Average order ({code})", "—")
            else:
                _money_metric(average, f"Average order ({code})", money.average, code)


def _money_metric(
    column, label: str, value: Decimal, code: str, meaning: str | None = None
) -> None:
    """An amount as a KPI: in short from a million up, exact in its tooltip."""
    text, exact = headline(value, code)
    notes = [n for n in (exact, meaning) if n]
    column.metric(label, text, help="  \n".join(notes) or None)


def currency_choice(figures: Kpis) -> str:
    """The currency the value charts show: amounts are never summed across."""
    codes = [f.currency for f in sorted(figures.currencies, key=lambda f: -f.orders)]
    if st.session_state.get("dash-currency") not in codes:
        st.session_state["dash-currency"] = codes[0]
    if len(codes) == 1:
        return codes[0]
    return st.radio(
        "Currency of the value charts",
        codes,
        key="dash-currency",
        horizontal=True,
        help="Amounts in different currencies are never added together.",
    )


def chart(figure, key: str, filters: OrderFilters) -> None:
    """Draw `figure`; a selected bar opens the explorer on its orders."""
    event = st.plotly_chart(
        figure,
        key=key,
        on_select="rerun",
        selection_mode="points",
        config={"displayModeBar": False},
    )
    chosen = charts.picks(event.selection.points) if event else []
    if chosen:
        report_filters.open_explorer(report_filters.narrow(filters, chosen))


def breakdowns(
    board: Dashboard, filters: OrderFilters, currency: str, converted: bool
) -> None:
    def pair(first: tuple, second: tuple) -> None:
        for column, (figure, key) in zip(st.columns(2), (first, second), strict=True):
            with column:
                chart(figure, key, filters)

    by_status, by_source = board.by_status, board.by_source
    pair(
        (charts.status_orders(by_status), "chart-status-orders"),
        (
            charts.status_value(by_status, currency, converted=converted),
            "chart-status-value",
        ),
    )
    monthly = charts.monthly_value(
        board.monthly, currency, filters.date_field.label, converted=converted
    )
    chart(monthly, "chart-monthly", filters)
    pair(
        (charts.source_orders(by_source), "chart-source-orders"),
        (
            charts.source_value(by_source, currency, converted=converted),
            "chart-source-value",
        ),
    )
    pair(
        (
            charts.currency_converted(board.by_currency, currency)
            if converted
            else charts.currency_orders(board.by_currency),
            "chart-currency",
        ),
        (charts.deal_orders(board.deal_split), "chart-deal"),
    )
    top = charts.top_contacts(board.top_contacts, currency, converted=converted)
    chart(top, "chart-top-contacts", filters)


db = session.database()
actor = session.actor()

st.title("Dashboard")
if not layout.orders_shown(actor):
    st.stop()
st.caption(coverage(actor))

reader = cache.reader(db, actor)
filters = report_filters.panel(db, actor, cache.filter_choices(reader))
reporting = conversion_toggle(db, actor)
try:
    board = cache.dashboard(reader, filters, convert=reporting is not None)
except RegistryError as exc:
    show_error(exc)
    st.stop()
if board.conversion is not None:
    st.caption(board.conversion.describe())

kpis(board.kpis, converted=reporting is not None)
if not board.kpis.orders:
    st.info("No orders match these filters.", icon=":material/filter_alt_off:")
    st.stop()
st.page_link(
    report_filters.EXPLORER_PAGE,
    label="Open these orders in the explorer",
    icon=":material/table_view:",
    query_params=filters.to_query_params(),
)
st.caption("Select a bar to open the explorer on the orders behind it.")
currency = reporting or currency_choice(board.kpis)
breakdowns(board, filters, currency, converted=reporting is not None)
