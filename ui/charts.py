"""Plotly figures of the dashboard, drawn from `registry.reports` frames.

Every bar carries, in its customdata, what it stands for as URL-style keys
("status=paid&currency=BRL"), so a selected bar turns into explorer filters
(`ui.filters.narrow`) without the page knowing how each chart was drawn.
Amounts are drawn as floats but shown exactly, formatted, on hover. Status
colours come from `ui.status`, the same on every chart and table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pandas as pd
import plotly.graph_objects as go

from registry.models import Source, Status

from . import format as fmt
from . import status

NEUTRAL = "#4c78a8"
DEAL_COLOURS = {True: "#2a9d8f", False: "#b0b7c3"}
DEAL_LABELS = {True: "Linked to a deal", False: "No deal"}
HEIGHT = 320


def pick(**keys: str) -> str:
    """What one bar stands for, as it travels in customdata."""
    return urlencode(keys)


def picks(points: Sequence[Mapping[str, object]]) -> list[dict[str, str]]:
    """The picks of a Plotly selection's points (those that carry one)."""
    found = []
    for point in points:
        data = point.get("customdata")
        if isinstance(data, list | tuple):
            data = data[0] if data else None
        if isinstance(data, str) and data:
            found.append(dict(parse_qsl(data)))
    return found


# --- by status, source, currency, deal ------------------------------------------


def status_orders(frame: pd.DataFrame) -> go.Figure:
    """Orders per status, all currencies counted together (counts add up)."""
    counts = frame.groupby("status", sort=False)["orders"].sum()
    shown = [s for s in Status if s.value in counts.index]
    return _bars(
        labels=[status.label(s) for s in shown],
        values=[int(counts[s.value]) for s in shown],
        colours=[status.STATUS_STYLES[s].hex for s in shown],
        keys=[pick(status=s.value) for s in shown],
        hover=[f"{int(counts[s.value]):,} orders" for s in shown],
        title="Orders by status",
    )


def status_value(
    frame: pd.DataFrame, currency: str, *, converted: bool = False
) -> go.Figure:
    """Value per status, in one currency."""
    rows = {r.status: r for r in frame[frame["currency"] == currency].itertuples()}
    shown = [s for s in Status if s.value in rows]
    return _bars(
        labels=[status.label(s) for s in shown],
        values=[float(rows[s.value].value) for s in shown],
        colours=[status.STATUS_STYLES[s].hex for s in shown],
        keys=[pick(status=s.value, **_in(currency, converted)) for s in shown],
        hover=[_money_hover(rows[s.value], currency) for s in shown],
        title=f"Value by status · {currency}",
    )


def source_orders(frame: pd.DataFrame) -> go.Figure:
    counts = frame.groupby("source", sort=False)["orders"].sum()
    shown = [s for s in Source if s.value in counts.index]
    return _bars(
        labels=[s.label for s in shown],
        values=[int(counts[s.value]) for s in shown],
        colours=[NEUTRAL] * len(shown),
        keys=[pick(source=s.value) for s in shown],
        hover=[f"{int(counts[s.value]):,} orders" for s in shown],
        title="Orders by source",
    )


def source_value(
    frame: pd.DataFrame, currency: str, *, converted: bool = False
) -> go.Figure:
    rows = {r.source: r for r in frame[frame["currency"] == currency].itertuples()}
    shown = [s for s in Source if s.value in rows]
    return _bars(
        labels=[s.label for s in shown],
        values=[float(rows[s.value].value) for s in shown],
        colours=[NEUTRAL] * len(shown),
        keys=[pick(source=s.value, **_in(currency, converted)) for s in shown],
        hover=[_money_hover(rows[s.value], currency) for s in shown],
        title=f"Value by source · {currency}",
    )


def currency_orders(frame: pd.DataFrame) -> go.Figure:
    """Orders per currency (the orders' own currencies)."""
    return _bars(
        labels=list(frame["currency"]),
        values=[int(n) for n in frame["orders"]],
        colours=[NEUTRAL] * len(frame),
        keys=[pick(currency=c) for c in frame["currency"]],
        hover=[f"{int(n):,} orders" for n in frame["orders"]],
        title="Orders by currency",
    )


def currency_converted(frame: pd.DataFrame, reporting: str) -> go.Figure:
    """Each currency's orders converted into `reporting` (comparable now)."""
    values = [Decimal(0) if v is None else v for v in frame["converted"]]
    return _bars(
        labels=list(frame["currency"]),
        values=[float(v) for v in values],
        colours=[NEUTRAL] * len(frame),
        keys=[pick(currency=c) for c in frame["currency"]],
        hover=[
            f"{fmt.money(v, reporting)}<br>from {fmt.money(native, code)}"
            f"<br>{int(n):,} orders, {int(u):,} without a rate"
            for v, native, code, n, u in zip(
                values,
                frame["value"],
                frame["currency"],
                frame["orders"],
                frame["unconverted"],
                strict=True,
            )
        ],
        title=f"Value by currency, in {reporting}",
    )


