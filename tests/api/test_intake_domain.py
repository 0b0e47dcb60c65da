"""The functions behind Settings, the ingestion-log page and the CSV import,
and the writer's behaviour under concurrent deliveries, without HTTP."""

from __future__ import annotations

import asyncio
import threading

import pytest
from apikit import order_body

from registry import accounts, channels, tokens
from registry.errors import (
    AuthenticationFailed,
    NotFound,
    PermissionDenied,
    RegistryError,
    ValidationError,
)
from registry.ingest import (
    Delivery,
    Outcome,
    clean_order,
    list_deliveries,
    order_deliveries,
    write_orders,
)
from registry.ingest.csv_import import (
    check_mapping,
    import_orders,
    read_csv,
    suggest_mapping,
)
from registry.ingest.group import GroupWriter
from registry.ingest.records import reject


def actor(world, key):
    return accounts.actor_for(world.db, world.users[key].id)


# --- tokens -------------------------------------------------------------------------


def test_token_is_shown_once_and_stored_hashed(world):
    issued = tokens.create_token(world.db, actor(world, "rep"), name="zapier")

    with world.db.cursor() as cur:
        stored = cur.execute(
            "SELECT token_hash FROM api_tokens WHERE id = ?", [issued.info.id]
        ).fetchall()[0][0]
    assert issued.token.startswith(tokens.PREFIX)
    assert stored == tokens.hash_token(issued.token)
    assert issued.token not in stored
    found = tokens.authenticate_token(world.db, issued.token)
    assert found.actor.id == world.users["rep"].id


def test_admin_issues_and_revokes_tokens_for_the_account(world):
    admin = actor(world, "admin")
    issued = tokens.create_token(
        world.db, admin, name="erp", user_id=world.users["rep"].id
    )

    listed = tokens.list_tokens(world.db, admin)
    revoked = tokens.revoke_token(world.db, admin, issued.info.id)

    assert issued.info.id in {t.id for t in listed}
    assert not revoked.active
    with pytest.raises(AuthenticationFailed):
        tokens.authenticate_token(world.db, issued.token)


def test_users_see_and_revoke_only_their_own_tokens(world):
    rep, rep2 = actor(world, "rep"), actor(world, "rep2")
    mine = tokens.create_token(world.db, rep, name="mine")

    assert {t.user_id for t in tokens.list_tokens(world.db, rep)} == {rep.id}
    with pytest.raises(PermissionDenied):
        tokens.create_token(world.db, rep, name="x", user_id=rep2.id)
    with pytest.raises(NotFound):
        tokens.revoke_token(world.db, rep2, mine.info.id)
    with pytest.raises(NotFound):
        tokens.revoke_token(world.db, actor(world, "admin_b"), mine.info.id)


def test_admin_cannot_issue_for_another_account(world):
    with pytest.raises(ValidationError):
        tokens.create_token(
            world.db, actor(world, "admin"), name="x", user_id=world.users["admin_b"].id
        )


def test_cli_issues_a_token_by_email(world):
    issued = tokens.issue_token_for_email(world.db, "rep2@a.example")

    assert tokens.authenticate_token(world.db, issued.token).actor.id == (
        world.users["rep2"].id
    )


# --- channel secrets and the integration owner ---------------------------------------


def test_secrets_are_rotated_and_pasted_by_admins_only(world):
    admin, rep = actor(world, "admin"), actor(world, "rep")

    secret = channels.rotate_secret(world.db, admin, "payments")
    channels.set_secret(world.db, admin, "shopify", "shpss_" + "a" * 32)

    assert channels.channel_secret(world.db, admin.account_id, "payments") == secret
    status = {s.channel: s for s in channels.secret_status(world.db, admin)}
    assert status["shopify"].configured and status["shopify"].rotated_at
    with pytest.raises(PermissionDenied):
        channels.rotate_secret(world.db, rep, "webhook")
    with pytest.raises(ValidationError):
        channels.set_secret(world.db, admin, "shopify", "short")
    with pytest.raises(ValidationError):
        channels.rotate_secret(world.db, admin, "fax")


def test_signature_helpers_agree_with_verification():
    body = b'{"a": 1}'
    channels.verify("s" * 20, "100", channels.sign("s" * 20, 100, body), body, now=100)
    channels.verify_shopify("k" * 20, channels.sign_shopify("k" * 20, body), body)
    channels.verify_nuvemshop("n" * 20, channels.sign_nuvemshop("n" * 20, body), body)
    with pytest.raises(AuthenticationFailed):
        channels.verify(
            "s" * 20, "100", channels.sign("s" * 20, 100, body), body, now=401
        )


def test_integration_owner_defaults_to_the_first_admin(world):
    account = world.accounts["a"]
    assert channels.integration_owner(world.db, account).id == world.users["admin"].id

    channels.set_integration_owner(
        world.db, actor(world, "admin"), world.users["rep"].id
    )

    assert channels.integration_owner(world.db, account).id == world.users["rep"].id
    with pytest.raises(ValidationError):
        channels.set_integration_owner(
            world.db, actor(world, "admin"), world.users["admin_b"].id
        )
    with pytest.raises(PermissionDenied):
        channels.set_integration_owner(
            world.db, actor(world, "rep"), world.users["rep"].id
        )


