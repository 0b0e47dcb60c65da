"""Report fixtures: a small demo dataset shared by the read-only tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from truth import TODAY

from registry import demo
from registry.store import Database

DEMO_ORDERS = 30_000


@pytest.fixture(scope="package")
def demo_db(tmp_path_factory) -> Iterator[Database]:
    """The demo dataset at a small size; tests must not write to it."""
    db = Database(tmp_path_factory.mktemp("demo") / "registry.duckdb")
    demo.load(db, orders=DEMO_ORDERS, seed=11, today=TODAY)
    yield db
    db.close()
