"""One label and one colour per order status, for every table, badge and chart."""

from __future__ import annotations

from dataclasses import dataclass

from registry.models import Status


@dataclass(frozen=True)
class StatusStyle:
    label: str
    badge: str  # a colour name st.badge and the Markdown badge directive accept
    hex: str  # the same colour for charts and table cells


STATUS_STYLES: dict[Status, StatusStyle] = {
    Status.PENDING: StatusStyle(Status.PENDING.label, "yellow", "#c99400"),
    Status.PAID: StatusStyle(Status.PAID.label, "green", "#21a366"),
    Status.PARTIALLY_PAID: StatusStyle(Status.PARTIALLY_PAID.label, "blue", "#2f7fd6"),
    Status.OVERDUE: StatusStyle(Status.OVERDUE.label, "orange", "#e8702a"),
    Status.REFUNDED: StatusStyle(Status.REFUNDED.label, "violet", "#8a5cd1"),
    Status.CANCELED: StatusStyle(Status.CANCELED.label, "gray", "#8c8c8c"),
    Status.FAILED: StatusStyle(Status.FAILED.label, "red", "#d64545"),
}

_BY_LABEL = {style.label: style for style in STATUS_STYLES.values()}


def label(status: Status) -> str:
    return STATUS_STYLES[status].label


def badge(status: Status) -> str:
    """Markdown for a coloured badge, e.g. ':green-badge[Paid]'."""
    style = STATUS_STYLES[status]
    return f":{style.badge}-badge[{style.label}]"


def cell_style(text: object) -> str:
    """CSS for a table cell holding a status label; empty for anything else."""
    style = _BY_LABEL.get(str(text))
    return f"color: {style.hex}; font-weight: 600" if style else ""
