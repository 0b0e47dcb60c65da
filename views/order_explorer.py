"""The explorer: the wallet's filtered orders, a page at a time, sorted in
SQL; or the per-contact purchase summary with RFM segments. Both export."""

import math
import zlib

import streamlit as st

from registry import exports, reports, summary
from registry.errors import RegistryError
from registry.filters import OrderFilters, coverage
from ui import cache, layout, session
from ui import filters as report_filters
from ui.feedback import show_error
from ui.report_export import export_panel
from ui.report_tables import (
    ORDER_SORTS,
    SUMMARY_SORTS,
    orders_table,
    summaries_table,
)

PAGE_SIZES = (25, 50, 100, 250)
VIEWS = ("Orders", "Contacts")


def page_key(name: str, view: object, pages: int) -> str:
    """The pager's key: a new one (back on page 1) whenever the view or its
    number of pages changes, so the page shown always exists."""
    digest = zlib.crc32(repr((view, pages)).encode())
    return f"{name}-{digest:x}"


def pager(key: str, pages: int) -> None:
    if pages > 1:
        st.pagination(pages, key=key, max_visible_pages=9)


def controls(sorts: dict[str, str], key: str) -> tuple[str, bool, int]:
    sort_at, order_at, size_at = st.columns([3, 2, 1])
    sort = sort_at.selectbox(
        "Sort by", list(sorts), format_func=sorts.__getitem__, key=f"{key}-sort"
    )
    descending = order_at.radio(
        "Order",
        [True, False],
        format_func=lambda d: "Descending" if d else "Ascending",
        horizontal=True,
        key=f"{key}-descending",
    )
    size = size_at.selectbox("Rows per page", PAGE_SIZES, index=1, key=f"{key}-size")
    return sort, descending, size


def orders_view(reader: cache.Reader, filters: OrderFilters) -> None:
    sort, descending, size = controls(ORDER_SORTS, "exp")
    total = cache.total(reader, filters)
    if not total:
        st.info("No orders match these filters.", icon=":material/filter_alt_off:")
        return
    pages = math.ceil(total / size)
    key = page_key("exp-page", (filters, sort, descending, size), pages)
    page = st.session_state.get(key, 1)
    found = reports.explore(
        reader.db,
        reader.actor,
        filters,
        sort=sort,
        descending=descending,
        limit=size,
        offset=(page - 1) * size,
        with_total=False,
    )
    first = found.offset + 1
    st.caption(
        f"Orders {first:,}–{found.offset + len(found.rows):,} of {total:,}. "
        "Open a contact or a deal from its row."
    )
    orders_table(found.rows)
    pager(key, pages)
    export_panel(
        "orders",
        "exp-export",
        (reader.version, filters, sort, descending),
        lambda path, fmt, progress: exports.export_orders(
            reader.db,
            reader.actor,
            filters,
            path,
            fmt,
            sort=sort,
            descending=descending,
            progress=progress,
        ),
    )


def contacts_view(reader: cache.Reader, filters: OrderFilters) -> None:
    st.caption(
        "Each contact with orders in this view: purchases are paid orders. "
        "R, F and M score recency, frequency and paid value from 1 to 5 "
        "against the other contacts here."
    )
    if filters.contact_id is not None:
        st.caption(
            "The contact filter does not narrow this list: each contact is "
            "scored against all the others."
        )
    segment = st.selectbox(
        "Segment",
        [None, *summary.SEGMENTS],
        format_func=lambda s: "All segments" if s is None else s,
        key="sum-segment",
    )
    sort, descending, size = controls(SUMMARY_SORTS, "sum")
    view = (filters, segment, sort, descending, size)

    def fetch(page: int) -> summary.SummaryPage:
        return cache.contact_summaries(
            reader,
            filters,
            sort=sort,
            descending=descending,
            limit=size,
            offset=(page - 1) * size,
            segment=segment,
        )

    # The number of pages comes with the rows: remember it per view, and
    # start over on page 1 if it changed since (the data changed).
    known = st.session_state.setdefault("_sum-pages", {})
    pages = known.get(view, 1)
    key = page_key("sum-page", view, pages)
    found = fetch(st.session_state.get(key, 1))
    if not found.total:
        st.info("No contacts match.", icon=":material/filter_alt_off:")
        return
    if math.ceil(found.total / size) != pages:
        pages = known[view] = math.ceil(found.total / size)
        key = page_key("sum-page", view, pages)
        found = fetch(1)
    st.caption(
        f"Contacts {found.offset + 1:,}–{found.offset + len(found.rows):,} "
        f"of {found.total:,}."
    )
    summaries_table(found.rows)
    pager(key, pages)
    export_panel(
        "contact summaries",
        "sum-export",
        (reader.version, filters, segment, sort, descending),
        lambda path, fmt, progress: exports.export_summaries(
            reader.db,
            reader.actor,
            filters,
            path,
            fmt,
            segment=segment,
            sort=sort,
            descending=descending,
            progress=progress,
        ),
    )


db = session.database()
actor = session.actor()

st.title("Explorer")
if not layout.orders_shown(actor):
    st.stop()
st.caption(coverage(actor))

reader = cache.reader(db, actor)
filters = report_filters.panel(db, actor, cache.filter_choices(reader))
shown = st.radio("Show", VIEWS, horizontal=True, key="exp-show")
try:
    if shown == "Orders":
        orders_view(reader, filters)
    else:
        contacts_view(reader, filters)
except RegistryError as exc:
    show_error(exc)
