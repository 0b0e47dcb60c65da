"""Every status code of the contract, and the JSON error shape it comes in."""

from __future__ import annotations

import re

import pytest
from apikit import Api, order_body

from registry import accounts, tokens
from registry.api import RateLimit, standalone


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"])
    return body["error"]


# --- 401 ----------------------------------------------------------------------


def test_missing_token_is_401(world, api):
    error = error_of(api.get("/api/v1/orders"), 401)

    assert error["code"] == "unauthorized"


def test_unknown_token_is_401(world, api):
    response = api.as_("reg_not-a-token").get("/api/v1/orders")

    assert error_of(response, 401)["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_token_on_post_is_401_before_the_body_is_judged(world, api):
    bad = api.as_("reg_not-a-token")

    valid = bad.post("/api/v1/orders", json=order_body(world.contacts["rep"].id))
    invalid = bad.post("/api/v1/orders", json={"title": ""})

    assert error_of(valid, 401)["code"] == "unauthorized"
    assert error_of(invalid, 401)["code"] == "unauthorized"
    assert world.count() == 0
    assert world.count("ingestion_log") == 0


def test_other_scheme_is_401(world, api):
    response = api.get(
        "/api/v1/orders", headers={"Authorization": f"Basic {world.tokens['rep']}"}
    )

    error_of(response, 401)


def test_revoked_token_is_401(world, api):
    admin = accounts.actor_for(world.db, world.users["admin"].id)
    issued = tokens.create_token(
        world.db, admin, name="ci", user_id=world.users["rep"].id
    )
    assert api.as_(issued.token).get("/api/v1/orders").status_code == 200

    tokens.revoke_token(world.db, admin, issued.info.id)

    revoked = api.as_(issued.token)
    error_of(revoked.get("/api/v1/orders"), 401)
    body = order_body(world.contacts["rep"].id)
    error_of(revoked.post("/api/v1/orders", json=body), 401)


# --- 403 ----------------------------------------------------------------------


def test_module_disabled_is_403_saying_so(world, api):
    response = api.as_(world.tokens["admin_c"]).get("/api/v1/orders")

    error = error_of(response, 403)
    assert error["code"] == "module_disabled"
    assert "disabled" in error["message"]


def test_module_disabled_refuses_writes_and_logs_them(world, api):
    contact_id = world.users["admin_c"].id  # any id: the switch is checked first
    response = api.as_(world.tokens["admin_c"]).post(
        "/api/v1/orders", json=order_body(contact_id, external_id="c-1")
    )

    assert error_of(response, 403)["code"] == "module_disabled"
    assert world.count() == 0
    assert world.log()[-1][2:5] == ("c-1", None, "rejected")


def test_without_crm_management_permission_is_403(world, api):
    response = api.as_(world.tokens["analyst"]).post(
        "/api/v1/orders", json=order_body(world.contacts["rep"].id)
    )

    error = error_of(response, 403)
    assert error["code"] == "forbidden"
    assert "CRM-management" in error["message"]
    assert world.count() == 0


def test_analyst_may_read(world, api):
    assert api.as_(world.tokens["analyst"]).get("/api/v1/orders").status_code == 200


# --- 404 ----------------------------------------------------------------------


def test_contact_outside_the_wallet_is_404(world, api):
    response = api.as_(world.tokens["rep"]).post(
        "/api/v1/orders", json=order_body(world.contacts["rep2"].id)
    )

    assert error_of(response, 404)["code"] == "not_found"
    assert world.count() == 0


def test_contact_of_another_account_is_404_like_a_missing_one(world, api):
    admin = api.as_(world.tokens["admin"])
    foreign = admin.post("/api/v1/orders", json=order_body(world.contacts["b"].id))
    missing = admin.post("/api/v1/orders", json=order_body(999_999))

    assert error_of(foreign, 404)["message"].startswith("Contact")
    assert error_of(missing, 404)["code"] == error_of(foreign, 404)["code"]


def test_unknown_contact_email_is_404(world, api):
    body = order_body(None, contact_email="nobody@example.com")
    del body["contact_id"]

    response = api.as_(world.tokens["admin"]).post("/api/v1/orders", json=body)

    assert error_of(response, 404)["code"] == "not_found"


def test_order_outside_the_wallet_is_404_on_every_route(world, api):
    created = api.as_(world.tokens["rep2"]).post(
        "/api/v1/orders", json=order_body(world.contacts["rep2"].id)
    )
    order_id = created.json()["id"]
    rep = api.as_(world.tokens["rep"])

    for response in (
        rep.get(f"/api/v1/orders/{order_id}"),
        rep.get(f"/api/v1/orders/{order_id}/history"),
        rep.get(f"/api/v1/orders/{order_id}/deliveries"),
        rep.patch(f"/api/v1/orders/{order_id}", json={"title": "mine now"}),
        rep.get(f"/api/v1/contacts/{world.contacts['rep2'].id}/orders"),
        rep.get(f"/api/v1/contacts/{world.contacts['rep2'].id}"),
        rep.get(f"/api/v1/deals/{world.deals['rep2'].id}"),
    ):
        assert error_of(response, 404)["code"] == "not_found"
    assert (
        api.as_(world.tokens["admin_b"]).get(f"/api/v1/orders/{order_id}").status_code
        == 404
    )


def test_unknown_deal_is_404_even_another_accounts(world, api):
    admin = api.as_(world.tokens["admin"])
    contact_id = world.contacts["rep"].id

    missing = admin.post("/api/v1/orders", json=order_body(contact_id, deal_id=999))
    foreign = admin.post(
        "/api/v1/orders", json=order_body(contact_id, deal_id=world.deals["b"].id)
    )

    assert error_of(missing, 404)["message"] == "Deal 999 was not found."
    assert error_of(foreign, 404)["code"] == "not_found"
    assert world.count() == 0


def test_deal_of_another_contact_is_422_naming_deal_id(world, api):
    response = api.as_(world.tokens["admin"]).post(
        "/api/v1/orders",
        json=order_body(world.contacts["rep"].id, deal_id=world.deals["rep2"].id),
    )

    assert error_of(response, 422)["field"] == "deal_id"


def test_unknown_route_is_404_json(world, api):
    assert error_of(api.get("/api/v1/nothing-here"), 404)["code"] == "not_found"


def test_wrong_method_is_405_json(world, api):
    error = error_of(api.as_(world.tokens["rep"]).request("PUT", "/api/v1/orders"), 405)

    assert error["code"] == "method_not_allowed"


# --- 413 ----------------------------------------------------------------------


def test_body_over_one_mebibyte_is_413(world, api):
    body = b'{"orders": [' + b" " * (1024 * 1024) + b"]}"

    response = api.as_(world.tokens["admin"]).post(
        "/api/v1/orders/batch",
        content=body,
        headers={"Content-Type": "application/json"},
    )

    assert error_of(response, 413)["code"] == "payload_too_large"


def test_streamed_body_over_the_limit_is_413(world, api):
    async def chunks():
        yield b'{"orders": ['
        for _ in range(20):
            yield b" " * 64 * 1024
        yield b"]}"

    response = api.as_(world.tokens["admin"]).post(
        "/api/v1/orders/batch",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )

    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert error_of(response, 413)["code"] == "payload_too_large"
    assert world.count() == 0


def test_streamed_body_over_the_limit_on_a_pydantic_route_is_413(world, api):
    async def chunks():
        yield b'{"name": "'
        for _ in range(20):
            yield b"x" * 64 * 1024
        yield b'"}'

    response = api.as_(world.tokens["admin"]).post(
        "/api/v1/contacts",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )

    assert error_of(response, 413)["code"] == "payload_too_large"


# --- 422 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "bad\u0007title"}, "title"),
        ({"value": "-1"}, "value"),
        ({"value": "abc"}, "value"),
        ({"value": "NaN"}, "value"),
        ({"value": "1e13"}, "value"),
        ({"value": "12.345"}, "value"),
        ({"value": True}, "value"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "JPY", "value": "10.5"}, "value"),
        ({"status": "shipped"}, "status"),
        ({"source": "fax"}, "source"),
        ({"order_date": "01/03/2024"}, "order_date"),
        ({"paid_date": "2024-02-01"}, "paid_date"),
        ({"paid_date": "2999-01-01"}, "paid_date"),
        ({"colour": "red"}, "colour"),
        ({"contact_id": "abc"}, "contact_id"),
        ({"external_updated_at": "yesterday"}, "external_updated_at"),
    ],
)
def test_invalid_order_is_422_naming_the_field(world, api, change, field):
    body = {**order_body(world.contacts["rep"].id), **change}

    response = api.as_(world.tokens["admin"]).post("/api/v1/orders", json=body)

    error = error_of(response, 422)
    assert error["code"] == "invalid"
    assert error["field"] == field
    assert world.count() == 0
    assert world.log()[-1][4] == "rejected"


