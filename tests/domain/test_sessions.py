"""Browser sessions: a token opens its user's session until it ends."""

from __future__ import annotations

import datetime as dt

from registry import accounts, sessions


def _user(db):
    account = accounts.create_account(db, "Acme")
    return accounts.create_user(
        db, account.id, email="ana@acme.test", name="Ana", password="long-enough"
    )


def test_a_token_opens_its_users_session_until_closed(db):
    user = _user(db)
    token = sessions.open_session(db, user.id)

    assert sessions.user_for_session(db, token) == user.id
    sessions.close_session(db, token)
    assert sessions.user_for_session(db, token) is None


def test_only_the_token_opens_the_session(db):
    user = _user(db)
    token = sessions.open_session(db, user.id)

    assert sessions.user_for_session(db, token[:-1]) is None
    assert sessions.user_for_session(db, "") is None
    assert sessions.user_for_session(db, None) is None
    with db.cursor() as cur:
        stored = cur.execute("SELECT token_hash FROM web_sessions").fetchone()[0]
    assert token not in stored


def test_an_expired_session_opens_nothing(db):
    user = _user(db)
    token = sessions.open_session(db, user.id)
    with db.cursor() as cur:
        cur.execute(
            "UPDATE web_sessions SET expires_at = ?",
            [dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)],
        )

    assert sessions.user_for_session(db, token) is None
