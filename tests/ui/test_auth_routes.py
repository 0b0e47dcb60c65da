"""The cookie routes: same-origin only, and only for a live session."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import anyio
import httpx
import pytest
from starlette.applications import Starlette

from registry import accounts, sessions, store
from ui import auth_routes

ORIGIN = {"origin": "http://testserver"}


class Client:
    """Calls the routes in-process over ASGI."""

    app = Starlette(routes=auth_routes.routes)

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver"
            ) as client:
                return await client.request(method, path, **kwargs)

        # A thread of its own: the browser tests leave Playwright's event
        # loop running in this one, where `anyio.run` refuses to start.
        with ThreadPoolExecutor(1) as thread:
            return thread.submit(anyio.run, call).result()

    def post(self, path: str, **kwargs) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_DB", str(tmp_path / "registry.duckdb"))
    store.close_all()
    yield Client()
    store.close_all()


@pytest.fixture
def token():
    db = store.connect()
    account = accounts.create_account(db, "Acme")
    user = accounts.create_user(
        db, account.id, email="ana@acme.test", name="Ana", password="long-enough"
    )
    return sessions.open_session(db, user.id)


def test_a_live_token_becomes_an_http_only_cookie(client, token):
    response = client.post("/auth/session", content=token, headers=ORIGIN)

    assert response.status_code == 204
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{sessions.COOKIE}={token}")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie


@pytest.mark.parametrize(
    "headers", [{}, {"origin": "http://elsewhere.example"}], ids=["none", "other"]
)
def test_a_cross_site_post_is_refused(client, token, headers):
    response = client.post("/auth/session", content=token, headers=headers)

    assert response.status_code == 403
    assert "set-cookie" not in response.headers


def test_an_unknown_token_sets_no_cookie(client, token):
    response = client.post("/auth/session", content="made-up", headers=ORIGIN)

    assert response.status_code == 403
    assert "set-cookie" not in response.headers


def test_delete_ends_the_session_and_drops_the_cookie(client, token):
    cookie = {"cookie": f"{sessions.COOKIE}={token}"}

    response = client.delete("/auth/session", headers=ORIGIN | cookie)

    assert response.status_code == 204
    assert f'{sessions.COOKIE}=""' in response.headers["set-cookie"]
    assert sessions.user_for_session(store.connect(), token) is None
