"""A real app server with the demo dataset, and Debian's Chromium to drive it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
DEMO_ORDERS = 3000

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class LiveApp:
    url: str
    db_path: Path


def _registry(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "registry", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )


def _demo(path: Path, orders: int) -> Path:
    """A demo database made by the CLI, as the README's start command does."""
    env = os.environ | {"REGISTRY_DB": str(path)}
    _registry(env, "init")
    _registry(env, "demo", "--orders", str(orders))
    return path


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The demo file the session's server serves."""
    return _demo(tmp_path_factory.mktemp("live") / "registry.duckdb", DEMO_ORDERS)


@pytest.fixture
def small_demo_db(tmp_path) -> Path:
    """A small demo file of this test's own, for a server of its own."""
    return _demo(tmp_path / "registry.duckdb", 300)


def query(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Read the demo file before the server takes its lock."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="session")
def live_app(demo_db: Path, facts: dict, serve_app) -> Iterator[LiveApp]:
    """`streamlit run app.py` on the demo file, for the whole session."""
    with serve_app(demo_db) as url:
        yield LiveApp(url=url, db_path=demo_db)


@pytest.fixture(scope="session")
def facts(demo_db: Path) -> dict:
    """Records the tests need, read before the server holds the file's lock."""
    ana_contact = query(
        demo_db,
        "SELECT c.id, c.name FROM contacts c JOIN users u ON u.id = c.owner_id "
        "WHERE u.email = 'ana@acme.test' ORDER BY c.id LIMIT 1",
    )[0]
    # A contact of Carla's that Ana reaches neither as owner nor through a deal.
    carla_contact = query(
        demo_db,
        "SELECT c.id, c.name FROM contacts c JOIN users u ON u.id = c.owner_id "
        "WHERE u.email = 'carla@acme.test' AND NOT EXISTS ("
        " SELECT 1 FROM deals d JOIN users du ON du.id = d.owner_id"
        " WHERE d.contact_id = c.id AND du.email = 'ana@acme.test') "
        "ORDER BY c.id LIMIT 1",
    )[0]
    # Acme's paid orders: the whole account's, and Ana's wallet's (her
    # contacts' orders and the orders on her deals), for the analyst pages.
    paid = (
        "SELECT count(*) FROM orders o JOIN contacts c ON c.id = o.contact_id "
        "LEFT JOIN deals d ON d.id = o.deal_id WHERE o.status = 'paid' AND "
        "o.account_id = (SELECT account_id FROM users WHERE email = 'admin@acme.test')"
    )
    ana = "(SELECT id FROM users WHERE email = 'ana@acme.test')"
    [(acme_paid,)] = query(demo_db, paid)
    [(ana_paid,)] = query(
        demo_db, f"{paid} AND (c.owner_id = {ana} OR d.owner_id = {ana})"
    )
    return {
        "ana_contact": ana_contact,
        "carla_contact": carla_contact,
        "acme_paid": acme_paid,
        "ana_paid": ana_paid,
    }


# Per module: Playwright's sync API holds an event loop on this thread while
# it runs, which later tests that serve the API over ASGI must not meet.
@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture
def sign_in(page, live_app):
    """Open `path` signed in as a demo user (every address asks to sign in
    first, then shows the page it was asked for)."""

    def sign_in(email: str, path: str = "/", password: str = "orders-demo"):
        page.goto(f"{live_app.url}{path}")
        page.get_by_role("textbox", name="Email").fill(email)
        page.get_by_role("textbox", name="Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Sign out").wait_for()

    return sign_in
