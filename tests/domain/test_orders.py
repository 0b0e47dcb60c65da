"""Orders through the domain: history order, totals, status history, external
IDs and exact money."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from registry import crm, orders
from registry.errors import NotFound, ValidationError
from registry.models import Source, Status

TODAY = dt.date(2024, 6, 15)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _count(db, table: str) -> int:
    with db.cursor() as cur:
        return cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.fixture
def rep(shared_world):
    shared_world.switch(enabled=True, privacy=True)
    return shared_world.actor("rep_own")


@pytest.fixture
def contact(shared_world, request):
    """A fresh contact owned by rep_own, named after the test."""
    return shared_world.add_contact(request.node.name, "rep_own")


def test_new_order_defaults(shared_world, rep, contact):
    order = orders.create_order(
        shared_world.db, rep, contact.id, today=TODAY, title="Plan", value="10"
    )

    assert order.currency == "BRL"  # the account's default
    assert (order.status, order.source) == (Status.PENDING, Source.MANUAL)
    assert (order.order_date, order.paid_date) == (TODAY, None)
    assert order.contact_id == contact.id


def test_order_for_a_missing_contact_says_so(shared_world, rep):
    before = _count(shared_world.db, "orders")

    with pytest.raises(NotFound, match="Contact 987654 was not found"):
        orders.create_order(shared_world.db, rep, 987654, title="x", value="1")

    assert _count(shared_world.db, "orders") == before


def test_history_is_newest_first(shared_world, rep, contact):
    dates = {
        "second": dt.date(2024, 1, 10),
        "fourth": dt.date(2024, 3, 5),
        "first": dt.date(2023, 12, 31),
        "third": dt.date(2024, 3, 5),  # same day as "fourth", recorded later
    }
    for title, order_date in dates.items():
        orders.create_order(
            shared_world.db,
            rep,
            contact.id,
            title=title,
            value="1",
            order_date=order_date,
        )

    listed = orders.list_orders(shared_world.db, rep, contact_id=contact.id)

    assert [o.title for o in listed] == ["third", "fourth", "second", "first"]
    page = orders.list_orders(
        shared_world.db, rep, contact_id=contact.id, limit=2, offset=1
    )
    assert [o.title for o in page] == ["fourth", "second"]


def test_totals_are_per_currency_and_exact(shared_world, rep, contact):
    db = shared_world.db
    for value, currency, status in [
        ("10.10", "BRL", "pending"),
        ("20.25", "BRL", "paid"),
        ("5.05", "USD", "paid"),
        ("0.95", "USD", "overdue"),
        ("0.001", "BHD", "paid"),
        ("0.002", "BHD", "paid"),
        ("1000", "JPY", "pending"),
    ]:
        orders.create_order(
            db,
            rep,
            contact.id,
            title=f"{currency} {value}",
            value=value,
            currency=currency,
            status=status,
        )

    totals = orders.totals(db, rep, contact_id=contact.id)

    got = [(t.currency, t.orders, str(t.total), str(t.paid)) for t in totals]
    assert got == [
        ("BHD", 2, "0.003", "0.003"),
        ("BRL", 2, "30.35", "20.25"),
        ("JPY", 1, "1000", "0"),
        ("USD", 2, "6.00", "5.05"),
    ]
    assert all(isinstance(t.total, Decimal) for t in totals)


def test_deal_totals_cover_only_its_orders(shared_world, rep, contact):
    db = shared_world.db
    deal = crm.create_deal(db, contact.id, title="Renewal", owner_id=rep.id)
    orders.create_order(
        db, rep, contact.id, title="On deal", value="7.50", deal_id=deal.id
    )
    orders.create_order(db, rep, contact.id, title="Off deal", value="100")

    totals = orders.totals(db, rep, deal_id=deal.id)

    assert [(t.currency, t.orders, t.total) for t in totals] == [
        ("BRL", 1, Decimal("7.50"))
    ]
    assert [o.title for o in orders.list_orders(db, rep, deal_id=deal.id)] == [
        "On deal"
    ]


def test_status_changes_append_to_history(shared_world, rep, contact):
    db = shared_world.db
    start = _utc_now()
    order = orders.create_order(
        db, rep, contact.id, today=TODAY, title="Plan", value="10"
    )
    change_day = TODAY + dt.timedelta(days=3)

    paid = orders.change_status(db, rep, order.id, Status.PAID, today=change_day)
    refunded = orders.change_status(
        db, rep, order.id, "refunded", source="payments", today=change_day
    )
    history = orders.status_history(db, rep, order.id)
    end = _utc_now()

    assert paid.paid_date == change_day  # paid without a date: the change's day
    assert refunded.paid_date == change_day  # a refund keeps when it was paid
    assert [(h.from_status, h.to_status, h.source) for h in history] == [
        (None, Status.PENDING, Source.MANUAL),
        (Status.PENDING, Status.PAID, Source.MANUAL),
        (Status.PAID, Status.REFUNDED, Source.PAYMENTS),
    ]
    assert {(h.changed_by, h.changed_by_name) for h in history} == {
        (rep.id, rep.user.name)
    }
    assert all(start <= h.changed_at <= end for h in history)
    assert [h.changed_at for h in history] == sorted(h.changed_at for h in history)


def test_paid_keeps_a_given_paid_date(shared_world, rep, contact):
    db = shared_world.db
    order = orders.create_order(
        db, rep, contact.id, title="Plan", value="10", order_date=TODAY
    )

    paid = orders.change_status(
        db, rep, order.id, "paid", paid_date="2024-06-16", today=TODAY
    )

    assert paid.paid_date == dt.date(2024, 6, 16)


def test_created_paid_gets_todays_paid_date(shared_world, rep, contact):
    order = orders.create_order(
        shared_world.db,
        rep,
        contact.id,
        today=TODAY,
        title="Plan",
        value="10",
        status="paid",
    )

    assert order.paid_date == TODAY


def test_edits_without_a_status_change_add_no_history(shared_world, rep, contact):
    db = shared_world.db
    order = orders.create_order(db, rep, contact.id, title="Plan", value="10")
    before = _count(db, "order_status_history")

    orders.update_order(db, rep, order.id, title="Plan B", value="11")
    orders.change_status(db, rep, order.id, Status.PENDING)  # already pending
    edited = orders.update_order(db, rep, order.id, status="overdue")

    assert (edited.title, edited.value, edited.status) == (
        "Plan B",
        Decimal("11.00"),
        Status.OVERDUE,
    )
    assert _count(db, "order_status_history") == before + 1


def test_external_id_resend_updates_the_same_order(shared_world, rep, contact):
    db = shared_world.db
    first = orders.save_order(
        db,
        rep,
        contact.id,
        title="Shop #1",
        value="50",
        external_id="SH-1",
        source="commerce",
    )
    count = _count(db, "orders")

    again = orders.save_order(
        db,
        rep,
        contact.id,
        title="Shop #1 (edited)",
        value="55.10",
        external_id="SH-1",
        source="commerce",
        status="paid",
        today=TODAY,
    )

    assert (first.created, again.created) == (True, False)
    assert again.order.id == first.order.id
    assert (again.order.title, again.order.value) == (
        "Shop #1 (edited)",
        Decimal("55.10"),
    )
    assert (again.order.status, again.order.paid_date) == (Status.PAID, TODAY)
    assert _count(db, "orders") == count
    history = orders.status_history(db, rep, first.order.id)
    assert [(h.to_status, h.source) for h in history] == [
        (Status.PENDING, Source.COMMERCE),
        (Status.PAID, Source.COMMERCE),
    ]


def test_form_writes_are_not_logged_as_deliveries(shared_world, rep, contact):
    # The forms share the intake's writer, but the ingestion log is for what
    # integrations deliver: a rep's own saves, edits and status changes
    # leave no entry there.
    db = shared_world.db
    logged = _count(db, "ingestion_log")

    saved = orders.save_order(
        db, rep, contact.id, title="Desk", value="10", external_id="F-1"
    )
    orders.save_order(db, rep, contact.id, title="Desk", value="12", external_id="F-1")
    orders.update_order(db, rep, saved.order.id, title="Desk, oak")
    orders.change_status(db, rep, saved.order.id, Status.PAID, today=TODAY)

    assert _count(db, "ingestion_log") == logged
    history = orders.status_history(db, rep, saved.order.id)
    assert [(h.to_status, h.source) for h in history] == [
        (Status.PENDING, Source.MANUAL),
        (Status.PAID, Source.MANUAL),
    ]


def test_external_id_is_unique_per_account_and_source(shared_world, rep, contact):
    db, world = shared_world.db, shared_world
    made = orders.save_order(
        db, rep, contact.id, title="A", value="1", external_id="X-9", source="api"
    )

    other_source = orders.save_order(
        db, rep, contact.id, title="B", value="1", external_id="X-9", source="webhook"
    )
    other_account = orders.save_order(
        db,
        world.actor("b_admin"),
        world.contacts["b_rep_contact"].id,
        title="C",
        value="1",
        external_id="X-9",
        source="api",
    )

    assert other_source.created and other_account.created
    ids = {made.order.id, other_source.order.id, other_account.order.id}
    assert len(ids) == 3


def test_external_id_outside_the_wallet_is_not_taken_over(shared_world, rep, contact):
    db, world = shared_world.db, shared_world
    orders.save_order(
        db, rep, contact.id, title="Mine", value="1", external_id="W-1", source="api"
    )
    south = world.actor("south_rep")
    before = _count(db, "orders"), _count(db, "order_status_history")

    with pytest.raises(ValidationError) as caught:
        orders.save_order(
            db,
            south,
            world.contacts["south_rep_contact"].id,
            title="Theirs",
            value="2",
            external_id="W-1",
            source="api",
        )

    assert caught.value.field == "external_id"
    assert (_count(db, "orders"), _count(db, "order_status_history")) == before


@pytest.mark.parametrize(
    ("value", "currency"),
    [
        ("0.1", "BRL"),
        ("0.2", "BRL"),
        ("999999999999.99", "BRL"),
        ("1000000000000", "JPY"),
        ("0.001", "BHD"),
        ("123456789.125", "BHD"),
        (0.1, "BRL"),  # a float is read by its shortest repr, not its binary
    ],
)
def test_money_round_trips_exactly(shared_world, rep, contact, value, currency):
    db = shared_world.db

    made = orders.create_order(
        db, rep, contact.id, title="Exact", value=value, currency=currency
    )
    read = orders.get_order(db, rep, made.id)

    assert read.value == Decimal(str(value))
    assert isinstance(read.value, Decimal)
    with db.cursor() as cur:
        stored = cur.execute(
            "SELECT value FROM orders WHERE id = ?", [made.id]
        ).fetchone()[0]
    assert stored == Decimal(str(value))


def test_sums_of_tenths_are_exact(shared_world, rep, contact):
    db = shared_world.db
    for value in ("0.1", "0.2", "999999999999.99", "999999999999.99"):
        orders.create_order(db, rep, contact.id, title="Sum", value=value)

    (brl,) = orders.totals(db, rep, contact_id=contact.id)

    assert brl.total == Decimal("1999999999999.98") + Decimal("0.30")
    assert str(brl.total) == "2000000000000.28"
