"""The counter workflow's plain values: its phases, the clerk's actions, what the view draws."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from counter.ports import Clerk, TicketView, TodayFigures
from counter.texts import Sentence


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
    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    BAD_REASON = "bad_reason"


class Executor(Protocol):
    """Runs one job at a time, in order, off the GUI thread."""

    def submit(self, job: Callable[[], None]) -> object: ...


class InlineExecutor:
    """Runs each job at once on the caller's thread (tests, scripts)."""

    def submit(self, job: Callable[[], None]) -> None:
        job()


@dataclass(frozen=True)
class RatingState:
    """The rating of the service just finished: asking, then its result line."""

    number: str
    request: int
    started: float  # monotonic seconds
    timeout: float
    level: int | None = None
    done: bool = False
    line: Sentence | None = None  # the result as the clerk reads it


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
