"""Every bad input of issue 2 point 9, through the domain: the error names the
field and the reason, and not a row is written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from registry import orders
from registry.errors import ValidationError
from registry.models import Status

TODAY = dt.date(2024, 6, 15)
TOMORROW = TODAY + dt.timedelta(days=1)
ORDER_DATE = dt.date(2024, 6, 1)

GOOD = {"title": "Annual plan", "value": "120.00", "order_date": ORDER_DATE}

# (changes to a good order, the field named, a word the reason must contain);
# the deal cases name world keys, resolved in `_resolve`.
BAD = {
    "empty title": ({"title": ""}, "title", "required"),
    "blank title": ({"title": "   \t "}, "title", "required"),
    "title of 201 characters": ({"title": "x" * 201}, "title", "200"),
    "title not text": ({"title": 42}, "title", "text"),
    "negative value": ({"value": "-0.01"}, "value", "negative"),
    "negative int value": ({"value": -5}, "value", "negative"),
    "empty value": ({"value": ""}, "value", "required"),
    "value not a number": ({"value": "abc"}, "value", "number"),
    "value with a comma": ({"value": "12,50"}, "value", "number"),
    "value none": ({"value": None}, "value", "number"),
    "value a list": ({"value": [1]}, "value", "number"),
    "value true": ({"value": True}, "value", "number"),
    "value NaN text": ({"value": "NaN"}, "value", "finite"),
    "value sNaN text": ({"value": "sNaN"}, "value", "finite"),
    "value NaN float": ({"value": float("nan")}, "value", "finite"),
    "value inf text": ({"value": "Infinity"}, "value", "finite"),
    "value -inf float": ({"value": float("-inf")}, "value", "finite"),
    "value above 10^12": ({"value": "1000000000000.01"}, "value", "at most"),
    "value 1e13": ({"value": "1e13"}, "value", "at most"),
    "value int above 10^12": ({"value": 10**12 + 1}, "value", "at most"),
    "BRL with 3 decimals": ({"value": "1.505"}, "value", "2 decimals"),
    "BRL float 0.1 + 0.2": ({"value": 0.1 + 0.2}, "value", "2 decimals"),
    "JPY with decimals": (
        {"value": "100.5", "currency": "JPY"},
        "value",
        "no decimals",
    ),
    "BHD with 4 decimals": (
        {"value": "1.2345", "currency": "BHD"},
        "value",
        "3 decimals",
    ),
    "unknown currency": ({"currency": "XYZ"}, "currency", "unknown"),
    "currency of two letters": ({"currency": "US"}, "currency", "unknown"),
    "currency word": ({"currency": "EURO"}, "currency", "unknown"),
    "currency without minor unit": ({"currency": "XXX"}, "currency", "minor"),
    "currency not text": ({"currency": 986}, "currency", "ISO 4217"),
    "unknown status": ({"status": "shipped"}, "status", "shipped"),
    "unknown source": ({"source": "fax"}, "source", "fax"),
    "order date not a date": ({"order_date": "01/06/2024"}, "order_date", "date"),
    "paid date not a date": ({"paid_date": "2024-02-30"}, "paid_date", "date"),
    "paid before ordered": (
        {"order_date": ORDER_DATE, "paid_date": ORDER_DATE - dt.timedelta(days=1)},
        "paid_date",
        "before",
    ),
    "paid after tomorrow": (
        {"paid_date": TOMORROW + dt.timedelta(days=1)},
        "paid_date",
        "tomorrow",
    ),
    "paid after tomorrow as text": (
        {"paid_date": (TOMORROW + dt.timedelta(days=1)).isoformat()},
        "paid_date",
        "tomorrow",
    ),
    "deal of another contact": ({"deal_id": "rep_own_deal"}, "deal_id", "contact"),
    "deal of another account": ({"deal_id": "b_rep_deal"}, "deal_id", "contact"),
    "deal that does not exist": ({"deal_id": 987654}, "deal_id", "contact"),
    "deal id not a number": ({"deal_id": "abc"}, "deal_id", "deal id"),
    "NUL in title": ({"title": "Plan\x00"}, "title", "control"),
    "escape in title": ({"title": "Plan \x1b[31mred"}, "title", "control"),
    "line break in title": ({"title": "two\nlines"}, "title", "control"),
    "NEL in title": ({"title": "next\x85line"}, "title", "control"),
    "bell in external ID": ({"external_id": "ext\x07"}, "external_id", "control"),
    "tab in external ID": ({"external_id": "ext\t1"}, "external_id", "control"),
    "external ID of 201": ({"external_id": "e" * 201}, "external_id", "200"),
    "unknown field": ({"colour": "red"}, "colour", "field"),
}

# Status changes go through their own entry point; it must refuse the same.
BAD_STATUS_CHANGES = {
    "unknown status": ({"status": "shipped"}, "status"),
    "unknown source": ({"status": "paid", "source": "fax"}, "source"),
    "paid after tomorrow": (
        {"status": "paid", "paid_date": TOMORROW + dt.timedelta(days=1)},
        "paid_date",
    ),
    "paid before ordered": (
        {"status": "paid", "paid_date": dt.date(2000, 1, 1)},
        "paid_date",
    ),
}


def _resolve(world, changes: dict) -> dict:
    deal = changes.get("deal_id")
    if isinstance(deal, str) and deal in world.deals:
        return {**changes, "deal_id": world.deals[deal].id}
    return changes


def _state(db, order_id: int | None = None) -> tuple:
    """Row counts of orders and status history, and one order's row."""
    with db.cursor() as cur:
        counts = cur.execute(
            "SELECT (SELECT count(*) FROM orders), "
            "(SELECT count(*) FROM order_status_history)"
        ).fetchone()
        row = cur.execute("SELECT * FROM orders WHERE id = ?", [order_id]).fetchone()
    return counts, row


