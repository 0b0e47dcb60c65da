"""A fresh server's very first request may be a bookmarked page address: it
must open that page, not Streamlit's "page not found" (the page files live in
`views/`, which Streamlit does not mistake for a legacy `pages/` folder)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_bookmarked_address_is_the_first_request(small_demo_db, serve_app, page):
    with serve_app(small_demo_db) as url:
        page.goto(f"{url}/explorer?status=paid")
        page.get_by_role("textbox", name="Email").fill("admin@acme.test")
        page.get_by_role("textbox", name="Password").fill("orders-demo")
        page.get_by_role("button", name="Sign in").click()

        expect(page.get_by_role("heading", name="Explorer")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/explorer\?status=paid$"))
        expect(page.get_by_text(re.compile(r"^Orders 1–"))).to_be_visible()
        expect(page.get_by_text(re.compile("page not found", re.I))).to_have_count(0)
