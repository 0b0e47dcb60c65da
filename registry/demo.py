"""The demo dataset: three accounts and their users, documented here for the
README and the tests, then contacts, deals and orders (see `demo_rows`)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import duckdb

from . import accounts
from .demo_rows import Share, deals_for, generate
from .errors import RegistryError, ValidationError
from .models import Scope
from .store import Database

log = logging.getLogger(__name__)

DEMO_PASSWORD = "orders-demo"
DEFAULT_ORDERS = 20_000
DEFAULT_SEED = 7
MAX_CONTACTS = 200_000


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    is_admin: bool = False
    crm_manage: bool = False
    scope: Scope = Scope.OWN
    team: str | None = None

    @property
    def role(self) -> str:
        """A short description: 'admin', 'rep (scope own, team north)'…"""
        if self.is_admin:
            return "admin"
        if not self.crm_manage:
            return f"analyst (scope {self.scope}, read only)"
        if self.scope is Scope.ALL:
            return "manager (scope all)"
        return f"rep (scope {self.scope}, team {self.team})"


@dataclass(frozen=True)
class DemoAccount:
    name: str
    orders_enabled: bool
    owner_privacy: bool
    users: tuple[DemoUser, ...]
    # Contact owners dealt round-robin; repeating an email weights it.
    contact_owners: tuple[str, ...]
    # Who may own a deal on someone else's contact.
    deal_owners: tuple[str, ...]
    currency: str = "BRL"


_ACME_REPS = ("ana@acme.test", "bruno@acme.test", "carla@acme.test", "diego@acme.test")

DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        name="Acme Comércio",
        orders_enabled=True,
        owner_privacy=True,
        users=(
            DemoUser("admin@acme.test", "Alice Admin", is_admin=True),
            DemoUser(
                "manager@acme.test", "Marcos Manager", crm_manage=True, scope=Scope.ALL
            ),
            DemoUser("ana@acme.test", "Ana Souza", crm_manage=True, team="north"),
            DemoUser(
                "bruno@acme.test",
                "Bruno Lima",
                crm_manage=True,
                scope=Scope.TEAM,
                team="north",
            ),
            DemoUser("carla@acme.test", "Carla Dias", crm_manage=True, team="south"),
            DemoUser("diego@acme.test", "Diego Rocha", crm_manage=True, team="south"),
            DemoUser("analyst@acme.test", "Paula Prado", scope=Scope.ALL),
        ),
        contact_owners=_ACME_REPS * 4 + ("manager@acme.test", "admin@acme.test"),
        deal_owners=_ACME_REPS,
    ),
    DemoAccount(
        name="Globex Ltda",
        orders_enabled=True,
        owner_privacy=False,
        users=(
            DemoUser("admin@globex.test", "Gabriel Admin", is_admin=True),
            DemoUser("rep@globex.test", "Renata Reis", crm_manage=True, team="sales"),
        ),
        contact_owners=("rep@globex.test",) * 5 + ("admin@globex.test",),
        deal_owners=("rep@globex.test", "admin@globex.test"),
    ),
    DemoAccount(
        name="Initech",
        orders_enabled=False,
        owner_privacy=False,
        users=(DemoUser("admin@initech.test", "Igor Admin", is_admin=True),),
        contact_owners=("admin@initech.test",),
        deal_owners=("admin@initech.test",),
    ),
)

DEMO_USERS: tuple[DemoUser, ...] = tuple(u for a in DEMO_ACCOUNTS for u in a.users)

# Shares of the contacts and orders; Initech gets a handful of contacts only.
_CONTACT_SHARES = (0.75, 0.25, 0.0)
_ORDER_SHARES = (0.8, 0.2, 0.0)
_INITECH_CONTACTS = 6


@dataclass(frozen=True)
class DemoSummary:
    accounts: int
    users: int
    contacts: int
    deals: int
    orders: int
    status_changes: int


class DemoAlreadyLoaded(RegistryError):
    """The demo users already exist in this database."""


def load(
    db: Database,
    *,
    orders: int = DEFAULT_ORDERS,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
) -> DemoSummary:
    """Create the demo accounts and users, then generate `orders` orders."""
    if isinstance(orders, bool) or not isinstance(orders, int) or orders < 0:
        raise ValidationError("orders", "must be a whole number, 0 or more")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValidationError("seed", "must be a whole number")
    _refuse_if_loaded(db)
    if today is None:
        today, now = dt.date.today(), dt.datetime.now(dt.UTC).replace(tzinfo=None)
    else:
        now = dt.datetime.combine(today, dt.time(23, 59, 59))

    users = _create_people(db)
    shares = _plan(users, orders)
    try:
        generate(db, shares, seed, today, now)
    except duckdb.Error as exc:
        raise RegistryError(
            f"Loading the demo dataset stopped part-way ({_first_line(exc)}). "
            "The database holds an incomplete demo: load it into a new file."
        ) from exc
    summary = _summarize(db, [share.account_id for share in shares])
    log.info("demo dataset loaded: %s", summary)
    return summary


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _refuse_if_loaded(db: Database) -> None:
    emails = [u.email for u in DEMO_USERS]
    with db.cursor() as cur:
        row = cur.execute(
            "SELECT email FROM users WHERE list_contains(?, email) LIMIT 1", [emails]
        ).fetchone()
    if row is not None:
        raise DemoAlreadyLoaded(
            f"The demo dataset is already loaded: the user {row[0]} exists."
        )


def _create_people(db: Database) -> dict[str, tuple[int, int]]:
    """Accounts and users through the registry; email → (account id, user id)."""
    made: dict[str, tuple[int, int]] = {}
    for spec in DEMO_ACCOUNTS:
        account = accounts.create_account(db, spec.name, spec.currency)
        accounts.update_account(
            db,
            account.id,
            orders_enabled=spec.orders_enabled,
            owner_privacy=spec.owner_privacy,
        )
        for person in spec.users:
            user = accounts.create_user(
                db,
                account.id,
                email=person.email,
                name=person.name,
                password=None if made else DEMO_PASSWORD,
                is_admin=person.is_admin,
                crm_manage=person.crm_manage,
                scope=person.scope,
                team=person.team,
            )
            made[person.email] = (account.id, user.id)
    _share_password(db, [user_id for _, user_id in made.values()])
    return made


def _share_password(db: Database, user_ids: list[int]) -> None:
    # argon2 is slow on purpose (about 0.1 s a hash); the demo users share
    # one password, so the first user's hash serves them all.
    with db.cursor() as cur:
        cur.execute(
            "UPDATE users SET password_hash = (SELECT password_hash FROM users "
            "WHERE id = ?) WHERE list_contains(?, id)",
            [user_ids[0], user_ids],
        )


def _plan(users: dict[str, tuple[int, int]], orders: int) -> list[Share]:
    total_contacts = min(MAX_CONTACTS, max(60, orders // 20))
    contact_counts = [round(total_contacts * share) for share in _CONTACT_SHARES]
    contact_counts[1] = total_contacts - contact_counts[0]
    contact_counts[2] = _INITECH_CONTACTS
    order_counts = [round(orders * share) for share in _ORDER_SHARES]
    order_counts[1] = orders - order_counts[0]

    shares, contact_lo, deal_lo, order_lo = [], 0, 0, 0
    for spec, contacts, count in zip(
        DEMO_ACCOUNTS, contact_counts, order_counts, strict=True
    ):
        deals = deals_for(contacts)
        shares.append(
            Share(
                account_id=users[spec.users[0].email][0],
                contact_lo=contact_lo,
                contacts=contacts,
                deal_lo=deal_lo,
                deals=deals,
                order_lo=order_lo,
                order_hi=order_lo + count,
                owners=[users[e][1] for e in spec.contact_owners],
                deal_owners=[users[e][1] for e in spec.deal_owners],
            )
        )
        contact_lo, deal_lo, order_lo = (
            contact_lo + contacts,
            deal_lo + deals,
            order_lo + count,
        )
    return shares


def _summarize(db: Database, account_ids: list[int]) -> DemoSummary:
    counts = []
    with db.cursor() as cur:
        for table in (
            "accounts",
            "users",
            "contacts",
            "deals",
            "orders",
            "order_status_history",
        ):
            column = "id" if table == "accounts" else "account_id"
            counts.append(
                cur.execute(
                    f"SELECT count(*) FROM {table} WHERE list_contains(?, {column})",
                    [account_ids],
                ).fetchone()[0]
            )
    return DemoSummary(*counts)
