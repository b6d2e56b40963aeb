"""The counter workflow's rating steps: ask the keypad when a service ends, post the citizen's
level, and post a 差评 with the reason the citizen gives the clerk.

The clerk can never enter a level: nothing here takes one from the clerk. The level comes only
from the keypad's callback; a good level is posted at once (on the workflow's worker), a 差评
waits until the clerk picks the citizen's reason.

A rating never holds the clerk up. It belongs to the finished ticket (posted with its id), so
while the citizen still rates, the clerk may call the next number, pause or sign out; the
rating carries on beside whatever the window does. Only finishing the next service waits for a
差评's reason (the keypad can ask one citizen at a time). The reason may be picked until
shortly before the hub's limit (the keypad's time plus ``BAD_RATING_REASON_SECONDS``); after
that the 差评 cannot be recorded and the line says so.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace

from counter.flow_ports import RatingFlow
from counter.ports import TicketView
from counter.states import Phase, RatingState, RatingView
from counter.texts import Sentence
from hub.client import HubRefused, HubUnavailable
from hub.models import BAD_LEVELS, RATING_LEVELS
from hub.rating import BAD_RATING_REASON_SECONDS

log = logging.getLogger(__name__)

REASON_MARGIN_SECONDS = 5.0
"""The counter stops offering a 差评's reasons this much before the hub's limit (the counter's
clock started after the hub's, and the post takes a moment)."""

DONE_LINE_SECONDS = 20.0
"""How long the result line stays in the band once the rating is recorded (or not)."""


class RatingSteps:
    """The rating of the service last finished at one window; one per counter workflow.

    It reads the workflow's hub, keypad, texts and clock (``flow``, a :class:`RatingFlow`) when
    it needs them (a view may swap
    ``on_change`` after start). ``state`` is guarded by the workflow's lock, shared so that a
    snapshot sees the rating and the window at one instant.
    """

    def __init__(
        self,
        flow: RatingFlow,
        lock: threading.RLock,
        submit: Callable[[Callable[[], None]], object],
    ) -> None:
        self._flow = flow
        self._lock = lock
        self._submit = submit  # the workflow's worker: one hub call at a time
        self.state: RatingState | None = None

    # -- what to show (lock held) ------------------------------------------------------------------

    def _current(self) -> RatingState | None:
        """The rating, with a 差评 whose reason time ran out closed (lock held)."""
        rating = self.state
        if rating is None:
            return None
        now = self._flow.clock.monotonic()
        if (
            not rating.done
            and rating.level in BAD_LEVELS
            and rating.reason_due is not None
            and now > rating.reason_due
        ):
            line = Sentence(self._flow.texts.get("rating.reason_expired"))
            rating = replace(rating, done=True, line=line, done_at=now)
            self.state = rating
        if rating.done and rating.done_at is not None and now > rating.done_at + DONE_LINE_SECONDS:
            self.state = None
            return None
        return rating

    def open_phase(self) -> Phase | None:
        """RATING or BAD_REASON while the rating is still open, else None (lock held)."""
        rating = self._current()
        if rating is None or rating.done:
            return None
        return Phase.BAD_REASON if rating.level in BAD_LEVELS else Phase.RATING

    def asking_number(self) -> str | None:
        """The number whose rating the keypad is asking now (no key yet), or None (lock held)."""
        rating = self._current()
        return rating.number if self.open_phase() is Phase.RATING and rating else None

    def wants_reason(self) -> str | None:
        """The number whose 差评 waits for its reason, or None (lock held)."""
        rating = self._current()
        if rating is None or rating.done or rating.level not in BAD_LEVELS:
            return None
        return rating.number

    def line(self) -> str | None:
        """The rating line the clerk reads now, or None when no rating is shown (lock held)."""
        rating, texts = self._current(), self._flow.texts
        if rating is None:
            return None
        if rating.line is not None:
            return str(rating.line)
        if rating.level in BAD_LEVELS:
            return texts.get("rating.bad", level_name=RATING_LEVELS[rating.level or 5])
        return texts.get("rating.asking", seconds=self._left(rating.started + rating.timeout))

    def level(self) -> int | None:
        """The level the keypad gave, None until it did (lock held)."""
        rating = self._current()
        return rating.level if rating is not None else None

    def view(self) -> RatingView | None:
        """What the rating band shows (lock held)."""
        rating = self._current()
        line = self.line()
        if rating is None or line is None:
            return None
        open_bad = not rating.done and rating.level in BAD_LEVELS
        left: int | None = None
        if open_bad and rating.reason_due is not None:
            left = self._left(rating.reason_due)  # the time left to pick the reason
        elif not rating.done:
            left = self._left(rating.started + rating.timeout)  # the keypad's time left
        return RatingView(rating.number, line, rating.level, not rating.done, open_bad, left)

    def _left(self, until: float) -> int:
        return max(0, round(until - self._flow.clock.monotonic()))

    def forget_done(self) -> None:
        """Drop a finished rating's line: a new citizen is served or the clerk left (lock
        held). An open rating stays: it belongs to the citizen still at the keypad."""
        if self.state is not None and self.state.done:
            self.state = None

    def forget(self) -> None:
        """Drop the rating altogether (lock held): the counter closes."""
        self.state = None

    # -- steps -------------------------------------------------------------------------------------

    def ask(self, ticket: TicketView) -> None:
        """Ask the keypad for the rating of the finished ``ticket`` (on the worker, after
        finish); a no-op without a keypad. The timeout is the config's, in seconds."""
        flow = self._flow
        keypad = flow.keypad
        if keypad is None:
            return
        timeout = float(flow.config.rating.keypad_timeout_seconds)
        with self._lock:
            # The request number is known only after begin_rating; a result arriving before
            # that (it cannot: the keypad needs a key) would find this placeholder and wait.
            self.state = RatingState(ticket.number, -1, flow.clock.monotonic(), timeout, ticket.id)
        request = keypad.begin_rating(timeout, lambda level: self._rated(ticket.id, level))
        with self._lock:
            if self.state is not None and self.state.ticket_id == ticket.id:
                self.state = replace(self.state, request=request)

    def _rated(self, ticket_id: str, level: int | None) -> None:
        """The keypad's answer (on the keypad thread: must not block)."""
        with self._lock:
            rating = self.state
            if rating is None or rating.ticket_id != ticket_id or rating.done:
                return
            now = self._flow.clock.monotonic()
            if level is None:
                line = Sentence(self._flow.texts.get("rating.none"))
                self.state = replace(rating, done=True, line=line, done_at=now)
            else:
                due = rating.started + rating.timeout + BAD_RATING_REASON_SECONDS
                self.state = replace(rating, level=level, reason_due=due - REASON_MARGIN_SECONDS)
        if level is not None and level not in BAD_LEVELS:
            self._submit(lambda: self._post(ticket_id, level))
        self._flow.on_change()

    def _post(self, ticket_id: str, level: int) -> None:
        """Post a good level (on the worker); a failure becomes the rating line, never raised."""
        flow, texts = self._flow, self._flow.texts
        name = RATING_LEVELS.get(level, str(level))
        try:
            flow.hub.rate(flow.window, level, None, ticket_id)
            line = Sentence(texts.get("rating.result", level_name=name))
        except HubUnavailable:
            line = Sentence(texts.get("rating.not_saved", reason=texts.get("err.hub_away")))
            flow.hub_lost()
        except HubRefused as err:
            reason = str(texts.refusal(err.code, err.message))
            line = Sentence(texts.get("rating.not_saved", reason=reason))
        except Exception:
            log.exception("posting the rating failed")
            line = Sentence(texts.get("rating.not_saved", reason=texts.get("err.system")))
        self._close(ticket_id, line)
        flow.on_change()

    def _close(self, ticket_id: str, line: Sentence) -> None:
        with self._lock:
            if self.state is not None and self.state.ticket_id == ticket_id:
                now = self._flow.clock.monotonic()
                self.state = replace(self.state, done=True, line=line, done_at=now)

    def post_bad_reason(self, reason: str) -> Sentence | None:
        """Post the open 差评 with the citizen's ``reason`` (on the worker) and return what to
        tell the clerk (the follow-up), or None when no 差评 is open. Raises HubUnavailable, and
        HubRefused after closing the rating with a line saying it was not saved."""
        flow, texts = self._flow, self._flow.texts
        with self._lock:
            rating = self._current()
        if rating is None or rating.done or rating.level not in BAD_LEVELS:
            return None
        try:
            answer = flow.hub.rate(flow.window, rating.level or 5, reason, rating.ticket_id)
        except HubRefused as err:
            refused = str(texts.refusal(err.code, err.message))
            self._close(rating.ticket_id, Sentence(texts.get("rating.not_saved", reason=refused)))
            raise
        if answer.followup_due is not None:
            text = texts.get("rating.followup", reason=reason, due=answer.followup_due.isoformat())
        else:
            text = texts.get("rating.followup_nodue", reason=reason)
        name = RATING_LEVELS[rating.level or 5]
        line = Sentence(texts.get("rating.result", level_name=name) + "；" + text)
        self._close(rating.ticket_id, line)
        return Sentence(text)
