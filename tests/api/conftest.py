"""API fixtures: a small world on a fresh DuckDB file, and a client that
calls the API in-process over ASGI, mounted at /api exactly as it is served.

Account A has the Orders Registry on and owner-based privacy on; B is
another account; C has the module off.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from apikit import Api, World, build_world

from registry.api import RateLimit, standalone
from registry.store import Database


@pytest.fixture
def db(tmp_path) -> Iterator[Database]:
    database = Database(tmp_path / "registry.duckdb")
    yield database
    database.close()


@pytest.fixture
def world(db) -> World:
    return build_world(db)


@pytest.fixture
def app(db):
    return standalone(lambda: db, rate_limit=RateLimit(per_second=1000, burst=1000))


@pytest.fixture
def api(app) -> Api:
    """Unauthenticated; `api.as_(token)` for a user."""
    return Api(app)