def test_malformed_json_is_422_on_body(world, api):
    response = api.as_(world.tokens["admin"]).post(
        "/api/v1/orders",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )

    assert error_of(response, 422)["field"] == "body"


def test_json_constants_are_not_numbers(world, api):
    body = b'{"contact_id": %d, "title": "x", "value": NaN}' % world.contacts["rep"].id

    response = api.as_(world.tokens["admin"]).post("/api/v1/orders", content=body)

    assert error_of(response, 422)["field"] == "body"


def test_framework_validation_is_rewritten_with_the_field(world, api):
    rep = api.as_(world.tokens["rep"])

    assert error_of(rep.get("/api/v1/orders?limit=0"), 422)["field"] == "limit"
    assert error_of(rep.get("/api/v1/orders?from=someday"), 422)["field"] == "from"
    assert error_of(rep.get("/api/v1/orders?status=lost"), 422)["field"] == "status"
    assert error_of(rep.get("/api/v1/orders/abc"), 422)["field"] == "order_id"
    assert error_of(rep.get("/api/v1/orders?cursor=zzz"), 422)["field"] == "cursor"


def test_contact_body_is_validated_by_its_model_then_the_rules(world, api):
    admin = api.as_(world.tokens["admin"])

    typed = admin.post("/api/v1/contacts", json={"name": 5})
    ruled = admin.post("/api/v1/contacts", json={"name": "Ann", "email": "not-mail"})

    assert error_of(typed, 422)["field"] == "name"
    assert error_of(ruled, 422)["field"] == "email"


