"""Console sessions: who is signed in to ``/manage/``, in the hub's memory.

A session is a random id (the ``hallkit_session`` cookie, :data:`hub.actor_auth.SESSION_COOKIE`)
with its person and a CSRF token of its own. It ends on logout, after
``manage.session_idle_minutes`` without a request (measured on the clock's monotonic time),
and as soon as its account is disabled or gets a new password: every lookup checks the
account's row, so a change made by ``hall account`` in another process counts too.
The rules are the shared ones of :mod:`weblogin.sessions`.

Sessions are not stored: a hub restart signs everyone out (they sign in again).
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.accounts import Account, AccountBook
from hub.actors import Actor
from sync.clock import Clock
from weblogin import sessions


@dataclass
class ConsoleSession(sessions.Session[Account]):
    """One signed-in person (implements :class:`hub.actors.Session`)."""

    @property
    def actor(self) -> Actor:
        return self.account.actor()


class Sessions(sessions.Sessions[Account, ConsoleSession]):
    """The live console sessions of one hub (implements :class:`hub.actors.SessionLookup`).

    Thread-safe. ``clock`` gives the monotonic time the idle timeout is measured on (tests
    move a FixedClock); ``idle_minutes`` is ``manage.session_idle_minutes``.
    """

    def __init__(self, accounts: AccountBook, clock: Clock, idle_minutes: int) -> None:
        super().__init__(accounts.get, clock, idle_minutes, ConsoleSession)
        accounts.on_change.append(self.end_all)
