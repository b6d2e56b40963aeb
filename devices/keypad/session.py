"""Rating requests: one accepted press per request, or "no rating" when time runs out. Pure.

Rules from 国办发〔2019〕51号 and the hall practice in DOMAIN.md: every service is rated once
(一次一评), rating is voluntary, so a timeout is "no rating" (None) and never a default good level;
a key pressed while no request is open rates nothing. Time is passed in (monotonic seconds) so the
rules are tested without threads or sleeping.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    RATED = "rated"
    TIMED_OUT = "timed_out"  # no rating: the citizen chose not to rate
    CANCELLED = "cancelled"  # the clerk moved on, or a new request replaced this one


@dataclass
class RatingRequest:
    """One request for a rating. ``level`` is set only when ``outcome`` is RATED."""

    number: int
    deadline: float  # monotonic seconds
    outcome: Outcome | None = None
    level: int | None = None

    @property
    def done(self) -> bool:
        return self.outcome is not None


class RatingDesk:
    """Holds at most one open rating request and decides which press answers it."""

    def __init__(self) -> None:
        self._open: RatingRequest | None = None
        self._numbers = itertools.count(1)

    @property
    def current(self) -> RatingRequest | None:
        """The open request, if any."""
        return self._open

    def open(self, timeout: float, now: float) -> tuple[RatingRequest, RatingRequest | None]:
        """Open a request that waits ``timeout`` seconds from ``now``.

        Returns the new request and the one it replaced (now CANCELLED), if one was still open:
        a new service at the window ends the previous rating. Raises ValueError for a timeout
        that is not positive.
        """
        if not timeout > 0:
            raise ValueError(f"rating timeout must be positive seconds, not {timeout!r}")
        replaced = self.cancel()
        self._open = RatingRequest(next(self._numbers), now + timeout)
        return self._open, replaced

    def press(self, level: int | None, now: float) -> RatingRequest | None:
        """Offer a press that gives ``level`` (None: not a rating key or not a key-down).

        Returns the request this press answered, or None when the press is ignored: no request
        open, the request's time already ran out, or the press is not a rating.
        """
        if self.expire(now) is not None or self._open is None or level is None:
            return None
        answered, self._open = self._open, None
        answered.outcome, answered.level = Outcome.RATED, level
        return answered

    def expire(self, now: float) -> RatingRequest | None:
        """Close the open request if its deadline has passed; returns it (TIMED_OUT) or None."""
        if self._open is None or now < self._open.deadline:
            return None
        expired, self._open = self._open, None
        expired.outcome = Outcome.TIMED_OUT
        return expired

    def cancel(self) -> RatingRequest | None:
        """Close the open request without a rating; returns it (CANCELLED) or None."""
        if self._open is None:
            return None
        cancelled, self._open = self._open, None
        cancelled.outcome = Outcome.CANCELLED
        return cancelled

    def time_left(self, now: float) -> float | None:
        """Seconds until the open request times out (0 when overdue), or None when none is open."""
        if self._open is None:
            return None
        return max(0.0, self._open.deadline - now)
