"""The console's gate (an ASGI middleware over every ``/manage`` request): the shared
:class:`weblogin.guard.CsrfGuard` with the hub's cookie, body limit and words.

Every answer gets the security headers (a Content-Security-Policy allowing only the hub
itself); every POST but the login form must come from a live session with its CSRF token,
otherwise the 403 page and no route runs (see :mod:`weblogin.guard`).
"""

from __future__ import annotations

from starlette.types import ASGIApp

from hub.actor_auth import SESSION_COOKIE
from hub.limits import MAX_BODY_BYTES, body_limit
from hub.manage import texts
from hub.sessions import Sessions
from weblogin.guard import CSP, SECURITY_HEADERS, Console, CsrfGuard, Denied

PREFIX = "/manage"
MAX_BODY = MAX_BODY_BYTES  # the hub's own limit (hub.limits) refuses anything larger first
MANAGE = Console(
    prefix=PREFIX,
    session_cookie=SESSION_COOKIE,
    body_limit=lambda path: body_limit(path, MAX_BODY),
    too_large=texts.TOO_LARGE,
    session_gone=texts.SESSION_GONE,
    csrf_refused=texts.CSRF_REFUSED,
)

__all__ = ["CSP", "MANAGE", "PREFIX", "SECURITY_HEADERS", "ConsoleGuard"]


class ConsoleGuard(CsrfGuard):
    """Wraps the hub's app; ``denied(request, status, title, message)`` draws the refusal page."""

    def __init__(self, app: ASGIApp, sessions: Sessions, denied: Denied) -> None:
        super().__init__(app, sessions, denied, MANAGE)
