"""A rep's workflow on the contact and deal pages: add, open, edit, change."""

from __future__ import annotations

import datetime as dt

import pytest

from registry import accounts, orders, store
from registry.models import Status
from ui import links


def _row(path, sql: str, *params):
    with store.connect(path).cursor() as cur:
        return cur.execute(sql, list(params)).fetchone()


def test_rep_adds_an_order_and_sees_it_in_the_history_with_totals(open_app, ui_world):
    before = ui_world.count_orders()
    screen = open_app("ana", links.CONTACT_PAGE, id=ui_world.contacts["alice"])

    screen.fill(Title="Annual plan", Value="1000.5").press("Add order")

    assert not screen.texts("error")
    assert any("added" in text for text in screen.texts("success"))
    assert ui_world.count_orders() == before + 1
    totals, history = (d.value for d in screen.at.dataframe[:2])
    newest = history.iloc[0]
    assert (newest["Title"], newest["Value"], newest["Status"]) == (
        "Annual plan",
        "BRL 1,000.50",
        "Pending",
    )
    assert (newest["Order date"], newest["Source"]) == (
        dt.date.today().isoformat(),
        "Manual",
    )
    brl = totals.set_index("Currency").loc["BRL"]
    assert (brl["Orders"], brl["Total"], brl["Paid"]) == (
        2,
        "BRL 1,121.00",
        "BRL 120.50",
    )
    usd = totals.set_index("Currency").loc["USD"]  # never added to BRL
    assert (usd["Orders"], usd["Total"]) == (1, "USD 30.00")
    assert screen.widget("Title").value == ""  # the form starts afresh


def test_history_is_newest_first_with_every_column(open_app, ui_world):
    screen = open_app("ana", links.CONTACT_PAGE, id=ui_world.contacts["alice"])

    history = screen.at.dataframe[1].value

    assert list(history.columns) == [
        "#",
        "Title",
        "Value",
        "Status",
        "Order date",
        "Paid date",
        "Deal",
        "Source",
        "External ID",
    ]
    dates = list(history["Order date"])
    assert dates == sorted(dates, reverse=True)
    paid = history.set_index("Title").loc["Starter kit"]
    assert (paid["Deal"], paid["Status"]) == ("Alice renewal", "Paid")


def test_deal_select_offers_only_this_contacts_deals(open_app, ui_world):
    screen = open_app("admin", links.CONTACT_PAGE, id=ui_world.contacts["alice"])

    assert screen.widget("Deal").options == [
        "No deal",
        "Alice upgrade",
        "Alice renewal",
    ]
    assert screen.widget("Currency").value == "BRL"  # the account's default
    assert screen.widget("Status").value is Status.PENDING
    assert screen.widget("Order date").value == dt.date.today()
    assert screen.widget("Paid date").value is None


def test_deal_page_preselects_its_deal_and_lists_only_its_orders(open_app, ui_world):
    renewal = open_app("ana", links.DEAL_PAGE, id=ui_world.deals["alice_renewal"])
    upgrade = open_app("ana", links.DEAL_PAGE, id=ui_world.deals["alice_upgrade"])

    assert list(renewal.at.dataframe[1].value["Title"]) == ["Starter kit"]
    assert "No orders yet." in upgrade.texts("caption")
    assert upgrade.widget("Deal").value == ui_world.deals["alice_upgrade"]
    upgrade.fill(Title="Upgrade seats", Value="50").press("Add order")
    assert _row(
        ui_world.path, "SELECT deal_id FROM orders WHERE title = 'Upgrade seats'"
    ) == (ui_world.deals["alice_upgrade"],)
    assert list(upgrade.at.dataframe[1].value["Title"]) == ["Upgrade seats"]


def test_change_status_appends_to_the_history_and_sets_the_paid_date(
    open_app, ui_world
):
    order_id = ui_world.orders["carl_pending"]
    screen = open_app("carla", links.CONTACT_PAGE, id=ui_world.contacts["carl"])
    screen.widget("Open an order").set_value(order_id).run()

    screen.widget("New status").set_value(Status.PAID)
    screen.press("Change status")

    assert f"Order #{order_id} is now Paid." in screen.texts("success")
    changes = screen.at.dataframe[2].value
    assert list(changes["From"]) == ["(new)", "Pending"]
    assert list(changes["To"]) == ["Pending", "Paid"]
    assert changes.iloc[1]["By"] == "Carla"
    assert changes.iloc[1]["Source"] == "Manual"
    assert _row(
        ui_world.path, "SELECT status, paid_date FROM orders WHERE id = ?", order_id
    ) == ("paid", dt.date.today())


def test_choosing_the_current_status_changes_nothing(open_app, ui_world):
    order_id = ui_world.orders["carl_pending"]
    screen = open_app("carla", links.CONTACT_PAGE, id=ui_world.contacts["carl"])
    screen.widget("Open an order").set_value(order_id).run()

    screen.press("Change status")

    assert screen.texts("warning") == ["The order is already Pending."]
    assert _row(
        ui_world.path,
        "SELECT count(*) FROM order_status_history WHERE order_id = ?",
        order_id,
    ) == (1,)


