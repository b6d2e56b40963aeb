"""The hub's request body limit: an ASGI middleware in front of everything the hub serves.

No request to the hub needs more than a few kilobytes; the largest (a case with its list of
materials, a console form) stays well below :data:`MAX_BODY_BYTES`. A body declared larger
(``Content-Length``) is refused with 413 before any of it is read; a body of unknown length
(``Transfer-Encoding: chunked``) is counted as it arrives and refused as soon as it passes the
limit, so the hub never holds more than the limit plus one network read of it. The refusal is
the hub's JSON error, in Chinese, with ``Connection: close`` so the rest of the body is not
even parsed. The numbers are in docs/security.md ("Limits").
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 64 * 1024
"""The largest request body the hub accepts, in bytes (any route, any method)."""

TOO_LARGE_CODE = "body_too_large"
TOO_LARGE_MESSAGE = f"请求内容过大：每个请求最多{MAX_BODY_BYTES // 1024} KB，已拒绝"


def _too_large_answer() -> tuple[Message, Message]:
    body = json.dumps(
        {"error": TOO_LARGE_CODE, "message": TOO_LARGE_MESSAGE, "limit_bytes": MAX_BODY_BYTES},
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


async def refuse_too_large(send: Send) -> None:
    """Answer 413 ``body_too_large`` and ask the server to close the connection."""
    for message in _too_large_answer():
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
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await refuse_too_large(send)
            return
        if not _is_chunked(scope):  # a declared length (or none): the parser holds the client to it
            await self.app(scope, receive, send)
            return
        body = await self._read_chunked(receive)
        if body is None:
            await refuse_too_large(send)
            return
        await self.app(scope, _replaying(body, receive), send)

    async def _read_chunked(self, receive: Receive) -> bytes | None:
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
            if size > self.max_bytes:
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
