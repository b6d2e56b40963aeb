"""The counter workflow's side of the live link: taking the hub's window state, and the hub
going away and coming back.

:class:`LiveLinkState` is mixed into :class:`counter.workflow.CounterWorkflow`, which holds
the state these methods read and change (declared below for the type checker) and the lock that
guards it. The methods are called from the live link's threads (``counter.live``) and from the
workflow's worker after each operation; none of them runs on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from counter.ports import Clerk, Clock, CounterHub, ItemInfo, QueueView, TodayFigures, WindowView
from counter.states import seen_figures
from counter.texts import Sentence, Texts
from hub.client import HubRefused

if TYPE_CHECKING:
    from counter.rating_steps import RatingSteps

log = logging.getLogger(__name__)


class LiveLinkState:
    """Refreshing the window from the hub and following the hub's presence (a mixin)."""

    # Set by CounterWorkflow.__init__.
    window: int
    hub: CounterHub
    clock: Clock
    texts: Texts
    on_change: Callable[[], None]
    _lock: threading.RLock
    _state: WindowView
    _clerk: Clerk | None
    _signed_in: bool
    _queue: QueueView
    _today: TodayFigures
    _seen: list[float]
    _hub_ok: bool
    _message: Sentence | None
    _message_is_error: bool
    _serving: tuple[str, float] | None
    _items: tuple[ItemInfo, ...]
    _hub_names_clerks: bool
    _answers: int  # answers to the clerk's operations taken so far
    _ratings: RatingSteps

    def refresh(self) -> None:
        """Read the window, its figures and the queue from the hub (I/O: a worker or the live
        link's thread) and show them, unless an operation's answer was taken while they were
        read (that answer is newer). Raises HubUnavailable or HubRefused."""
        with self._lock:
            answers = self._answers
        state, today = self.hub.window(self.window)
        queue = self.hub.queue()
        items: tuple[ItemInfo, ...] | None = None
        if not self._items:
            try:
                items = self.hub.items()
            except HubRefused as err:
                log.info("catalog not readable (%s); the configuration's items are used", err)
        with self._lock:
            if items:
                self._items = items
            if self._answers != answers:
                # Read before the answer to a clerk's operation was taken: showing it would
                # undo that answer (a sign-in seen as a sign-out). The worker refreshes after
                # every operation, so nothing newer is lost.
                log.debug("window %s: a refresh older than the last answer left out", self.window)
                return
            self._take_state(state)
            self._queue = queue
            self._today = today if today is not None else seen_figures(self._seen)
        self.on_change()

    def _set_state(self, state: WindowView) -> None:
        """Take the hub's answer to a clerk's operation (lock held); a refresh read before it
        will not be shown."""
        self._answers += 1
        self._take_state(state)

    def _take_state(self, state: WindowView) -> None:
        """Take the hub's window state (lock held): who is signed in, the ticket's clock."""
        mine = self._clerk
        if self._signed_in and mine is not None:
            other = state.clerk
            if other is not None and other.number != mine.number:
                # Another clerk signed in at this window (AB cover from another box).
                self._signed_out(self.texts.get("signin.taken", name=other.name))
            elif other is None and self._hub_names_clerks:
                # Signed out by the hub: this clerk signed in at another window.
                self._signed_out(self.texts.get("signin.ended"))
        if state.clerk is not None:
            self._hub_names_clerks = True
        current = state.current
        if current is None:
            self._serving = None
        elif self._serving is None or self._serving[0] != current.id:
            offset = 0.0
            if current.called_at is not None and current.called_at.tzinfo is not None:
                age = (self.clock.now() - current.called_at).total_seconds()
                offset = age if 0 <= age < 12 * 3600 else 0.0  # a skewed clock counts from now
            self._serving = (current.id, self.clock.monotonic() - offset)
        self._state = state

    def _signed_out(self, text: str) -> None:
        self._signed_in, self._clerk = False, None
        self._ratings.forget_done()  # an open rating stays with its citizen
        self._message, self._message_is_error = Sentence(text), True

    def hub_lost(self) -> None:
        """The hub stopped answering: say so, refuse every key until it is back."""
        with self._lock:
            changed, self._hub_ok = self._hub_ok, False
        if changed:
            log.warning("window %s: hub away", self.window)
            self.on_change()

    def hub_back(self) -> None:
        """The hub answers again (the live link refreshed the window first)."""
        with self._lock:
            changed, self._hub_ok = not self._hub_ok, True
            if changed:
                self._message, self._message_is_error = Sentence(self.texts.get("hub.back")), False
        if changed:
            log.info("window %s: hub back", self.window)
            self.on_change()
