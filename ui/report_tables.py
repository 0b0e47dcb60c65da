"""The explorer's tables: a page of orders, a page of contact summaries.

Rows link to their contact (and deal) pages. The link's text comes from the
part of the URL after "#", which the pages themselves ignore: a LinkColumn
can only show text it finds in the URL.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from registry.models import Source, Status

from . import format as fmt
from . import status
from .report_format import amounts

ORDER_SORTS = {
    "order_date": "Order date",
    "paid_date": "Paid date",
    "value": "Value (within each currency)",
    "title": "Title",
    "contact": "Contact",
    "status": "Status",
    "source": "Source",
    "currency": "Currency",
    "external_id": "External ID",
    "updated_at": "Last updated",
    "id": "Order number",
}
SUMMARY_SORTS = {
    "last_purchase": "Last purchase",
    "first_purchase": "First purchase",
    "paid_orders": "Paid orders",
    "orders": "Orders",
    "avg_days": "Average days between purchases",
    "recency": "Recency score (R)",
    "frequency": "Frequency score (F)",
    "monetary": "Monetary score (M)",
    "segment": "Segment",
    "contact": "Contact",
}


def contact_url(contact_id: int, name: str) -> str:
    return f"contact?id={contact_id}#{name}"


def deal_url(deal_id: object, title: object) -> str | None:
    if pd.isna(deal_id):
        return None
    return f"deal?id={int(deal_id)}#{title}"


def orders_table(rows: pd.DataFrame) -> None:
    """A page of `reports.explore` rows, formatted, statuses in colour."""
    frame = pd.DataFrame(
        {
            "#": rows["id"],
            "Order date": [fmt.date(d) for d in rows["order_date"]],
            "Paid date": [fmt.date(d) for d in rows["paid_date"]],
            "Contact": [
                contact_url(c, n)
                for c, n in zip(rows["contact_id"], rows["contact"], strict=True)
            ],
            "Title": rows["title"],
            "Value": [
                fmt.money(v, c)
                for v, c in zip(rows["value"], rows["currency"], strict=True)
            ],
            "Status": [status.label(Status(s)) for s in rows["status"]],
            "Source": [Source(s).label for s in rows["source"]],
            "Deal": [
                deal_url(i, t)
                for i, t in zip(rows["deal_id"], rows["deal"], strict=True)
            ],
            "External ID": rows["external_id"].fillna(""),
        }
    )
    st.dataframe(
        frame.style.map(status.cell_style, subset=["Status"]),
        hide_index=True,
        height="content",
        placeholder="",
        column_config={
            "#": st.column_config.NumberColumn(format="%d", width="small"),
            "Contact": st.column_config.LinkColumn(
                display_text=r"#(.*)$", width="medium"
            ),
            "Title": st.column_config.TextColumn(width="medium"),
            "Deal": st.column_config.LinkColumn(display_text=r"#(.*)$", width="medium"),
            "Value": st.column_config.TextColumn(alignment="right"),
        },
    )


def summaries_table(rows: pd.DataFrame) -> None:
    """A page of `summary.contact_summaries` rows."""
    frame = pd.DataFrame(
        {
            "Contact": [
                contact_url(c, n)
                for c, n in zip(rows["contact_id"], rows["contact"], strict=True)
            ],
            "Segment": rows["segment"],
            "Orders": rows["orders"],
            "Paid orders": rows["paid_orders"],
            "First purchase": [fmt.date(d) for d in rows["first_purchase"]],
            "Last purchase": [fmt.date(d) for d in rows["last_purchase"]],
            "Days since": rows["days_since"].astype("Int64"),
            "Avg days between": rows["avg_days"],
            "Lifetime paid": [amounts(paid) for paid in rows["lifetime_paid"]],
            "R": rows["r"],
            "F": rows["f"],
            "M": rows["m"],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        height="content",
        placeholder="",
        column_config={
            "Contact": st.column_config.LinkColumn(
                display_text=r"#(.*)$", width="medium"
            ),
            "Avg days between": st.column_config.NumberColumn(format="%.1f"),
            "R": st.column_config.NumberColumn(help="Recency score, 1 to 5"),
            "F": st.column_config.NumberColumn(help="Frequency score, 1 to 5"),
            "M": st.column_config.NumberColumn(help="Monetary score, 1 to 5"),
        },
    )