def test_channel_actor_reaches_the_whole_account(world):
    channels.set_integration_owner(
        world.db, actor(world, "admin"), world.users["rep"].id
    )

    reach = channels.channel_actor(world.db, world.accounts["a"])

    assert reach.id == world.users["rep"].id
    assert reach.sees_whole_account


# --- the ingestion log ---------------------------------------------------------------


def deliver(world, key, *bodies, channel="api"):
    items = []
    for body in bodies:
        try:
            items.append(clean_order(body))
        except RegistryError as error:
            items.append(reject(body, error))
    return write_orders(world.db, actor(world, key), items, Delivery(channel))


def test_log_is_for_admins_and_order_deliveries_for_the_wallet(world):
    [created] = deliver(world, "rep", order_body(world.contacts["rep"].id))
    deliver(world, "rep", {"title": "x"})

    entries = list_deliveries(world.db, actor(world, "admin"))
    rejected = list_deliveries(world.db, actor(world, "admin"), outcome="rejected")
    touching = order_deliveries(world.db, actor(world, "rep"), created.order_id)

    assert [e.outcome for e in entries] == [Outcome.REJECTED, Outcome.CREATED]
    assert [e.reason for e in rejected] == ["value: must be a number"]
    assert [e.order_id for e in touching] == [created.order_id]
    with pytest.raises(PermissionDenied):
        list_deliveries(world.db, actor(world, "rep"))
    with pytest.raises(NotFound):
        order_deliveries(world.db, actor(world, "rep2"), created.order_id)
    assert list_deliveries(world.db, actor(world, "admin_b")) == []


def test_log_pages_back_by_id(world):
    deliver(world, "rep", *[order_body(world.contacts["rep"].id) for _ in range(5)])
    admin = actor(world, "admin")

    first = list_deliveries(world.db, admin, limit=2)
    second = list_deliveries(world.db, admin, limit=2, before_id=first[-1].id)

    assert len(first) == len(second) == 2
    assert first[-1].id > second[0].id


# --- CSV import --------------------------------------------------------------------

CSV = """Order ID;Product;Amount;Currency;Email;Status;Date
A-1;Plan;100.00;BRL;rep.buyer@example.com;paid;2024-03-01
A-2;Plan;abc;BRL;rep.buyer@example.com;pending;2024-03-01
A-3;Plan;50;USD;nobody@example.com;pending;2024-03-01
A-1;Plan;100.00;BRL;rep.buyer@example.com;refunded;2024-03-01
"""


def test_csv_mapping_is_suggested_and_checked():
    columns, rows = read_csv(CSV.encode("utf-8-sig"))

    mapping = suggest_mapping(columns)

    assert mapping == {
        "title": "Product",
        "value": "Amount",
        "currency": "Currency",
        "status": "Status",
        "order_date": "Date",
        "contact_email": "Email",
        "external_id": "Order ID",
    }
    assert len(rows) == 4
    with pytest.raises(ValidationError):
        check_mapping({"title": "Product"}, columns)
    with pytest.raises(ValidationError):
        check_mapping({**mapping, "value": "Missing"}, columns)


def test_csv_preview_writes_nothing_and_names_errors(world):
    columns, rows = read_csv(CSV)

    preview = import_orders(
        world.db, actor(world, "rep"), rows, suggest_mapping(columns), dry_run=True
    )

    assert [r.outcome for r in preview] == [
        Outcome.CREATED,
        Outcome.REJECTED,
        Outcome.REJECTED,
        Outcome.UPDATED,
    ]
    assert [r.line for r in preview] == [2, 3, 4, 5]
    assert preview[1].field == "value"
    assert "nobody@example.com" in preview[2].message
    assert world.count() == 0
    assert world.count("ingestion_log") == 0


def test_csv_import_is_idempotent_and_reports_progress(world):
    columns, rows = read_csv(CSV)
    mapping = suggest_mapping(columns)
    seen = []

    first = import_orders(
        world.db, actor(world, "rep"), rows, mapping, progress=lambda *p: seen.append(p)
    )
    again = import_orders(world.db, actor(world, "rep"), rows, mapping)

    assert seen == [(4, 4)]
    assert first[0].order_id == first[3].order_id
    assert [r.outcome for r in again] == [
        Outcome.UPDATED,
        Outcome.REJECTED,
        Outcome.REJECTED,
        Outcome.UPDATED,
    ]
    assert world.count() == 1
    with world.db.cursor() as cur:
        source, channel = cur.execute(
            "SELECT o.source, l.channel FROM orders o "
            "JOIN ingestion_log l ON l.order_id = o.id LIMIT 1"
        ).fetchall()[0]
    assert (source, channel) == ("manual", "csv")


