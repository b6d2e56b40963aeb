"""Console sessions: who is signed in to ``/manage/``, in the hub's memory.

A session is a random id (the ``hallkit_session`` cookie, :data:`hub.actor_auth.SESSION_COOKIE`)
with its person and a CSRF token of its own. It ends on logout, after
``manage.session_idle_minutes`` without a request (measured on the clock's monotonic time),
and as soon as its account is disabled or gets a new password: every lookup checks the
account's row, so a change made by ``hall account`` in another process counts too.

Sessions are not stored: a hub restart signs everyone out (they sign in again).
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass

from hub.accounts import Account, AccountBook
from hub.actors import Actor
from sync.clock import Clock

log = logging.getLogger(__name__)

NS_PER_MINUTE = 60 * 1_000_000_000


@dataclass
class ConsoleSession:
    """One signed-in person (implements :class:`hub.actors.Session`)."""

    id: str
    account: Account
    csrf: str
    last_seen_ns: int

    @property
    def actor(self) -> Actor:
        return self.account.actor()


class Sessions:
    """The live console sessions of one hub (implements :class:`hub.actors.SessionLookup`).

    Thread-safe. ``clock`` gives the monotonic time the idle timeout is measured on (tests
    move a FixedClock); ``idle_minutes`` is ``manage.session_idle_minutes``.
    """

    def __init__(self, accounts: AccountBook, clock: Clock, idle_minutes: int) -> None:
        self._accounts = accounts
        self._clock = clock
        self._idle_ns = idle_minutes * NS_PER_MINUTE
        self._lock = threading.Lock()
        self._live: dict[str, ConsoleSession] = {}
        accounts.on_change.append(self.end_all)

    def start(self, account: Account) -> ConsoleSession:
        """A new session for ``account`` (after a right password), with fresh random ids."""
        now = self._clock.monotonic_ns()
        session = ConsoleSession(secrets.token_urlsafe(32), account, secrets.token_urlsafe(32), now)
        with self._lock:
            for stale in [k for k, s in self._live.items() if self._idle(s, now)]:
                del self._live[stale]
            self._live[session.id] = session
        return session

    def lookup(self, token: str, *, touch: bool = True) -> ConsoleSession | None:
        """The live session of cookie value ``token``, counting this as activity unless
        ``touch`` is False (a page refreshing itself in the background is not the person
        acting); None (and the session ends) when it is unknown, idle too long, or its
        account was disabled or got a new password since it started."""
        now = self._clock.monotonic_ns()
        with self._lock:
            session = self._live.get(token)
            if session is None:
                return None
            if self._idle(session, now):
                del self._live[token]
                return None
        current = self._accounts.get(session.account.username)
        if (
            current is None
            or not current.enabled
            or current.id != session.account.id
            or current.password_changed_at != session.account.password_changed_at
        ):
            self.end(token)
            return None
        if touch:
            with self._lock:
                session.last_seen_ns = now
        return session

    def end(self, token: str) -> ConsoleSession | None:
        """End the session of ``token`` (logout); the ended session, or None if none was live."""
        with self._lock:
            return self._live.pop(token, None)

    def end_all(self, username: str) -> int:
        """End every session of ``username``; how many ended."""
        with self._lock:
            ended = [k for k, s in self._live.items() if s.account.username == username]
            for key in ended:
                del self._live[key]
        if ended:
            log.info("ended %d console session(s) of %s", len(ended), username)
        return len(ended)

    def count(self) -> int:
        """Live sessions (idle ones not yet swept included)."""
        with self._lock:
            return len(self._live)

    def _idle(self, session: ConsoleSession, now: int) -> bool:
        return now - session.last_seen_ns >= self._idle_ns
