"""The hub link of a board or display: snapshot, then follow the event stream; again after any
cut. Qt-free; one thread owns it.

Order of a (re)connect: read the hub's last event seq, fetch the snapshot (windows, queue,
category names), then follow the stream from that seq. Events committed while the snapshot was
fetched are replayed after it; the models take them twice without harm (a window state is
replaced, a call is known by its key). Calls made while the link was down show up through the
snapshot and are not spoken late.

The snapshot holds the client's answers as the wire's models (:mod:`hub.wire`), and each event
is read by its payload's model once (:attr:`hub.client.StreamEvent.message`,
:mod:`hub.wire_events`): a board reads a window state from the snapshot and from a
``window.status`` event as the same model.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from boards.board_model import RESYNC_EVENTS
from hub import wire
from hub import wire_events as ev
from hub.client import HubClient, StreamEvent
from hub.errors import HubError
from hub.presence import HubPresence

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """The hub's state when a board or display (re)connects."""

    seq: int
    hall: str
    windows: list[wire.WindowState]  # a board's: its own window only
    queue: wire.QueueOverview | None  # None for a board (it shows no queue)
    categories: dict[str, str] = field(default_factory=dict)  # code → name, catalog order
    hall_texts: dict[str, str] = field(default_factory=dict)  # notice, phone, supervision_phone


class FeedListener(Protocol):
    """What a feed tells, always from its own thread, in this order per connection:
    ``snapshot``, ``connection(True)``, then ``event`` after event; ``connection(False)`` when
    the link drops. ``photo`` whenever a clerk photo was fetched (bytes) or is missing (None)."""

    def snapshot(self, snap: Snapshot) -> None: ...

    def event(self, event: StreamEvent) -> None: ...

    def connection(self, connected: bool) -> None: ...

    def photo(self, path: str, data: bytes | None) -> None: ...


HALL_TEXTS = ("notice", "phone", "supervision_phone")


def hall_texts_of(catalog: wire.Catalog) -> dict[str, str]:
    """The hall's notice line and phones from a ``GET /catalog`` answer (those it has: an
    older hub sends no phones, and the board keeps its own configuration's)."""
    hall = catalog.hall
    return {key: str(getattr(hall, key)) for key in HALL_TEXTS if key in hall.model_fields_set}


def categories_of(catalog: wire.Catalog) -> dict[str, str]:
    """Category code → name from a ``GET /catalog`` answer, in its order."""
    return {c.code: c.name or c.code for c in catalog.categories if c.code}


class HubFeed:
    """Keeps one board or display in step with the hub. ``start()`` once, ``stop()`` at the end.

    The listener hears nothing once ``stop()`` has returned, even when the feed's thread is
    still stuck in a request: a view may then delete what the listener draws on (a Qt signal's
    source) without a late call from this thread finding it gone.
    """

    def __init__(
        self,
        client: HubClient,
        listener: FeedListener,
        *,
        window: int | None = None,
        retry_seconds: float = 1.0,
        read_timeout: float = 20.0,
        photos: bool = False,
    ) -> None:
        """``window``: a board's window (its snapshot fetches only that window); ``retry_seconds``:
        wait between attempts while the hub is away; ``read_timeout``: seconds of silence after
        which the link counts as cut (the hub sends a keep-alive every 15 s); ``photos``: fetch
        clerk photos and hand them to ``listener.photo``."""
        self.client = client
        self.listener = listener
        self.window = window
        self._retry = retry_seconds
        self._read_timeout = read_timeout
        self._photos = photos
        self._photo_paths: set[str] = set()
        self._categories: dict[str, str] | None = None
        self._hall_texts: dict[str, str] = {}
        self._stop = threading.Event()
        # Held while the listener is told something; stop() takes it once, so a call under way
        # ends before stop() returns and none begins after (re-entrant: a listener may stop us).
        self._telling = threading.RLock()
        self._thread: threading.Thread | None = None
        self.presence = HubPresence("board feed", present=False, logger=log)
        self.last_seq = 0

    def start(self) -> None:
        """Start following the hub on a daemon thread."""
        if self._thread is not None:
            raise RuntimeError("the feed was already started")
        self._thread = threading.Thread(target=self._run, name="hub-feed", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        """Whether the feed's thread is alive (it may outlive ``stop()``, silent)."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop following: once this returns the listener hears nothing more. Waits up to
        ``timeout`` seconds for the thread (a request stuck in the network may keep it a while
        longer; it ends by itself, silent)."""
        self._stop.set()
        self.client.close()  # ends a blocked stream read
        with self._telling:
            pass  # a call to the listener under way has ended; none will begin
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _tell(self, call: Callable[..., None], *args: Any) -> None:
        """Tell the listener something (``call(*args)``), unless the feed is stopped."""
        with self._telling:
            if not self._stop.is_set():
                call(*args)

    def fetch_snapshot(self) -> Snapshot:
        """The hub's state now; raises HubError (HubUnavailable when it cannot be reached)."""
        health = self.client.health()
        seq = health.last_seq
        if self._categories is None:
            catalog = self.client.catalog()
            self._categories = categories_of(catalog)
            self._hall_texts = hall_texts_of(catalog)
        if self.window is not None:
            windows = [self.client.window(self.window)]
        else:
            windows = list(self.client.windows())
        queue = self.client.queue() if self.window is None else None
        return Snapshot(seq, health.name, windows, queue, self._categories, self._hall_texts)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._follow()
            except HubError as err:
                log.debug("hub link: %s", err)
            except Exception:  # a bug must not leave the board frozen: log, reconnect
                log.exception("board feed failed; reconnecting")
            self._set_connected(False)
            self._stop.wait(self._retry)

    def _follow(self) -> None:
        snap = self.fetch_snapshot()
        self.last_seq = snap.seq
        self._tell(self.listener.snapshot, snap)
        self._fetch_photos([w.clerk for w in snap.windows])
        self._set_connected(True)
        for event in self.client.events(last_event_id=snap.seq, read_timeout=self._read_timeout):
            if self._stop.is_set():
                return
            self.last_seq = event.seq
            self._tell(self.listener.event, event)
            message = event.message
            if isinstance(message, wire.WindowState | ev.WindowClerk):
                self._fetch_photos([message.clerk])
            if event.type in RESYNC_EVENTS:
                if event.type in ("catalog.applied", "config.applied"):
                    self._categories = None
                return  # reconnect: a fresh snapshot for the new day, catalog or settings
        raise HubError("stream_ended", "the hub closed the event stream")

    @property
    def connected(self) -> bool:
        """Whether the feed follows the hub now (:attr:`presence`)."""
        return self.presence.present

    def _set_connected(self, connected: bool) -> None:
        if self.presence.report(connected):
            self._tell(self.listener.connection, connected)

    def _fetch_photos(self, clerks: list[wire.Clerk | None]) -> None:
        if not self._photos:
            return
        for clerk in clerks:
            path = clerk.photo if clerk is not None else None
            if path and path not in self._photo_paths:
                data = self._get_photo(path)
                if data is not None:
                    self._photo_paths.add(path)  # cached by the listener; fetch again if absent
                self._tell(self.listener.photo, path, data)

    def _get_photo(self, path: str) -> bytes | None:
        started = time.monotonic()
        try:
            data = self.client.clerk_photo(path)
        except HubError as err:
            log.info("clerk photo %s not fetched: %s", path, err)
            return None
        log.debug("clerk photo %s: %d bytes in %.3f s", path, len(data), time.monotonic() - started)
        return data