def test_csv_import_needs_the_permission(world):
    columns, rows = read_csv(CSV)

    with pytest.raises(PermissionDenied):
        import_orders(world.db, actor(world, "analyst"), rows, suggest_mapping(columns))


def test_csv_that_is_not_text_is_refused():
    with pytest.raises(ValidationError):
        read_csv(b"\xff\xfe\x00bad")
    with pytest.raises(ValidationError):
        read_csv("")


# --- concurrency -------------------------------------------------------------------


def test_concurrent_writers_of_one_external_id_make_one_order(world):
    body = order_body(world.contacts["rep"].id, external_id="race")
    rep = actor(world, "rep")
    results, errors = [], []
    start = threading.Barrier(8)

    def write(n: int) -> None:
        start.wait()
        try:
            [result] = write_orders(
                world.db,
                rep,
                [clean_order({**body, "title": f"t{n}"})],
                Delivery("api"),
            )
            results.append(result)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert world.count() == 1
    assert len({r.order_id for r in results}) == 1
    assert sorted(r.outcome for r in results).count(Outcome.CREATED) == 1


def test_group_writer_shares_transactions_and_keeps_results_apart(world):
    writer = GroupWriter(world.db, writers=1)
    rep = actor(world, "rep")
    contact_id = world.contacts["rep"].id
    outcomes = {}

    def write(n: int) -> None:
        body = order_body(contact_id, external_id=f"g{n % 3}", value=str(n + 1))
        if n == 5:
            body["value"] = "-1"
        outcomes[n] = writer.write(rep, clean_order(body), Delivery("api"))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert world.count() == 3
    assert outcomes[5].outcome is Outcome.REJECTED
    assert sum(o.outcome is Outcome.CREATED for o in outcomes.values()) == 3


def test_awaited_orders_share_the_writer_and_each_hears_its_own_answer(world):
    writer = GroupWriter(world.db, writers=1)
    token = tokens.issue_token(world.db, world.users["rep"].id, "async").token
    contact_id = world.contacts["rep"].id

    async def post(n: int, bearer: str):
        body = order_body(contact_id, external_id=f"a{n}", value=str(n + 1))
        try:
            return await writer.write_as(bearer, clean_order(body), Delivery("api"))
        except AuthenticationFailed as refusal:
            return refusal

    async def main():
        return await asyncio.gather(
            *(post(n, token) for n in range(6)), post(6, "not-a-token")
        )

    answers = asyncio.run(main())

    assert [a.outcome for a in answers[:6]] == [Outcome.CREATED] * 6
    assert len({a.order_id for a in answers[:6]}) == 6
    assert isinstance(answers[6], AuthenticationFailed)
    assert world.count() == 6


def test_an_abandoned_request_still_commits_its_order(world):
    # A client that hangs up cancels its request; the order it sent is
    # already queued, is written, and the loop is not disturbed.
    writer = GroupWriter(world.db, writers=1)
    token = tokens.issue_token(world.db, world.users["rep"].id, "gone").token
    item = clean_order(order_body(world.contacts["rep"].id, external_id="gone"))

    async def main():
        errors = []
        asyncio.get_running_loop().set_exception_handler(
            lambda loop, context: errors.append(context)
        )
        task = asyncio.create_task(writer.write_as(token, item, Delivery("api")))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for _ in range(200):
            if world.count() == 1:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # the writer's wake-up, after the cancel
        return errors

    assert asyncio.run(main()) == []
    assert world.count() == 1


def test_group_writer_passes_a_refusal_to_each_member(world):
    writer = GroupWriter(world.db, writers=1)
    analyst = actor(world, "analyst")
    item = clean_order(order_body(world.contacts["rep"].id))

    with pytest.raises(PermissionDenied):
        writer.write(analyst, item, Delivery("api"))


def test_a_refused_order_leaves_no_new_contact_behind(world):
    """The whole-record checks run once the buyer's contact is known: when a
    new buyer's only order fails them (a JPY amount with cents), the contact
    created for it is removed in the same transaction."""
    admin = actor(world, "admin")
    body = order_body(world.contacts["rep"].id, external_id="jpy-1")
    body.pop("contact_id")
    body.update(contact_email="brand.new@buyer.test", currency="JPY", value="10.50")
    kept = order_body(world.contacts["rep"].id, external_id="ok-1")
    kept.pop("contact_id")
    kept["contact_email"] = "second.new@buyer.test"
    delivery = Delivery("commerce", create_contacts=True)

    results = write_orders(
        world.db, admin, [clean_order(body), clean_order(kept)], delivery
    )

    assert [r.outcome for r in results] == [Outcome.REJECTED, Outcome.CREATED]
    assert results[0].error.field == "value"
    with world.db.cursor() as cur:
        emails = {
            row[0]
            for row in cur.execute(
                "SELECT email FROM contacts WHERE email LIKE '%@buyer.test'"
            ).fetchall()
        }
    assert emails == {"second.new@buyer.test"}
