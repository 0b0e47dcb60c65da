"""A fresh server's very first request may be a bookmarked page address: it
must open that page, not Streamlit's "page not found" (the page files live in
`views/`, which Streamlit does not mistake for a legacy `pages/` folder)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_a_bookmarked_address_is_the_first_request(tmp_path, serve_app, page):
    path = tmp_path / "fresh.duckdb"
    env = os.environ | {"REGISTRY_DB": str(path)}
    for args in (["init"], ["demo", "--orders", "300"]):
        subprocess.run(
            [sys.executable, "-m", "registry", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )

    with serve_app(path) as url:
        page.goto(f"{url}/explorer?status=paid")
        page.get_by_role("textbox", name="Email").fill("admin@acme.test")
        page.get_by_role("textbox", name="Password").fill("orders-demo")
        page.get_by_role("button", name="Sign in").click()

        expect(page.get_by_role("heading", name="Explorer")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/explorer\?status=paid$"))
        expect(page.get_by_text(re.compile(r"^Orders 1–"))).to_be_visible()
        expect(page.get_by_text(re.compile("page not found", re.I))).to_have_count(0)
