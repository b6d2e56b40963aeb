"""The gate of a web console (an ASGI middleware over every request under its prefix).

- Every answer gets a Content-Security-Policy that lets a page load only from the server itself
  (no inline script, no inline style, nothing from outside), plus ``nosniff``, no framing and
  no referrer to other sites. Pages (not static files) are ``Cache-Control: no-store``.
- Every request that may change something (any method but GET/HEAD/OPTIONS), except the login
  form (which has its own double-submit token, :mod:`weblogin.login`), must come from a live
  session and carry its CSRF token, as the form field ``csrf`` (urlencoded or multipart, as a
  photo upload sends it) or the ``X-CSRF-Token`` header; otherwise the answer is the 403 page
  and no route runs. A logout without any live session simply goes to the login page.
"""

from __future__ import annotations

import re
import secrets
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_MULTIPART_CSRF = re.compile(
    rb'content-disposition:[ \t]*form-data;[ \t]*name="csrf"\r\n\r\n([A-Za-z0-9_\-]{1,200})\r\n',
    re.I,
)

Denied = Callable[[Request, int, str, str], Response]


class HasCsrf(Protocol):
    @property
    def csrf(self) -> str: ...


class SessionLookup(Protocol):
    """What the gate needs of the sessions: the live one of a cookie value, or None."""

    def lookup(self, token: str, *, touch: bool = True) -> HasCsrf | None: ...


@dataclass(frozen=True)
class Console:
    """Where a console lives and what its refusals say: ``prefix`` (``/manage``), its
    ``session_cookie``, ``body_limit(path)`` (bytes), and the messages of a body too large, a
    request without a live session and one without the session's CSRF token."""

    prefix: str
    session_cookie: str
    body_limit: Callable[[str], int]
    too_large: str
    session_gone: str
    csrf_refused: str

    @property
    def login(self) -> str:
        return self.prefix + "/login"

    @property
    def logout(self) -> str:
        return self.prefix + "/logout"


class CsrfGuard:
    """Wraps the app; ``denied(request, status, title, message)`` draws the refusal page."""

    def __init__(
        self, app: ASGIApp, sessions: SessionLookup, denied: Denied, console: Console
    ) -> None:
        self.app = app
        self.sessions = sessions
        self.denied = denied
        self.console = console

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        where = self.console
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path != where.prefix and not path.startswith(where.prefix + "/"):
            await self.app(scope, receive, send)
            return
        send = _adding_headers(send, no_store=not path.startswith(where.prefix + "/static/"))
        if scope["method"] in SAFE_METHODS or path == where.login:
            await self.app(scope, receive, send)
            return
        try:
            body, replay = await _read_body(receive, where.body_limit(path))
        except _ClientGone:
            return  # the client left (or the body limit refused it) mid-body: no route runs
        request = Request(scope)
        if body is None:
            await self.denied(request, 413, "无法提交", where.too_large)(scope, replay, send)
            return
        cookie = request.cookies.get(where.session_cookie)
        session = self.sessions.lookup(cookie) if cookie else None
        if session is None and path == where.logout:
            await RedirectResponse(where.login, 303)(scope, replay, send)
            return
        sent = request.headers.get(CSRF_HEADER) or _form_field(request, body, "csrf")
        if session is None or not secrets.compare_digest(sent.encode(), session.csrf.encode()):
            message = where.session_gone if session is None else where.csrf_refused
            await self.denied(request, 403, "无法完成操作", message)(scope, replay, send)
            return
        await self.app(scope, replay, send)


def _adding_headers(send: Send, *, no_store: bool) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {name.lower() for name, _ in headers}
            headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
            if no_store and b"cache-control" not in present:
                headers.append((b"cache-control", b"no-store"))
            message = {**message, "headers": headers}
        await send(message)

    return sending


class _ClientGone(Exception):
    """The client disconnected before its whole body arrived."""


async def _read_body(receive: Receive, limit: int) -> tuple[bytes | None, Receive]:
    """The whole request body (None past ``limit``), and a ``receive`` that hands it to the
    app again; raises _ClientGone if the client left before sending all of it."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            raise _ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None, receive
        chunks.append(chunk)
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _form_field(request: Request, body: bytes, name: str) -> str:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data" and name == "csrf":
        found = _MULTIPART_CSRF.search(body)
        return found.group(1).decode("ascii") if found else ""
    if kind != "application/x-www-form-urlencoded":
        return ""
    fields = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
    return fields.get(name, "")
