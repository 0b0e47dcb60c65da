"""HTTP routes that put the session token into an HttpOnly cookie.

A Streamlit script cannot set cookies, so after signing in the page posts
the new token here and the browser keeps it; later page loads read it
through `st.context.cookies`. JavaScript never reads the cookie back.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from registry import sessions, store


def _same_origin(request: Request) -> bool:
    """Refuse cross-site posts, so no other site can plant a session (login
    CSRF); browsers send Origin on every fetch POST and DELETE."""
    origin = request.headers.get("origin")
    return origin is not None and urlsplit(origin).netloc == request.url.netloc


async def set_session(request: Request) -> Response:
    if not _same_origin(request):
        return Response(status_code=403)
    token = (await request.body()).decode(errors="replace").strip()
    if sessions.user_for_session(store.connect(), token) is None:
        return Response(status_code=403)
    response = Response(status_code=204)
    response.set_cookie(
        sessions.COOKIE,
        token,
        max_age=int(sessions.LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


async def clear_session(request: Request) -> Response:
    if not _same_origin(request):
        return Response(status_code=403)
    sessions.close_session(store.connect(), request.cookies.get(sessions.COOKIE))
    response = Response(status_code=204)
    response.delete_cookie(sessions.COOKIE, httponly=True, samesite="strict")
    return response


SESSION_PATH = "/auth/session"

routes = [
    Route(SESSION_PATH, set_session, methods=["POST"]),
    Route(SESSION_PATH, clear_session, methods=["DELETE"]),
]
