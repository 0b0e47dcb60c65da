"""Orders over REST: create, upsert, exact money, batches, pages, edits."""

from __future__ import annotations

from decimal import Decimal

import pytest
from apikit import ORDER_DATE, order_body

from registry import accounts, crm, orders

FIELDS = {
    "id",
    "contact_id",
    "deal_id",
    "title",
    "value",
    "currency",
    "status",
    "source",
    "external_id",
    "order_date",
    "paid_date",
    "created_at",
    "updated_at",
}


def stored_value(world, order_id: int) -> Decimal:
    with world.db.cursor() as cur:
        return cur.execute(
            "SELECT value FROM orders WHERE id = ?", [order_id]
        ).fetchall()[0][0]


def test_create_answers_201_with_the_order(world, api):
    rep = api.as_(world.tokens["rep"])
    body = order_body(world.contacts["rep"].id, status="paid", paid_date="2024-03-02")

    response = rep.post("/api/v1/orders", json=body)

    assert response.status_code == 201
    order = response.json()
    assert set(order) == FIELDS
    assert order["value"] == "1234.50"
    assert order["currency"] == "BRL"
    assert order["source"] == "api"
    assert (order["order_date"], order["paid_date"]) == (ORDER_DATE, "2024-03-02")
    assert order["created_at"].endswith("Z")
    assert rep.get(f"/api/v1/orders/{order['id']}").json() == order


