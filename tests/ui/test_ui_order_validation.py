"""Every bad input of the order forms: the field and the reason, nothing written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from registry import store
from ui import links

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)

# case id -> (widget label -> value, the field the message must name)
BAD_INPUTS = {
    "empty title": ({"Title": ""}, "Title"),
    "blank title": ({"Title": "   "}, "Title"),
    "title over 200 characters": ({"Title": "x" * 201}, "Title"),
    "control character in title": ({"Title": "Tea\x07set"}, "Title"),
    "newline in title": ({"Title": "Tea\nset"}, "Title"),
    "empty value": ({"Value": ""}, "Value"),
    "negative value": ({"Value": "-1"}, "Value"),
    "value not a number": ({"Value": "abc"}, "Value"),
    "decimal comma": ({"Value": "12,50"}, "Value"),
    "NaN value": ({"Value": "nan"}, "Value"),
    "infinite value": ({"Value": "inf"}, "Value"),
    "value above 10^12": ({"Value": str(10**12 + 1)}, "Value"),
    "three decimals in BRL": ({"Value": "1.001", "Currency": "BRL"}, "Value"),
    "decimals in JPY": ({"Value": "1.5", "Currency": "JPY"}, "Value"),
    "four decimals in BHD": ({"Value": "1.0001", "Currency": "BHD"}, "Value"),
    "paid before ordered": (
        {"Order date": TODAY, "Paid date": TODAY - DAY},
        "Paid date",
    ),
    "paid after tomorrow": ({"Paid date": TODAY + 2 * DAY}, "Paid date"),
    "control character in external ID": ({"External ID": "ext\x00id"}, "External ID"),
    "external ID over 200 characters": ({"External ID": "e" * 201}, "External ID"),
}


@pytest.mark.parametrize(("inputs", "field"), BAD_INPUTS.values(), ids=BAD_INPUTS)
def test_new_order_form_rejects_bad_input(open_app, ui_world, inputs, field):
    before = ui_world.count_orders()
    screen = open_app("ana", links.CONTACT_PAGE, id=ui_world.contacts["alice"])
    screen.fill(Title="Valid title", Value="10.00")
    for label, value in inputs.items():
        screen.widget(label).set_value(value)

    screen.press("Add order")

    [message] = screen.texts("error")
    assert message.startswith(f"**{field}**"), message
    assert ui_world.count_orders() == before
    assert not screen.texts("success")
    for label, value in inputs.items():  # kept, so the user can correct it
        assert screen.widget(label).value == value


def test_the_reason_is_shown_with_the_field(open_app, ui_world):
    screen = open_app("ana", links.CONTACT_PAGE, id=ui_world.contacts["alice"])

    screen.fill(Title="Yen", Value="1.5", Currency="JPY").press("Add order")

    assert screen.texts("error") == ["**Value**: JPY allows no decimals."]


def test_corrected_input_is_then_accepted(open_app, ui_world):
    before = ui_world.count_orders()
    screen = open_app("ana", links.CONTACT_PAGE, id=ui_world.contacts["alice"])
    screen.fill(Title="Tea set", Value="12,50").press("Add order")

    screen.fill(Value="12.50").press("Add order")

    assert not screen.texts("error")
    assert ui_world.count_orders() == before + 1


EDIT_INPUTS = {
    "empty title": ({"Title": ""}, "Title"),
    "negative value": ({"Value": "-5"}, "Value"),
    "NaN value": ({"Value": "NaN"}, "Value"),
    "paid after tomorrow": ({"Paid date": TODAY + 3 * DAY}, "Paid date"),
}


@pytest.mark.parametrize(("inputs", "field"), EDIT_INPUTS.values(), ids=EDIT_INPUTS)
def test_edit_form_rejects_bad_input_and_keeps_the_order(
    open_app, ui_world, inputs, field
):
    order_id = ui_world.orders["carl_pending"]
    screen = open_app("carla", links.CONTACT_PAGE, id=ui_world.contacts["carl"])
    screen.widget("Open an order").set_value(order_id).run()
    for label, value in inputs.items():
        screen.widget(label).set_value(value)  # the edit form's come first

    screen.press("Save changes")

    [message] = screen.texts("error")
    assert message.startswith(f"**{field}**"), message
    with store.connect(ui_world.path).cursor() as cur:
        stored = cur.execute(
            "SELECT title, value, paid_date FROM orders WHERE id = ?", [order_id]
        ).fetchone()
    assert stored == ("Carl's order", Decimal("999.99"), None)


def test_status_change_with_a_paid_date_before_the_order_is_rejected(
    open_app, ui_world
):
    order_id = ui_world.orders["carl_pending"]
    screen = open_app("carla", links.CONTACT_PAGE, id=ui_world.contacts["carl"])
    screen.widget("Open an order").set_value(order_id).run()

    screen.widget("New status").set_value("paid")
    screen.widget("Paid on").set_value(TODAY - 30 * DAY)
    screen.press("Change status")

    assert screen.texts("error") == ["**Paid date** must not be before the order date."]
