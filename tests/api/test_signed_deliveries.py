"""Signed webhook, Payments events, Shopify and Nuvemshop deliveries."""

from __future__ import annotations

import json
import math
import time

import pytest
from apikit import order_body, signed

from registry import accounts, channels

# --- the registry's webhook -------------------------------------------------


def webhook(world, **fields):
    body = order_body(world.contacts["rep"].id, external_id="wh-1")
    body.pop("contact_id")
    body["contact_email"] = "rep.buyer@example.com"
    body.update(fields)
    return body


def url(world, kind="webhooks/orders", account="a"):
    return f"/api/v1/{kind}/{world.accounts[account]}"


def test_signed_webhook_creates_an_order_with_source_webhook(world, api):
    response = api.post(
        url(world), **signed(world.secrets[("a", "webhook")], webhook(world))
    )

    assert response.status_code == 201, response.text
    assert response.json()["source"] == "webhook"
    assert response.json()["contact_id"] == world.contacts["rep"].id
    assert world.log()[-1][:5] == (
        "webhook",
        "webhook",
        "wh-1",
        response.json()["id"],
        "created",
    )


def test_replayed_delivery_is_idempotent(world, api):
    delivery = signed(world.secrets[("a", "webhook")], webhook(world))

    first = api.post(url(world), **delivery)
    replay = api.post(url(world), **delivery)

    assert first.status_code == 201
    assert replay.status_code == 200
    assert replay.json()["id"] == first.json()["id"]
    assert world.count() == 1
    assert world.log()[-1][4] == "unchanged"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda kw: kw["headers"].update({"X-Registry-Signature": "sha256=" + "0" * 64}),
        lambda kw: kw["headers"].pop("X-Registry-Signature"),
        lambda kw: kw["headers"].pop("X-Registry-Timestamp"),
        lambda kw: kw["headers"].update({"X-Registry-Timestamp": "soon"}),
        lambda kw: kw.update(
            {"content": kw["content"].replace(b"1234.50", b"9999.50")}
        ),
    ],
    ids=["wrong", "unsigned", "no-timestamp", "bad-timestamp", "altered-body"],
)
def test_bad_signature_is_401_and_writes_nothing(world, api, tamper):
    delivery = signed(world.secrets[("a", "webhook")], webhook(world))
    tamper(delivery)
    log_before = world.count("ingestion_log")

    response = api.post(url(world), **delivery)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert world.count() == 0
    assert world.count("ingestion_log") == log_before


@pytest.mark.parametrize("skew", [-301, 301])
def test_timestamp_more_than_300_s_away_is_401(world, api, skew):
    # Timestamps are whole seconds: 301 s from the second boundary on the far
    # side of now, so that neither the truncation nor the time the request
    # takes brings it back within 300 s of the server's clock.
    now = time.time()
    at = (math.ceil(now) if skew > 0 else math.floor(now)) + skew
    delivery = signed(world.secrets[("a", "webhook")], webhook(world), at=at)

    response = api.post(url(world), **delivery)

    assert response.status_code == 401
    assert "300" in response.json()["error"]["message"]
    assert world.count() == 0


def test_timestamp_within_300_s_is_accepted(world, api):
    delivery = signed(
        world.secrets[("a", "webhook")], webhook(world), at=time.time() - 290
    )

    assert api.post(url(world), **delivery).status_code == 201


def test_other_channels_secret_or_account_does_not_verify(world, api):
    payments_signed = signed(world.secrets[("a", "payments")], webhook(world))
    other_account = signed(world.secrets[("c", "webhook")], webhook(world))

    assert api.post(url(world), **payments_signed).status_code == 401
    assert api.post(url(world), **other_account).status_code == 401
    assert api.post("/api/v1/webhooks/orders/999", **other_account).status_code == 401