def test_value_as_number_arrives_exact(world, api):
    # 999999999999.9997 becomes ...9998 through a float.
    body = (
        b'{"contact_id": %d, "title": "Gold", "value": 999999999999.9997, '
        % (world.contacts["rep"].id)
        + b'"currency": "CLF"}'
    )

    response = api.as_(world.tokens["admin"]).post(
        "/api/v1/orders", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 201, response.text
    assert response.json()["value"] == "999999999999.9997"
    assert stored_value(world, response.json()["id"]) == Decimal("999999999999.9997")


def test_tenths_add_up_exactly(world, api):
    admin = api.as_(world.tokens["admin"])
    contact_id = world.contacts["rep"].id
    for value in (b"0.1", b"0.2"):
        body = b'{"contact_id": %d, "title": "t", "value": %s}' % (contact_id, value)
        assert admin.post("/api/v1/orders", content=body).status_code == 201

    actor = accounts.actor_for(world.db, world.users["admin"].id)
    [total] = orders.totals(world.db, actor, contact_id=contact_id)

    assert total.total == Decimal("0.30")


def test_value_as_decimal_string_and_minor_units(world, api):
    admin = api.as_(world.tokens["admin"])
    contact_id = world.contacts["rep"].id

    yen = admin.post(
        "/api/v1/orders", json=order_body(contact_id, currency="jpy", value=1500)
    )
    dinar = admin.post(
        "/api/v1/orders", json=order_body(contact_id, currency="BHD", value="1.5")
    )

    assert (yen.json()["currency"], yen.json()["value"]) == ("JPY", "1500")
    assert dinar.json()["value"] == "1.500"


def test_same_external_id_updates_with_200_and_the_same_id(world, api):
    rep = api.as_(world.tokens["rep"])
    body = order_body(world.contacts["rep"].id, external_id="shop-1")
    first = rep.post("/api/v1/orders", json=body)

    again = rep.post("/api/v1/orders", json={**body, "status": "paid"})

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["status"] == "paid"
    assert world.count() == 1
    assert [entry[4] for entry in world.log()] == ["created", "updated"]


def test_resending_the_same_order_is_unchanged(world, api):
    rep = api.as_(world.tokens["rep"])
    body = order_body(world.contacts["rep"].id, external_id="shop-2")
    rep.post("/api/v1/orders", json=body)

    again = rep.post("/api/v1/orders", json=body)

    assert again.status_code == 200
    assert again.headers["X-Registry-Outcome"] == "unchanged"
    assert world.log()[-1][4:] == ("unchanged", "no change")


def test_external_id_is_unique_per_source(world, api):
    rep = api.as_(world.tokens["rep"])
    body = order_body(world.contacts["rep"].id, external_id="same")

    one = rep.post("/api/v1/orders", json=body)
    two = rep.post("/api/v1/orders", json={**body, "source": "commerce"})

    assert one.json()["id"] != two.json()["id"]
    assert two.json()["source"] == "commerce"


def test_an_update_keeps_the_fields_it_does_not_carry(world, api):
    rep = api.as_(world.tokens["rep"])
    body = order_body(world.contacts["rep"].id, external_id="keep", currency="USD")
    rep.post("/api/v1/orders", json={**body, "status": "paid"})

    again = rep.post(
        "/api/v1/orders", json={k: v for k, v in body.items() if k != "currency"}
    )

    assert again.json()["currency"] == "USD"
    assert again.json()["status"] == "paid"


def test_stale_update_by_external_time_is_ignored(world, api):
    rep = api.as_(world.tokens["rep"])
    body = order_body(world.contacts["rep"].id, external_id="timed")
    rep.post(
        "/api/v1/orders",
        json={**body, "status": "refunded", "external_updated_at": "2024-03-05T10:00Z"},
    )

    older = rep.post(
        "/api/v1/orders",
        json={**body, "status": "paid", "external_updated_at": "2024-03-04T10:00Z"},
    )

    assert older.status_code == 200
    assert older.json()["status"] == "refunded"
    assert world.log()[-1][4] == "unchanged"
    assert world.log()[-1][5].startswith("stale")


def test_paid_without_paid_date_gets_today(world, api):
    rep = api.as_(world.tokens["rep"])
    created = rep.post(
        "/api/v1/orders",
        json=order_body(world.contacts["rep"].id, order_date="2024-01-01"),
    )

    paid = rep.patch(f"/api/v1/orders/{created.json()['id']}", json={"status": "paid"})

    assert paid.json()["paid_date"] is not None
    assert paid.json()["paid_date"] >= ORDER_DATE


def test_an_order_must_land_inside_the_wallet(world, api):
    # rep reaches rep2's contact only through a deal of rep's own: an order
    # on that contact is rep's only when it is linked to that deal.
    deal = crm.create_deal(
        world.db,
        world.contacts["rep2"].id,
        title="rep's deal",
        owner_id=world.users["rep"].id,
    )
    rep = api.as_(world.tokens["rep"])
    contact_id = world.contacts["rep2"].id

    unlinked = rep.post("/api/v1/orders", json=order_body(contact_id))
    linked = rep.post("/api/v1/orders", json=order_body(contact_id, deal_id=deal.id))

    assert unlinked.status_code == 403
    assert "wallet" in unlinked.json()["error"]["message"]
    assert linked.status_code == 201
    assert world.count() == 1


def test_external_id_of_an_order_outside_the_wallet_is_refused(world, api):
    body = order_body(world.contacts["rep2"].id, external_id="theirs")
    api.as_(world.tokens["rep2"]).post("/api/v1/orders", json=body)

    response = api.as_(world.tokens["rep"]).post(
        "/api/v1/orders", json={**body, "contact_id": world.contacts["rep"].id}
    )

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "external_id"
    assert world.count() == 1


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        ("a\u202eb", "must not contain control characters"),
        ("\u200b", "is required"),
    ],
)
def test_api_titles_follow_the_forms_rule(world, api, title, reason):
    rep = api.as_(world.tokens["rep"])
    body = order_body(world.contacts["rep"].id, title=title)

    single = rep.post("/api/v1/orders", json=body)
    batch = rep.post("/api/v1/orders/batch", json={"orders": [body]}).json()

    assert single.status_code == 422
    assert single.json()["error"]["field"] == "title"
    assert reason in single.json()["error"]["message"]
    assert batch["results"][0]["error"]["field"] == "title"
    assert world.count() == 0


def test_api_values_follow_the_forms_rule_on_underscores(world, api):
    rep = api.as_(world.tokens["rep"])
    body = order_body(world.contacts["rep"].id, value="1_000")

    answer = rep.post("/api/v1/orders", json=body)

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "value"
    assert world.count() == 0


