"""The counter workflow's plain values: its phases, the clerk's actions, what the view draws,
and the pure rules over them (which action is refused when, today's figures as seen)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from counter.ports import Clerk, LongestWait, TicketView, TodayFigures
from counter.texts import Sentence, Texts


class Phase(StrEnum):
    SIGNED_OUT = "signed_out"
    IDLE = "idle"
    SERVING = "serving"
    PAUSED = "paused"
    RATING = "rating"  # waiting for the citizen's key
    BAD_REASON = "bad_reason"  # 差评: the clerk picks the reason the citizen gives


class Action(StrEnum):
    """Everything a clerk can press (the config's ``counter_keys`` names these)."""

    CALL_NEXT = "call_next"
    CALL_NUMBER = "call_number"
    RECALL = "recall"
    SKIP = "skip"
    TRANSFER = "transfer"
    PAUSE = "pause"
    RESUME = "resume"
    FINISH = "finish"
    RECEIPT = "receipt"
    PROGRESS = "progress"  # 办理进度: 办理中 / 已办结待领取
    DELIVER = "deliver"  # 出件/领取
    CORRECTION = "correction"  # 补正通知
    REJECT = "reject"  # 不予受理
    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    BAD_REASON = "bad_reason"


CASE_ACTIONS = frozenset(
    {Action.RECEIPT, Action.PROGRESS, Action.DELIVER, Action.CORRECTION, Action.REJECT}
)
"""Keys for a case's paperwork: any signed-in clerk, serving or not, paused or not."""


class Executor(Protocol):
    """Runs one job at a time, in order, off the GUI thread."""

    def submit(self, job: Callable[[], None]) -> object: ...


class InlineExecutor:
    """Runs each job at once on the caller's thread (tests, scripts)."""

    def submit(self, job: Callable[[], None]) -> None:
        job()


@dataclass(frozen=True)
class RatingState:
    """The rating of the service last finished: asking, then its result line."""

    number: str
    request: int
    started: float  # monotonic seconds
    timeout: float
    ticket_id: str = ""  # the finished ticket the rating is posted for
    level: int | None = None
    done: bool = False
    line: Sentence | None = None  # the result as the clerk reads it
    reason_due: float | None = None  # monotonic: a 差评's reason may be picked until then
    done_at: float | None = None  # monotonic: when it was recorded or given up


@dataclass(frozen=True)
class RatingView:
    """The rating band as the clerk sees it, beside whatever the window does now."""

    number: str  # the rated service's ticket
    line: str
    level: int | None
    open: bool  # still waiting for the citizen's key or the 差评's reason
    wants_reason: bool  # a 差评 whose reason the clerk is to pick
    seconds_left: int | None  # for the key, or for the reason; None once done


@dataclass(frozen=True)
class Snapshot:
    """Everything the view draws, taken at one instant."""

    phase: Phase
    window: int
    window_name: str
    clerk: Clerk | None
    current: TicketView | None
    item_name: str | None
    elapsed_seconds: int | None
    pause_reason: str | None
    queue: dict[str, dict[str, int]]
    today: TodayFigures
    hub_ok: bool
    busy: bool
    message: Sentence | None
    message_is_error: bool
    rating_line: str | None
    rating_level: int | None
    bad_reasons: tuple[str, ...]
    rating: RatingView | None = None
    longest_wait: LongestWait | None = None
    now: datetime | None = None  # the hall's time when the snapshot was taken


def refusal_for(
    action: Action,
    phase: Phase,
    current: TicketView | None,
    texts: Texts,
    *,
    hub_ok: bool,
    busy: bool,
    reason_for: str | None = None,
) -> Sentence | None:
    """Why ``action`` cannot run now (a sentence from ``texts``), or None if it can.

    ``phase`` and ``current`` (the ticket at the window) are the window's as the counter holds
    them; with the hub away (``hub_ok`` False) or another operation running (``busy``) every
    action is refused. A rating in progress (phase RATING or BAD_REASON) refuses nothing: the
    clerk calls, pauses or signs out while the citizen rates. ``reason_for`` is the number
    whose 差评 waits for its reason: the reason may be given even after sign-out, and only
    finishing the next service waits for it (the keypad asks one citizen at a time).
    """
    if not hub_ok:
        return Sentence(texts.get("refuse.hub_away"))
    if busy:
        return Sentence(texts.get("refuse.busy"))
    if action is Action.BAD_REASON:
        return None if reason_for is not None else Sentence(texts.get("refuse.no_bad_rating"))
    if action is Action.SIGN_IN:
        return None
    if phase is Phase.SIGNED_OUT:
        return Sentence(texts.get("refuse.signed_out"))
    if action in CASE_ACTIONS:
        return None
    if action is Action.FINISH and current is not None and reason_for is not None:
        return Sentence(texts.get("refuse.bad_reason_first", number=reason_for))
    if action in (Action.CALL_NEXT, Action.CALL_NUMBER, Action.PAUSE, Action.SIGN_OUT):
        if current is not None:
            return Sentence(texts.get("refuse.serving", number=current.number))
        if phase is Phase.PAUSED and action is not Action.SIGN_OUT:
            return Sentence(texts.get("refuse.paused"))
        return None
    if action is Action.RESUME:
        return None if phase is Phase.PAUSED else Sentence(texts.get("refuse.not_paused"))
    if current is None:  # recall, skip, transfer, finish
        return Sentence(texts.get("refuse.no_ticket"))
    return None


def seen_figures(seconds: list[float]) -> TodayFigures:
    """Today's figures as this counter saw them: how many services it finished since it started
    and their average in minutes (``seconds`` are each service's length in seconds)."""
    average = sum(seconds) / len(seconds) / 60 if seconds else None
    return TodayFigures(len(seconds), average, "seen")
