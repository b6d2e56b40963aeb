"""A log line for a fault that repeats (a full disk, every request and every background tick):
at most one per period, saying how many were left out."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger("hub.api_errors")  # where the API's storage-full lines have always gone

FULL_LOG_SECONDS = 60.0
"""A full disk is logged at most once a minute, by the API and by every background writer."""


class Throttled:
    """Logs a fault that repeats at most once per ``seconds``, saying how many were left out."""

    def __init__(
        self,
        seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
        logger: logging.Logger | None = None,
    ) -> None:
        self.seconds = seconds
        self.log = logger or log
        self._monotonic = monotonic
        self._last: float | None = None
        self._skipped = 0

    def warning(self, message: str) -> None:
        """Log ``message`` (a warning) unless one was logged less than ``seconds`` ago."""
        now = self._monotonic()
        if self._last is not None and now - self._last < self.seconds:
            self._skipped += 1
            return
        skipped, self._skipped, self._last = self._skipped, 0, now
        more = f" ({skipped} more since the last line)" if skipped else ""
        self.log.warning("%s%s", message, more)
