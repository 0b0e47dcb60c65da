"""What stands before every route: the body limit, JSON decoding, bearer
tokens and the per-token rate limit."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import ValidationError
from .errors import BodyTooLarge, RateLimited, error_body

MAX_BODY = 1024 * 1024


class BodyLimit:
    """Refuse bodies over `limit` bytes: at once when Content-Length says so,
    else as soon as the streamed body passes it."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            response = JSONResponse(
                error_body(
                    "payload_too_large",
                    f"The request body is larger than {self.limit} bytes.",
                ),
                status_code=413,
            )
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(body: bytes) -> Any:
    """Decode a request body; numbers with a fraction become Decimal, so money
    never passes through float."""
    if not body.strip():
        raise ValidationError("body", "is empty; send a JSON object")
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        raise ValidationError("body", f"is not valid JSON ({exc})") from None


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if any."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


@dataclass(frozen=True)
class RateLimit:
    """Requests per second a token may sustain, and the burst it may send."""

    per_second: float
    burst: int

    @classmethod
    def from_env(cls) -> RateLimit:
        """REGISTRY_API_RATE (per second, default 1000) and REGISTRY_API_BURST
        (default: one second's worth)."""
        rate = float(os.environ.get("REGISTRY_API_RATE") or 1000)
        burst = int(os.environ.get("REGISTRY_API_BURST") or max(rate, 1))
        return cls(rate, burst)


class RateLimiter:
    """A token bucket per API token, kept in this process's memory."""

    # Buckets are keyed before the token is checked, so unknown tokens make
    # buckets too: past this many, the oldest are forgotten.
    MAX_BUCKETS = 10_000

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, token: str) -> None:
        """Spend one request of the token's bucket, or raise RateLimited."""
        key = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        rate, burst = self.limit.per_second, self.limit.burst
        with self._lock:
            level, then = self._buckets.pop(key, (float(burst), now))
            level = min(float(burst), level + (now - then) * rate)
            if len(self._buckets) >= self.MAX_BUCKETS:
                del self._buckets[next(iter(self._buckets))]
            if level < 1:
                self._buckets[key] = (level, now)
                wait = (1 - level) / rate if rate > 0 else 60
                raise RateLimited(max(1, int(wait + 0.999)))
            self._buckets[key] = (level - 1, now)
