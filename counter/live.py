"""Keeps a counter's picture live: follows the hub's event stream and watches the hub.

Two threads, no Qt. The *stream* thread follows ``GET /api/v1/events`` (resuming from the last
``seq`` it saw) and marks the picture stale on every event; a broken stream tells the workflow
the hub is away at once. The *watch* thread refreshes the window and queue when the picture is
stale (events that arrive together cost one refresh), pings the hub every ``ping_seconds`` (a cut
network cable breaks no stream at once), and once the hub answers again refreshes first and
then tells the workflow it is back. Nothing the clerk pressed is ever replayed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Protocol

from counter.workflow import CounterWorkflow
from hub.client import HubRefused, HubUnavailable, StreamEvent
from hub.errors import HubError

log = logging.getLogger(__name__)

# Events that change what a counter shows (its window, its queue, the day, the hall's settings
# edited in the console); "reset" says the hub is behind the seq the stream resumed from
# (restored from a backup): refresh everything.
RELEVANT_PREFIXES = ("ticket.", "window.", "rating.", "day.", "catalog.", "config.", "reset")


class EventSource(Protocol):
    """What the link needs of ``hub.client.HubClient``."""

    def events(
        self, last_event_id: int | None = None, read_timeout: float = 30.0
    ) -> Iterator[StreamEvent]: ...

    def health(self) -> object: ...


class LiveLink:
    """Follows one hub for one workflow. ``start`` once, ``stop`` at the end."""

    def __init__(
        self,
        workflow: CounterWorkflow,
        source: EventSource,
        *,
        ping_seconds: float = 3.0,
        retry_seconds: float = 1.0,
        read_timeout: float = 20.0,
        full_refresh_seconds: float = 60.0,
    ) -> None:
        """``read_timeout``: seconds of silence after which the stream counts as broken (the
        hub sends a keep-alive every 15 s); ``full_refresh_seconds``: a safety-net refresh."""
        self.workflow = workflow
        self.source = source
        self.ping_seconds = ping_seconds
        self.retry_seconds = retry_seconds
        self.read_timeout = read_timeout
        self.full_refresh_seconds = full_refresh_seconds
        self._stop = threading.Event()
        self._stale = threading.Event()
        self._stale.set()  # the first round refreshes
        self._last_seq: int | None = None
        self._threads = [
            threading.Thread(target=self._follow, name="counter-events", daemon=True),
            threading.Thread(target=self._watch, name="counter-watch", daemon=True),
        ]
        self.events_seen = 0

    def start(self) -> LiveLink:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop both threads (the stream thread may linger until its read times out: it is a
        daemon and does nothing once stopped)."""
        self._stop.set()
        self._threads[1].join(timeout)

    def poke(self) -> None:
        """Refresh soon (after a clerk's own operation, say)."""
        self._stale.set()

    # -- the stream thread ----------------------------------------------------------------------

    def _follow(self) -> None:
        while not self._stop.is_set():
            try:
                for event in self.source.events(self._last_seq, self.read_timeout):
                    if self._stop.is_set():
                        return
                    self._last_seq = event.seq
                    self.events_seen += 1
                    if event.type.startswith(RELEVANT_PREFIXES):
                        self._stale.set()
                log.info("hub event stream ended")
            except HubRefused as err:
                log.warning("hub refused the event stream: %s %s", err.code, err.message)
            except HubError as err:
                log.info("hub event stream broken: %s", err)
            except Exception:  # the link must outlive any one bad event
                log.exception("hub event stream failed")
            if self._stop.is_set():
                return
            self.workflow.hub_lost()
            self._stale.set()
            self._stop.wait(self.retry_seconds)

    # -- the watch thread -----------------------------------------------------------------------

    def _watch(self) -> None:
        last_ping = last_full = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            away = not self.workflow.hub_ok
            due_ping = now - last_ping >= (self.retry_seconds if away else self.ping_seconds)
            if now - last_full >= self.full_refresh_seconds:
                self._stale.set()
            refresh = due_ping if away else self._stale.is_set()
            if refresh or due_ping:
                last_ping = now
                try:
                    if refresh:
                        self._stale.clear()
                        self.workflow.refresh()
                        last_full = now
                    else:
                        self.source.health()
                    if away:
                        self.workflow.hub_back()
                except HubUnavailable as err:
                    log.debug("hub away: %s", err.message)
                    self._stale.set()
                    self.workflow.hub_lost()
                except HubRefused as err:
                    log.warning("hub refused a refresh: %s %s", err.code, err.message)
                except Exception:
                    log.exception("refreshing the counter failed")
            self._stop.wait(0.1)
