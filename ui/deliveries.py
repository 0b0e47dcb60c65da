"""The ingestion log as people read it: one row per delivery, outcome in colour."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from registry.ingest import LogEntry, Outcome

from . import format as fmt
from . import links

# Channels as the log names them (registry.channels, the API, the CSV import).
CHANNEL_LABELS = {
    "api": "REST API",
    "webhook": "Webhook",
    "payments": "Payments",
    "shopify": "Shopify",
    "nuvemshop": "Nuvemshop",
    "csv": "CSV import",
}
OUTCOME_COLOURS = {
    Outcome.CREATED: "#21a366",
    Outcome.UPDATED: "#2f7fd6",
    Outcome.UNCHANGED: "#8c8c8c",
    Outcome.REJECTED: "#d64545",
}
_BY_LABEL = {o.value.capitalize(): colour for o, colour in OUTCOME_COLOURS.items()}


def channel_label(channel: str) -> str:
    return CHANNEL_LABELS.get(channel, channel)


def outcome_style(text: object) -> str:
    """CSS for a table cell holding an outcome; empty for anything else."""
    colour = _BY_LABEL.get(str(text))
    return f"color: {colour}; font-weight: 600" if colour else ""


def deliveries_table(
    entries: list[LogEntry], *, order_links: bool = False, whole: bool = False
) -> None:
    """Deliveries in the order given. `order_links` adds an Order column
    whose links open each order; `whole` sizes the table to all its rows
    instead of scrolling past ten."""
    rows = []
    for e in entries:
        row = {
            "Received": fmt.timestamp(e.received_at),
            "Source": e.source.label,
            "Channel": channel_label(e.channel),
            "External ID": e.external_id or "",
        }
        if order_links:
            row["Order"] = links.order_address(e.order_id) if e.order_id else None
        row["Outcome"] = e.outcome.value.capitalize()
        row["Reason"] = e.reason or ""
        rows.append(row)
    st.dataframe(
        pd.DataFrame(rows).style.map(outcome_style, subset=["Outcome"]),
        hide_index=True,
        column_config={
            # The address ends in the order id, which is what the cell shows.
            "Order": st.column_config.LinkColumn(display_text=r"id=(\d+)$"),
            "Reason": st.column_config.TextColumn(width="large"),
        },
        height="content" if whole else "auto",
        placeholder="",
    )
