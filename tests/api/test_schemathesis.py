"""Requests generated from /api/openapi.json by schemathesis: no 5xx, ever.

Every operation gets a few schema-conforming and a few schema-breaking cases
(bounded, so the suite stays fast). Token routes run as an admin of account
A; signed routes mostly answer 401, which is the point of them.
"""

from __future__ import annotations

import pytest
import schemathesis
from apikit import build_world
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from registry.api import RateLimit, standalone
from registry.store import Database

EXAMPLES = 8


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    db = Database(tmp_path_factory.mktemp("schemathesis") / "registry.duckdb")
    world = build_world(db)
    app = standalone(lambda: db, rate_limit=RateLimit(per_second=1e6, burst=10**6))
    yield world, app
    db.close()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_operation_answers_a_server_error(served, mode):
    world, app = served
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    headers = {"Authorization": f"Bearer {world.tokens['admin']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14

    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case):
            response = case.call(headers=headers)
            case.validate_response(
                response, checks=[not_a_server_error], headers=headers
            )

        no_server_error()
