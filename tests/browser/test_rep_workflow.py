"""A rep's day in a real browser: sign in, open a contact, add an order."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_rep_adds_an_order_and_cannot_reach_another_reps_contact(
    live_app, facts, page, sign_in
):
    contact_id, contact_name = facts["ana_contact"]
    title = "Browser test: annual plan"

    sign_in("ana@acme.test")
    page.get_by_role("textbox", name="Search").fill(contact_name)
    page.get_by_role("textbox", name="Search").press("Enter")
    page.get_by_role("link", name=contact_name).first.click()
    expect(page).to_have_url(re.compile(rf"/contact\?id={contact_id}$"))
    page.get_by_role("heading", name=contact_name).wait_for()

    form = page.get_by_test_id("stForm").filter(has_text="Add order")
    form.get_by_role("textbox", name="Title").fill(title)
    form.get_by_role("textbox", name="Value").fill("1234.50")
    form.get_by_role("button", name="Add order").click()

    expect(page.get_by_text(re.compile(r"Order #\d+ added"))).to_be_visible()
    history = page.get_by_test_id("stDataFrame").nth(1)
    expect(history).to_contain_text(title)
    expect(history).to_contain_text("1,234.50")
    page.screenshot(path=str(live_app.db_path.parent / "rep-added-order.png"))

    # Not in her search results, and not by its address either.
    other_id, other_name = facts["carla_contact"]
    page.get_by_role("link", name="Contacts").click()
    page.get_by_role("textbox", name="Search").fill(other_name)
    page.get_by_role("textbox", name="Search").press("Enter")
    expect(page.get_by_text("No contacts match.")).to_be_visible()
    page.goto(f"{live_app.url}/contact?id={other_id}")
    expect(page.get_by_text(f"Contact {other_id} was not found.")).to_be_visible()
    expect(page.get_by_text(other_name)).to_have_count(0)


def test_sign_in_survives_a_reload_and_sign_out_ends_it(live_app, page, sign_in):
    sign_in("carla@acme.test")

    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_text("carla@acme.test")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
