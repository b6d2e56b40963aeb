"""The window as the hub last told it, and whether the hub is there: the live link's side of the
counter workflow.

:class:`LiveLinkState` is one object the workflow holds (``counter.workflow``). It owns the
window state, the queue, today's figures, the catalog read from the hub, the served ticket's
clock and the hub's presence; the workflow's lock, shared with it, guards them all, so a
snapshot sees the window and the clerk at one instant. What it needs from the workflow is a
:class:`counter.flow_ports.FlowBasics` and three callables for the clerk's sign-in and the
message line, which the workflow owns.

``refresh``, ``hub_lost`` and ``hub_back`` are called from the live link's threads
(``counter.live``) and from the workflow's worker after each operation; none of them runs on
the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from counter.flow_ports import FlowBasics
from counter.ports import Clerk, ItemInfo, QueueView, TodayFigures, WindowView
from counter.states import seen_figures
from counter.texts import Sentence
from hub.client import HubRefused
from hub.presence import HubPresence

log = logging.getLogger(__name__)


class LiveLinkState:
    """Refreshing the window from the hub and following the hub's presence; one per workflow.

    ``state``, ``queue``, ``today``, ``items``, ``serving`` and ``hub_ok`` are read by the
    workflow with the shared lock held. ``clerk`` gives the clerk signed in now, or None (lock
    held); ``signed_out`` signs that clerk out with a sentence saying why (lock held, so the
    workflow also drops a finished rating's line); ``say`` leaves a sentence in the message line.
    """

    def __init__(
        self,
        flow: FlowBasics,
        lock: threading.RLock,
        state: WindowView,
        *,
        clerk: Callable[[], Clerk | None],
        signed_out: Callable[[str], None],
        say: Callable[..., None],
    ) -> None:
        self._flow = flow
        self._lock = lock
        self._clerk = clerk
        self._signed_out = signed_out
        self._say = say
        self.state = state
        self.queue = QueueView()
        self.today = TodayFigures()
        self.items: tuple[ItemInfo, ...] = ()
        self.serving: tuple[str, float] | None = None  # ticket id, monotonic start
        self.presence = HubPresence(f"window {flow.window}")  # logs each change once
        self._seen: list[float] = []  # service seconds finished here (when the hub has no figure)
        self._hub_names_clerks = False  # whether this hub's window state names the clerk
        self._answers = 0  # answers to the clerk's operations taken so far

    def refresh(self) -> None:
        """Read the window, its figures and the queue from the hub (I/O: a worker or the live
        link's thread) and show them, unless an operation's answer was taken while they were
        read (that answer is newer). Raises HubUnavailable or HubRefused."""
        flow = self._flow
        with self._lock:
            answers = self._answers
        state, today = flow.hub.window(flow.window)
        queue = flow.hub.queue()
        items: tuple[ItemInfo, ...] | None = None
        if not self.items:
            try:
                items = flow.hub.items()
            except HubRefused as err:
                log.info("catalog not readable (%s); the configuration's items are used", err)
        with self._lock:
            if items:
                self.items = items
            if self._answers != answers:
                # Read before the answer to a clerk's operation was taken: showing it would
                # undo that answer (a sign-in seen as a sign-out). The worker refreshes after
                # every operation, so nothing newer is lost.
                log.debug("window %s: a refresh older than the last answer left out", flow.window)
                return
            self._take_state(state)
            self.queue = queue
            self.today = today if today is not None else seen_figures(self._seen)
        flow.on_change()

    def set_state(self, state: WindowView) -> None:
        """Take the hub's answer to a clerk's operation (lock held); a refresh read before it
        will not be shown."""
        self._answers += 1
        self._take_state(state)

    def finished(self, seconds: float | None) -> None:
        """A service of ``seconds`` (None: not timed here) ended at this window (lock held):
        today's figures count it when the hub gives none."""
        if seconds is not None:
            self._seen.append(seconds)
        if self.today.source == "seen":
            self.today = seen_figures(self._seen)

    def _take_state(self, state: WindowView) -> None:
        """Take the hub's window state (lock held): who is signed in, the ticket's clock."""
        texts = self._flow.texts
        mine = self._clerk()
        if mine is not None:
            other = state.clerk
            if other is not None and other.number != mine.number:
                # Another clerk signed in at this window (AB cover from another box).
                self._signed_out(texts.get("signin.taken", name=other.name))
            elif other is None and self._hub_names_clerks:
                # Signed out by the hub: this clerk signed in at another window.
                self._signed_out(texts.get("signin.ended"))
        if state.clerk is not None:
            self._hub_names_clerks = True
        current = state.current
        if current is None:
            self.serving = None
        elif self.serving is None or self.serving[0] != current.id:
            clock = self._flow.clock
            offset = 0.0
            if current.called_at is not None and current.called_at.tzinfo is not None:
                age = (clock.now() - current.called_at).total_seconds()
                offset = age if 0 <= age < 12 * 3600 else 0.0  # a skewed clock counts from now
            self.serving = (current.id, clock.monotonic() - offset)
        self.state = state

    @property
    def hub_ok(self) -> bool:
        """Whether the hub answered last time (:attr:`presence`)."""
        return self.presence.present

    def hub_lost(self) -> None:
        """The hub stopped answering: say so, refuse every key until it is back."""
        if self.presence.report(False):
            self._flow.on_change()

    def hub_back(self) -> None:
        """The hub answers again (the live link refreshed the window first)."""
        if self.presence.report(True):
            with self._lock:
                self._say(Sentence(self._flow.texts.get("hub.back")))
            self._flow.on_change()
