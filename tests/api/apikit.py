"""Helpers for the API tests: a synchronous ASGI client, order bodies and
signed deliveries."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx

from registry import accounts, channels, crm, tokens
from registry.models import Contact, Deal, User
from registry.store import Database

ORDER_DATE = "2024-03-01"


class Api:
    """A synchronous face on an ASGI client: one event loop per request."""

    def __init__(self, app: Any, token: str | None = None) -> None:
        self.app = app
        self.token = token

    def as_(self, token: str | None) -> Api:
        return Api(self.app, token)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.token and "authorization" not in {k.lower() for k in headers}:
            headers["Authorization"] = f"Bearer {self.token}"

        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://registry.test"
            ) as client:
                return await client.request(method, path, headers=headers, **kwargs)

        return anyio.run(send)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)


@dataclass
class World:
    db: Database
    accounts: dict[str, int] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    deals: dict[str, Deal] = field(default_factory=dict)
    secrets: dict[tuple[str, str], str] = field(default_factory=dict)

    def count(self, table: str = "orders") -> int:
        with self.db.cursor() as cur:
            return cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]

    def log(self) -> list[tuple]:
        with self.db.cursor() as cur:
            return cur.execute(
                "SELECT channel, source, external_id, order_id, outcome, reason "
                "FROM ingestion_log ORDER BY id"
            ).fetchall()


USERS = {
    # key: (account, is_admin, crm_manage, scope, team)
    "admin": ("a", True, False, "own", "north"),
    "rep": ("a", False, True, "own", "north"),
    "rep2": ("a", False, True, "own", "south"),
    "analyst": ("a", False, False, "all", "north"),
    "admin_b": ("b", True, False, "own", None),
    "admin_c": ("c", True, False, "own", None),
}


def build_world(db: Database) -> World:
    world = World(db)
    for key, enabled in (("a", True), ("b", True), ("c", False)):
        account = accounts.create_account(db, f"Account {key.upper()}", "BRL")
        accounts.update_account(
            db, account.id, orders_enabled=enabled, owner_privacy=key == "a"
        )
        world.accounts[key] = account.id
    for key, (account, admin, manage, scope, team) in USERS.items():
        user = accounts.create_user(
            db,
            world.accounts[account],
            email=f"{key}@{account}.example",
            name=key.title(),
            password=None,
            is_admin=admin,
            crm_manage=manage,
            scope=scope,
            team=team,
        )
        world.users[key] = user
        world.tokens[key] = tokens.issue_token(db, user.id, "tests").token
    for key, owner in (("rep", "rep"), ("rep2", "rep2"), ("b", "admin_b")):
        user = world.users[owner]
        world.contacts[key] = crm.create_contact(
            db,
            user.account_id,
            name=f"{key.title()} Buyer",
            email=f"{key}.buyer@example.com",
            owner_id=user.id,
        )
        world.deals[key] = crm.create_deal(
            db, world.contacts[key].id, title=f"{key} deal", owner_id=user.id
        )
    for account in ("a", "c"):
        for channel in channels.CHANNELS:
            secret = channels.rotate_account_secret(
                db, world.accounts[account], channel
            )
            world.secrets[(account, channel)] = secret
    return world


def order_body(contact_id: int, **fields: Any) -> dict[str, Any]:
    body = {
        "contact_id": contact_id,
        "title": "Annual plan",
        "value": "1234.50",
        "order_date": ORDER_DATE,
    }
    body.update(fields)
    return body


def signed(secret: str, payload: Any, *, at: float | None = None) -> dict[str, Any]:
    """Request kwargs for a delivery signed the registry's way."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    timestamp = str(int(time.time() if at is None else at))
    return {
        "content": body,
        "headers": {
            "Content-Type": "application/json",
            "X-Registry-Timestamp": timestamp,
            "X-Registry-Signature": channels.sign(secret, timestamp, body),
        },
    }
