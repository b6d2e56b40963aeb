"""Wrong-secret counting with a temporary lock, shared by the hub's clerks' PINs
(:mod:`hub.clerks`), the hub console's passwords (:mod:`hub.accounts`) and central's console
(:mod:`sync.central.console.accounts`).

Five wrong secrets in a row for one key (a staff number, a user name) lock that key for five
minutes; a right one starts the count again. The count lives in memory, not in the store: a
wrong guess changes nothing durable, so it should cost no write (and at the hub no event to
central), and a restart that forgets it needs someone at the server, which is not the guessing
path the lock is there to slow down.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn, Protocol

log = logging.getLogger(__name__)

MAX_WRONG = 5
"""Wrong secrets in a row that lock a key."""

LOCK_SECONDS = 300
"""How long a locked key stays locked."""

MAX_KEYS = 10_000
"""Keys counted at once; past it, unlocked counts are forgotten (guessing random names must
not grow the server's memory without bound)."""


class WallClock(Protocol):
    """What the lock needs of a clock: the time now, UTC, timezone-aware."""

    def now(self) -> datetime: ...


@dataclass
class _Tries:
    wrong: int = 0
    locked_until: datetime | None = None


@dataclass(frozen=True)
class Strike:
    """What one wrong secret did: ``left`` tries before the lock (0 when it locked), and
    ``locked_until`` (UTC) when this try locked the key."""

    left: int
    locked_until: datetime | None


class Lockout:
    """Counts wrong secrets per key and locks a key after :data:`MAX_WRONG` in a row.

    Thread-safe. Times come from ``clock`` (UTC, timezone-aware). ``locked(until)`` makes the
    error of a locked key (a 423 answer), ``wrong(left)`` the error of a wrong secret with the
    tries left (:meth:`check` and :meth:`wrong` raise them); ``what`` names the keys in the log.

    The counts live in this process's memory. A server of several processes keeps them where
    every process counts by overriding :meth:`locked_until`, :meth:`strike` and :meth:`clear`.
    """

    def __init__(
        self,
        clock: WallClock,
        *,
        locked: Callable[[datetime], Exception],
        wrong: Callable[[int], Exception],
        what: str,
        max_wrong: int = MAX_WRONG,
        lock_seconds: int = LOCK_SECONDS,
    ) -> None:
        self.clock = clock
        self.max_wrong = max_wrong
        self.lock_seconds = lock_seconds
        self._locked = locked
        self._wrong = wrong
        self._what = what
        self._lock = threading.Lock()
        self._tries: dict[str, _Tries] = {}

    def check(self, key: str) -> None:
        """Raise the Locked error while ``key`` is locked."""
        until = self.locked_until(key)
        if until is not None:
            raise self._locked(until)

    def wrong(self, key: str) -> NoReturn:
        """Count a wrong secret for ``key``; always raises: the wrong-secret error with the
        tries left, or the Locked error when this was the last allowed try."""
        strike = self.strike(key)
        if strike.locked_until is not None:
            log.warning("%s %r locked after %d wrong tries", self._what, key, self.max_wrong)
            raise self._locked(strike.locked_until)
        raise self._wrong(strike.left)

    def passed(self, key: str) -> None:
        """A right secret: ``key``'s count starts again."""
        self.clear(key)

    def locked_until(self, key: str) -> datetime | None:
        """The end of ``key``'s lock (UTC), or None when it is not locked (an expired lock
        is forgotten, with its count)."""
        now = self.clock.now()
        with self._lock:
            tries = self._tries.get(key)
            until = tries.locked_until if tries else None
            if until is not None and now >= until:
                self._tries.pop(key, None)
                return None
            return until

    def strike(self, key: str) -> Strike:
        """Count one wrong secret for ``key``; the last allowed one locks it."""
        now = self.clock.now()
        with self._lock:
            if key not in self._tries and len(self._tries) >= MAX_KEYS:
                self._forget_unlocked(now)
            tries = self._tries.setdefault(key, _Tries())
            tries.wrong += 1
            left = max(0, self.max_wrong - tries.wrong)
            if left == 0:
                tries.locked_until = now + timedelta(seconds=self.lock_seconds)
            return Strike(left, tries.locked_until)

    def clear(self, key: str) -> None:
        """A right secret: ``key``'s count starts again."""
        with self._lock:
            self._tries.pop(key, None)

    def _forget_unlocked(self, now: datetime) -> None:
        for key in [
            k for k, t in self._tries.items() if t.locked_until is None or now >= t.locked_until
        ]:
            del self._tries[key]
