"""The demo dataset: the promised accounts and users, and orders that keep
every rule the registry enforces, checked with SQL over a small load."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from registry import accounts, demo, demo_rows, orders
from registry.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_USERS
from registry.errors import ValidationError
from registry.models import Scope, Source, Status
from registry.money import minor_units
from registry.store import Database

TODAY = dt.date(2026, 3, 15)
ORDERS = 3_000


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Iterator[tuple[Database, demo.DemoSummary]]:
    db = Database(tmp_path_factory.mktemp("demo") / "registry.duckdb")
    summary = demo.load(db, orders=ORDERS, seed=11, today=TODAY)
    yield db, summary
    db.close()


@pytest.fixture
def db(loaded) -> Database:
    return loaded[0]


def one(db: Database, sql: str, params: list | None = None):
    with db.cursor() as cur:
        return cur.execute(sql, params or []).fetchone()


def column(db: Database, sql: str, params: list | None = None) -> list:
    with db.cursor() as cur:
        return [row[0] for row in cur.execute(sql, params or []).fetchall()]


def user_id(db: Database, email: str) -> int:
    return accounts.find_user_by_email(db, email).id


def account_id(db: Database, name: str) -> int:
    return one(db, "SELECT id FROM accounts WHERE name = ?", [name])[0]


def test_summary_counts_what_was_written(loaded):
    db, summary = loaded

    assert summary.accounts == 3 and summary.users == len(DEMO_USERS) == 10
    assert summary.orders == ORDERS == one(db, "SELECT count(*) FROM orders")[0]
    assert summary.contacts == one(db, "SELECT count(*) FROM contacts")[0]
    assert summary.deals == one(db, "SELECT count(*) FROM deals")[0]
    assert (
        summary.status_changes
        == one(db, "SELECT count(*) FROM order_status_history")[0]
    )


def test_accounts_and_users_are_the_documented_ones(db):
    listed = {a.name: a for a in accounts.list_accounts(db)}

    assert list(listed) == ["Acme Comércio", "Globex Ltda", "Initech"]
    acme, globex, initech = listed.values()
    assert acme.orders_enabled and acme.owner_privacy
    assert globex.orders_enabled and not globex.owner_privacy
    assert not initech.orders_enabled
    assert {a.default_currency for a in listed.values()} == {"BRL"}
    for spec in DEMO_ACCOUNTS:
        stored = accounts.list_users(db, listed[spec.name].id)
        expected = {
            (u.email, u.name, u.is_admin, u.crm_manage, u.scope, u.team)
            for u in spec.users
        }
        got = {
            (u.email, u.name, u.is_admin, u.crm_manage, u.scope, u.team) for u in stored
        }
        assert got == expected
    analyst = accounts.find_user_by_email(db, "analyst@acme.test")
    assert not analyst.crm_manage and analyst.scope is Scope.ALL


@pytest.mark.parametrize("email", ["ana@acme.test", "rep@globex.test"])
def test_demo_users_sign_in_with_the_demo_password(db, email):
    assert accounts.authenticate(db, email, DEMO_PASSWORD).email == email


def test_every_status_source_and_currency_appears_in_both_accounts(db):
    rows = column(
        db,
        "SELECT a.name FROM accounts a JOIN orders o ON o.account_id = a.id "
        "GROUP BY a.name HAVING count(DISTINCT o.status) = 7 "
        "AND count(DISTINCT o.source) = 5 "
        "AND list_sort(list(DISTINCT o.currency)) = ['BRL', 'EUR', 'JPY', 'USD'] "
        "ORDER BY a.name",
    )

    assert rows == ["Acme Comércio", "Globex Ltda"]
    assert {s.value for s in Status} == set(column(db, "SELECT status FROM orders"))
    assert {s.value for s in Source} == set(column(db, "SELECT source FROM orders"))


def test_most_orders_are_brl_and_acme_has_most(db):
    brl_share = one(db, "SELECT avg((currency = 'BRL')::INT) FROM orders")[0]
    acme_share = one(
        db,
        "SELECT avg((account_id = ?)::INT) FROM orders",
        [account_id(db, "Acme Comércio")],
    )[0]

    assert 0.7 < brl_share < 0.95
    assert 0.7 < acme_share < 0.9


def test_values_respect_each_currencys_minor_units(db):
    for currency in column(db, "SELECT DISTINCT currency FROM orders"):
        places = minor_units(currency)
        bad = one(
            db,
            "SELECT count(*) FROM orders WHERE currency = ? "
            "AND (value <> round(value, ?) OR value <= 0)",
            [currency, places],
        )[0]
        assert bad == 0, currency
    assert one(db, "SELECT count(*) FROM orders WHERE value <> round(value)")[0] > 0


def test_dates_span_two_years_up_to_today(db):
    first, last = one(db, "SELECT min(order_date), max(order_date) FROM orders")
    bad_paid = one(
        db,
        "SELECT count(*) FROM orders WHERE CASE "
        "WHEN status IN ('paid', 'partially_paid', 'refunded') THEN "
        "  paid_date IS NULL OR paid_date < order_date OR paid_date > ? "
        "ELSE paid_date IS NOT NULL END",
        [TODAY],
    )[0]
    bad_stamps = one(
        db,
        "SELECT count(*) FROM orders WHERE created_at > updated_at "
        "OR created_at::DATE <> order_date OR updated_at::DATE > ?",
        [TODAY],
    )[0]

    assert TODAY - dt.timedelta(days=731) < first < TODAY - dt.timedelta(days=700)
    assert TODAY - dt.timedelta(days=30) < last <= TODAY
    assert bad_paid == 0 and bad_stamps == 0


def test_deal_links_stay_within_the_orders_contact(db):
    stray = one(
        db,
        "SELECT count(*) FROM orders o JOIN deals d ON d.id = o.deal_id "
        "WHERE d.contact_id <> o.contact_id OR d.account_id <> o.account_id",
    )[0]
    dangling = one(
        db,
        "SELECT count(*) FROM orders o LEFT JOIN deals d ON d.id = o.deal_id "
        "LEFT JOIN contacts c ON c.id = o.contact_id "
        "WHERE (o.deal_id IS NOT NULL AND d.id IS NULL) "
        "OR c.account_id IS DISTINCT FROM o.account_id",
    )[0]
    linked = one(db, "SELECT avg((deal_id IS NOT NULL)::INT) FROM orders")[0]

    assert stray == dangling == 0
    assert 0.3 < linked < 0.5


def test_external_ids_belong_to_integrations_and_are_unique(db):
    wrong = one(
        db,
        "SELECT count(*) FROM orders "
        "WHERE (source = 'manual') <> (external_id IS NULL)",
    )[0]
    duplicated = one(
        db,
        "SELECT count(*) FROM (SELECT account_id, source, external_id FROM orders "
        "WHERE external_id IS NOT NULL GROUP BY ALL HAVING count(*) > 1)",
    )[0]

    assert wrong == duplicated == 0


def test_contact_emails_are_unique(db):
    assert one(db, "SELECT count(email) = count(DISTINCT email) FROM contacts")[0]
    assert one(db, "SELECT count(*) FROM contacts WHERE email IS NULL")[0] == 0


@pytest.mark.parametrize(
    "email",
    ["ana@acme.test", "bruno@acme.test", "carla@acme.test", "diego@acme.test"]
    + ["rep@globex.test"],
)
def test_each_rep_owns_contacts_with_orders(db, email):
    owned = one(
        db,
        "SELECT count(*) FROM orders o JOIN contacts c ON c.id = o.contact_id "
        "WHERE c.owner_id = ?",
        [user_id(db, email)],
    )[0]

    assert owned > 0


def test_some_deals_belong_to_a_rep_other_than_the_contacts_owner(db):
    crossing = one(
        db,
        "SELECT count(*) FROM deals d JOIN contacts c ON c.id = d.contact_id "
        "WHERE d.owner_id = ? AND c.owner_id = ?",
        [user_id(db, "carla@acme.test"), user_id(db, "ana@acme.test")],
    )[0]
    others = one(
        db,
        "SELECT avg((d.owner_id <> c.owner_id)::INT) FROM deals d "
        "JOIN contacts c ON c.id = d.contact_id",
    )[0]

    assert crossing >= 1
    assert 0.1 < others < 0.5


def test_carla_reaches_anas_contact_only_through_her_deal(db):
    carla = accounts.actor_for(db, user_id(db, "carla@acme.test"))
    contact_id, deal_id = one(
        db,
        "SELECT c.id, d.id FROM deals d JOIN contacts c ON c.id = d.contact_id "
        "JOIN orders o ON o.deal_id = d.id "
        "WHERE d.owner_id = ? AND c.owner_id = ? ORDER BY d.id LIMIT 1",
        [carla.id, user_id(db, "ana@acme.test")],
    )
    all_of_contact = one(
        db, "SELECT count(*) FROM orders WHERE contact_id = ?", [contact_id]
    )[0]
    of_deal = one(db, "SELECT count(*) FROM orders WHERE deal_id = ?", [deal_id])[0]

    seen = orders.count_orders(db, carla, contact_id=contact_id)

    assert seen == of_deal < all_of_contact


def test_the_wallet_splits_acme_between_reps(db):
    ana = accounts.actor_for(db, user_id(db, "ana@acme.test"))
    manager = accounts.actor_for(db, user_id(db, "manager@acme.test"))
    acme_orders = one(
        db,
        "SELECT count(*) FROM orders WHERE account_id = ?",
        [account_id(db, "Acme Comércio")],
    )

    assert 0 < orders.count_orders(db, ana) < orders.count_orders(db, manager)
    assert orders.count_orders(db, manager) == acme_orders[0]


def test_status_history_tells_each_orders_story(db):
    broken = one(
        db,
        """
        WITH story AS (
            SELECT o.id, o.status, o.created_at, o.updated_at, o.account_id,
                list(h.from_status ORDER BY h.id) AS froms,
                list(h.to_status ORDER BY h.id) AS tos,
                list(h.changed_at ORDER BY h.id) AS ats,
                bool_and(h.account_id = o.account_id
                         AND h.source = o.source
                         AND h.changed_by IS NOT DISTINCT FROM o.created_by) AS same
            FROM orders o JOIN order_status_history h ON h.order_id = o.id
            GROUP BY ALL
        )
        SELECT count(*) FROM story WHERE NOT (
            same
            AND froms[1] IS NULL AND tos[1] = 'pending'
            AND ats[1] = created_at AND ats[-1] = updated_at
            AND list_sort(ats) = ats
            AND tos = CASE status
                WHEN 'pending' THEN ['pending']
                WHEN 'refunded' THEN ['pending', 'paid', 'refunded']
                ELSE ['pending', status]
            END::order_status[]
            AND froms[2:] = list_slice(tos, 1, len(tos) - 1)
        )
        """,
    )[0]
    without = one(
        db,
        "SELECT count(*) FROM orders o WHERE NOT EXISTS "
        "(SELECT 1 FROM order_status_history h WHERE h.order_id = o.id)",
    )[0]

    assert broken == without == 0


def test_initech_has_contacts_but_no_orders(db):
    initech = [account_id(db, "Initech")]

    contacts = one(db, "SELECT count(*) FROM contacts WHERE account_id = ?", initech)
    placed = one(db, "SELECT count(*) FROM orders WHERE account_id = ?", initech)

    assert contacts[0] > 0 and placed[0] == 0


def test_a_second_load_is_refused_and_writes_nothing(db):
    counts = "SELECT (SELECT count(*) FROM accounts), count(*) FROM orders"
    before = one(db, counts)

    with pytest.raises(demo.DemoAlreadyLoaded, match="already loaded"):
        demo.load(db, orders=10)

    assert one(db, counts) == before


def test_bad_arguments_name_the_field(tmp_path):
    db = Database(tmp_path / "registry.duckdb")

    with pytest.raises(ValidationError, match="orders"):
        demo.load(db, orders=-1)

    assert accounts.list_accounts(db) == []


TABLES = {
    "contacts": "id, account_id, name, email, owner_id, created_at",
    "deals": "id, account_id, contact_id, title, owner_id, created_at",
    "orders": "id, account_id, contact_id, deal_id, title, value, currency, status, "
    "source, external_id, order_date, paid_date, created_by, created_at, updated_at",
    "order_status_history": "id, order_id, from_status, to_status, changed_by, "
    "source, changed_at",
}


def fingerprint(db: Database) -> dict[str, tuple]:
    """Row count and an order-independent hash of every generated table."""
    return {
        table: one(db, f"SELECT count(*), sum(hash({columns})) FROM {table}")
        for table, columns in TABLES.items()
    }


def test_the_same_seed_gives_the_same_data_in_any_batch_size(tmp_path, db, monkeypatch):
    again = Database(tmp_path / "again.duckdb")
    other = Database(tmp_path / "other.duckdb")
    monkeypatch.setattr(demo_rows, "BATCH_ORDERS", 700)

    demo.load(again, orders=ORDERS, seed=11, today=TODAY)
    demo.load(other, orders=ORDERS, seed=12, today=TODAY)

    assert fingerprint(again) == fingerprint(db)
    assert fingerprint(other)["orders"] != fingerprint(db)["orders"]
    assert fingerprint(other)["orders"][0] == ORDERS
