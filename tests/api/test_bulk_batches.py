"""The columnar path for batches of new orders (registry/ingest/bulk.py):
it stores exactly what the general writer stores, and steps aside, having
written nothing, for every batch the general writer must word or merge."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from apikit import build_world, order_body

from registry import accounts, crm
from registry.ingest import Delivery, Outcome, clean_order, write_orders
from registry.ingest.bulk import write_new
from registry.ingest.records import reject
from registry.store import Database

TODAY = dt.date(2024, 3, 10)
NOW = dt.datetime(2024, 3, 10, 12, 0, 0)
DELIVERY = Delivery("api")

ORDER_COLUMNS = (
    "id, account_id, contact_id, deal_id, title, value, currency, status, source, "
    "external_id, order_date, paid_date, created_by, external_updated_at, note, "
    "contact_owner_id, deal_owner_id"
)


def actor(world, key):
    return accounts.actor_for(world.db, world.users[key].id)


def mixed_batch(contact_id: int) -> list[dict]:
    """New orders exercising every field the columnar path reads."""
    return [
        order_body(contact_id, external_id="k1"),
        order_body(contact_id, title="  Plano São Paulo ", value="10"),
        order_body(contact_id, value=Decimal("99.9"), currency="usd"),
        order_body(contact_id, value=1200, currency="JPY", status="paid"),
        order_body(contact_id, value="0.125", currency="BHD", status="overdue"),
        order_body(contact_id, status="paid", paid_date="2024-03-05"),
        order_body(contact_id, source="webhook", external_id="k1"),
        {"contact_id": contact_id, "title": "Defaults", "value": "1.00"},
        order_body(contact_id, external_id="ключ-7", paid_date=None),
        order_body(contact_id, value=" 5.5 ", status="partially_paid"),
    ]


def stored(db: Database) -> dict[str, list[tuple]]:
    with db.cursor() as cur:
        return {
            "orders": cur.execute(
                f"SELECT {ORDER_COLUMNS} FROM orders ORDER BY id"
            ).fetchall(),
            "history": cur.execute(
                "SELECT account_id, order_id, from_status, to_status, changed_by, "
                "source FROM order_status_history ORDER BY order_id"
            ).fetchall(),
            "log": cur.execute(
                "SELECT account_id, source, channel, external_id, order_id, "
                "outcome, reason, token_id FROM ingestion_log ORDER BY order_id"
            ).fetchall(),
        }


def general(db, actor, batch) -> list:
    items = []
    for raw in batch:
        try:
            items.append(clean_order(raw))
        except Exception as error:  # noqa: BLE001 - kept as a rejected item
            items.append(reject(raw, error))
    return write_orders(db, actor, items, DELIVERY, today=TODAY)


@pytest.fixture
def twin(tmp_path):
    """A second, identical world on its own file: one writer per file."""
    database = Database(tmp_path / "twin.duckdb")
    yield build_world(database)
    database.close()


@pytest.mark.parametrize("who", ["admin", "rep"])
def test_columnar_batch_stores_what_the_general_writer_stores(world, twin, who):
    contact = world.contacts["rep"].id
    batch = mixed_batch(contact)

    ids = write_new(world.db, actor(world, who), batch, DELIVERY, today=TODAY, now=NOW)
    results = general(twin.db, actor(twin, who), batch)

    assert [r.outcome for r in results] == [Outcome.CREATED] * len(batch)
    assert ids == [r.order_id for r in results]
    assert stored(world.db) == stored(twin.db)
    with world.db.cursor() as cur:
        titles = cur.execute("SELECT title FROM orders ORDER BY id").fetchall()
    assert titles[1] == ("Plano São Paulo",)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"deal_id": None}, id="deal field"),
        pytest.param({"contact_email": "x@example.com"}, id="email"),
        pytest.param({"note": "x"}, id="unknown field"),
        pytest.param({"value": "12,50"}, id="comma decimals"),
        pytest.param({"value": "1_000"}, id="underscores"),
        pytest.param({"value": "1.234"}, id="too many decimals"),
        pytest.param({"value": "-1"}, id="negative"),
        pytest.param({"value": "NaN"}, id="not finite"),
        pytest.param({"value": True}, id="boolean value"),
        pytest.param({"value": "abc"}, id="not a number"),
        pytest.param({"currency": "XXX"}, id="no minor unit"),
        pytest.param({"currency": "ZZZ"}, id="unknown currency"),
        pytest.param({"status": "shipped"}, id="unknown status"),
        pytest.param({"status": None}, id="null status"),
        pytest.param({"title": "a\u202eb"}, id="bidi override"),
        pytest.param({"title": "\u200b"}, id="invisible title"),
        pytest.param({"title": "x" * 201}, id="long title"),
        pytest.param({"title": "   "}, id="blank title"),
        pytest.param({"external_id": ""}, id="empty key"),
        pytest.param({"order_date": "01/03/2024"}, id="bad date"),
        pytest.param({"paid_date": "2024-02-01"}, id="paid before ordered"),
        pytest.param({"contact_id": "12"}, id="id as text"),
        pytest.param({"contact_id": 10**9}, id="unknown contact"),
    ],
)
def test_anything_the_general_writer_must_word_is_left_to_it(world, change):
    batch = [{**order_body(world.contacts["rep"].id), **change}]
    before = stored(world.db)

    ids = write_new(world.db, actor(world, "admin"), batch, DELIVERY, today=TODAY)

    assert ids is None
    assert stored(world.db) == before


def test_a_key_twice_in_one_batch_is_left_to_the_general_writer(world):
    contact = world.contacts["rep"].id
    batch = [order_body(contact, external_id="k"), order_body(contact, external_id="k")]

    assert write_new(world.db, actor(world, "admin"), batch, DELIVERY) is None
    assert world.count() == 0


def test_a_known_external_id_rolls_the_whole_batch_back(world):
    contact = world.contacts["rep"].id
    admin = actor(world, "admin")
    write_new(world.db, admin, [order_body(contact, external_id="k")], DELIVERY)
    before = stored(world.db)

    again = write_new(
        world.db,
        admin,
        [order_body(contact, external_id="new"), order_body(contact, external_id="k")],
        DELIVERY,
    )

    assert again is None
    assert stored(world.db) == before


def test_another_reps_contact_or_another_account_is_left_to_the_general_writer(
    world,
):
    rep = actor(world, "rep")
    for contact in (world.contacts["rep2"].id, world.contacts["b"].id):
        batch = [order_body(world.contacts["rep"].id), order_body(contact)]
        assert write_new(world.db, rep, batch, DELIVERY) is None
    assert world.count() == 0


def test_a_contact_seen_only_through_a_deal_takes_no_order_without_it(world):
    # The rep owns a deal of rep2's contact: the contact is in the rep's
    # contact wallet, but an order without that deal would not be.
    crm.create_deal(
        world.db,
        world.contacts["rep2"].id,
        title="shared",
        owner_id=world.users["rep"].id,
    )
    batch = [order_body(world.contacts["rep2"].id)]

    assert write_new(world.db, actor(world, "rep"), batch, DELIVERY) is None
    (result,) = general(world.db, actor(world, "rep"), batch)
    assert result.outcome is Outcome.REJECTED


def test_without_the_crm_permission_nothing_is_written(world):
    batch = [order_body(world.contacts["rep"].id)]

    assert write_new(world.db, actor(world, "analyst"), batch, DELIVERY) is None
    assert world.count() == 0


def test_the_account_default_currency_is_used(world):
    accounts.update_account(world.db, world.accounts["a"], default_currency="EUR")
    batch = [{"contact_id": world.contacts["rep"].id, "title": "x", "value": "1"}]

    write_new(world.db, actor(world, "admin"), batch, DELIVERY)

    with world.db.cursor() as cur:
        assert cur.execute("SELECT currency FROM orders").fetchall() == [("EUR",)]


# --- through the API --------------------------------------------------------------


def test_new_batch_over_http_answers_every_item_created(world, api):
    rep = api.as_(world.tokens["rep"])
    batch = mixed_batch(world.contacts["rep"].id)

    # 99.9 goes as a JSON number, the rest as the batch has them.
    text = json.dumps({"orders": batch}, default=str).replace('"99.9"', "99.9")

    answer = rep.post(
        "/api/v1/orders/batch",
        content=text,
        headers={"Content-Type": "application/json"},
    )

    body = answer.json()
    assert answer.status_code == 200
    assert (body["created"], body["updated"], body["errors"]) == (len(batch), 0, 0)
    with world.db.cursor() as cur:
        ids = [
            r[0] for r in cur.execute("SELECT id FROM orders ORDER BY id").fetchall()
        ]
    assert [r["id"] for r in body["results"]] == ids
    assert [r["index"] for r in body["results"]] == list(range(len(batch)))
    assert {r["status"] for r in body["results"]} == {"created"}


def test_a_resent_batch_updates_through_the_general_writer(world, api):
    rep = api.as_(world.tokens["rep"])
    contact = world.contacts["rep"].id
    batch = [order_body(contact, external_id=f"k{i}") for i in range(3)]
    first = rep.post("/api/v1/orders/batch", json={"orders": batch}).json()

    batch[1]["value"] = "99.00"
    again = rep.post("/api/v1/orders/batch", json={"orders": batch}).json()

    assert [r["id"] for r in again["results"]] == [r["id"] for r in first["results"]]
    assert [r["outcome"] for r in again["results"]] == [
        "unchanged",
        "updated",
        "unchanged",
    ]
    assert world.count() == 3