# --- batches --------------------------------------------------------------------


def test_batch_writes_valid_items_and_reports_each(world, api):
    contact_id = world.contacts["rep"].id
    batch = [
        order_body(contact_id, external_id="b-1"),
        order_body(contact_id, value="-5"),
        order_body(999_999),
        order_body(contact_id, external_id="b-1", status="paid"),
        "not an object",
        order_body(contact_id, value=12.5),
    ]

    response = api.as_(world.tokens["rep"]).post(
        "/api/v1/orders/batch", json={"orders": batch}
    )

    assert response.status_code == 200
    body = response.json()
    results = body["results"]
    assert [r["index"] for r in results] == list(range(6))
    assert [r["status"] for r in results] == [
        "created",
        "error",
        "error",
        "updated",
        "error",
        "created",
    ]
    assert results[0]["id"] == results[3]["id"]
    assert results[1]["error"]["field"] == "value"
    assert results[2]["error"]["code"] == "not_found"
    assert (body["created"], body["updated"], body["errors"]) == (2, 1, 3)
    assert world.count() == 2
    assert [e[4] for e in world.log()].count("rejected") == 3


def test_batch_over_a_thousand_is_422(world, api):
    batch = [order_body(world.contacts["rep"].id)] * 1001

    response = api.as_(world.tokens["rep"]).post(
        "/api/v1/orders/batch", json={"orders": batch}
    )

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "orders"
    assert world.count() == 0


def test_batch_shape_is_checked(world, api):
    rep = api.as_(world.tokens["rep"])

    assert rep.post("/api/v1/orders/batch", json=[1]).status_code == 422
    assert rep.post("/api/v1/orders/batch", json={"orders": {}}).status_code == 422


def test_batch_of_a_thousand_is_one_commit(world, api):
    contact_id = world.contacts["rep"].id
    batch = [order_body(contact_id, external_id=f"k{i}") for i in range(1000)]

    first = api.as_(world.tokens["rep"]).post(
        "/api/v1/orders/batch", json={"orders": batch}
    )
    again = api.as_(world.tokens["rep"]).post(
        "/api/v1/orders/batch", json={"orders": batch}
    )

    assert first.json()["created"] == 1000
    assert again.json()["updated"] == 1000
    assert {r["outcome"] for r in again.json()["results"]} == {"unchanged"}
    assert world.count() == 1000


# --- reading --------------------------------------------------------------------


def test_list_pages_with_a_cursor_newest_first(world, api):
    admin = api.as_(world.tokens["admin"])
    contact_id = world.contacts["rep"].id
    days = ["2024-01-05", "2024-01-03", "2024-01-03", "2024-01-01", "2024-01-02"]
    for i, day in enumerate(days):
        admin.post(
            "/api/v1/orders", json=order_body(contact_id, order_date=day, title=f"o{i}")
        )

    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = admin.get("/api/v1/orders", params=params).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    keys = [(o["order_date"], o["id"]) for o in seen]
    assert keys == sorted(keys, reverse=True)
    assert len({o["id"] for o in seen}) == 5


def test_list_filters(world, api):
    admin = api.as_(world.tokens["admin"])
    contact_id = world.contacts["rep"].id
    admin.post("/api/v1/orders", json=order_body(contact_id, status="paid"))
    admin.post("/api/v1/orders", json=order_body(contact_id, currency="USD"))
    admin.post(
        "/api/v1/orders",
        json=order_body(world.contacts["rep2"].id, order_date="2023-06-01"),
    )

    def ids(**params):
        return len(admin.get("/api/v1/orders", params=params).json()["items"])

    assert ids(status="paid") == 1
    assert ids(currency="usd") == 1
    assert ids(contact_id=contact_id) == 2
    assert ids(**{"from": "2024-01-01"}) == 2
    assert ids(to="2023-12-31") == 1
    assert ids(source="webhook") == 0
    assert ids(deal_id=world.deals["rep"].id) == 0


