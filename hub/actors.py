"""Who is acting on the hall's administration: a person signed in to the console, or the hub's
admin token (a technician's script, an integration).

Boxes (kiosks, counters, boards) act with device tokens (:mod:`hub.auth`); people act with
accounts (:mod:`hub.accounts`) and a console session. An :class:`Actor` is what the management
API, the console and the audit log see of either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

PERSON_ROLES = ("manager", "supervisor", "technician")
"""负责人 (everything), 督查 (reads all; verifies and closes follow-ups), 技术 (devices only)."""

ROLE_NAMES = {
    "manager": "负责人",
    "supervisor": "督查",
    "technician": "技术人员",
    "admin": "管理令牌",
}

READ_ROLES = ("manager", "supervisor")
"""Who may read the hall's figures, follow-ups, alerts and feedback."""


@dataclass(frozen=True)
class Actor:
    """A person (``via="session"``) or the admin token (``via="token"``).

    ``name`` is the account's user name or the token's name; ``role`` one of
    :data:`PERSON_ROLES`, or ``admin`` for the admin token, which may do everything.
    """

    name: str
    role: str
    via: Literal["session", "token"]

    def may(self, *roles: str) -> bool:
        """Whether this actor has one of ``roles`` (the admin token always has)."""
        return self.role == "admin" or self.role in roles

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)


class Session(Protocol):
    """A signed-in console session, as :mod:`hub.accounts` keeps it."""

    @property
    def actor(self) -> Actor: ...

    @property
    def csrf(self) -> str: ...


class SessionLookup(Protocol):
    """Finds the live session of a cookie value (and counts the request as activity)."""

    def lookup(self, token: str) -> Session | None: ...