def test_rotation_stops_the_old_secret(world, api):
    old = world.secrets[("a", "webhook")]
    admin = accounts.actor_for(world.db, world.users["admin"].id)

    new = channels.rotate_secret(world.db, admin, "webhook")

    assert api.post(url(world), **signed(old, webhook(world))).status_code == 401
    assert api.post(url(world), **signed(new, webhook(world))).status_code == 201


def test_webhook_requires_an_external_id(world, api):
    body = webhook(world)
    del body["external_id"]

    response = api.post(url(world), **signed(world.secrets[("a", "webhook")], body))

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "external_id"
    assert world.log()[-1][4] == "rejected"


def test_webhook_source_is_always_webhook(world, api):
    body = webhook(world, source="api")

    response = api.post(url(world), **signed(world.secrets[("a", "webhook")], body))

    assert response.json()["source"] == "webhook"


def test_webhook_to_a_disabled_account_is_403(world, api):
    body = webhook(world)

    response = api.post(
        url(world, account="c"), **signed(world.secrets[("c", "webhook")], body)
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "module_disabled"


# --- the Payments module ---------------------------------------------------


def payment(kind: str, at: str, **fields):
    event = {
        "type": kind,
        "external_id": "pay-1",
        "amount": "49.90",
        "currency": "BRL",
        "contact_email": "rep.buyer@example.com",
        "occurred_at": at,
    }
    event.update(fields)
    return event


def post_payment(world, api, event):
    return api.post(
        url(world, "payments/events"), **signed(world.secrets[("a", "payments")], event)
    )


def test_payment_events_create_then_move_one_order(world, api):
    succeeded = post_payment(
        world, api, payment("payment.succeeded", "2024-03-01T12:00:00-03:00")
    )
    refunded = post_payment(
        world, api, payment("payment.refunded", "2024-03-03T09:00:00Z", amount="10")
    )

    assert succeeded.status_code == 201
    order = succeeded.json()
    assert (order["status"], order["source"], order["value"]) == (
        "paid",
        "payments",
        "49.90",
    )
    assert order["paid_date"] == "2024-03-01"
    assert order["title"] == "Payment pay-1"
    assert refunded.status_code == 200
    assert refunded.json()["id"] == order["id"]
    assert refunded.json()["status"] == "refunded"
    assert refunded.json()["value"] == "49.90"


def test_older_payment_event_does_not_undo_a_newer_one(world, api):
    post_payment(world, api, payment("payment.refunded", "2024-03-03T09:00:00Z"))

    late = post_payment(
        world, api, payment("payment.succeeded", "2024-03-01T12:00:00Z")
    )

    assert late.status_code == 200
    assert late.json()["status"] == "refunded"
    assert world.log()[-1][4] == "unchanged"


@pytest.mark.parametrize(
    ("kind", "status"),
    [("payment.partially_paid", "partially_paid"), ("payment.failed", "failed")],
)
def test_payment_event_statuses(world, api, kind, status):
    response = post_payment(world, api, payment(kind, "2024-03-01T12:00:00Z"))

    assert response.json()["status"] == status
    assert response.json()["paid_date"] is None


def test_payment_from_a_new_buyer_creates_the_contact(world, api):
    event = payment(
        "payment.succeeded", "2024-03-01T12:00:00Z", contact_email="New@Buyer.com"
    )

    response = post_payment(world, api, event)

    assert response.status_code == 201
    with world.db.cursor() as cur:
        owner, email = cur.execute(
            "SELECT owner_id, email FROM contacts WHERE id = ?",
            [response.json()["contact_id"]],
        ).fetchall()[0]
    assert (owner, email) == (world.users["admin"].id, "new@buyer.com")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": "payment.lost"}, "type"),
        ({"amount": "4.999"}, "amount"),
        ({"occurred_at": "later"}, "occurred_at"),
        ({"contact_email": "nobody"}, "contact_email"),
        ({"extra": 1}, "extra"),
    ],
)
def test_invalid_payment_event_is_422(world, api, change, field):
    response = post_payment(
        world, api, payment("payment.succeeded", "2024-03-01", **change)
    )

    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert world.count() == 0


