"""A small registry in a DuckDB file per test, and AppTest runs against it.

The file is built once per session (argon2 hashing makes users slow to
create) and copied for each test, so every test starts from the same data.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from registry import accounts, crm, orders, store
from ui.session import USER_KEY

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "navigation.py"
PASSWORD = "ui-tests-password"


@dataclass
class World:
    """Ids of what the template holds, by a short name."""

    path: Path
    accounts: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    contacts: dict[str, int] = field(default_factory=dict)
    deals: dict[str, int] = field(default_factory=dict)
    orders: dict[str, int] = field(default_factory=dict)

    def count_orders(self) -> int:
        with store.connect(self.path).cursor() as cur:
            return cur.execute("SELECT count(*) FROM orders").fetchone()[0]


_USERS = {
    # name: (account, email, admin, crm_manage, scope, team)
    "admin": ("acme", "admin@acme.example", True, True, "all", None),
    "manager": ("acme", "manager@acme.example", False, True, "all", None),
    "ana": ("acme", "ana@acme.example", False, True, "own", "north"),
    "bruno": ("acme", "bruno@acme.example", False, True, "team", "north"),
    "carla": ("acme", "carla@acme.example", False, True, "own", "south"),
    "analyst": ("acme", "analyst@acme.example", False, False, "all", None),
    "globex_admin": ("globex", "admin@globex.example", True, True, "all", None),
}


def _build(path: Path) -> World:
    world = World(path)
    db = store.Database(path)
    try:
        acme = accounts.create_account(db, "Acme", "BRL")
        accounts.update_account(db, acme.id, orders_enabled=True, owner_privacy=True)
        globex = accounts.create_account(db, "Globex", "USD")
        world.accounts = {"acme": acme.id, "globex": globex.id}
        for name, (acc, email, admin, manage, scope, team) in _USERS.items():
            user = accounts.create_user(
                db,
                world.accounts[acc],
                email=email,
                name=name.replace("_", " ").title(),
                password=PASSWORD,
                is_admin=admin,
                crm_manage=manage,
                scope=scope,
                team=team,
            )
            world.users[name] = user.id
        _people(db, world)
    finally:
        db.close()
    return world


def _people(db: store.Database, world: World) -> None:
    acme, globex = world.accounts["acme"], world.accounts["globex"]
    for name, account, owner in [
        ("Alice Buyer", acme, "ana@acme.example"),
        ("Carl Client", acme, "carla@acme.example"),
        ("Gina Globex", globex, "admin@globex.example"),
    ]:
        contact = crm.create_contact(db, account, name=name, owner_email=owner)
        world.contacts[name.split()[0].lower()] = contact.id
    for key, contact, title, owner in [
        ("alice_renewal", "alice", "Alice renewal", "ana@acme.example"),
        ("alice_upgrade", "alice", "Alice upgrade", "ana@acme.example"),
        ("carl_upsell", "carl", "Carl upsell", "carla@acme.example"),
        ("gina_pilot", "gina", "Gina pilot", "admin@globex.example"),
    ]:
        deal = crm.create_deal(
            db, world.contacts[contact], title=title, owner_email=owner
        )
        world.deals[key] = deal.id
    admin = accounts.actor_for(db, world.users["admin"])
    year_ago = dt.date.today() - dt.timedelta(days=365)
    for key, contact, fields in [
        (
            "alice_paid",
            "alice",
            dict(
                title="Starter kit",
                value="120.50",
                status="paid",
                order_date=year_ago,
                deal_id=world.deals["alice_renewal"],
            ),
        ),
        (
            "alice_usd",
            "alice",
            dict(title="Import fee", value="30", currency="USD", order_date=year_ago),
        ),
        ("carl_pending", "carl", dict(title="Carl's order", value="999.99")),
    ]:
        order = orders.create_order(db, admin, world.contacts[contact], **fields)
        world.orders[key] = order.id


@pytest.fixture(scope="session")
def ui_template(tmp_path_factory: pytest.TempPathFactory) -> World:
    return _build(tmp_path_factory.mktemp("ui-template") / "template.duckdb")


@pytest.fixture
def ui_world(ui_template: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A private copy of the template, named by REGISTRY_DB for the app."""
    path = tmp_path / "registry.duckdb"
    shutil.copyfile(ui_template.path, path)
    monkeypatch.setenv("REGISTRY_DB", str(path))
    store.close_all()
    copy = World(
        path,
        ui_template.accounts,
        ui_template.users,
        ui_template.contacts,
        ui_template.deals,
        ui_template.orders,
    )
    yield copy
    store.close_all()


class Screen:
    """An AppTest with a few ways to reach widgets by their visible label."""

    def __init__(self, at: AppTest) -> None:
        self.at = at

    def widget(self, label: str, index: int = 0):
        """The `index`-th input widget labelled `label`, of any kind."""
        found = [
            w
            for kind in ("text_input", "selectbox", "date_input", "toggle")
            for w in getattr(self.at, kind)
            if w.label == label
        ]
        assert len(found) > index, f"no widget labelled {label!r} (#{index})"
        return found[index]

    def fill(self, **by_label: object) -> Screen:
        """Set widgets by label; underscores in a keyword stand for spaces."""
        for label, value in by_label.items():
            self.widget(label.replace("_", " ")).set_value(value)
        return self

    def run(self) -> Screen:
        self.at.run()
        return self

    def press(self, label: str) -> Screen:
        buttons = [b for b in self.at.button if b.label == label]
        assert buttons, f"no button {label!r}"
        buttons[0].click().run()
        return self

    def texts(self, kind: str) -> list[str]:
        return [element.value for element in getattr(self.at, kind)]

    def labels(self, kind: str) -> list[str]:
        return [element.label for element in getattr(self.at, kind)]


@pytest.fixture
def open_app(ui_world: World):
    """Run the app as `user` (a key of World.users, or None) on `page`."""

    def run(user: str | None, page: str | None = None, *, id: int | None = None):
        at = AppTest.from_file(str(SCRIPT), default_timeout=30)
        if user is not None:
            at.session_state[USER_KEY] = ui_world.users[user]
        at.run()
        if page is not None:
            at.switch_page(page)
            if id is not None:
                at.query_params["id"] = str(id)
            at.run()
        return Screen(at)

    return run