def test_list_is_the_wallet(world, api):
    api.as_(world.tokens["rep"]).post(
        "/api/v1/orders", json=order_body(world.contacts["rep"].id)
    )
    api.as_(world.tokens["rep2"]).post(
        "/api/v1/orders", json=order_body(world.contacts["rep2"].id)
    )

    mine = api.as_(world.tokens["rep"]).get("/api/v1/orders").json()["items"]
    everyone = api.as_(world.tokens["admin"]).get("/api/v1/orders").json()["items"]
    other_account = api.as_(world.tokens["admin_b"]).get("/api/v1/orders").json()

    assert [o["contact_id"] for o in mine] == [world.contacts["rep"].id]
    assert len(everyone) == 2
    assert other_account["items"] == []


def test_contact_orders_and_history_and_deliveries(world, api):
    rep = api.as_(world.tokens["rep"])
    contact_id = world.contacts["rep"].id
    created = rep.post(
        "/api/v1/orders", json=order_body(contact_id, external_id="h-1")
    ).json()
    rep.patch(f"/api/v1/orders/{created['id']}", json={"status": "overdue"})

    listed = rep.get(f"/api/v1/contacts/{contact_id}/orders").json()
    history = rep.get(f"/api/v1/orders/{created['id']}/history").json()
    deliveries = rep.get(f"/api/v1/orders/{created['id']}/deliveries").json()

    assert [o["id"] for o in listed["items"]] == [created["id"]]
    assert [(h["from_status"], h["to_status"], h["source"]) for h in history] == [
        (None, "pending", "api"),
        ("pending", "overdue", "api"),
    ]
    assert history[0]["changed_by"] == world.users["rep"].id
    assert [d["outcome"] for d in deliveries] == ["created", "updated"]
    assert {d["channel"] for d in deliveries} == {"api"}


def test_patch_changes_only_what_it_names(world, api):
    rep = api.as_(world.tokens["rep"])
    created = rep.post(
        "/api/v1/orders", json=order_body(world.contacts["rep"].id, currency="EUR")
    ).json()

    patched = rep.patch(f"/api/v1/orders/{created['id']}", json={"value": "10"})
    refused = rep.patch(f"/api/v1/orders/{created['id']}", json={"contact_id": 1})
    bad = rep.patch(f"/api/v1/orders/{created['id']}", json={"value": "1.234"})

    assert patched.status_code == 200
    assert (patched.json()["value"], patched.json()["currency"]) == ("10.00", "EUR")
    assert patched.json()["title"] == created["title"]
    assert refused.status_code == 422
    assert bad.json()["error"]["field"] == "value"


def test_patch_can_move_the_external_id_but_not_onto_another(world, api):
    rep = api.as_(world.tokens["rep"])
    contact_id = world.contacts["rep"].id
    one = rep.post("/api/v1/orders", json=order_body(contact_id, external_id="x1"))
    rep.post("/api/v1/orders", json=order_body(contact_id, external_id="x2"))

    moved = rep.patch(f"/api/v1/orders/{one.json()['id']}", json={"external_id": "x3"})
    clash = rep.patch(f"/api/v1/orders/{one.json()['id']}", json={"external_id": "x2"})

    assert moved.json()["external_id"] == "x3"
    assert clash.status_code == 422
    assert clash.json()["error"]["field"] == "external_id"


def test_contacts_and_deals(world, api):
    rep = api.as_(world.tokens["rep"])

    contact = rep.post(
        "/api/v1/contacts", json={"name": "Ana Lima", "email": "ana@example.com"}
    )
    deal = rep.post(
        "/api/v1/deals", json={"contact_id": contact.json()["id"], "title": "Renewal"}
    )
    foreign = rep.post(
        "/api/v1/deals", json={"contact_id": world.contacts["rep2"].id, "title": "x"}
    )

    assert contact.status_code == 201
    assert contact.json()["owner_id"] == world.users["rep"].id
    assert deal.status_code == 201
    assert rep.get(f"/api/v1/deals/{deal.json()['id']}").json() == deal.json()
    assert foreign.status_code == 404
    analyst = api.as_(world.tokens["analyst"])
    assert analyst.post("/api/v1/contacts", json={"name": "No"}).status_code == 403
