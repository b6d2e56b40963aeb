"""A board's or display's model fed by a HubFeed: events are folded on the feed's thread under a
lock, and every new state (immutable) is handed to a callback, which a view renders.

Qt-free: the Qt views pass a callback that emits a queued signal; tests and the bench pass a
plain function.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from boards.announce import Announcer
from boards.board_model import BoardModel, BoardState
from boards.display_model import DisplayModel, DisplayState
from boards.feed import Snapshot
from boards.sign import SignFollower
from hub.client import StreamEvent

log = logging.getLogger(__name__)


class BoardSession:
    """One window board: model + optional LED sign; a FeedListener."""

    def __init__(
        self,
        model: BoardModel,
        on_change: Callable[[BoardState], None],
        *,
        sign: SignFollower | None = None,
        on_photo: Callable[[str, bytes | None], None] | None = None,
    ) -> None:
        self.model = model
        self._on_change = on_change
        self._sign = sign
        self._on_photo = on_photo
        self._lock = threading.Lock()
        self.photos: dict[str, bytes | None] = {}

    @property
    def state(self) -> BoardState:
        with self._lock:
            return self.model.state

    def snapshot(self, snap: Snapshot) -> None:
        with self._lock:
            self.model.set_categories(snap.categories)
            self.model.set_hall_texts(snap.hall_texts)
            mine = [w for w in snap.windows if w.number == self.model.window]
            if mine:
                self.model.resync(mine[0])
            state = self.model.state
        self._publish(state)

    def event(self, event: StreamEvent) -> None:
        with self._lock:
            changed = self.model.apply(event.type, event.message)
            state = self.model.state
        if changed:
            self._publish(state)

    def connection(self, connected: bool) -> None:
        with self._lock:
            state = self.model.set_connected(connected)
        self._publish(state)

    def photo(self, path: str, data: bytes | None) -> None:
        self.photos[path] = data
        if self._on_photo is not None:
            self._on_photo(path, data)

    def tick(self) -> None:
        """Let expired prompts go (call about once a second from any thread)."""
        with self._lock:
            changed = self.model.tick()
            state = self.model.state
        if changed:
            self._publish(state)

    def _publish(self, state: BoardState) -> None:
        if self._sign is not None:
            self._sign.update(state)
        self._on_change(state)


class DisplaySession:
    """The hall display: model + voice; a FeedListener."""

    def __init__(
        self,
        model: DisplayModel,
        on_change: Callable[[DisplayState], None],
        *,
        announcer: Announcer | None = None,
    ) -> None:
        self.model = model
        self._on_change = on_change
        self._announcer = announcer
        self._lock = threading.Lock()

    @property
    def state(self) -> DisplayState:
        with self._lock:
            return self.model.state

    def snapshot(self, snap: Snapshot) -> None:
        with self._lock:
            self.model.set_categories(snap.categories)
            self.model.set_hall_texts(snap.hall_texts)
            state = self.model.resync(snap.windows, snap.queue)
        self._on_change(state)

    def event(self, event: StreamEvent) -> None:
        with self._lock:
            before = self.model.state
            said = self.model.apply(event.type, event.message)
            state = self.model.state
        if said and self._announcer is not None:
            self._announcer.say(said)  # on the feed's thread: the hub's commit order
        if state != before:
            self._on_change(state)

    def connection(self, connected: bool) -> None:
        with self._lock:
            state = self.model.set_connected(connected)
        self._on_change(state)

    def photo(self, path: str, data: bytes | None) -> None:
        """The display shows no clerk photos."""