def deal_orders(frame: pd.DataFrame) -> go.Figure:
    """Orders linked to a deal versus not, all currencies counted together."""
    counts = frame.groupby("has_deal")["orders"].sum()
    shown = [flag for flag in (True, False) if flag in counts.index]
    return _bars(
        labels=[DEAL_LABELS[flag] for flag in shown],
        values=[int(counts[flag]) for flag in shown],
        colours=[DEAL_COLOURS[flag] for flag in shown],
        keys=[pick(deal="yes" if flag else "no") for flag in shown],
        hover=[f"{int(counts[flag]):,} orders" for flag in shown],
        title="Orders linked to a deal",
    )


def top_contacts(
    frame: pd.DataFrame, currency: str, *, converted: bool = False
) -> go.Figure:
    """The contacts with the highest value in `currency`, best on top."""
    rows = frame[frame["currency"] == currency].sort_values("rank")
    names = list(rows["contact"])
    # Equal names would merge into one bar: tell them apart by id.
    labels = [
        f"{name} · #{cid}" if names.count(name) > 1 else name
        for name, cid in zip(names, rows["contact_id"], strict=True)
    ]
    figure = _bars(
        labels=labels,
        values=[float(v) for v in rows["value"]],
        colours=[NEUTRAL] * len(rows),
        keys=[
            pick(contact=str(cid), **_in(currency, converted))
            for cid in rows["contact_id"]
        ],
        hover=[_money_hover(r, currency) for r in rows.itertuples()],
        title=f"Top contacts by value · {currency}",
        horizontal=True,
    )
    figure.update_yaxes(autorange="reversed")
    figure.update_layout(height=max(HEIGHT, 28 * len(rows) + 80))
    return figure


# --- over time --------------------------------------------------------------------


def monthly_value(
    frame: pd.DataFrame, currency: str, date_label: str, *, converted: bool = False
) -> go.Figure:
    """Value per month, stacked by status, in one currency."""
    rows = frame[frame["currency"] == currency]
    figure = go.Figure()
    for state in Status:
        part = rows[rows["status"] == state.value]
        if part.empty:
            continue
        months = [m.strftime("%Y-%m") for m in part["month"]]
        figure.add_bar(
            name=status.label(state),
            x=list(part["month"]),
            y=[float(v) for v in part["value"]],
            marker_color=status.STATUS_STYLES[state].hex,
            customdata=[
                [pick(status=state.value, month=m, **_in(currency, converted))]
                for m in months
            ],
            hovertext=[
                f"{status.label(state)} · {m}<br>{_money_hover(r, currency)}"
                for m, r in zip(months, part.itertuples(), strict=True)
            ],
            hoverinfo="text",
        )
    spread = rows["month"].nunique()
    figure.update_layout(
        barmode="stack",
        title=f"Value per month ({date_label.lower()}), by status · {currency}",
        # Legend in the order of the statuses, as on every other chart.
        legend={"orientation": "h", "y": -0.15, "traceorder": "normal"},
        xaxis={
            "type": "date",
            "dtick": "M1" if spread <= 12 else "M3",
            "tickformat": "%b %Y",
        },
    )
    return _framed(figure, HEIGHT + 60)


# --- helpers ------------------------------------------------------------------------


def _bars(
    *,
    labels: list[str],
    values: list[float],
    colours: list[str],
    keys: list[str],
    hover: list[str],
    title: str,
    horizontal: bool = False,
) -> go.Figure:
    axes = {"y": labels, "x": values} if horizontal else {"x": labels, "y": values}
    figure = go.Figure(
        go.Bar(
            **axes,
            orientation="h" if horizontal else "v",
            marker_color=colours,
            customdata=[[key] for key in keys],
            hovertext=hover,
            hoverinfo="text",
        )
    )
    figure.update_layout(title=title, showlegend=False)
    return _framed(figure, HEIGHT)


def _framed(figure: go.Figure, height: int) -> go.Figure:
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 48, "b": 10},
        title_font_size=15,
        clickmode="event+select",
    )
    return figure


def _in(currency: str, converted: bool) -> dict[str, str]:
    """The currency a bar's orders are in: its own, unless the amounts were
    converted from every currency into the reporting one."""
    return {} if converted else {"currency": currency}


def _money_hover(row: object, currency: str) -> str:
    value = row.value  # type: ignore[attr-defined]
    orders = int(row.orders)  # type: ignore[attr-defined]
    return f"{fmt.money(value, currency)}<br>{orders:,} orders"
