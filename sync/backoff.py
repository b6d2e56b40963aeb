"""Retry delays for the link to central: exponential backoff with full jitter.

``uniform(0, min(cap, base · 2^attempt))`` (docs/sync-protocol.md, "Retry rules"): the random
spread keeps a province's hubs from all retrying at the same instant after an outage. A
``Retry-After`` from central is honoured when it asks for longer.
"""

from __future__ import annotations

import random

RETRY_AFTER_MAX_SECONDS = 3600.0
"""A Retry-After longer than this is taken as this: one bad header must not park the hub a day."""


class Backoff:
    """Delays for consecutive failures; :meth:`reset` after a success."""

    def __init__(self, base: float, cap: float, rng: random.Random | None = None) -> None:
        if base <= 0 or cap <= 0:
            raise ValueError("backoff base and cap must be positive seconds")
        self.base = base
        self.cap = cap
        self.attempt = 0
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrets

    def next_delay(self, retry_after: float | None = None) -> float:
        """Seconds to wait before the next try; counts one more failure.

        ``retry_after`` (seconds, from central's ``Retry-After``) is a floor, at most one hour.
        """
        # 2**attempt overflows float after ~1000 failures; the cap is reached long before.
        ceiling = min(self.cap, self.base * 2 ** min(self.attempt, 60))
        delay = self._rng.uniform(0.0, ceiling)
        self.attempt += 1
        if retry_after is not None:
            delay = max(delay, min(retry_after, RETRY_AFTER_MAX_SECONDS))
        return delay

    def reset(self) -> None:
        """A request succeeded: the next failure starts from ``base`` again."""
        self.attempt = 0
