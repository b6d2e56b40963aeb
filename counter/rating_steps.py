"""The counter workflow's rating steps: ask the keypad when a service ends, post the citizen's
level, and post a 差评 with the reason the citizen gives the clerk.

The clerk can never enter a level: nothing here takes one from the clerk. The level comes only
from the keypad's callback; a good level is posted at once (on the workflow's worker), a 差评
waits until the clerk picks the citizen's reason.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from counter.states import Phase, RatingState
from counter.texts import Sentence
from hub.client import HubRefused, HubUnavailable
from hub.models import BAD_LEVELS, RATING_LEVELS

if TYPE_CHECKING:
    from counter.workflow import CounterWorkflow

log = logging.getLogger(__name__)


class RatingSteps:
    """The rating of the service just finished at one window; one per CounterWorkflow.

    It reads the workflow's hub, keypad, texts and clock when it needs them (a view may swap
    ``on_change`` after start). ``state`` is guarded by the workflow's lock, shared so that a
    snapshot sees the rating and the window at one instant.
    """

    def __init__(
        self,
        flow: CounterWorkflow,
        lock: threading.RLock,
        submit: Callable[[Callable[[], None]], object],
    ) -> None:
        self._flow = flow
        self._lock = lock
        self._submit = submit  # the workflow's worker: one hub call at a time
        self.state: RatingState | None = None

    # -- what to show (lock held) ------------------------------------------------------------------

    def open_phase(self) -> Phase | None:
        """RATING or BAD_REASON while the rating is still open, else None (lock held)."""
        rating = self.state
        if rating is None or rating.done:
            return None
        return Phase.BAD_REASON if rating.level in BAD_LEVELS else Phase.RATING

    def line(self) -> str | None:
        """The rating line the clerk reads now, or None when no rating is shown (lock held)."""
        rating, texts = self.state, self._flow.texts
        if rating is None:
            return None
        if rating.line is not None:
            return str(rating.line)
        if rating.level in BAD_LEVELS:
            return texts.get("rating.bad", level_name=RATING_LEVELS[rating.level or 5])
        left = max(0, round(rating.started + rating.timeout - self._flow.clock.monotonic()))
        return texts.get("rating.asking", seconds=left)

    def level(self) -> int | None:
        """The level the keypad gave, None until it did (lock held)."""
        return self.state.level if self.state is not None else None

    def forget(self) -> None:
        """Drop the rating line: a new citizen is served or the clerk left (lock held)."""
        self.state = None

    # -- steps -------------------------------------------------------------------------------------

    def ask(self, number: str) -> None:
        """Ask the keypad for the rating of ticket ``number`` (on the worker, after finish); a
        no-op without a keypad. The timeout is the config's, in seconds."""
        flow = self._flow
        keypad = flow.keypad
        if keypad is None:
            return
        timeout = float(flow.config.rating.keypad_timeout_seconds)
        with self._lock:
            # The request number is known only after begin_rating; a result arriving before
            # that (it cannot: the keypad needs a key) would find this placeholder and wait.
            self.state = RatingState(number, -1, flow.clock.monotonic(), timeout)
        request = keypad.begin_rating(timeout, lambda level: self._rated(number, level))
        with self._lock:
            if self.state is not None and self.state.number == number:
                self.state = replace(self.state, request=request)

    def _rated(self, number: str, level: int | None) -> None:
        """The keypad's answer (on the keypad thread: must not block)."""
        with self._lock:
            rating = self.state
            if rating is None or rating.number != number or rating.done:
                return
            if level is None:
                self.state = replace(
                    rating, done=True, line=Sentence(self._flow.texts.get("rating.none"))
                )
            else:
                self.state = replace(rating, level=level)
        if level is not None and level not in BAD_LEVELS:
            self._submit(lambda: self._post(number, level))
        self._flow.on_change()

    def _post(self, number: str, level: int) -> None:
        """Post a good level (on the worker); a failure becomes the rating line, never raised."""
        flow, texts = self._flow, self._flow.texts
        name = RATING_LEVELS.get(level, str(level))
        try:
            flow.hub.rate(flow.window, level, None)
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
        with self._lock:
            if self.state is not None and self.state.number == number:
                self.state = replace(self.state, done=True, line=line)
        flow.on_change()

    def post_bad_reason(self, reason: str) -> Sentence | None:
        """Post the open 差评 with the citizen's ``reason`` (on the worker) and return what to
        tell the clerk (the follow-up), or None when no 差评 is open. Raises HubUnavailable, and
        HubRefused after closing the rating with a line saying it was not saved."""
        flow, texts = self._flow, self._flow.texts
        with self._lock:
            rating = self.state
        if rating is None or rating.level not in BAD_LEVELS:
            return None
        try:
            answer = flow.hub.rate(flow.window, rating.level or 5, reason)
        except HubRefused as err:
            refused = str(texts.refusal(err.code, err.message))
            line = Sentence(texts.get("rating.not_saved", reason=refused))
            with self._lock:
                self.state = replace(rating, done=True, line=line)
            raise
        if answer.followup_due is not None:
            text = texts.get("rating.followup", reason=reason, due=answer.followup_due.isoformat())
        else:
            text = texts.get("rating.followup_nodue", reason=reason)
        name = RATING_LEVELS[rating.level or 5]
        line = Sentence(texts.get("rating.result", level_name=name) + "；" + text)
        with self._lock:
            self.state = replace(rating, done=True, line=line)
        return Sentence(text)
