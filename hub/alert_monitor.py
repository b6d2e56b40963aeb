"""The thread that raises the hall's alerts while the hub serves (waits, pauses, 电子监察's cases).

It calls :meth:`hub.alerts.AlertDesk.check_alerts` at start and then every ``interval``
seconds until stopped; a failed check is logged and tried again next round, never fatal.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from sync.clock import SYSTEM_WAIT_CLOCK, WaitClock

log = logging.getLogger(__name__)

CHECK_SECONDS = 30.0


class AlertChecker(Protocol):
    def check_alerts(self) -> object: ...


class AlertMonitor:
    """Runs ``checker.check_alerts()`` every ``interval`` seconds on its own thread."""

    def __init__(
        self,
        checker: AlertChecker,
        interval: float = CHECK_SECONDS,
        wait_clock: WaitClock = SYSTEM_WAIT_CLOCK,
    ) -> None:
        self._checker = checker
        self._interval = interval
        self._wait = wait_clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.checks = 0
        """Checks done so far (failed ones included)."""

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="alert-monitor", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to end and wait up to ``timeout`` seconds for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._checker.check_alerts()
            except Exception:  # the monitor must outlive a failed check (a locked store, …)
                log.exception("alert check failed")
            self.checks += 1
            self._wait.wait(self._stop, self._interval)
