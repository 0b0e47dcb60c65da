"""Who may do what to which order, across two accounts.

The expected outcome comes from a small oracle written here from the rules
(DESIGN.md's "wallet", issue 2 point 8), not from registry.wallet, so a wrong
predicate in the SQL makes these tests fail.
"""

from __future__ import annotations

import itertools

import pytest

from registry import accounts, crm, orders
from registry.errors import ModuleDisabled, NotFound, PermissionDenied
from registry.models import Scope, Status, User

ALLOWED, NOT_FOUND, DENIED = "allowed", "NotFound", "PermissionDenied"
DISABLED = "ModuleDisabled"

# role -> the world's user playing it (see tests/conftest.py)
ROLES = {
    "admin": "admin",
    "rep_scope_own": "rep_own",
    "rep_scope_team": "rep_team",
    "manager_scope_all": "manager",
    "analyst_no_crm_manage": "analyst",
    "other_account_admin": "b_admin",
}
TARGETS = (
    "own_contact",
    "teammate_contact",
    "other_team_contact",
    "other_team_contact_own_deal",
    "other_account",
)
ACTIONS = ("list", "read", "create", "edit", "change_status")


def target_order(user_key: str, target: str) -> str:
    """The world's order that plays `target` for the acting user."""
    if user_key.startswith("b_"):
        # Account B's admin owns nothing in A, so they meet rep_own's targets
        # there, and an order of A stands for "the other account".
        if target == "other_account":
            return "admin_order"
        user_key = "rep_own"
    return {
        "own_contact": f"{user_key}_order",
        "teammate_contact": "teammate_order",
        "other_team_contact": "south_rep_order",
        "other_team_contact_own_deal": f"{user_key}_deal_order",
        "other_account": "b_rep_order",
    }[target]


# --- the oracle -------------------------------------------------------------


def reaches(user: User, owner: User | None) -> bool:
    """With privacy on: the owner is the user, or a teammate under team scope."""
    if owner is None or owner.account_id != user.account_id:
        return False
    if owner.id == user.id:
        return True
    return (
        user.scope is Scope.TEAM and user.team is not None and owner.team == user.team
    )


def sees_whole_account(user: User, privacy: bool) -> bool:
    return not privacy or user.is_admin or user.scope is Scope.ALL


def sees_order(world, user: User, order_key: str, privacy: bool) -> bool:
    contact, deal = world.links[order_key]
    if world.contacts[contact].account_id != user.account_id:
        return False
    if sees_whole_account(user, privacy):
        return True
    deal_owner = world.users[world.owner[deal]] if deal else None
    return reaches(user, world.users[world.owner[contact]]) or reaches(user, deal_owner)


def sees_contact(world, user: User, contact: str, privacy: bool) -> bool:
    """A contact is reachable through its owner or any of its deals' owners."""
    if world.contacts[contact].account_id != user.account_id:
        return False
    if sees_whole_account(user, privacy):
        return True
    owners = [world.owner[contact]] + [
        world.owner[key]
        for key, deal in world.deals.items()
        if deal.contact_id == world.contacts[contact].id
    ]
    return any(reaches(user, world.users[owner]) for owner in owners)


def expected(world, user_key: str, action: str, order_key: str, privacy: bool) -> str:
    """The outcome the rules call for."""
    user = world.users[user_key]
    visible = sees_order(world, user, order_key, privacy)
    if action in ("list", "read"):
        return ALLOWED if visible else NOT_FOUND
    # Permission is checked before the target is looked up, so a refusal
    # never tells whether the order exists.
    if not (user.is_admin or user.crm_manage):
        return DENIED
    if action == "create":
        contact, _ = world.links[order_key]
        if not sees_contact(world, user, contact, privacy):
            return NOT_FOUND
        # The new order copies the target's contact and deal, so it lands in
        # the wallet exactly when the target is there.
        return ALLOWED if visible else DENIED
    return ALLOWED if visible else NOT_FOUND


# --- performing an action ---------------------------------------------------

