"""What the workflow's steps need from the workflow, as narrow Protocols.

``counter.workflow.CounterWorkflow`` owns one of each step object (``counter.rating_steps``,
``counter.receipt_steps``, ``counter.case_steps``) and the live-link state
(``counter.link_state``), and hands each of them itself as one of these ports. The steps read
the members when they need them, never a copy (a view may swap ``on_change`` after start), and
never import the workflow: what they may reach is what is declared here, and an import-linter
contract keeps the steps from importing ``counter.workflow``.

Everything here is read-only for the steps; the workflow's private state a step changes is
reached through the callables the workflow passes to the step's constructor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from config import HallConfig
from counter.ports import (
    CaseAccepted,
    Clock,
    CounterHub,
    ItemInfo,
    RatingKeypad,
    ReceiptPrinter,
)
from counter.states import Action
from counter.texts import Sentence, Texts


class FlowBasics(Protocol):
    """The window's number, its hub, clock and texts, and who to tell of a change."""

    @property
    def window(self) -> int:
        """The window number this counter serves."""
        ...

    @property
    def hub(self) -> CounterHub:
        """The hub port (its calls block: the worker's or a link thread's only)."""
        ...

    @property
    def clock(self) -> Clock:
        """The wall clock and the monotonic clock (seconds)."""
        ...

    @property
    def texts(self) -> Texts:
        """The counter's sentences."""
        ...

    @property
    def on_change(self) -> Callable[[], None]:
        """Called after every change, from any thread."""
        ...


class RatingFlow(FlowBasics, Protocol):
    """What the rating steps need: the keypad, the rating settings, and telling the hub went
    away when a rating's post found it gone."""

    @property
    def keypad(self) -> RatingKeypad | None:
        """The window's rating keypad, if it has one."""
        ...

    @property
    def config(self) -> HallConfig:
        """The hall's configuration (the keypad's rating time)."""
        ...

    def hub_lost(self) -> None:
        """The hub stopped answering: every key is refused until it is back."""
        ...


class ReceiptFlow(FlowBasics, Protocol):
    """What the receipt steps need: the receipt printer."""

    @property
    def printer(self) -> ReceiptPrinter | None:
        """The window's receipt printer, if it has one."""
        ...


class CaseFlow(FlowBasics, Protocol):
    """What a case's later steps need: the keypad (a 出件 is confirmed on it), the printer, the
    catalog, the hall's windows, the case accepted last, and whether an action may run now."""

    @property
    def keypad(self) -> RatingKeypad | None:
        """The window's keypad, if it has one."""
        ...

    @property
    def printer(self) -> ReceiptPrinter | None:
        """The window's printer, if it has one."""
        ...

    @property
    def last_case(self) -> CaseAccepted | None:
        """The case the latest 收件 at this window recorded, if any."""
        ...

    def all_items(self) -> tuple[ItemInfo, ...]:
        """Every item of the hall's catalog."""
        ...

    def hall_windows(self) -> tuple[int, ...]:
        """The hall's window numbers, in order (where a finished case may be collected)."""
        ...

    def rating_number_open(self) -> str | None:
        """The number whose rating the keypad asks now, or None (the keypad is free)."""
        ...

    def refusal(self, action: Action) -> Sentence | None:
        """Why ``action`` cannot run now, or None if it can."""
        ...