# --- Shopify ------------------------------------------------------------------


def shopify_order(**fields):
    order = {
        "id": 820982911946154508,
        "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
        "name": "#9999",
        "email": "jon@example.com",
        "created_at": "2024-03-01T10:15:00-05:00",
        "updated_at": "2024-03-01T10:20:00-05:00",
        "currency": "USD",
        "total_price": "403.00",
        "financial_status": "paid",
        "customer": {
            "id": 115310627314723954,
            "first_name": "Jon",
            "last_name": "Snow",
        },
        "line_items": [{"id": 866550311766439020, "title": "IPod Nano", "quantity": 1}],
    }
    order.update(fields)
    return order


def post_shopify(world, api, order, topic="orders/updated", secret=None):
    body = json.dumps(order).encode()
    secret = secret or world.secrets[("a", "shopify")]
    return api.post(
        url(world, "integrations/shopify"),
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": channels.sign_shopify(secret, body),
        },
    )


def test_shopify_order_is_mapped(world, api):
    response = post_shopify(world, api, shopify_order())

    assert response.status_code == 201, response.text
    order = response.json()
    assert order["external_id"] == "820982911946154508"
    assert (order["title"], order["value"], order["currency"]) == (
        "#9999",
        "403.00",
        "USD",
    )
    assert (order["status"], order["source"]) == ("paid", "commerce")
    assert order["order_date"] == "2024-03-01"
    with world.db.cursor() as cur:
        name, owner = cur.execute(
            "SELECT name, owner_id FROM contacts WHERE id = ?", [order["contact_id"]]
        ).fetchall()[0]
    assert (name, owner) == ("Jon Snow", world.users["admin"].id)


def test_shopify_contact_is_found_by_email(world, api):
    response = post_shopify(world, api, shopify_order(email="REP.buyer@example.com"))

    assert response.json()["contact_id"] == world.contacts["rep"].id


@pytest.mark.parametrize(
    ("financial", "status"),
    [
        ("pending", "pending"),
        ("authorized", "pending"),
        ("paid", "paid"),
        ("partially_paid", "partially_paid"),
        ("refunded", "refunded"),
        ("partially_refunded", "paid"),
        ("voided", "canceled"),
    ],
)
def test_shopify_financial_status_mapping(world, api, financial, status):
    response = post_shopify(world, api, shopify_order(financial_status=financial))

    assert response.json()["status"] == status


def test_shopify_partial_refund_is_noted(world, api):
    response = post_shopify(
        world, api, shopify_order(financial_status="partially_refunded")
    )

    with world.db.cursor() as cur:
        note = cur.execute(
            "SELECT note FROM orders WHERE id = ?", [response.json()["id"]]
        ).fetchall()[0][0]
    assert note == "Partially refunded"


def test_shopify_integration_owner_is_chosen_on_settings(world, api):
    admin = accounts.actor_for(world.db, world.users["admin"].id)
    channels.set_integration_owner(world.db, admin, world.users["rep2"].id)

    response = post_shopify(world, api, shopify_order(email="fresh@example.com"))

    with world.db.cursor() as cur:
        owner = cur.execute(
            "SELECT owner_id FROM contacts WHERE id = ?",
            [response.json()["contact_id"]],
        ).fetchall()[0][0]
    assert owner == world.users["rep2"].id


def test_shopify_redelivery_of_an_older_state_is_ignored(world, api):
    post_shopify(
        world,
        api,
        shopify_order(financial_status="refunded", updated_at="2024-03-02T08:00:00Z"),
    )

    older = post_shopify(
        world,
        api,
        shopify_order(financial_status="paid", updated_at="2024-03-01T08:00Z"),
    )

    assert older.status_code == 200
    assert older.json()["status"] == "refunded"
    assert world.count() == 1


