"""The clock events are stamped with: wall time (UTC), monotonic time, and whether it is trusted."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


def _read_boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        # Not Linux, or /proc hidden: a per-process id still tells restarts apart.
        return f"proc-{uuid.uuid4()}"


class Clock(Protocol):
    """What the hub needs from a clock. ``trusted`` is False while the wall time is doubtful."""

    trusted: bool
    boot_id: str

    def now(self) -> datetime:
        """Current wall time, timezone-aware (UTC)."""
        ...

    def monotonic_ns(self) -> int:
        """Monotonic nanoseconds since boot; only comparable within one ``boot_id``."""
        ...


class SystemClock:
    """The machine's clock, shifted by ``offset_seconds`` once the hub knows central's time."""

    def __init__(self) -> None:
        self.trusted = True
        self.offset_seconds = 0.0
        self.boot_id = _read_boot_id()

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self.offset_seconds, UTC)

    def monotonic_ns(self) -> int:
        return time.monotonic_ns()


class FixedClock:
    """A clock for tests and simulations: it stands still until moved with :meth:`advance`."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware start")
        self._now = start
        self._mono = 1_000_000_000
        self.trusted = True
        self.boot_id = "fixed-clock"

    def now(self) -> datetime:
        return self._now

    def monotonic_ns(self) -> int:
        return self._mono

    def advance(self, seconds: float) -> None:
        """Move both the wall and the monotonic time forward by ``seconds``."""
        self._now += timedelta(seconds=seconds)
        self._mono += int(seconds * 1e9)

    def set(self, moment: datetime) -> None:
        """Jump the wall time (as a badly set machine clock would); monotonic time moves on."""
        self._now = moment
        self._mono += 1


class WaitClock(Protocol):
    """Time as a worker thread lives it: monotonic seconds to measure with, and waiting on an
    event for some of those seconds. A test passes a clock it moves by hand, so a thread's
    lingering, heartbeats and backoff are driven step by step instead of by the machine's
    speed."""

    def monotonic(self) -> float:
        """Monotonic seconds (only differences mean anything)."""
        ...

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Wait until ``event`` is set or ``seconds`` have passed; True if it was set."""
        ...


class SystemWaitClock:
    """The machine's monotonic clock and ``Event.wait``."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return event.wait(max(0.0, seconds))


SYSTEM_WAIT_CLOCK = SystemWaitClock()
