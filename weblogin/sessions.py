"""Console sessions: who is signed in to a web console, in the server's memory.

A session is a random id (the value of the console's session cookie) with its person's account
and a CSRF token of its own. It ends on logout, after ``idle_minutes`` without a request
(measured on the clock's monotonic time), and as soon as its account is disabled or gets a new
password: every lookup reads the account again through ``current(username)``, so a change made
from the command line in another process counts too.

:class:`Sessions` keeps them in the process's memory (a restart signs everyone out); a server of
several processes keeps them in its database instead (:mod:`sync.central.console.stored`).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

log = logging.getLogger(__name__)

NS_PER_MINUTE = 60 * 1_000_000_000


class AccountLike(Protocol):
    """What sessions need of an account: who it is, and what ends its sessions."""

    @property
    def id(self) -> str: ...

    @property
    def username(self) -> str: ...

    @property
    def password_changed_at(self) -> str: ...

    @property
    def enabled(self) -> bool: ...


class MonotonicClock(Protocol):
    """What sessions need of a clock: monotonic nanoseconds."""

    def monotonic_ns(self) -> int: ...


A = TypeVar("A", bound=AccountLike)


@dataclass
class Session(Generic[A]):
    """One signed-in person: the session id (cookie value), the account, the CSRF token forms
    and scripts must send, and when it was last used (monotonic ns)."""

    id: str
    account: A
    csrf: str
    last_seen_ns: int


S = TypeVar("S", bound=Session)  # type: ignore[type-arg]


class Sessions(Generic[A, S]):
    """The live sessions of one console. Thread-safe.

    ``current(username)`` reads an account as stored now (None when there is none); ``make``
    builds a session (:class:`Session` or a subclass); ``clock`` gives the monotonic time the
    idle timeout is measured on (tests move a fake clock).

    Sessions are kept in this process's memory. A server of several processes keeps them where
    every process finds them by overriding the keeping methods (``_get``, ``_put``, ``_drop``,
    ``_drop_user``, ``_touch``, ``_sweep``, :meth:`count`); the rules stay these.
    """

    def __init__(
        self,
        current: Callable[[str], A | None],
        clock: MonotonicClock,
        idle_minutes: int,
        make: Callable[[str, A, str, int], S],
    ) -> None:
        self._current = current
        self._clock = clock
        self._make = make
        self.idle_ns = idle_minutes * NS_PER_MINUTE
        self._lock = threading.Lock()
        self._live: dict[str, S] = {}

    def start(self, account: A) -> S:
        """A new session for ``account`` (after a right password), with fresh random ids."""
        now = self._clock.monotonic_ns()
        session = self._make(secrets.token_urlsafe(32), account, secrets.token_urlsafe(32), now)
        self._sweep(now - self.idle_ns)
        self._put(session)
        return session

    def lookup(self, token: str, *, touch: bool = True) -> S | None:
        """The live session of cookie value ``token``, counting this as activity unless
        ``touch`` is False (a page refreshing itself in the background is not the person
        acting); None (and the session ends) when it is unknown, idle too long, or its
        account was disabled or got a new password since it started."""
        now = self._clock.monotonic_ns()
        session = self._get(token)
        if session is None:
            return None
        if now - session.last_seen_ns >= self.idle_ns:
            self._drop(token)
            return None
        then: AccountLike = session.account
        current = self._current(then.username)
        if (
            current is None
            or not current.enabled
            or current.id != then.id
            or current.password_changed_at != then.password_changed_at
        ):
            self._drop(token)
            return None
        if touch:
            self._touch(session, now)
        return session

    def end(self, token: str) -> S | None:
        """End the session of ``token`` (logout); the ended session, or None if none was live."""
        return self._drop(token)

    def end_all(self, username: str) -> int:
        """End every session of ``username``; how many ended."""
        ended = self._drop_user(username)
        if ended:
            log.info("ended %d console session(s) of %s", ended, username)
        return ended

    # -- keeping (in memory here) ------------------------------------------------------------

    def count(self) -> int:
        """Live sessions (idle ones not yet swept included)."""
        with self._lock:
            return len(self._live)

    def _get(self, token: str) -> S | None:
        with self._lock:
            return self._live.get(token)

    def _put(self, session: S) -> None:
        with self._lock:
            self._live[session.id] = session

    def _drop(self, token: str) -> S | None:
        with self._lock:
            return self._live.pop(token, None)

    def _drop_user(self, username: str) -> int:
        with self._lock:
            ended = [k for k, s in self._live.items() if s.account.username == username]
            for key in ended:
                del self._live[key]
        return len(ended)

    def _touch(self, session: S, now: int) -> None:
        with self._lock:
            session.last_seen_ns = now

    def _sweep(self, seen_before: int) -> None:
        """Forget the sessions last used before ``seen_before`` (idle too long)."""
        with self._lock:
            for stale in [k for k, s in self._live.items() if s.last_seen_ns <= seen_before]:
                del self._live[stale]