_titles = itertools.count()


def _other_status(db, order_id: int) -> Status:
    with db.cursor() as cur:
        (current,) = cur.execute(
            "SELECT status FROM orders WHERE id = ?", [order_id]
        ).fetchone()
    return Status.OVERDUE if current == Status.PAID else Status.PAID


def perform(world, actor, action: str, order_key: str) -> str:
    """Run `action` as `actor` on the order; name the outcome."""
    db, order = world.db, world.orders[order_key]
    calls = {
        "list": lambda: (
            order.id in {o.id for o in orders.list_orders(db, actor, limit=10_000)}
        ),
        "read": lambda: orders.get_order(db, actor, order.id),
        "create": lambda: orders.create_order(
            db,
            actor,
            order.contact_id,
            title=f"Matrix order {next(_titles)}",
            value="1.00",
            deal_id=order.deal_id,
        ),
        "edit": lambda: orders.update_order(
            db, actor, order.id, title=f"Edited {next(_titles)}"
        ),
        "change_status": lambda: orders.change_status(
            db, actor, order.id, _other_status(db, order.id)
        ),
    }
    try:
        result = calls[action]()
    except ModuleDisabled:
        return DISABLED
    except PermissionDenied:
        return DENIED
    except NotFound:
        return NOT_FOUND
    return NOT_FOUND if result is False else ALLOWED


def snapshot(db, order_id: int) -> tuple:
    """Row counts and the order's own row, read with plain SQL."""
    with db.cursor() as cur:
        counts = cur.execute(
            "SELECT (SELECT count(*) FROM orders), "
            "(SELECT count(*) FROM order_status_history)"
        ).fetchone()
        row = cur.execute("SELECT * FROM orders WHERE id = ?", [order_id]).fetchone()
    return counts, row


# --- the matrix -------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("privacy", [True, False], ids=["privacy_on", "privacy_off"])
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(shared_world, role, privacy, target, action):
    world = shared_world
    world.switch(enabled=True, privacy=privacy)
    user_key = ROLES[role]
    order_key = target_order(user_key, target)
    order_id = world.orders[order_key].id
    before = snapshot(world.db, order_id)

    outcome = perform(world, world.actor(user_key), action, order_key)

    assert outcome == expected(world, user_key, action, order_key, privacy)
    (orders_before, history_before), row_before = before
    (orders_after, history_after), row_after = snapshot(world.db, order_id)
    wrote = outcome == ALLOWED and action not in ("list", "read")
    assert orders_after - orders_before == (1 if wrote and action == "create" else 0)
    changes_status = wrote and action in ("create", "change_status")
    assert history_after - history_before == (1 if changes_status else 0)
    edited = wrote and action in ("edit", "change_status")
    assert (row_after != row_before) == edited


def test_the_matrix_holds_every_outcome(shared_world):
    """Guard against an oracle that says the same thing everywhere."""
    world = shared_world
    outcomes = {
        expected(world, ROLES[role], action, target_order(ROLES[role], t), p)
        for role, action, t, p in itertools.product(
            ROLES, ACTIONS, TARGETS, (True, False)
        )
    }
    assert outcomes == {ALLOWED, NOT_FOUND, DENIED}


# --- the module switch ------------------------------------------------------


def _every_order_call(db, actor, order):
    return {
        "list": lambda: orders.list_orders(db, actor),
        "count": lambda: orders.count_orders(db, actor),
        "totals": lambda: orders.totals(db, actor),
        "read": lambda: orders.get_order(db, actor, order.id),
        "history": lambda: orders.status_history(db, actor, order.id),
        "create": lambda: orders.create_order(
            db, actor, order.contact_id, title="Off", value="1.00"
        ),
        "save_by_external_id": lambda: orders.save_order(
            db, actor, order.contact_id, title="Off", value="1", external_id="x"
        ),
        "edit": lambda: orders.update_order(db, actor, order.id, title="Off"),
        "change_status": lambda: orders.change_status(
            db, actor, order.id, Status.CANCELED
        ),
    }


