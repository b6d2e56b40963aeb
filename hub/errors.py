"""Errors of the hub. Each carries a stable code and a sentence a hall's user understands."""

from __future__ import annotations

from typing import Any


class HubError(Exception):
    """Base error of the hub: ``code`` is stable for programs, ``message`` is for people, and
    ``details`` (optional) the facts a program needs, so nobody parses the sentence (the ticket
    a citizen already holds, …); the API answers them as ``details``."""

    status = 400

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


class NotFound(HubError):
    """The thing asked for does not exist (HTTP 404)."""

    status = 404


class Conflict(HubError):
    """Not possible in the current state (HTTP 409): the message says why and what to do."""

    status = 409


class Invalid(HubError):
    """The request itself is wrong (HTTP 422)."""

    status = 422


class Unauthorized(HubError):
    """No token, or a token the hub does not know (HTTP 401)."""

    status = 401


class Forbidden(HubError):
    """The token's role or window does not allow this (HTTP 403)."""

    status = 403


class Locked(HubError):
    """Locked for a while (HTTP 423): too many wrong PINs; the message says until when."""

    status = 423


class Busy(HubError):
    """Too much at once: 429 when it is the caller's own share that is used up, 503 when it is
    the hub's; ``retry_after`` is in seconds (sent as ``Retry-After``)."""

    def __init__(self, code: str, message: str, *, status: int, retry_after: int) -> None:
        super().__init__(code, message)
        self.status = status
        self.retry_after = retry_after
