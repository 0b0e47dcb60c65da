"""Browser sessions that outlive a page reload: a random token in a cookie,
its SHA-256 in the database, an expiry, and a way to end it."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from .store import Database

log = logging.getLogger(__name__)

COOKIE = "registry_session"
LIFETIME = dt.timedelta(days=14)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def open_session(db: Database, user_id: int) -> str:
    """Start a session for a user who just proved who they are; the token."""
    token = secrets.token_urlsafe(32)
    now = _now()
    with db.cursor() as cur:
        cur.execute(
            "INSERT INTO web_sessions VALUES (?, ?, ?, ?)",
            [_digest(token), user_id, now, now + LIFETIME],
        )
    return token


def user_for_session(db: Database, token: str | None) -> int | None:
    """The user whose live session `token` is, or None."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    with db.cursor() as cur:
        row = cur.execute(
            "SELECT user_id FROM web_sessions WHERE token_hash = ? AND expires_at > ?",
            [_digest(token), _now()],
        ).fetchone()
    return row[0] if row else None


def close_session(db: Database, token: str | None) -> None:
    """End a session (sign-out); the cookie alone no longer opens anything."""
    if not token:
        return
    with db.cursor() as cur:
        cur.execute(
            "DELETE FROM web_sessions WHERE token_hash = ? OR expires_at <= ?",
            [_digest(token), _now()],
        )