MODULE_CALLS = (
    "list",
    "count",
    "totals",
    "read",
    "history",
    "create",
    "save_by_external_id",
    "edit",
    "change_status",
)


@pytest.mark.parametrize("call", MODULE_CALLS)
@pytest.mark.parametrize("role", ROLES)
def test_module_disabled_refuses_every_order_call(shared_world, role, call):
    world = shared_world
    world.switch(enabled=False)
    user_key = ROLES[role]
    order = world.orders[target_order(user_key, "own_contact")]
    before = snapshot(world.db, order.id)

    with pytest.raises(ModuleDisabled, match="disabled for this account"):
        _every_order_call(world.db, world.actor(user_key), order)[call]()

    assert snapshot(world.db, order.id) == before


def test_module_switch_is_per_account(shared_world):
    world = shared_world
    world.switch(enabled=True)
    accounts.update_account(world.db, world.accounts["a"].id, orders_enabled=False)

    with pytest.raises(ModuleDisabled):
        orders.list_orders(world.db, world.actor("admin"))
    listed = orders.list_orders(world.db, world.actor("b_admin"))
    assert world.orders["b_rep_order"].id in {o.id for o in listed}


# --- accounts and the whole listing -----------------------------------------


def _ids_in_account(db, account_id: int) -> set[int]:
    with db.cursor() as cur:
        rows = cur.execute(
            "SELECT id FROM orders WHERE account_id = ?", [account_id]
        ).fetchall()
    return {r[0] for r in rows}


@pytest.mark.parametrize("privacy", [True, False], ids=["privacy_on", "privacy_off"])
@pytest.mark.parametrize("user_key", ["admin", "b_admin"])
def test_accounts_never_see_each_other(shared_world, user_key, privacy):
    world = shared_world
    world.switch(privacy=privacy)
    actor = world.actor(user_key)
    mine = _ids_in_account(world.db, actor.account_id)
    other = "b" if user_key == "admin" else "a"
    theirs = world.accounts[other]

    listed = {o.id for o in orders.list_orders(world.db, actor, limit=10_000)}
    contacts = crm.search_contacts(world.db, actor, limit=10_000)
    deals = crm.list_deals(world.db, actor, limit=10_000)

    assert listed == mine  # an admin sees their whole account, and only it
    assert orders.count_orders(world.db, actor) == len(mine)
    assert {c.account_id for c in contacts} == {actor.account_id}
    assert {d.account_id for d in deals} == {actor.account_id}
    assert {t.currency for t in orders.totals(world.db, actor)} == {
        actor.account.default_currency
    }
    for order_id in _ids_in_account(world.db, theirs.id):
        with pytest.raises(NotFound):
            orders.get_order(world.db, actor, order_id)
    for key, contact in world.contacts.items():
        if contact.account_id == theirs.id:
            with pytest.raises(NotFound):
                crm.get_contact(world.db, actor, contact.id)
            with pytest.raises(NotFound, match=str(contact.id)):
                orders.create_order(world.db, actor, contact.id, title=key, value="1")
    for deal in world.deals.values():
        if deal.account_id == theirs.id:
            with pytest.raises(NotFound):
                crm.get_deal(world.db, actor, deal.id)


@pytest.mark.parametrize("privacy", [True, False], ids=["privacy_on", "privacy_off"])
def test_each_listing_is_exactly_the_wallet(world, privacy):
    """No more, no fewer: list, count and totals agree with the oracle."""
    world.switch(privacy=privacy)
    for user_key, user in world.users.items():
        actor = world.actor(user_key)
        wallet = {
            world.orders[key].id
            for key in world.orders
            if sees_order(world, user, key, privacy)
        }

        listed = {o.id for o in orders.list_orders(world.db, actor, limit=10_000)}
        per_currency = orders.totals(world.db, actor)

        assert listed == wallet, user_key
        assert orders.count_orders(world.db, actor) == len(wallet), user_key
        assert sum(t.orders for t in per_currency) == len(wallet), user_key
