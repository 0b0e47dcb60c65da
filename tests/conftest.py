"""Shared fixtures: a real DuckDB file per test, a small two-account world,
and the app served for real by `streamlit run app.py`.

The world is built only through registry functions. Besides the records it
keeps who owns each contact and deal, by key, so tests can state what a user
ought to see without asking the registry's own wallet code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from registry import accounts, crm, orders, processes
from registry.models import Account, Actor, Contact, Deal, Order, Scope, User
from registry.store import Database

ORDER_DATE = dt.date(2024, 3, 1)

# key: (account, is_admin, crm_manage, scope, team). Team names repeat across
# accounts on purpose: a team is only ever a team within its own account.
USERS = {
    "admin": ("a", True, False, Scope.OWN, "north"),
    "rep_own": ("a", False, True, Scope.OWN, "north"),
    "rep_team": ("a", False, True, Scope.TEAM, "north"),
    "manager": ("a", False, True, Scope.ALL, "north"),
    "analyst": ("a", False, False, Scope.TEAM, "north"),
    "teammate": ("a", False, True, Scope.OWN, "north"),
    "south_rep": ("a", False, True, Scope.OWN, "south"),
    "b_admin": ("b", True, False, Scope.OWN, "north"),
    "b_rep": ("b", False, True, Scope.OWN, "north"),
}

# Users of account A who each get their own contact, and a deal of their own
# on a contact that belongs to the other team.
OWNERS_IN_A = ("admin", "rep_own", "rep_team", "manager", "analyst", "teammate")


@dataclass
class World:
    """Two accounts, both with the Orders Registry on and privacy on."""

    db: Database
    accounts: dict[str, Account] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    deals: dict[str, Deal] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    # contact or deal key -> the key of the user who owns it
    owner: dict[str, str] = field(default_factory=dict)
    # order key -> (contact key, deal key or None)
    links: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    def actor(self, user_key: str) -> Actor:
        """The user as an actor, with the account's switches as they are now."""
        return accounts.actor_for(self.db, self.users[user_key].id)

    def switch(self, *, enabled: bool = True, privacy: bool = True) -> None:
        """Set the module and privacy switches of both accounts."""
        for account in self.accounts.values():
            accounts.update_account(
                self.db, account.id, orders_enabled=enabled, owner_privacy=privacy
            )

    def add_contact(self, key: str, owner: str) -> Contact:
        account_id = self.users[owner].account_id
        contact = crm.create_contact(
            self.db,
            account_id,
            name=key.replace("_", " ").title(),
            owner_id=self.users[owner].id,
        )
        self.contacts[key], self.owner[key] = contact, owner
        return contact

    def add_deal(self, key: str, contact: str, owner: str) -> Deal:
        deal = crm.create_deal(
            self.db,
            self.contacts[contact].id,
            title=key.replace("_", " "),
            owner_id=self.users[owner].id,
        )
        self.deals[key], self.owner[key] = deal, owner
        return deal

    def add_order(self, key: str, contact: str, deal: str | None = None) -> Order:
        # The account's admin records it: admins may write anywhere in it.
        in_a = self.contacts[contact].account_id == self.accounts["a"].id
        order = orders.create_order(
            self.db,
            self.actor("admin" if in_a else "b_admin"),
            self.contacts[contact].id,
            title=key.replace("_", " "),
            value="10.00",
            order_date=ORDER_DATE,
            deal_id=self.deals[deal].id if deal else None,
        )
        self.orders[key], self.links[key] = order, (contact, deal)
        return order


def build_world(db: Database) -> World:
    """Populate `db` with accounts A and B and the layout described above."""
    world = World(db)
    for key, currency in (("a", "BRL"), ("b", "USD")):
        account = accounts.create_account(db, f"Account {key.upper()}", currency)
        world.accounts[key] = account
    world.switch(enabled=True, privacy=True)

    for key, (account, is_admin, crm_manage, scope, team) in USERS.items():
        world.users[key] = accounts.create_user(
            db,
            world.accounts[account].id,
            email=f"{key}@{account}.example",
            name=key.replace("_", " ").title(),
            password=None,
            is_admin=is_admin,
            crm_manage=crm_manage,
            scope=scope,
            team=team,
        )

    for user in OWNERS_IN_A:
        world.add_contact(f"{user}_contact", user)
        world.add_order(f"{user}_order", f"{user}_contact")
        world.add_contact(f"{user}_via_deal", "south_rep")
        world.add_deal(f"{user}_deal", f"{user}_via_deal", user)
        world.add_order(f"{user}_deal_order", f"{user}_via_deal", f"{user}_deal")
    world.add_contact("south_rep_contact", "south_rep")
    world.add_order("south_rep_order", "south_rep_contact")

    world.add_contact("b_rep_contact", "b_rep")
    world.add_deal("b_rep_deal", "b_rep_contact", "b_rep")
    world.add_order("b_rep_order", "b_rep_contact", "b_rep_deal")
    return world


@pytest.fixture
def db(tmp_path) -> Iterator[Database]:
    """A fresh, migrated DuckDB file of this test's own."""
    database = Database(tmp_path / "registry.duckdb")
    yield database
    if not database.closed:
        assert_owner_copies(database)
        database.close()


def assert_owner_copies(database: Database) -> None:
    """Every order's copied owners equal its contact's and its deal's owner:
    the wallet reads the copies, so a writer that forgets them would hide
    orders or show them to the wrong people. Checked after every test that
    uses `db`."""
    with database.cursor() as cur:
        stale = cur.execute(
            "SELECT o.id FROM orders o JOIN contacts c ON c.id = o.contact_id "
            "LEFT JOIN deals d ON d.id = o.deal_id "
            "WHERE o.contact_owner_id IS DISTINCT FROM c.owner_id "
            "OR o.deal_owner_id IS DISTINCT FROM d.owner_id LIMIT 5"
        ).fetchall()
    assert not stale, f"orders with stale owner copies: {stale}"


@pytest.fixture
def world(db) -> World:
    return build_world(db)


@pytest.fixture(scope="module")
def shared_world(tmp_path_factory) -> Iterator[World]:
    """One world for a whole test module, for tests that restore what they
    change (or only add); each test sets the switches it relies on."""
    database = Database(tmp_path_factory.mktemp("world") / "registry.duckdb")
    yield build_world(database)
    database.close()


@contextmanager
def _serving(db_path: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free loopback port; yields its URL once
    healthy, and stops the server on the way out."""
    with processes.serve_app(db_path) as server:
        yield server.url


@pytest.fixture(scope="session")
def serve_app():
    """Serve the app on a database file: `with serve_app(path) as url: …`."""
    return _serving