# --- 429 ----------------------------------------------------------------------


def test_rate_limit_is_429_with_retry_after(world, db):
    limited = Api(
        standalone(lambda: db, rate_limit=RateLimit(per_second=0.5, burst=2)),
        world.tokens["rep"],
    )

    statuses = [limited.get("/api/v1/orders").status_code for _ in range(3)]

    assert statuses[:2] == [200, 200]
    response = limited.get("/api/v1/orders")
    assert error_of(response, 429)["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1


def test_rate_limit_is_per_token(world, db):
    limited = Api(standalone(lambda: db, rate_limit=RateLimit(per_second=0.1, burst=1)))

    assert limited.as_(world.tokens["rep"]).get("/api/v1/orders").status_code == 200
    assert limited.as_(world.tokens["rep2"]).get("/api/v1/orders").status_code == 200
    assert limited.as_(world.tokens["rep"]).get("/api/v1/orders").status_code == 429


# --- the documents ------------------------------------------------------------


def test_openapi_and_docs_answer_under_api(world, api):
    document = api.get("/api/openapi.json")
    docs = api.get("/api/docs")

    assert document.status_code == 200
    assert document.json()["servers"] == [{"url": "/api"}]
    assert "/v1/orders/batch" in document.json()["paths"]
    assert docs.status_code == 200
    assert "/api/openapi.json" in docs.text
    # Its script comes from this server, not a CDN the network may not reach.
    script = re.search(r'src="([^"]*swagger-ui-bundle\.js)"', docs.text).group(1)
    assert script.startswith("/api/")
    assert api.get(script).status_code == 200
