"""Tokens are answered from memory, and every identity write is seen by the
very next request: a revoked token, a module switched off, a permission
taken away, a scope or privacy change (registry/identity.py)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from apikit import order_body

from registry import accounts, channels, identity, rates, tokens


def actor(world, key):
    return accounts.actor_for(world.db, world.users[key].id)


def listed_ids(client) -> set[int]:
    response = client.get("/api/v1/orders")
    assert response.status_code == 200, response.text
    return {order["id"] for order in response.json()["items"]}


@pytest.fixture
def two_orders(world, api) -> dict[str, int]:
    """An order on rep's contact and one on rep2's, in account A (privacy on)."""
    made = {}
    for key in ("rep", "rep2"):
        response = api.as_(world.tokens[key]).post(
            "/api/v1/orders", json=order_body(world.contacts[key].id)
        )
        assert response.status_code == 201, response.text
        made[key] = response.json()["id"]
    return made


@pytest.fixture
def cursors(world, monkeypatch) -> list[int]:
    """Counts the cursors taken from the database while a test runs."""
    taken: list[int] = []
    plain = world.db.cursor

    @contextmanager
    def counted():
        taken.append(1)
        with plain() as cur:
            yield cur

    monkeypatch.setattr(world.db, "cursor", counted)
    return taken


def test_a_known_token_is_answered_without_a_query(world, cursors):
    first = tokens.authenticate_token(world.db, world.tokens["rep"])
    read = len(cursors)  # the token's row, and its last-used stamp

    again = tokens.authenticate_token(world.db, world.tokens["rep"])

    assert read >= 1
    assert len(cursors) == read
    assert again == first


def test_revoked_token_is_refused_by_the_next_request(world, api):
    rep = api.as_(world.tokens["rep"])
    body = order_body(world.contacts["rep"].id)
    assert rep.get("/api/v1/orders").status_code == 200
    assert rep.post("/api/v1/orders", json=body).status_code == 201
    token_id = tokens.authenticate_token(world.db, world.tokens["rep"]).token_id

    tokens.revoke_token(world.db, actor(world, "rep"), token_id)

    assert rep.get("/api/v1/orders").status_code == 401
    assert rep.post("/api/v1/orders", json=body).status_code == 401
    assert rep.post("/api/v1/orders/batch", json={"orders": [body]}).status_code == 401


def test_module_switched_off_refuses_the_next_request(world, api):
    admin = api.as_(world.tokens["admin"])
    body = order_body(world.contacts["rep"].id)
    assert admin.get("/api/v1/orders").status_code == 200
    assert admin.post("/api/v1/orders", json=body).status_code == 201

    accounts.configure(world.db, actor(world, "admin"), orders_enabled=False)

    for response in (
        admin.get("/api/v1/orders"),
        admin.post("/api/v1/orders", json=body),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "module_disabled"

    accounts.update_account(world.db, world.accounts["a"], orders_enabled=True)

    assert admin.get("/api/v1/orders").status_code == 200


def test_crm_management_taken_away_refuses_the_next_write(world, api):
    rep = api.as_(world.tokens["rep"])
    body = order_body(world.contacts["rep"].id)
    assert rep.post("/api/v1/orders", json=body).status_code == 201

    accounts.update_user(world.db, world.users["rep"].id, crm_manage=False)

    refused = rep.post("/api/v1/orders", json=body)
    assert refused.status_code == 403
    assert "CRM-management" in refused.json()["error"]["message"]
    batch = rep.post("/api/v1/orders/batch", json={"orders": [body]})
    assert batch.status_code == 403
    assert rep.get("/api/v1/orders").status_code == 200


def test_scope_widened_shows_more_on_the_next_list(world, api, two_orders):
    rep = api.as_(world.tokens["rep"])
    assert listed_ids(rep) == {two_orders["rep"]}

    accounts.update_user(world.db, world.users["rep"].id, scope="all")

    assert listed_ids(rep) == set(two_orders.values())

    accounts.update_user(world.db, world.users["rep"].id, scope="own")

    assert listed_ids(rep) == {two_orders["rep"]}


def test_team_changed_shows_the_new_team_on_the_next_list(world, api, two_orders):
    rep = api.as_(world.tokens["rep"])
    accounts.update_user(world.db, world.users["rep"].id, scope="team")
    assert listed_ids(rep) == {two_orders["rep"]}  # north: rep alone

    accounts.update_user(world.db, world.users["rep2"].id, team="north")

    assert listed_ids(rep) == set(two_orders.values())


def test_privacy_switched_shows_the_next_list_accordingly(world, api, two_orders):
    rep = api.as_(world.tokens["rep"])
    assert listed_ids(rep) == {two_orders["rep"]}

    accounts.configure(world.db, actor(world, "admin"), owner_privacy=False)

    assert listed_ids(rep) == set(two_orders.values())

    accounts.configure(world.db, actor(world, "admin"), owner_privacy=True)

    assert listed_ids(rep) == {two_orders["rep"]}


def test_admin_flag_taken_away_narrows_the_next_list(world, api, two_orders):
    accounts.update_user(world.db, world.users["admin"].id, scope="own")
    admin = api.as_(world.tokens["admin"])
    assert listed_ids(admin) == set(two_orders.values())

    accounts.update_user(world.db, world.users["admin"].id, is_admin=False)

    assert listed_ids(admin) == set()


def test_a_new_token_works_at_once(world, api):
    rep = actor(world, "rep")
    assert api.as_(world.tokens["rep"]).get("/api/v1/orders").status_code == 200

    issued = tokens.create_token(world.db, rep, name="second")

    assert api.as_(issued.token).get("/api/v1/orders").status_code == 200


@pytest.mark.parametrize(
    "write",
    [
        lambda w: accounts.create_account(w.db, "D", "BRL"),
        lambda w: accounts.update_account(
            w.db, w.accounts["a"], default_currency="USD"
        ),
        lambda w: accounts.create_user(
            w.db, w.accounts["a"], email="new@a.example", name="New", password=None
        ),
        lambda w: accounts.update_user(w.db, w.users["rep"].id, team="south"),
        lambda w: tokens.issue_token(w.db, w.users["rep"].id, "more"),
        lambda w: rates.set_reporting_currency(w.db, actor(w, "admin"), "USD"),
        lambda w: channels.set_integration_owner(
            w.db, actor(w, "admin"), w.users["rep"].id
        ),
    ],
    ids=[
        "create_account",
        "update_account",
        "create_user",
        "update_user",
        "issue_token",
        "reporting_currency",
        "integration_owner",
    ],
)
def test_every_identity_writer_forgets_what_was_remembered(world, write):
    tokens.authenticate_token(world.db, world.tokens["rep"])
    remembered = identity.remembered(world.db)
    assert remembered.lookup([tokens.hash_token(world.tokens["rep"])])[0]

    write(world)

    assert remembered.lookup([tokens.hash_token(world.tokens["rep"])])[0] == {}


def test_default_currency_changed_applies_to_the_next_order(world, api):
    admin = api.as_(world.tokens["admin"])
    body = order_body(world.contacts["rep"].id)
    assert admin.post("/api/v1/orders", json=body).json()["currency"] == "BRL"

    accounts.update_account(world.db, world.accounts["a"], default_currency="USD")

    assert admin.post("/api/v1/orders", json=body).json()["currency"] == "USD"


def test_an_answer_read_across_a_write_is_not_kept():
    remembered = identity.Remembered()
    _, generation = remembered.lookup(["h"])

    remembered.forget()  # a write commits while the read is in flight
    remembered.remember({"h": "stale"}, generation)

    assert remembered.lookup(["h"])[0] == {}
    remembered.remember({"h": "fresh"}, remembered.lookup([])[1])
    assert remembered.lookup(["h"])[0] == {"h": "fresh"}
