"""Whether an app's hub is there: the one tracker every app's links report to.

The counter's live link (``counter.link_state``), the boards' feed (``boards.feed``) and the
kiosk's upkeep (``kiosk.app_model``, ``kiosk.journeys.base``) each learn that the hub answered
or did not; they all tell a :class:`HubPresence`, in the style of the devices'
:class:`devices.health.HealthTracker`: thread-safe, it logs each change once (a hub that stays
away is not logged again on every failed ping) and calls its listeners on a change only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

Listener = Callable[[bool], None]


class HubPresence:
    """``present`` (the hub answered last time it was asked) and ``since`` (wall time of the
    last change) for ``who`` (used in the log line: "window 3", "board feed", "kiosk-1")."""

    def __init__(
        self, who: str, *, present: bool = True, logger: logging.Logger | None = None
    ) -> None:
        self.who = who
        self._present = present
        self._since = time.time()
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._log = logger or logging.getLogger(__name__)

    @property
    def present(self) -> bool:
        return self._present

    @property
    def since(self) -> float:
        return self._since

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(present)`` after each change (from the reporting thread)."""
        self._listeners.append(listener)

    def report(self, present: bool, reason: str = "") -> bool:
        """The hub answered (``present``) or did not; True if that is a change. Listeners are
        called after the change, outside the lock; one that raises is logged, never raised."""
        with self._lock:
            if present == self._present:
                return False
            self._present, self._since = present, time.time()
        if present:
            self._log.info("%s: hub back", self.who)
        else:
            self._log.warning("%s: hub away%s", self.who, f" ({reason})" if reason else "")
        for listener in list(self._listeners):
            try:
                listener(present)
            except Exception:
                self._log.exception("%s: a hub presence listener failed", self.who)
        return True
