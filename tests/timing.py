"""Time in tests, without the machine's speed in it: wait for a condition, never for a time,
and drive the product's clocks by hand.

A test states behaviour, never speed. ``PATIENCE`` is how long a test waits for a condition
before calling it failed: it only stops a broken product from hanging the suite, and it is
generous on purpose, so a loaded machine (``stress-ng --cpu 2`` beside the suite) never decides
a passing test. Speed targets live in ``bench/``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

PATIENCE = 60.0
"""Seconds a test waits for something that should happen before it fails."""

PATIENCE_MS = int(PATIENCE * 1000)
"""``PATIENCE`` for pytest-qt's ``waitUntil``/``waitSignal`` (milliseconds)."""


def wait_for(
    condition: Callable[[], object], what: str = "", timeout: float = PATIENCE, step: float = 0.01
) -> None:
    """Return once ``condition()`` is true; AssertionError naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout:.0f} s: {what or condition}")
        time.sleep(step)


class SteppedClock:
    """Monotonic seconds that move only when the test says: pass the instance where a product
    takes a ``monotonic`` function. ``reads`` counts the calls, so a test can tell that a
    product thread has looked at the time again since the test last moved it."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.reads = 0

    def __call__(self) -> float:
        with self._lock:
            self.reads += 1
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def looked_again(self, times: int = 3) -> None:
        """Wait until the clock was read ``times`` more times (a thread went round its loop)."""
        with self._lock:
            target = self.reads + times
        wait_for(lambda: self.reads >= target, f"the clock read {times} more times")


class SteppedWaits:
    """A ``sync.clock.WaitClock`` whose time moves only by :meth:`advance`: a thread waiting on
    it wakes when its event is set or when the test has moved the time past its deadline.
    :meth:`waiting` shows the waits in progress, so a test can see a thread settle down."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._cond = threading.Condition()
        self._waits: list[float] = []  # the length of each wait in progress, in seconds

    def monotonic(self) -> float:
        with self._cond:
            return self._now

    def wait(self, event: threading.Event, seconds: float) -> bool:
        with self._cond:
            deadline = self._now + seconds
            self._waits.append(seconds)
            self._cond.notify_all()
            try:
                while not event.is_set() and self._now < deadline:
                    # Event.set() does not notify this condition: look at the event again soon.
                    self._cond.wait(0.005)
            finally:
                self._waits.remove(seconds)
                self._cond.notify_all()
            return event.is_set()

    def advance(self, seconds: float) -> None:
        with self._cond:
            self._now += seconds
            self._cond.notify_all()

    def waiting(self) -> list[float]:
        with self._cond:
            return list(self._waits)

    def wait_for_a_wait(self, seconds: float) -> None:
        """Return once some thread waits ``seconds`` on this clock."""
        with self._cond:
            found = self._cond.wait_for(lambda: seconds in self._waits, PATIENCE)
        assert found, f"nobody waited {seconds} s; waits in progress: {self.waiting()}"