def test_edit_form_saves_the_changed_fields(open_app, ui_world):
    order_id = ui_world.orders["carl_pending"]
    screen = open_app("carla", links.CONTACT_PAGE, id=ui_world.contacts["carl"])
    screen.widget("Open an order").set_value(order_id).run()
    assert screen.widget("Value").value == "999.99"  # the edit form comes first

    screen.widget("Title").set_value("Carl's renewed order")
    screen.widget("Value").set_value("1200")
    screen.widget("Deal").set_value(ui_world.deals["carl_upsell"])
    screen.press("Save changes")

    assert f"Order #{order_id} saved." in screen.texts("success")
    assert _row(
        ui_world.path,
        "SELECT title, value, deal_id, status FROM orders WHERE id = ?",
        order_id,
    ) == ("Carl's renewed order", 1200, ui_world.deals["carl_upsell"], "pending")


def test_analyst_sees_no_create_or_edit_controls_and_is_told_why(open_app, ui_world):
    screen = open_app("analyst", links.CONTACT_PAGE, id=ui_world.contacts["alice"])
    screen.widget("Open an order").set_value(ui_world.orders["alice_paid"]).run()

    assert not screen.at.form_submit_button
    assert not {"Add order", "Save changes", "Change status", "Add deal"} & set(
        screen.labels("button")
    )
    assert any("CRM-management permission" in text for text in screen.texts("info"))
    assert list(screen.at.dataframe[2].value["To"]) == ["Paid"]  # history shows


@pytest.mark.parametrize(
    ("user", "page", "record"),
    [
        ("ana", links.CONTACT_PAGE, ("contacts", "carl")),  # another rep's
        ("ana", links.DEAL_PAGE, ("deals", "carl_upsell")),
        ("carla", links.CONTACT_PAGE, ("contacts", "alice")),  # other team
        ("admin", links.CONTACT_PAGE, ("contacts", "gina")),  # other account
        ("admin", links.DEAL_PAGE, ("deals", "gina_pilot")),
    ],
)
def test_a_record_outside_the_wallet_is_not_found(
    open_app, ui_world, user, page, record
):
    kind, key = record
    record_id = getattr(ui_world, kind)[key]

    screen = open_app(user, page, id=record_id)

    noun = "Contact" if kind == "contacts" else "Deal"
    assert screen.texts("error") == [f"{noun} {record_id} was not found."]
    assert not screen.texts("title")
    assert not screen.at.dataframe
    assert not screen.at.text_input


@pytest.mark.parametrize("raw", ["abc", "-1", "1.5", "99999999"])
def test_a_bad_or_unknown_id_is_not_found(open_app, raw):
    screen = open_app("admin")
    screen.at.switch_page(links.CONTACT_PAGE)
    screen.at.query_params["id"] = raw
    screen.at.run()

    assert screen.texts("error") == [f"Contact {raw} was not found."]


def test_a_missing_id_points_back_to_the_list(open_app):
    screen = open_app("admin", links.CONTACT_PAGE)

    assert screen.texts("info") == ["Choose a contact from the list."]
    assert not screen.texts("error")


def test_contacts_page_searches_and_links_each_contact(open_app, ui_world):
    screen = open_app("admin")
    screen.fill(Search="alice").run()

    links_shown = screen.at.main.get("page_link")
    assert [link.value for link in links_shown] == ["Alice Buyer"]
    assert links_shown[0].proto.query_string == f"id={ui_world.contacts['alice']}"


def test_a_rep_lists_only_the_contacts_in_their_wallet(open_app):
    screen = open_app("ana")

    names = [link.value for link in screen.at.main.get("page_link")]
    assert names == ["Alice Buyer"]


def test_adding_a_contact_opens_its_page(open_app, ui_world):
    screen = open_app("ana")

    screen.fill(Name="Dora Newcomer")
    screen.widget("Email (optional)").set_value("dora@example.com")
    screen.press("Add contact")

    assert screen.texts("title") == ["Dora Newcomer"]
    assert _row(
        ui_world.path,
        "SELECT owner_id FROM contacts WHERE name = 'Dora Newcomer'",
    ) == (ui_world.users["ana"],)


def test_a_long_history_is_paged_newest_first(open_app, ui_world):
    db = store.connect(ui_world.path)
    ana = accounts.actor_for(db, ui_world.users["ana"])
    start = dt.date.today() - dt.timedelta(days=100)
    for day in range(60):
        orders.create_order(
            db,
            ana,
            ui_world.contacts["alice"],
            title=f"Refill {day:02d}",
            value="1",
            order_date=start + dt.timedelta(days=day),
        )
    screen = open_app("ana", links.CONTACT_PAGE, id=ui_world.contacts["alice"])
    assert screen.at.dataframe[1].value["Title"].iloc[0] == "Refill 59"

    screen.at.number_input[0].set_value(2).run()

    second = list(screen.at.dataframe[1].value["Title"])
    assert second[0] == "Refill 09"
    assert len(second) == 62 - 50  # the two older template orders close it