@pytest.fixture
def rep(shared_world):
    """rep_own, a rep with scope own, with the module and privacy on."""
    shared_world.switch(enabled=True, privacy=True)
    return shared_world.actor("rep_own")


@pytest.mark.parametrize(("changes", "field", "reason"), BAD.values(), ids=BAD)
def test_create_refuses_bad_input(shared_world, rep, changes, field, reason):
    db = shared_world.db
    contact = shared_world.contacts["rep_own_contact"]
    before = _state(db)

    with pytest.raises(ValidationError) as caught:
        orders.create_order(
            db,
            rep,
            contact.id,
            today=TODAY,
            **{**GOOD, **_resolve(shared_world, changes)},
        )

    assert caught.value.field == field
    assert reason in caught.value.reason
    assert caught.value.message.startswith(f"{field}: ")
    assert _state(db) == before


@pytest.mark.parametrize(("changes", "field", "reason"), BAD.values(), ids=BAD)
def test_update_refuses_bad_input(shared_world, rep, changes, field, reason):
    db = shared_world.db
    order = shared_world.orders["rep_own_order"]
    before = _state(db, order.id)

    with pytest.raises(ValidationError) as caught:
        orders.update_order(
            db, rep, order.id, today=TODAY, **_resolve(shared_world, changes)
        )

    assert caught.value.field == field
    assert reason in caught.value.reason
    assert _state(db, order.id) == before


@pytest.mark.parametrize(
    ("changes", "field"), BAD_STATUS_CHANGES.values(), ids=BAD_STATUS_CHANGES
)
def test_change_status_refuses_bad_input(shared_world, rep, changes, field):
    db = shared_world.db
    order = shared_world.orders["rep_own_order"]
    before = _state(db, order.id)

    with pytest.raises(ValidationError) as caught:
        orders.change_status(db, rep, order.id, today=TODAY, **changes)

    assert caught.value.field == field
    assert _state(db, order.id) == before


@pytest.mark.parametrize(
    ("value", "currency", "stored"),
    [
        ("1.5", "BRL", Decimal("1.50")),
        ("100", "JPY", Decimal("100")),
        ("1.234", "BHD", Decimal("1.234")),
        ("0", "BRL", Decimal("0.00")),
        ("1000000000000", "BRL", Decimal("1000000000000.00")),
        (" 12.30 ", "brl", Decimal("12.30")),
    ],
)
def test_allowed_values_are_stored_exactly(shared_world, rep, value, currency, stored):
    db = shared_world.db
    contact = shared_world.contacts["rep_own_contact"]

    order = orders.create_order(
        db, rep, contact.id, title="Allowed", value=value, currency=currency
    )

    assert (order.value, order.currency) == (stored, currency.strip().upper())
    assert str(order.value) == str(stored)
    edited = orders.update_order(db, rep, order.id, value=value)
    assert edited.value == stored


def test_boundaries_that_are_allowed(shared_world, rep):
    db = shared_world.db
    contact = shared_world.contacts["rep_own_contact"]

    order = orders.create_order(
        db,
        rep,
        contact.id,
        today=TODAY,
        title="t" * 200,
        value="1",
        order_date=ORDER_DATE,
        paid_date=TOMORROW,  # tomorrow itself is fine (time zones differ)
        status="PAID",
        source="Manual",
        external_id="e" * 200,
        deal_id=None,
    )

    assert (order.paid_date, order.status) == (TOMORROW, Status.PAID)
    assert len(order.title) == 200


def test_a_deal_of_the_contact_is_accepted(shared_world, rep):
    db, world = shared_world.db, shared_world
    via_deal = world.contacts["rep_own_via_deal"]

    order = orders.create_order(
        db,
        rep,
        via_deal.id,
        title="On my deal",
        value="5",
        deal_id=str(world.deals["rep_own_deal"].id),
    )

    assert order.deal_id == world.deals["rep_own_deal"].id


def test_edit_to_an_external_id_already_taken(shared_world, rep):
    db = shared_world.db
    contact = shared_world.contacts["rep_own_contact"]
    taken, mine = (
        orders.create_order(
            db, rep, contact.id, title=ext, value="1", external_id=ext, source="api"
        )
        for ext in ("TAKEN-1", "MINE-1")
    )
    before = _state(db, mine.id)

    with pytest.raises(ValidationError) as caught:
        orders.update_order(db, rep, mine.id, external_id=taken.external_id)

    assert caught.value.field == "external_id"
    assert "already belongs" in caught.value.reason
    assert _state(db, mine.id) == before
