"""Errors of the reference central. Each carries the HTTP status and protocol code it answers."""

from __future__ import annotations

from sync.errors import SyncError


class CentralError(SyncError):
    """A request central refuses: ``status`` (HTTP) and ``code`` (the protocol's error code)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class UnknownHall(CentralError):
    """No hall with that id."""

    def __init__(self, hall: str) -> None:
        super().__init__(404, "unknown_hall", f"no hall {hall!r} on this central")


class BadInput(CentralError):
    """An operator's input (catalog file, appointment) does not hold; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(400, "bad_input", message)
