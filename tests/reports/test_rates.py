"""Reporting currency, exchange rates and converted dashboards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from registry import accounts, rates, reports
from registry.errors import NotFound, PermissionDenied, ValidationError
from registry.filters import OrderFilters
from registry.wallet import OWNER_COLUMNS, owners

D = dt.date


@pytest.fixture
def shop(db):
    """An account with an admin, a rep and orders in four currencies."""
    account = accounts.create_account(db, "Shop", "USD")
    accounts.update_account(db, account.id, orders_enabled=True)
    admin = accounts.create_user(
        db,
        account.id,
        email="admin@shop.test",
        name="Admin",
        password=None,
        is_admin=True,
    )
    rep = accounts.create_user(
        db, account.id, email="rep@shop.test", name="Rep", password=None
    )
    with db.cursor() as cur:
        contact = cur.execute(
            "INSERT INTO contacts (account_id, name, owner_id) VALUES (?, 'C', ?) "
            "RETURNING id",
            [account.id, rep.id],
        ).fetchone()[0]
        for value, currency, day in [
            ("100.00", "BRL", D(2025, 1, 10)),
            ("200.00", "BRL", D(2025, 3, 10)),
            ("30.00", "BRL", D(2024, 12, 1)),  # before the first BRL rate
            ("50.00", "EUR", D(2025, 2, 1)),
            ("1000", "JPY", D(2025, 2, 1)),  # no JPY rate at all
            ("10.00", "USD", D(2025, 1, 1)),
        ]:
            cur.execute(
                "INSERT INTO orders (account_id, contact_id, title, value, currency, "
                f"status, source, order_date, created_at, updated_at, {OWNER_COLUMNS}) "
                "VALUES (?, ?, 'O', ?, ?, 'paid', 'manual', ?, now(), now(), "
                f"{owners('?', 'NULL')})",
                [account.id, contact, value, currency, day, contact],
            )
    return (
        accounts.actor_for(db, admin.id),
        accounts.actor_for(db, rep.id),
    )


def _enter_rates(db, admin):
    rates.set_reporting_currency(db, admin, "usd")
    rates.set_rate(
        db, admin, base="BRL", quote="USD", rate="0.2", valid_from="2025-01-01"
    )
    rates.set_rate(
        db, admin, base="BRL", quote="USD", rate=0.25, valid_from=D(2025, 3, 1)
    )
    # Entered the other way round: EUR→USD is 1 / 0.9.
    rates.set_rate(
        db, admin, base="USD", quote="EUR", rate="0.9", valid_from="2025-01-15"
    )


def test_converted_figures_use_the_latest_rate_and_count_the_rest(db, shop):
    admin, _ = shop
    _enter_rates(db, admin)

    board = reports.dashboard(db, admin, convert=True)

    inverse = Decimal(1 / 0.9).quantize(Decimal("1e-12"))
    expected = Decimal("100") * Decimal("0.2") + Decimal("200") * Decimal("0.25")
    expected += Decimal("50") * inverse + Decimal("10")
    (usd,) = board.kpis.currencies
    assert usd.currency == "USD"
    assert (usd.orders, usd.valued) == (6, 4)
    assert usd.value == expected.quantize(Decimal("0.01")) == Decimal("135.56")
    assert usd.average == (expected / 4).quantize(Decimal("0.01"))
    uses = {u.currency: u for u in board.conversion.currencies}
    assert (uses["BRL"].unconverted, uses["BRL"].first_rate, uses["BRL"].last_rate) == (
        1,
        D(2025, 1, 1),
        D(2025, 3, 1),
    )
    assert uses["EUR"].first_rate == uses["EUR"].last_rate == D(2025, 1, 15)
    assert (uses["JPY"].unconverted, uses["JPY"].first_rate) == (1, None)
    assert (uses["USD"].unconverted, uses["USD"].first_rate) == (0, None)
    assert board.conversion.unconverted == 2
    text = board.conversion.describe()
    assert "2 orders had no rate" in text and "BRL: rates of 2025-01-01" in text


def test_by_currency_shows_own_and_converted_amounts(db, shop):
    admin, _ = shop
    _enter_rates(db, admin)

    frame = reports.by_currency(db, admin, convert=True)

    rows = {r.currency: r for r in frame.itertuples(index=False)}
    assert rows["BRL"].value == Decimal("330.00")
    assert rows["BRL"].converted == Decimal("70.00")
    assert rows["BRL"].unconverted == 1
    assert rows["JPY"].converted is None and rows["JPY"].value == Decimal("1000")


def test_a_rate_entered_in_the_conversion_direction_wins_the_same_day(db, shop):
    admin, _ = shop
    _enter_rates(db, admin)
    rates.set_rate(
        db, admin, base="EUR", quote="USD", rate="1.2", valid_from="2025-01-15"
    )

    frame = reports.by_currency(
        db, admin, OrderFilters(currencies=("EUR",)), convert=True
    )

    assert frame["converted"].tolist() == [Decimal("60.00")]


def test_without_conversion_nothing_is_added_across_currencies(db, shop):
    admin, _ = shop
    _enter_rates(db, admin)

    board = reports.dashboard(db, admin)

    assert board.conversion is None
    assert {f.currency: f.value for f in board.kpis.currencies} == {
        "BRL": Decimal("330.00"),
        "EUR": Decimal("50.00"),
        "JPY": Decimal("1000"),
        "USD": Decimal("10.00"),
    }


def test_converting_without_a_reporting_currency_says_so(db, shop):
    admin, _ = shop

    with pytest.raises(ValidationError) as caught:
        reports.kpis(db, admin, convert=True)

    assert caught.value.field == "reporting_currency"


def test_a_rep_converts_their_wallet_with_the_account_rates(db, shop):
    admin, rep = shop
    _enter_rates(db, admin)

    kpis = reports.kpis(db, rep, convert=True)

    assert kpis.currencies[0].value == Decimal("135.56")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"base": "XX"}, "base"),
        ({"quote": "BRLL"}, "quote"),
        ({"quote": "USD", "base": "usd"}, "quote"),
        ({"rate": "0"}, "rate"),
        ({"rate": "-1.5"}, "rate"),
        ({"rate": "abc"}, "rate"),
        ({"rate": "NaN"}, "rate"),
        ({"rate": None}, "rate"),
        ({"rate": True}, "rate"),
        ({"rate": "10000000000"}, "rate"),
        ({"rate": "0.123456789"}, "rate"),
        ({"valid_from": "2025-02-30"}, "valid_from"),
        ({"valid_from": ""}, "valid_from"),
    ],
)
def test_bad_rates_name_the_field_and_write_nothing(db, shop, fields, field):
    admin, _ = shop
    entry = {"base": "BRL", "quote": "USD", "rate": "0.2", "valid_from": "2025-01-01"}
    entry.update(fields)

    with pytest.raises(ValidationError) as caught:
        rates.set_rate(db, admin, **entry)

    assert caught.value.field == field
    assert rates.list_rates(db, admin) == []


def test_a_rate_for_the_same_pair_and_day_replaces_the_old_one(db, shop):
    admin, _ = shop
    rates.set_rate(
        db, admin, base="BRL", quote="USD", rate="0.2", valid_from="2025-01-01"
    )

    rates.set_rate(
        db, admin, base="BRL", quote="USD", rate="0.21", valid_from="2025-01-01"
    )

    assert [r.rate for r in rates.list_rates(db, admin)] == [Decimal("0.21")]


def test_deleting_a_rate(db, shop):
    admin, _ = shop
    rates.set_rate(
        db, admin, base="BRL", quote="USD", rate="0.2", valid_from="2025-01-01"
    )

    rates.delete_rate(db, admin, base="BRL", quote="USD", valid_from="2025-01-01")

    assert rates.list_rates(db, admin) == []
    with pytest.raises(NotFound):
        rates.delete_rate(db, admin, base="BRL", quote="USD", valid_from="2025-01-01")


def test_only_an_admin_sets_rates_and_the_reporting_currency(db, shop):
    _, rep = shop

    with pytest.raises(PermissionDenied):
        rates.set_rate(
            db, rep, base="BRL", quote="USD", rate="1", valid_from="2025-01-01"
        )
    with pytest.raises(PermissionDenied):
        rates.set_reporting_currency(db, rep, "EUR")


def test_reporting_currency_is_checked_and_can_be_cleared(db, shop):
    admin, _ = shop

    with pytest.raises(ValidationError) as caught:
        rates.set_reporting_currency(db, admin, "EURO")
    rates.set_reporting_currency(db, admin, "eur")
    assert rates.reporting_currency(db, admin) == "EUR"
    rates.set_reporting_currency(db, admin, None)

    assert caught.value.field == "reporting_currency"
    assert rates.reporting_currency(db, admin) is None


def test_an_old_rate_covers_every_later_order(db, shop):
    admin, _ = shop
    rates.set_reporting_currency(db, admin, "USD")
    rates.set_rate(
        db, admin, base="BRL", quote="USD", rate="0.1", valid_from="2000-01-01"
    )
    rates.set_rate(
        db, admin, base="BRL", quote="USD", rate="9", valid_from="2030-01-01"
    )

    board = reports.dashboard(
        db, admin, OrderFilters(currencies=("BRL",)), convert=True
    )

    (use,) = board.conversion.currencies
    assert (use.unconverted, use.first_rate, use.last_rate) == (
        0,
        D(2000, 1, 1),
        D(2000, 1, 1),
    )
    assert board.kpis.currencies[0].value == Decimal("33.00")
