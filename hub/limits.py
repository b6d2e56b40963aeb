"""The hub's request body limit: an ASGI middleware in front of everything the hub serves.

No request to the hub needs more than a few kilobytes; the largest (a case with its list of
materials, a console form) stays well below :data:`MAX_BODY_BYTES`. A body declared larger
(``Content-Length``) is refused with 413 before any of it is read; a body of unknown length
(``Transfer-Encoding: chunked``) is counted as it arrives and refused as soon as it passes the
limit, so the hub never holds more than the limit plus one network read of it. The refusal is
the hub's JSON error, in Chinese, with ``Connection: close`` so the rest of the body is not
even parsed. The numbers are in docs/security.md ("Limits").

One path takes more: a staff photo uploaded in the console (``/manage/staff/{工号}/photo``, a
JPEG or PNG of up to :data:`PHOTO_MAX_BYTES` in a form), up to :data:`PHOTO_BODY_BYTES`.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 64 * 1024
"""The largest request body the hub accepts, in bytes (any route, any method)."""

PHOTO_MAX_BYTES = 2 * 1024 * 1024
"""The largest staff photo the console takes."""

PHOTO_BODY_BYTES = PHOTO_MAX_BYTES + 64 * 1024
"""The body limit of a photo upload: the photo and its form around it."""

_PHOTO_PATH = re.compile(r"^/manage/staff/[A-Za-z0-9]{2,16}/photo$")


def body_limit(path: str, default: int = MAX_BODY_BYTES) -> int:
    """The body limit of a request to ``path``: ``default`` but for a staff photo upload."""
    return PHOTO_BODY_BYTES if _PHOTO_PATH.match(path) else default


TOO_LARGE_CODE = "body_too_large"
TOO_LARGE_MESSAGE = f"请求内容过大：每个请求最多{MAX_BODY_BYTES // 1024} KB，已拒绝"


def _too_large_answer(limit: int = MAX_BODY_BYTES) -> tuple[Message, Message]:
    message = (
        f"请求内容过大：照片最大{PHOTO_MAX_BYTES // (1024 * 1024)} MB，已拒绝"
        if limit == PHOTO_BODY_BYTES
        else TOO_LARGE_MESSAGE
    )
    body = json.dumps(
        {"error": TOO_LARGE_CODE, "message": message, "limit_bytes": limit},
        ensure_ascii=False,
    ).encode()
    start: Message = {
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, {"type": "http.response.body", "body": body, "more_body": False}


async def refuse_too_large(send: Send, limit: int = MAX_BODY_BYTES) -> None:
    """Answer 413 ``body_too_large`` and ask the server to close the connection."""
    for message in _too_large_answer(limit):
        await send(message)


def _declared_length(scope: Scope) -> int | None:
    """``Content-Length`` as a number; None when absent (the HTTP parser rejects bad ones)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _is_chunked(scope: Scope) -> bool:
    return any(
        name == b"transfer-encoding" and b"chunked" in value.lower()
        for name, value in scope.get("headers", ())
    )


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``max_bytes`` (default :data:`MAX_BODY_BYTES`).

    Install it outermost, so that nothing (the console's guard included) reads a body first.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope.get("path", ""), self.max_bytes)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await refuse_too_large(send, limit)
            return
        if not _is_chunked(scope):  # a declared length (or none): the parser holds the client to it
            await self.app(scope, receive, send)
            return
        body = await self._read_chunked(receive, limit)
        if body is None:
            await refuse_too_large(send, limit)
            return
        await self.app(scope, _replaying(body, receive), send)

    async def _read_chunked(self, receive: Receive, limit: int) -> bytes | None:
        """The whole body, counted as it arrives; None as soon as it passes the limit (or the
        client leaves: then the answer goes nowhere anyway)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app ``body`` whole, then whatever comes next (disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
