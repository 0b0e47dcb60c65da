"""For random ownership layouts, a user's dashboard, explorer, exports and
contact summaries hold exactly the orders of their wallet — no more, no
fewer. The expected wallet is computed here in Python from the layout."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry import accounts, exports, reports, summary, wallet
from registry.models import Scope
from registry.store import Database

TEAMS = ("red", "blue", None)
CURRENCIES = ("BRL", "USD", "JPY")
_names = itertools.count()


@pytest.fixture(scope="module")
def layout_db(tmp_path_factory):
    """One file for every example: each example lives in an account of its
    own, so earlier accounts also check that nothing crosses accounts."""
    db = Database(tmp_path_factory.mktemp("layouts") / "registry.duckdb")
    yield db
    db.close()


users_st = st.lists(
    st.tuples(
        st.sampled_from(list(Scope)),
        st.sampled_from(TEAMS),
        st.booleans(),
    ),
    min_size=1,
    max_size=4,
)


@st.composite
def layouts(draw):
    users = draw(users_st)
    owner = st.none() | st.integers(0, len(users) - 1)
    contacts = draw(st.lists(owner, min_size=1, max_size=6))
    deals = draw(
        st.lists(st.tuples(st.integers(0, len(contacts) - 1), owner), max_size=5)
    )
    order = st.tuples(
        st.integers(0, len(contacts) - 1),
        st.integers(0, len(deals)),  # len(deals): no deal
        st.sampled_from(CURRENCIES),
        st.integers(0, 5000),
    )
    orders = draw(st.lists(order, max_size=20))
    return {
        "privacy": draw(st.booleans()),
        "users": users,
        "contacts": contacts,
        "deals": deals,
        "orders": orders,
    }


def _build(db: Database, layout: dict) -> dict:
    """Write the layout into a new account; return its ids."""
    account = accounts.create_account(db, f"Layout {next(_names)}")
    accounts.update_account(
        db, account.id, orders_enabled=True, owner_privacy=layout["privacy"]
    )
    users = [
        accounts.create_user(
            db,
            account.id,
            email=f"u{next(_names)}@layout.test",
            name="User",
            password=None,
            is_admin=admin and i == 0,
            scope=scope,
            team=team,
        )
        for i, (scope, team, admin) in enumerate(layout["users"])
    ]
    with db.cursor() as cur:
        contacts = [
            cur.execute(
                "INSERT INTO contacts (account_id, name, owner_id) "
                "VALUES (?, ?, ?) RETURNING id",
                [account.id, f"Contact {i}", None if o is None else users[o].id],
            ).fetchone()[0]
            for i, o in enumerate(layout["contacts"])
        ]
        deals = [
            cur.execute(
                "INSERT INTO deals (account_id, contact_id, title, owner_id) "
                "VALUES (?, ?, 'Deal', ?) RETURNING id",
                [account.id, contacts[c], None if o is None else users[o].id],
            ).fetchone()[0]
            for c, o in layout["deals"]
        ]
        orders = []
        for i, (c, d, currency, value) in enumerate(layout["orders"]):
            # An order's deal must be one of its contact's deals.
            deal = None
            if d < len(deals) and layout["deals"][d][0] == c:
                deal = deals[d]
            orders.append(
                cur.execute(
                    "INSERT INTO orders (account_id, contact_id, deal_id, title, "
                    "value, currency, status, source, order_date, paid_date, "
                    f"created_at, updated_at, {wallet.OWNER_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, 'paid', 'manual', ?, ?, now(), "
                    f"now(), {wallet.owners('?', '?')}) RETURNING id",
                    [
                        account.id,
                        contacts[c],
                        deal,
                        f"Order {i}",
                        value,
                        currency,
                        dt.date(2025, 1, 1) + dt.timedelta(days=i),
                        dt.date(2025, 1, 1) + dt.timedelta(days=i),
                        contacts[c],
                        deal,
                    ],
                ).fetchone()[0]
            )
    return {"users": users, "contacts": contacts, "deals": deals, "orders": orders}


def _expected(layout: dict, ids: dict, viewer: int) -> set[int]:
    """The wallet of user `viewer`, straight from DESIGN.md's definition."""
    scope, team, _ = layout["users"][viewer]
    user = ids["users"][viewer]
    if not layout["privacy"] or user.is_admin or scope is Scope.ALL:
        return set(ids["orders"])
    if scope is Scope.TEAM and team:
        reach = {i for i, (_, t, _) in enumerate(layout["users"]) if t == team}
    else:
        reach = {viewer}
    seen = set()
    for order_id, (c, d, _, _) in zip(ids["orders"], layout["orders"], strict=True):
        deal_owner = None
        if d < len(layout["deals"]) and layout["deals"][d][0] == c:
            deal_owner = layout["deals"][d][1]
        if layout["contacts"][c] in reach or deal_owner in reach:
            seen.add(order_id)
    return seen


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(layout=layouts())
def test_every_view_holds_exactly_the_wallet(layout_db, tmp_path, layout):
    ids = _build(layout_db, layout)
    by_id = dict(zip(ids["orders"], layout["orders"], strict=True))
    for viewer, user in enumerate(ids["users"]):
        actor = accounts.actor_for(layout_db, user.id)
        expected = _expected(layout, ids, viewer)

        page = reports.explore(layout_db, actor, limit=1000)
        assert set(page.rows["id"]) == expected and page.total == len(expected)

        board = reports.dashboard(layout_db, actor)
        assert board.kpis.orders == len(expected)
        values: Counter = Counter()
        for order_id in expected:
            values[by_id[order_id][2]] += Decimal(by_id[order_id][3])
        assert {f.currency: f.value for f in board.kpis.currencies} == {
            code: total for code, total in values.items()
        }
        contacts = {ids["contacts"][by_id[order_id][0]] for order_id in expected}
        assert board.kpis.contacts == len(contacts)

        target = tmp_path / f"wallet-{user.id}.csv"
        exports.export_orders(layout_db, actor, None, target, "csv")
        with target.open(newline="") as handle:
            exported = {int(row["id"]) for row in csv.DictReader(handle)}
        assert exported == expected

        listed = summary.contact_summaries(layout_db, actor, limit=1000)
        assert set(listed.rows["contact_id"]) == contacts
