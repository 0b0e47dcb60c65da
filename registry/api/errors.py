"""Every API error as JSON: {"error": {"code", "message", "field"?}}.

The registry's own exceptions map to statuses here, so routes raise domain
errors and never build error responses themselves.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ..errors import (
    AuthenticationFailed,
    DatabaseLocked,
    ModuleDisabled,
    NotFound,
    PermissionDenied,
    RegistryError,
    ValidationError,
)
from ..ingest import IntakeBusy

log = logging.getLogger(__name__)


class RateLimited(RegistryError):
    """A token sent more requests than its rate allows."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many requests for this token; retry in {retry_after} s.")
        self.retry_after = retry_after


class BodyTooLarge(HTTPException):
    """A request body over the limit; an HTTPException so that FastAPI's own
    body reading lets it through untouched."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.")


# Most specific first: the first matching class decides.
_STATUS: tuple[tuple[type[RegistryError], int, str], ...] = (
    (ValidationError, 422, "invalid"),
    (NotFound, 404, "not_found"),
    (ModuleDisabled, 403, "module_disabled"),
    (PermissionDenied, 403, "forbidden"),
    (AuthenticationFailed, 401, "unauthorized"),
    (RateLimited, 429, "rate_limited"),
    (IntakeBusy, 503, "busy"),
    (DatabaseLocked, 503, "database_locked"),
)
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    """The error envelope every non-2xx answer carries."""
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    return {"error": error}


def describe(exc: RegistryError) -> tuple[int, dict[str, Any]]:
    """The status and JSON body an error answers with (also used per item
    in batch results)."""
    for cls, status, code in _STATUS:
        if isinstance(exc, cls):
            field = exc.field if isinstance(exc, ValidationError) else None
            return status, error_body(code, exc.message, field)
    return 400, error_body("bad_request", exc.message)


def _headers(exc: RegistryError) -> dict[str, str]:
    if isinstance(exc, RateLimited):
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, IntakeBusy | DatabaseLocked):
        return {"Retry-After": "1"}
    if isinstance(exc, AuthenticationFailed):
        return {"WWW-Authenticate": 'Bearer realm="registry"'}
    return {}


async def _registry_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RegistryError)
    status, body = describe(exc)
    return JSONResponse(body, status_code=status, headers=_headers(exc))


def _field(loc: tuple[Any, ...]) -> str | None:
    # FastAPI locations look like ("body", "orders", 3, "value") or
    # ("query", "limit"); the leading part says where, not which field.
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(parts) or None


async def _request_invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    field = _field(tuple(first.get("loc", ())))
    message = str(first.get("msg", "invalid request"))
    if field:
        message = f"{field}: {message}"
    return JSONResponse(error_body("invalid", message, field), status_code=422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    return JSONResponse(
        error_body(code, str(exc.detail)),
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return JSONResponse(
        error_body("internal", "Something went wrong on our side; try again."),
        status_code=500,
    )


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the JSON shape."""
    app.add_exception_handler(RegistryError, _registry_error)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
