"""Hears at once when the hall's settings or catalog change: follows the hub's event stream and
calls back on ``config.applied`` (a manager's console edit: hours, phones, windows …) and
``catalog.applied`` (central's catalog), so the kiosk refreshes its catalog copy within a second
rather than at its next periodic refresh.

One daemon thread, no Qt; the stream resumes from the hub's latest ``seq`` (the kiosk has no use
for older events), and a broken stream is retried quietly: the periodic refresh stays the
safety net while the hub is away.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Protocol

from hub import wire
from hub.client import StreamEvent
from hub.errors import HubError

log = logging.getLogger(__name__)

WATCHED = frozenset({"config.applied", "catalog.applied", "reset"})


class EventSource(Protocol):
    """What the watch needs of ``hub.client.HubClient`` (a client of its own: the stream holds
    its connection)."""

    def events(
        self, last_event_id: int | None = None, read_timeout: float = 30.0
    ) -> Iterator[StreamEvent]: ...

    def health(self) -> wire.Health: ...

    def close(self) -> None: ...


class SettingsWatch:
    """Calls ``changed()`` (from its own thread) after each watched event. ``start`` once,
    ``stop`` at the end."""

    def __init__(
        self,
        source: EventSource,
        changed: Callable[[], None],
        *,
        retry_seconds: float = 5.0,
        read_timeout: float = 40.0,
    ) -> None:
        self.source = source
        self.changed = changed
        self.retry_seconds = retry_seconds
        self.read_timeout = read_timeout
        self.following = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="settings-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 0.2) -> None:
        """Stop watching: after this ``changed`` is never called. A stream read blocked in the
        network may keep the (daemon) thread a while longer; it then ends by itself, silent,
        so the kiosk's exit does not wait for it."""
        self._stop.set()
        self.source.close()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._follow()
            except HubError as err:
                log.debug("settings watch: %s; retrying", err)
            except Exception:  # a bug here must never end the kiosk; the periodic refresh stays
                log.exception("settings watch failed; retrying")
            self.following = False
            self._stop.wait(self.retry_seconds)

    def _follow(self) -> None:
        seq = self.source.health().last_seq
        stream = self.source.events(last_event_id=seq, read_timeout=self.read_timeout)
        self.following = True
        for event in stream:
            if self._stop.is_set():
                return
            if event.type in WATCHED and not self._stop.is_set():
                log.info("hub said %s: refreshing the catalog", event.type)
                self.changed()
