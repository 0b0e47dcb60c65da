"""The FastAPI application of the HTTP intake.

Routes live under /v1 inside this app; the Streamlit `st.App` mounts it at
/api, so clients call /api/v1/…, and the OpenAPI document and docs answer
at /api/openapi.json and /api/docs (FastAPI prefixes the mount's root path).
A mounted app's lifespan never runs, so nothing here depends on one: the
database is resolved on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi_offline import FastAPIOffline
from starlette.applications import Starlette
from starlette.routing import Mount

from ..store import Database, connect
from . import crm, errors, hooks, orders, schemas
from .guard import MAX_BODY, BodyLimit, RateLimit, RateLimiter

DESCRIPTION = """\
The Orders Registry's intake: orders, contacts and deals for integrations.

* Authenticate with `Authorization: Bearer <token>`; the token's user is the
  actor, so the module switch, the CRM-management permission and the wallet
  apply as in the app.
* Money travels as a decimal string (`"1234.50"`); a JSON number is accepted
  on input. Dates are `YYYY-MM-DD`; times are UTC ISO 8601.
* Errors are `{"error": {"code", "message", "field"?}}`.
* Sending an order whose `external_id` the account already holds for that
  source updates it: retries never duplicate.
"""


def create_app(
    get_db: Callable[[], Database] | None = None,
    *,
    rate_limit: RateLimit | None = None,
    max_body: int = MAX_BODY,
) -> FastAPI:
    """Build the intake API; `get_db` defaults to the process's database."""
    # The docs page's scripts are served from the package, not from a CDN,
    # so /api/docs works on a network that reaches only this server.
    app = FastAPIOffline(
        title="Orders Registry API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.get_db = get_db or connect
    app.state.limiter = RateLimiter(rate_limit or RateLimit.from_env())
    app.add_middleware(BodyLimit, limit=max_body)
    errors.install(app)
    for module in (orders, crm, hooks):
        app.include_router(module.router)
    app.openapi = lambda: _document(app)  # type: ignore[method-assign]
    return app


def standalone(
    get_db: Callable[[], Database] | None = None, **options: Any
) -> Starlette:
    """The API alone, mounted at /api as the app serves it: for tests,
    benchmarks and `uvicorn registry.api:standalone --factory`."""
    return Starlette(routes=[Mount("/api", app=create_app(get_db, **options))])


def _document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, plus the bodies the routes read themselves."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for model in schemas.DOCUMENTED_ONLY:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        components[model.__name__] = schema
    app.openapi_schema = document
    return document
