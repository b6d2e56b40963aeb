"""How much central reads of a request body: a limit per route, enforced before reading.

Central faces the WAN, so no client may make it hold more than a route needs. The events route
takes one batch: at most ``MAX_BATCH_BYTES`` as sent (gzip) and again once inflated (the hub's
``sync.batch_max_bytes`` is at most that), and so do the figures route (one day's snapshot) and the phone views route; every other route takes a few hundred bytes of JSON or
nothing, so ``SMALL_BODY_BYTES``. A declared ``Content-Length`` over the limit is refused before
any of the body is read; a chunked body is counted as it arrives and refused once it passes the
limit, so at most the limit (plus one network read) is ever held.
"""

from __future__ import annotations

from sync.central.errors import CentralError
from sync.wire import API_PREFIX, MAX_BATCH_BYTES

SMALL_BODY_BYTES = 4096
"""Enrollment's body is under 600 bytes even with every character escaped; GETs have none."""

_HALLS = API_PREFIX + "/halls/"


class BodyTooLarge(CentralError):
    """``413 too_large``: the body is over the route's limit (declared, or counted so far)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, "too_large", f"a request body here is at most {limit} bytes")
        self.limit = limit


def body_limit(path: str) -> int:
    """The most body bytes central reads for a request to ``path``."""
    if path.startswith(_HALLS) and (
        path.endswith(("/events", "/phone-views")) or "/figures/" in path
    ):
        return MAX_BATCH_BYTES
    return SMALL_BODY_BYTES


def declared_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """The request's ``Content-Length`` (the server has checked its form), or None if absent."""
    for name, value in headers:
        if name.lower() == b"content-length" and value.strip().isdigit():
            return int(value)
    return None


class BodyCounter:
    """Counts the body bytes of one request as they arrive; raises once past the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.received = 0

    def add(self, size: int) -> None:
        """Note ``size`` more bytes; raises BodyTooLarge once the total is over the limit."""
        self.received += size
        if self.received > self.limit:
            raise BodyTooLarge(self.limit)
