"""`data_version` changes after every write a report could show, and only
then, so cached results are recomputed on the next rerun."""

from __future__ import annotations

import pytest

from registry import accounts, crm, orders, rates
from registry.models import Status
from registry.reports import data_version


def _resend(world, value: str):
    """The form's save with an external ID the account already holds."""
    return orders.save_order(
        world.db,
        world.actor("admin"),
        world.contacts["rep_own_contact"].id,
        title="Same",
        value=value,
        external_id="ext-1",
        source="api",
    )


def _writes(world):
    admin = world.actor("admin")
    order = world.orders["rep_own_order"]
    contact = world.contacts["rep_own_contact"]
    values = iter(range(7, 100))
    return {
        "create order": lambda: orders.create_order(
            world.db, admin, contact.id, title="New", value="5.00"
        ),
        "edit order": lambda: orders.update_order(
            world.db, admin, order.id, title="Renamed"
        ),
        "change status": lambda: orders.change_status(
            world.db, admin, order.id, Status.CANCELED
        ),
        "resend by external ID": lambda: _resend(world, f"{next(values)}.00"),
        "add contact": lambda: crm.create_contact(
            world.db, admin.account_id, name="Another", owner_id=admin.id
        ),
        "add deal": lambda: crm.create_deal(
            world.db, contact.id, title="Deal", owner_id=admin.id
        ),
        "set rate": lambda: rates.set_rate(
            world.db, admin, base="USD", quote="BRL", rate="5", valid_from="2025-01-01"
        ),
        "reporting currency": lambda: rates.set_reporting_currency(
            world.db, admin, "USD"
        ),
        "privacy switch": lambda: accounts.update_account(
            world.db, admin.account_id, owner_privacy=False
        ),
    }


@pytest.mark.parametrize(
    "write",
    [
        "create order",
        "edit order",
        "change status",
        "resend by external ID",
        "add contact",
        "add deal",
        "set rate",
        "reporting currency",
        "privacy switch",
    ],
)
def test_each_write_changes_the_version(world, write):
    account_id = world.accounts["a"].id
    writes = _writes(world)
    if write == "resend by external ID":
        writes[write]()
    before = data_version(world.db, account_id)

    writes[write]()

    assert data_version(world.db, account_id) != before


def test_an_identical_resend_changes_nothing(world):
    account_id = world.accounts["a"].id
    first = _resend(world, "7.00")
    before = data_version(world.db, account_id)

    again = _resend(world, "7.00")

    assert not again.created
    assert again.order == first.order  # updated_at included
    assert data_version(world.db, account_id) == before


def test_reads_and_other_accounts_leave_the_version_alone(world):
    account_id = world.accounts["a"].id
    before = data_version(world.db, account_id)

    orders.list_orders(world.db, world.actor("admin"))
    orders.create_order(
        world.db,
        world.actor("b_admin"),
        world.contacts["b_rep_contact"].id,
        title="Elsewhere",
        value="1.00",
    )

    assert data_version(world.db, account_id) == before
