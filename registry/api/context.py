"""Per-request context: the database and who is calling."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..errors import AuthenticationFailed
from ..models import Actor
from ..store import Database
from ..tokens import authenticate_token

_bearer = HTTPBearer(
    auto_error=False,
    description="An API token: `registry token create --email E`, or Settings.",
)


@dataclass(frozen=True)
class Caller:
    """The token's user as an actor, and the token, for the ingestion log."""

    actor: Actor
    token_id: int


def database(request: Request) -> Database:
    """The database this app was built for."""
    return request.app.state.get_db()


def bearer(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The bearer token, after spending one request of its rate (429); the
    token itself is checked by whoever uses it (401)."""
    if credentials is None or not credentials.credentials:
        raise AuthenticationFailed(
            "An API token is required: send Authorization: Bearer <token>."
        )
    request.app.state.limiter.take(credentials.credentials)
    return credentials.credentials


def caller(request: Request, token: Annotated[str, Depends(bearer)]) -> Caller:
    """The token's user as the actor (401 when unknown or revoked)."""
    found = authenticate_token(database(request), token)
    return Caller(found.actor, found.token_id)


Db = Annotated[Database, Depends(database)]
Token = Annotated[str, Depends(bearer)]
Auth = Annotated[Caller, Depends(caller)]