def test_shopify_bad_hmac_is_401(world, api):
    response = post_shopify(world, api, shopify_order(), secret="x" * 32)

    assert response.status_code == 401
    assert world.count() == 0
    assert world.count("contacts") == 3


def test_shopify_delete_is_acknowledged_without_a_change(world, api):
    post_shopify(world, api, shopify_order())

    response = post_shopify(
        world, api, {"id": 820982911946154508}, topic="orders/delete"
    )

    assert response.status_code == 200
    assert world.count() == 1
    assert world.log()[-1][4] == "unchanged"


def test_shopify_order_without_email_is_422(world, api):
    order = shopify_order(email=None, customer=None)

    response = post_shopify(world, api, order)

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "email"


# --- Nuvemshop ----------------------------------------------------------------


def nuvemshop_order(**fields):
    order = {
        "id": 871254203,
        "number": 1024,
        "store_id": 1234,
        "contact_email": "maria@example.com.br",
        "contact_name": "Maria Souza",
        "customer": {"id": 1, "name": "Maria Souza", "email": "maria@example.com.br"},
        "subtotal": "180.00",
        "total": "199.90",
        "currency": "BRL",
        "status": "open",
        "payment_status": "paid",
        "created_at": "2024-03-01T15:06:16+0000",
        "updated_at": "2024-03-01T16:00:00+0000",
        "paid_at": "2024-03-01T15:10:00+0000",
    }
    order.update(fields)
    return order


def post_nuvemshop(world, api, order, secret=None):
    body = json.dumps(order).encode()
    secret = secret or world.secrets[("a", "nuvemshop")]
    return api.post(
        url(world, "integrations/nuvemshop"),
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Linkedstore-Hmac-Sha256": channels.sign_nuvemshop(secret, body),
        },
    )


def test_nuvemshop_order_is_mapped(world, api):
    response = post_nuvemshop(world, api, nuvemshop_order())

    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["external_id"], order["title"]) == ("871254203", "#1024")
    assert (order["value"], order["currency"], order["status"]) == (
        "199.90",
        "BRL",
        "paid",
    )
    assert (order["order_date"], order["paid_date"]) == ("2024-03-01", "2024-03-01")
    assert order["source"] == "commerce"


@pytest.mark.parametrize(
    ("payment_status", "order_status", "status"),
    [
        ("pending", "open", "pending"),
        ("authorized", "open", "pending"),
        ("voided", "cancelled", "canceled"),
        ("abandoned", "open", "canceled"),
        ("refunded", "cancelled", "refunded"),
        ("pending", "cancelled", "canceled"),
    ],
)
def test_nuvemshop_status_mapping(world, api, payment_status, order_status, status):
    order = nuvemshop_order(payment_status=payment_status, status=order_status)

    assert post_nuvemshop(world, api, order).json()["status"] == status


def test_nuvemshop_bad_hmac_is_401(world, api):
    assert post_nuvemshop(world, api, nuvemshop_order(), "y" * 32).status_code == 401
    assert world.count() == 0


def test_nuvemshop_bare_notification_is_explained(world, api):
    response = post_nuvemshop(
        world, api, {"store_id": 1234, "event": "order/created", "id": 871254203}
    )

    assert response.status_code == 422
    assert "order resource" in response.json()["error"]["message"]


def test_account_without_an_integration_owner_is_403(world, api):
    account = accounts.create_account(world.db, "No admins", "BRL")
    accounts.update_account(world.db, account.id, orders_enabled=True)
    accounts.create_user(
        world.db, account.id, email="solo@d.example", name="Solo", password=None
    )
    secret = channels.rotate_account_secret(world.db, account.id, "webhook")

    response = api.post(
        f"/api/v1/webhooks/orders/{account.id}", **signed(secret, webhook(world))
    )

    assert response.status_code == 403
    assert "integration owner" in response.json()["error"]["message"]
    assert world.log()[-1][4] == "rejected"
