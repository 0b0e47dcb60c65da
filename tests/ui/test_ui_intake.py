"""The intake as people use it: API tokens and channel secrets on Settings,
the ingestion log, an order's deliveries, and the CSV import page."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import anyio
import httpx
import pandas as pd
import pytest

from registry import accounts, channels, ingest, store, tokens
from registry.api import standalone
from registry.errors import AuthenticationFailed, ModuleDisabled
from registry.ingest import Delivery, clean_order
from ui import links
from ui.channel_settings import CHANNELS
from ui.csv_import import TEMPLATE

NOT_ADMIN = "Only an administrator of this account can do this."


def _db(world):
    return store.connect(world.path)


def _actor(world, user: str):
    return accounts.actor_for(_db(world), world.users[user])


def _codes(screen) -> list[str]:
    return screen.texts("code")


def _post(world, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    """One request to the API, in process, on the test's database. It runs
    in a thread of its own: the browser tests leave Playwright's event loop
    running in this one, where `anyio.run` refuses to start another."""
    app = standalone(lambda: _db(world))

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://registry.test"
        ) as client:
            return await client.post(path, content=body, headers=headers)

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(anyio.run, send).result()


def _webhook(world, secret: str, order: dict) -> httpx.Response:
    body = json.dumps(order).encode()
    stamp = str(int(time.time()))
    return _post(
        world,
        f"/api/v1/webhooks/orders/{world.accounts['acme']}",
        body,
        {
            "Content-Type": "application/json",
            "X-Registry-Timestamp": stamp,
            "X-Registry-Signature": channels.sign(secret, stamp, body),
        },
    )


def _alice_order(world, external_id: str, **fields) -> dict:
    order = {
        "contact_id": world.contacts["alice"],
        "title": "Webhook plan",
        "value": "250.00",
        "external_id": external_id,
    }
    return order | fields


# --- API tokens --------------------------------------------------------------


def test_admin_token_is_shown_once_listed_without_it_and_revocable(open_app, ui_world):
    screen = open_app("admin", links.SETTINGS_PAGE)

    screen.fill(Token_name="Store sync").press("Create token")

    [token] = [c for c in _codes(screen) if c.startswith(tokens.PREFIX)]
    assert any("shown only this once" in s for s in screen.texts("success"))
    listed = screen.at.dataframe[1].value  # after the account's users
    assert list(listed["Name"]) == ["Store sync"]
    assert listed.iloc[0]["User"] == "admin@acme.example"
    assert token not in listed.to_string()
    caller = tokens.authenticate_token(_db(ui_world), token)
    assert caller.actor.user.id == ui_world.users["admin"]

    screen.run()
    assert not [c for c in _codes(screen) if c.startswith(tokens.PREFIX)]

    screen.widget("Token to revoke").set_value(caller.token_id)
    screen.run().press("Revoke token")
    assert any("revoked" in s for s in screen.texts("success"))
    with pytest.raises(AuthenticationFailed):
        tokens.authenticate_token(_db(ui_world), token)
    assert screen.at.dataframe[1].value.iloc[0]["State"].startswith("Revoked")


def test_admin_issues_a_token_for_another_user_of_the_account(open_app, ui_world):
    screen = open_app("admin", links.SETTINGS_PAGE)
    users = screen.widget("For user")
    assert "admin@globex.example" not in " ".join(users.options)

    users.set_value(ui_world.users["ana"])
    screen.fill(Token_name="Ana's script").press("Create token")

    [token] = [c for c in _codes(screen) if c.startswith(tokens.PREFIX)]
    caller = tokens.authenticate_token(_db(ui_world), token)
    assert caller.actor.user.id == ui_world.users["ana"]


def test_a_token_needs_a_name(open_app, ui_world):
    screen = open_app("admin", links.SETTINGS_PAGE)

    screen.press("Create token")

    assert screen.texts("error") == ["**Name** is required."]
    assert not tokens.list_tokens(_db(ui_world), _actor(ui_world, "admin"))


def test_rep_manages_only_their_own_tokens_and_sees_no_secrets(open_app, ui_world):
    db = _db(ui_world)
    tokens.issue_token(db, ui_world.users["admin"], "admin's")
    channels.rotate_account_secret(db, ui_world.accounts["acme"], "webhook")
    screen = open_app("ana", links.SETTINGS_PAGE)
    assert screen.texts("error") == [NOT_ADMIN]
    assert "For user" not in screen.labels("selectbox")
    assert not screen.at.dataframe  # the admin's token is not hers to see

    screen.fill(Token_name="My script").press("Create token")

    [token] = [c for c in _codes(screen) if c.startswith(tokens.PREFIX)]
    assert tokens.authenticate_token(db, token).actor.user.id == ui_world.users["ana"]
    assert list(screen.at.dataframe[0].value["Name"]) == ["My script"]
    assert channels.channel_secret(db, ui_world.accounts["acme"], "webhook") not in (
        " ".join(_codes(screen))
    )
    labels = screen.labels("button")
    assert not [b for b in labels if "secret" in b.lower() or "owner" in b.lower()]
    assert "Save settings" not in labels


# --- channel secrets and the integration owner -------------------------------


def test_rotating_the_webhook_secret_shows_the_new_one_once(open_app, ui_world):
    db, acme = _db(ui_world), ui_world.accounts["acme"]
    screen = open_app("admin", links.SETTINGS_PAGE)

    screen.at.button(key="rotate-webhook").click().run()
    first = channels.channel_secret(db, acme, "webhook")
    assert first is not None and first in _codes(screen)

    screen.run()
    assert first not in _codes(screen)
    assert screen.at.button(key="rotate-webhook").label == "Rotate now"

    screen.at.button(key="rotate-webhook").click().run()
    second = channels.channel_secret(db, acme, "webhook")
    assert second != first and second in _codes(screen)
    assert any("no longer verifies" in s for s in screen.texts("success"))


def test_admin_pastes_the_shopify_secret(open_app, ui_world):
    db, acme = _db(ui_world), ui_world.accounts["acme"]
    screen = open_app("admin", links.SETTINGS_PAGE)

    screen.fill(Shopify_secret="too short").press("Save Shopify secret")
    assert any("**Secret**" in e for e in screen.texts("error"))
    assert channels.channel_secret(db, acme, "shopify") is None

    pasted = "shpss_" + "0123456789abcdef" * 2
    screen.fill(Shopify_secret=pasted).press("Save Shopify secret")
    assert channels.channel_secret(db, acme, "shopify") == pasted
    assert pasted not in " ".join(_codes(screen))  # pasted, not echoed


def test_each_channel_shows_its_endpoint_and_the_api_serves_it(open_app, ui_world):
    acme = ui_world.accounts["acme"]
    screen = open_app("admin", links.SETTINGS_PAGE)
    served = standalone(lambda: _db(ui_world)).routes[0].app.openapi()["paths"]

    for channel in CHANNELS:
        assert f"POST {channel.path.format(account_id=acme)}" in _codes(screen)
        assert channel.path.removeprefix("/api") in served, channel.name
    assert {c.name for c in CHANNELS} == set(channels.CHANNELS)


def test_admin_sets_the_integration_owner(open_app, ui_world):
    acme = ui_world.accounts["acme"]
    assert channels.integration_owner(_db(ui_world), acme).email == (
        "admin@acme.example"
    )
    screen = open_app("admin", links.SETTINGS_PAGE)

    screen.widget("Integration owner").set_value(ui_world.users["manager"])
    screen.press("Save integration owner")

    owner = channels.integration_owner(_db(ui_world), acme)
    assert owner.id == ui_world.users["manager"]
    assert "Integrations now act as Manager." in screen.texts("success")


# --- the ingestion log and an order's deliveries ------------------------------


@pytest.fixture
def delivered(ui_world):
    """A webhook delivery that created an order and one that was rejected."""
    secret = channels.rotate_account_secret(
        _db(ui_world), ui_world.accounts["acme"], "webhook"
    )
    created = _webhook(ui_world, secret, _alice_order(ui_world, "WH-1"))
    rejected = _webhook(ui_world, secret, _alice_order(ui_world, "WH-2", value="x"))
    assert (created.status_code, rejected.status_code) == (201, 422)
    return created.json()["id"]


def test_log_lists_deliveries_with_outcome_reason_and_order_link(
    open_app, ui_world, delivered
):
    screen = open_app("admin", links.DELIVERIES_PAGE)

    log = screen.at.dataframe[0].value
    assert list(log.columns) == [
        "Received",
        "Source",
        "Channel",
        "External ID",
        "Order",
        "Outcome",
        "Reason",
    ]
    newest, oldest = log.iloc[0], log.iloc[1]
    assert (newest["External ID"], newest["Outcome"]) == ("WH-2", "Rejected")
    assert "value" in newest["Reason"]
    assert (oldest["External ID"], oldest["Outcome"]) == ("WH-1", "Created")
    assert (oldest["Source"], oldest["Channel"]) == ("Webhook", "Webhook")
    assert oldest["Order"] == f"order?id={delivered}"
    assert pd.isna(newest["Order"])  # a rejected delivery wrote no order
    metrics = {m.label: m.value for m in screen.at.metric}
    assert (metrics["Created"], metrics["Rejected"]) == ("1", "1")


def test_log_filters_by_outcome_and_channel(open_app, ui_world, delivered):
    screen = open_app("admin", links.DELIVERIES_PAGE)

    screen.widget("Outcome").set_value(ingest.Outcome.REJECTED)
    screen.run()
    assert list(screen.at.dataframe[0].value["External ID"]) == ["WH-2"]

    screen.widget("Channel").set_value("shopify")
    screen.run()
    assert not screen.at.dataframe
    assert screen.texts("info") == ["No deliveries match."]


def test_log_pages_back_and_forth(open_app, ui_world):
    db, admin = _db(ui_world), _actor(ui_world, "admin")
    items = [clean_order(_alice_order(ui_world, f"B-{i:03}")) for i in range(150)]
    ingest.write_orders(db, admin, items, Delivery("api"))
    screen = open_app("admin", links.DELIVERIES_PAGE)
    first = screen.at.dataframe[0].value
    assert (len(first), first.iloc[0]["External ID"]) == (100, "B-149")

    screen.press("Older")
    second = screen.at.dataframe[0].value
    assert (len(second), second.iloc[0]["External ID"]) == (50, "B-049")
    assert screen.at.button(key="older").disabled  # nothing older

    screen.press("Newer")
    assert screen.at.dataframe[0].value.iloc[0]["External ID"] == "B-149"


@pytest.mark.parametrize("user", ["manager", "ana", "analyst"])
def test_log_is_for_administrators_only(open_app, ui_world, delivered, user):
    screen = open_app(user, links.DELIVERIES_PAGE)

    assert screen.texts("error") == [NOT_ADMIN]
    assert not screen.at.dataframe


def test_log_of_an_account_with_orders_off_names_orders_without_links(
    open_app, ui_world
):
    db = _db(ui_world)
    accounts.update_account(db, ui_world.accounts["acme"], orders_enabled=False)
    secret = channels.rotate_account_secret(db, ui_world.accounts["acme"], "webhook")
    refused = _webhook(ui_world, secret, _alice_order(ui_world, "WH-OFF"))
    assert refused.status_code == 403

    screen = open_app("admin", links.DELIVERIES_PAGE)

    row = screen.at.dataframe[0].value.iloc[0]
    assert (row["Outcome"], row["Reason"]) == ("Rejected", ModuleDisabled().message)


def test_order_detail_shows_the_deliveries_that_touched_it(
    open_app, ui_world, delivered
):
    screen = open_app("ana", links.CONTACT_PAGE, id=ui_world.contacts["alice"])

    screen.widget("Open an order").set_value(delivered)
    screen.run()

    assert "Deliveries" in [t.label for t in screen.at.tabs]
    [shown] = [d.value for d in screen.at.dataframe if "Outcome" in d.value.columns]
    assert list(shown["External ID"]) == ["WH-1"]
    assert list(shown["Outcome"]) == ["Created"]


def test_an_order_without_deliveries_has_no_deliveries_block(open_app, ui_world):
    screen = open_app("analyst", links.CONTACT_PAGE, id=ui_world.contacts["alice"])

    screen.widget("Open an order").set_value(ui_world.orders["alice_paid"])
    screen.run()

    assert "**Deliveries**" not in screen.texts("markdown")
    assert not [d for d in screen.at.dataframe if "Outcome" in d.value.columns]


def test_an_order_address_opens_it_on_its_contacts_page(open_app, ui_world, delivered):
    screen = open_app("ana", links.ORDER_PAGE, id=delivered)

    assert screen.texts("title") == ["Alice Buyer"]
    assert screen.at.query_params["order"] == str(delivered)
    assert screen.widget("Open an order").value == delivered
    assert any(f"Order #{delivered}" in m for m in screen.texts("markdown"))


def test_an_order_address_outside_the_wallet_is_not_found(open_app, ui_world):
    carls = ui_world.orders["carl_pending"]
    for raw, message in [
        (carls, f"Order {carls} was not found."),
        ("x1", "Order 'x1' was not found."),
    ]:
        screen = open_app("ana", links.ORDER_PAGE, id=raw)

        assert screen.texts("error") == [message]
        assert not screen.at.selectbox


# --- CSV import ----------------------------------------------------------------


def _upload(screen, text: str, name: str = "orders.csv"):
    screen.at.file_uploader[0].set_value((name, text.encode(), "text/csv"))
    return screen.run()


def _orders_csv(world) -> str:
    alice, carl = world.contacts["alice"], world.contacts["carl"]
    return (
        "Ref;Customer;Title;Amount;Currency;Status\n"
        f"CSV-1;{alice};Spring kit;10.50;BRL;paid\n"
        f"CSV-2;{carl};Bulk pack;1200;USD;pending\n"
        f"CSV-3;{alice};Broken row;ten;BRL;paid\n"
    )


def _map(screen, **fields: str):
    for field, column in fields.items():
        screen.widget(field.replace("_", " ")).set_value(column)
    return screen.run()


def test_csv_preview_names_bad_fields_then_import_creates_the_valid_rows(
    open_app, ui_world
):
    before = ui_world.count_orders()
    screen = _upload(open_app("manager", links.IMPORT_PAGE), _orders_csv(ui_world))
    assert screen.widget("Value").value == "Amount"  # proposed from the header
    assert screen.widget("Contact ID").value is None
    assert any("Contact" in e for e in screen.texts("error"))  # not yet mapped

    _map(screen, Contact_ID="Customer", External_ID="Ref").press("Preview")

    assert ui_world.count_orders() == before  # a preview writes nothing
    assert any("2 would be created" in i for i in screen.texts("info"))
    problems = screen.at.dataframe[0].value
    assert problems.to_dict("records") == [
        {
            "Line": 4,
            "Field": "Value",
            "Column": "Amount",
            "Problem": "'ten' is not a number",
        }
    ]

    screen.press("Import 2 rows")

    assert ui_world.count_orders() == before + 2
    assert screen.texts("success") == [
        "Import finished: 2 created, 0 updated, 0 unchanged, 1 rejected."
    ]
    assert screen.at.get("progress")[0].value == 100
    assert "Import 2 rows" not in screen.labels("button")


def test_importing_the_same_file_again_creates_no_duplicates(open_app, ui_world):
    screen = _upload(open_app("manager", links.IMPORT_PAGE), _orders_csv(ui_world))
    _map(screen, Contact_ID="Customer", External_ID="Ref")
    screen.press("Preview").press("Import 2 rows")
    after_first = ui_world.count_orders()

    screen.press("Preview")
    assert any("2 would be unchanged" in i for i in screen.texts("info"))
    screen.press("Import 2 rows")

    assert ui_world.count_orders() == after_first
    assert screen.texts("success") == [
        "Import finished: 0 created, 0 updated, 2 unchanged, 1 rejected."
    ]


def test_csv_without_external_ids_warns_about_duplicates(open_app, ui_world):
    alice = ui_world.contacts["alice"]
    screen = _upload(
        open_app("manager", links.IMPORT_PAGE),
        f"contact_id,title,value\n{alice},Walk-in sale,5\n",
    )

    assert any("twice" in w for w in screen.texts("warning"))
    assert "Preview" in screen.labels("button")


def test_an_unreadable_file_is_named_as_such(open_app, ui_world):
    screen = open_app("manager", links.IMPORT_PAGE)

    screen.at.file_uploader[0].set_value(("orders.csv", b"\xff\xfe\x00", "text/csv"))
    screen.run()

    assert screen.texts("error") == ["**File** is not UTF-8 text."]
    assert "Preview" not in screen.labels("button")


def test_the_template_maps_itself(open_app, ui_world):
    screen = open_app("ana", links.IMPORT_PAGE)

    [download] = screen.at.get("download_button")
    columns, rows = ingest.read_csv(TEMPLATE)
    mapping = ingest.suggest_mapping(columns)
    ingest.check_mapping(mapping, columns)
    assert set(mapping.values()) == set(columns) and len(rows) == 2
    assert download.proto.label == "Download a CSV template"


@pytest.mark.parametrize(
    ("user", "reason"),
    [
        ("analyst", "needs the CRM-management permission"),
        ("globex_admin", ModuleDisabled().message),
    ],
)
def test_import_tells_who_may_not_why_and_offers_no_upload(open_app, user, reason):
    screen = open_app(user, links.IMPORT_PAGE)

    assert any(reason in text for text in screen.texts("info"))
    assert not screen.at.file_uploader
    assert not screen.at.get("download_button")


@pytest.mark.parametrize(
    "user", ["admin", "manager", "ana", "bruno", "analyst", "globex_admin"]
)
def test_new_pages_render_for_every_role(open_app, user):
    screen = open_app(user)
    for page in (links.IMPORT_PAGE, links.DELIVERIES_PAGE, links.SETTINGS_PAGE):
        screen.at.switch_page(page).run()
        assert not screen.at.exception, f"{page}: {screen.at.exception}"
        assert screen.texts("title"), page


def test_a_link_opens_an_order_beyond_the_first_page_of_history(open_app, ui_world):
    admin = _actor(ui_world, "admin")
    newer = [clean_order(_alice_order(ui_world, f"N-{i}")) for i in range(55)]
    ingest.write_orders(_db(ui_world), admin, newer, Delivery("api"))
    oldest = ui_world.orders["alice_paid"]  # a year old: history page 2
    screen = open_app("admin")
    screen.at.switch_page(links.CONTACT_PAGE)
    screen.at.query_params.update(id=ui_world.contacts["alice"], order=oldest)
    screen.run()

    assert screen.widget("Open an order").value == oldest
    assert oldest not in screen.at.dataframe[1].value["#"].tolist()
