"""The ingestion log: every delivery of the API, webhooks, Payments, commerce
platforms and CSV imports, and what became of it; administrators only."""

import streamlit as st

from registry import ingest
from registry.errors import RegistryError
from registry.ingest import Outcome
from registry.permissions import Action, ensure
from ui import session
from ui.deliveries import CHANNEL_LABELS, channel_label, deliveries_table
from ui.feedback import show_error

PAGE_SIZE = 100

db = session.database()
actor = session.actor()

st.title("Ingestion log")
try:
    ensure(actor, Action.ADMINISTER)
    counts = ingest.count_deliveries(db, actor)
except RegistryError as exc:
    show_error(exc)
    st.stop()

st.caption(
    "One row per order delivered by the REST API, webhooks, the Payments "
    "module, commerce platforms and CSV imports, newest first. Times are UTC."
)
total, *per_outcome = st.columns(1 + len(Outcome))
total.metric("Deliveries", f"{sum(counts.values()):,}")
for column, kind in zip(per_outcome, Outcome, strict=True):
    column.metric(kind.value.capitalize(), f"{counts.get(kind, 0):,}")

left, right, _ = st.columns([1, 1, 2])
outcome = left.selectbox(
    "Outcome",
    list(Outcome),
    index=None,
    format_func=lambda o: o.value.capitalize(),
    placeholder="Every outcome",
    key="log-outcome",
)
channel = right.selectbox(
    "Channel",
    list(CHANNEL_LABELS),
    index=None,
    format_func=channel_label,
    placeholder="Every channel",
    key="log-channel",
)

# Keyset paging: the id each page starts below, so new deliveries arriving
# while someone reads never shift a page. A filter change starts over.
filters = (outcome, channel)
if st.session_state.get("log-filters") != filters:
    st.session_state["log-filters"] = filters
    st.session_state["log-pages"] = [None]
starts = st.session_state["log-pages"]

try:
    entries = ingest.list_deliveries(
        db,
        actor,
        outcome=outcome,
        channel=channel,
        before_id=starts[-1],
        limit=PAGE_SIZE + 1,
    )
except RegistryError as exc:
    show_error(exc)
    st.stop()
older = len(entries) > PAGE_SIZE
entries = entries[:PAGE_SIZE]

if not entries:
    st.info("No deliveries match." if any(filters) else "No deliveries yet.")
    st.stop()
deliveries_table(entries, order_links=True, whole=True)

back, page, forward = st.columns([1, 2, 1], vertical_alignment="center")
if back.button(
    "Newer", icon=":material/arrow_back:", disabled=len(starts) == 1, key="newer"
):
    starts.pop()
    st.rerun()
page.caption(f"Page {len(starts)} · {len(entries)} deliveries shown")
if forward.button(
    "Older", icon=":material/arrow_forward:", disabled=not older, key="older"
):
    starts.append(entries[-1].id)
    st.rerun()
