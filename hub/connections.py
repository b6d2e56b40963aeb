"""The hub's connection limits: what uvicorn's HTTP protocol does not bound by itself.

uvicorn (0.55, httptools) waits for a request's line and headers for ever, holds headers of any
size, and its only cap, ``limit_concurrency``, counts half-sent connections too, so a slow
client that opens enough of them gets every other client a 503. :class:`GuardedHttp` wraps
uvicorn's protocol with three limits (numbers in docs/security.md, "Limits"):

- **Request timeout.** A request must arrive whole (line, headers and body) within
  ``request_timeout`` seconds of the connection opening or of its first byte on a kept-alive
  connection; otherwise the hub answers 408 (if it can) and closes the connection. Idle
  kept-alive connections are uvicorn's (closed after 5 s).
- **Header size.** Request line and headers together at most ``max_header_bytes``: 431 and
  closed beyond.
- **Connections.** At most ``max_connections`` open at once (fewer when the process may open
  fewer files: its open-files limit less :data:`FILES_RESERVED`, read as each connection
  arrives). One more pushes out the
  connection that has waited longest without a whole request (half-sent, or idle between
  requests); only when every connection is busy with a request or an event stream is the
  newcomer refused, with 503 and ``Retry-After``. A flood of slow connections therefore costs
  the hall's boxes nothing: their requests arrive whole within milliseconds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import resource
import weakref
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_SECONDS = 10.0
MAX_HEADER_BYTES = 16 * 1024
MAX_CONNECTIONS = 1500
"""Room for the hall's boxes, their event streams and the citizens' phone pages
(:mod:`hub.phone.stream`, up to 1000) together."""
FILES_RESERVED = 128
"""Open files kept for the store, logs and the rest when the open-files limit is what caps
connections."""
RETRY_AFTER_SECONDS = 5


@dataclass(frozen=True)
class ConnectionLimits:
    """The limits one server applies (defaults: the module's constants)."""

    request_timeout: float = REQUEST_TIMEOUT_SECONDS
    max_header_bytes: int = MAX_HEADER_BYTES
    max_connections: int = MAX_CONNECTIONS


def connection_cap(limits: ConnectionLimits) -> int:
    """Connections kept at once: ``limits.max_connections``, or fewer when the open-files
    limit (as it is now: an operator may change it on a running process) leaves less room."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return limits.max_connections
    return max(16, min(limits.max_connections, soft - FILES_RESERVED))


def _answer(status: int, reason: str, code: str, message: str, retry_after: int = 0) -> bytes:
    """A whole HTTP/1.1 answer with the hub's JSON error, asking to close the connection."""
    body = json.dumps({"error": code, "message": message}, ensure_ascii=False).encode()
    head = [
        f"HTTP/1.1 {status} {reason}",
        "content-type: application/json",
        f"content-length: {len(body)}",
        "connection: close",
    ]
    if retry_after:
        head.append(f"retry-after: {retry_after}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


TIMED_OUT = _answer(
    408, "Request Timeout", "request_timeout", "请求发送超时，连接已关闭，请重新发送"
)
HEADERS_TOO_LARGE = _answer(
    431,
    "Request Header Fields Too Large",
    "headers_too_large",
    f"请求头过大：最多{MAX_HEADER_BYTES // 1024} KB，已拒绝",
)
TOO_MANY = _answer(
    503,
    "Service Unavailable",
    "too_many_connections",
    "集中控制器当前连接过多，请稍后重试",
    retry_after=RETRY_AFTER_SECONDS,
)

REPORT_EVERY_SECONDS = 60.0


class _Book:
    """One server's connections without a whole request yet (longest waiting first), and the
    count of what the limits did, logged in one line a minute at most while they are at work."""

    def __init__(self) -> None:
        self.waiting: OrderedDict[GuardedHttp, None] = OrderedDict()
        self.done: Counter[str] = Counter()
        self.next_report = 0.0

    def count(self, what: str, now: float) -> None:
        self.done[what] += 1
        if now >= self.next_report:
            done = ", ".join(f"{n} {w}" for w, n in sorted(self.done.items()))
            log.warning("connection limits at work since the last report: %s", done)
            self.done.clear()
            self.next_report = now + REPORT_EVERY_SECONDS


_books: weakref.WeakKeyDictionary[ServerState, _Book] = weakref.WeakKeyDictionary()


class GuardedHttp(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits of :class:`ConnectionLimits`.

    Use :func:`guarded_protocol` to get the class for a given set of limits; all of it runs
    on the server's event loop, so no locks.
    """

    limits = ConnectionLimits()

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._book = _books.setdefault(server_state, _Book())
        self._waiting = self._book.waiting
        self._timer: asyncio.TimerHandle | None = None
        self._in_head = True
        self._head_bytes = 0

    # -- the connection ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_waiting()
        if len(self.connections) > connection_cap(self.limits) and not self._push_out_oldest():
            self._book.count("refused (all connections busy)", self.loop.time())
            self._refuse(TOO_MANY)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # While the head is incomplete, feed the parser no more than the head may still take,
        # so that the body arriving in the same read is never counted as head.
        while self._in_head and data:
            room = self.limits.max_header_bytes - self._head_bytes
            if room <= 0:
                self._book.count("headers too large", self.loop.time())
                self._refuse(HEADERS_TOO_LARGE)
                return
            piece, data = data[:room], data[room:]
            self._head_bytes += len(piece)
            super().data_received(piece)
            if self.transport.is_closing():
                return
        if data:
            super().data_received(data)

    # -- one request ---------------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._timer is None:
            self._start_waiting()

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._stop_waiting()  # the request is whole: it may now take as long as it needs
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.timeout_keep_alive_task is not None:  # idle until the next request
            self._in_head = True
            self._head_bytes = 0
            self._waiting.pop(self, None)
            self._waiting[self] = None  # may be pushed out; uvicorn times the idleness

    # -- helpers -----------------------------------------------------------------------------

    def _start_waiting(self) -> None:
        self._in_head = True
        self._head_bytes = 0
        self._waiting.pop(self, None)
        self._waiting[self] = None
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.loop.call_later(self.limits.request_timeout, self._timed_out)

    def _stop_waiting(self) -> None:
        self._waiting.pop(self, None)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _timed_out(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        self._book.count("timed out", self.loop.time())
        if self.cycle is None or self.cycle.response_complete:
            self._refuse(TIMED_OUT)  # nothing of this request reached the app: say why
        else:
            self.transport.close()  # the app has the request and will see the disconnect

    def _push_out_oldest(self) -> bool:
        """Close the connection that has waited longest without a whole request (not this
        one); False if every other connection is busy."""
        for other in self._waiting:
            if other is not self and not other.transport.is_closing():
                self._book.count("pushed out by newer ones", self.loop.time())
                other._stop_waiting()
                other.transport.close()
                return True
        return False

    def _refuse(self, answer: bytes) -> None:
        self._stop_waiting()
        self.transport.write(answer)
        self.transport.close()


def guarded_protocol(limits: ConnectionLimits | None = None) -> type[GuardedHttp]:
    """The protocol class to give uvicorn (``http=``) for these limits (default: the hub's)."""
    return type("GuardedHttp", (GuardedHttp,), {"limits": limits or ConnectionLimits()})
