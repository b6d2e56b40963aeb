"""Device health as state: what every device service reports, and the doctor prints.

A service holds one ``HealthTracker``; it logs when the state flips (once when a device goes away,
once when it returns), never on every poll, and the apps read ``tracker.health`` to show a
sentence instead of an exception.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from enum import StrEnum


class HealthState(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"  # works, but something needs attention (paper near end)
    ABSENT = "absent"  # not there: unplugged, port missing, connection refused
    ERROR = "error"  # there, but failing (SAM self-test failed, paper out, cover open)


@dataclass(frozen=True)
class Health:
    """One device's state. ``problem`` and ``advice`` are Chinese for staff screens;
    ``detail`` is the technical English for logs and the doctor."""

    device: str
    state: HealthState = HealthState.ABSENT
    problem: str = ""
    advice: str = ""
    detail: str = ""
    since: float = 0.0  # time.time() of the last state change

    @property
    def ok(self) -> bool:
        return self.state is HealthState.OK


class HealthTracker:
    """Thread-safe holder of one device's ``Health``; logs on state changes only."""

    def __init__(self, device: str, logger: logging.Logger | None = None) -> None:
        self._lock = threading.Lock()
        self._health = Health(device, since=time.time())
        self._log = logger or logging.getLogger(__name__)

    @property
    def health(self) -> Health:
        with self._lock:
            return self._health

    def set(
        self, state: HealthState, problem: str = "", advice: str = "", detail: str = ""
    ) -> Health:
        """Record the device's state; returns the new Health. Logs only when state changes."""
        with self._lock:
            old = self._health
            changed = old.state is not state or old.problem != problem
            new = replace(
                old,
                state=state,
                problem=problem,
                advice=advice,
                detail=detail,
                since=time.time() if changed else old.since,
            )
            self._health = new
        if changed:
            level = logging.INFO if state is HealthState.OK else logging.WARNING
            self._log.log(
                level,
                "%s: %s%s",
                new.device,
                state.value,
                f" ({detail or problem})" if state is not HealthState.OK else "",
            )
        return new

    def ok(self, detail: str = "") -> Health:
        return self.set(HealthState.OK, detail=detail)
