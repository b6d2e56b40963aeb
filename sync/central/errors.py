"""Errors of the reference central. Each carries the HTTP status and protocol code it answers."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from sync.errors import SyncError

M = TypeVar("M", bound=BaseModel)


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


def first_problem(err: ValidationError) -> str:
    """``where: what`` of the first problem pydantic found (``views.0.expires_at: …``)."""
    first = err.errors()[0]
    return ".".join(str(p) for p in first["loc"]) + f": {first['msg']}"


def parse_json(model: type[M], text: str | bytes, code: str) -> M:
    """``text`` read as ``model``; raises CentralError 400 ``code`` naming the first problem."""
    try:
        return model.model_validate_json(text)
    except ValidationError as err:
        raise CentralError(400, code, first_problem(err)) from err
